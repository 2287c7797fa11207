import AssetformCore
import AssetformRemote
import Synchronization
import Timing

/// Billed creates (SPEC §6): journaled before they are sent, reconciled, never blindly resent.
extension Executor {
    /// A billed, non-idempotent create: its intent is journaled (durably) just before the
    /// request is sent; a definite failure abandons the intent; an unknown outcome is reconciled
    /// by listing where the dialect can (and the object adopted if found), and only then sent
    /// again. On 0-0, which cannot list, it is sent again and reported as a possible duplicate.
    /// Returns what was made, the intent its record closes, whether a listing found it, and
    /// (0-0) the intents of earlier tries, which the record closes too.
    func create<T: Sendable>(
        _ step: Plan.Step, intent: @escaping @Sendable (Int, Double) -> JournalRecord.Intent,
        send: (@escaping CreateHook) async throws(RemoteError) -> T, reconcile: (Double) async throws(RemoteError) -> T?
    ) async throws -> (T, Int, Bool, [Int]) {
        // Each round is one try of the create (as `limits.attempts` counts them).
        let rounds = max(1, options.attempts)
        // On 0-0, the intents of earlier tries whose outcome stayed unknown: open until the
        // create is recorded, so that a run that ends first (a second signal, the grace over,
        // the tries used up) leaves them for the next run to report as possible duplicates.
        var earlier: [Int] = []
        /// A try sent again may have made a second object: said once it was sent (made, or of
        /// unknown outcome), not when it was refused or never sent.
        func resent() {
            guard !earlier.isEmpty else { return }
            tally.withLock { $0.possibleDuplicates.append(step.address) }
            events(.possibleDuplicate(address: step.address))
        }
        /// Whether the next round may send it again: paid from the retry budget, after a
        /// backoff (`CallPolicy.mayResend`).
        func mayResend(after error: RemoteError, round: Int) async -> Bool {
            let callClass: CallClass = if case .createGroup = step.action { .write } else { .createAsset }
            return await policy.mayResend(RemoteCall(error.call, callClass, isCreate: true), attempt: round, after: error)
        }
        for round in 1...rounds {
            let seq = IntentSlot()
            let ledger = self.ledger
            let hook: @Sendable (Int) async throws(RemoteError) -> Void = { (_: Int) async throws(RemoteError) -> Void in
                guard seq.value == nil else { return }
                let at = UTCDate.now()
                switch await ledger.intent({ intent($0, at) }) {
                case .success(let n): seq.value = (n, at)
                case .failure(let f):
                    // Not sent, and not the service's doing: the journal's failure is what is reported.
                    seq.failure = f
                    throw RemoteError(.cancelled, call: "journal", message: "not sent: its intent could not be journaled")
                }
            }
            do {
                let value = try await send(hook)
                guard let (n, _) = seq.value else { throw internalError(step) }
                resent()
                return (value, n, false, earlier)
            } catch let error as RemoteError {
                if let failure = seq.failure { throw failure }
                guard let (n, at) = seq.value, error.kind != .cancelled else {
                    if let (n, _) = seq.value { try ledger.abandon(n) }  // journaled, never sent
                    if !earlier.isEmpty {
                        // Stopped before it was sent again: on 0-0 an earlier try may have been
                        // made (where the dialect lists, the listing showed it was not). Its
                        // intent stays open, for the next run.
                        var unknown = error
                        unknown.kind = .ambiguous
                        unknown.outcomeUnknown = true
                        unknown.message =
                            "stopped before it was sent again; an earlier try of it may have been made "
                            + "(the next apply sends it again and reports it as a possible duplicate)"
                        throw unknown
                    }
                    throw error
                }
                guard error.kind == .ambiguous else {
                    // It was refused: this try made nothing (an earlier one may have).
                    try ledger.abandon(n)
                    if !earlier.isEmpty {
                        var unknown = error
                        unknown.outcomeUnknown = true
                        throw unknown
                    }
                    throw error
                }
                if service.capabilities.canList {
                    let found: T?
                    do {
                        found = try await reconcile(at)
                    } catch {
                        guard error.kind != .fatalForRun else {
                            // The run stops, and this create stays unsettled (its intent open).
                            var stop = error
                            stop.outcomeUnknown = true
                            throw stop
                        }
                        // The listing that would settle it failed: it may have been made (its
                        // intent stays open, for the next run to settle).
                        var unknown = error
                        unknown.message = "its outcome is unknown (the listing to settle it failed: \(error.message))"
                        unknown.kind = .ambiguous
                        throw unknown
                    }
                    if let found {
                        // Made after all. A wait longer than a run makes still ends the run.
                        if error.stayedThrottled { await halt(.fatal(error.description, temporary: true, call: error.call)) }
                        return (found, n, true, earlier)
                    }
                    try ledger.abandon(n)  // the listing shows it was not made
                    if error.stayedThrottled {
                        // Settled, and the service asks for a longer wait than a run makes: stop.
                        var stop = error
                        stop.kind = .fatalForRun
                        throw stop
                    }
                    if round == rounds {
                        // Not made, as the listing shows: a failure that may pass, not an unknown outcome.
                        var known = error
                        known.kind = .retryable
                        throw known
                    }
                    guard await mayResend(after: error, round: round) else {
                        var known = error
                        known.kind = .retryable
                        known.message +=
                            "; not sent again: the retry budget is spent (too many failures in this run), or the run is stopping"
                        throw known
                    }
                    continue
                } else {
                    // 0-0 cannot list: this try may have been made. Its intent stays open until
                    // the create is recorded (or for the next run).
                    resent()
                    earlier.append(n)
                    if error.answeredSuccess {
                        // It was made (the service said so) and its answer cannot be read: sent
                        // again it would be made twice, and so would every create after it.
                        var stop = error
                        stop.kind = .fatalForRun
                        stop.outcomeUnknown = true
                        stop.message +=
                            "; it is not sent again, and the run stops: every create would be answered so. The next apply "
                            + "creates it again and reports it as a possible duplicate; if the service shows it, "
                            + "`assetform import` it instead"
                        throw stop
                    }
                    // (Each try sent again may make one more, billed: an outage sends it again
                    // only as the retry budget allows, after a backoff.)
                    if !error.stayedThrottled, round < rounds, await mayResend(after: error, round: round) { continue }
                    // Not sent again in this run: its intent stays open, for the next run.
                    var stop = error
                    if error.stayedThrottled { stop.kind = .fatalForRun }
                    stop.outcomeUnknown = true
                    stop.message +=
                        " (this create may have been made: the next apply sends it again and reports it as a possible duplicate)"
                    throw stop
                }
            }
        }
        throw internalError(step)
    }

    /// The journaled intent of one round of a create, once there is one; or why it could not be
    /// journaled.
    final class IntentSlot: Sendable {
        private let slot = Mutex<((Int, Double)?, ApplyError?)>((nil, nil))
        var value: (Int, Double)? {
            get { slot.withLock { $0.0 } }
            set { slot.withLock { $0.0 = newValue } }
        }
        var failure: ApplyError? {
            get { slot.withLock { $0.1 } }
            set { slot.withLock { $0.1 = newValue } }
        }
    }
}
