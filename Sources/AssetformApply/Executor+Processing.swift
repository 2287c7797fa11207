import AssetformCore
import AssetformRemote
import Synchronization
import Timing

/// Waiting for Processing assets (SPEC §6): the window of this run's assets Processing at once,
/// the slots creates take in it, and the looks at the service that free them.
extension Executor {
    /// `address` is Processing: it holds a slot of the window until it is seen to settle (by
    /// the wait at the end, or by a create waiting for a slot). With --no-wait, what is still
    /// Processing at the end is said in the summary, and the next run picks it up.
    func awaitProcessing(_ address: Address, id: String, groupID: String, reserved: Bool = false) {
        window.hold(address, Pending(id: id, groupID: groupID), reserved: reserved)
        let n = window.pending.count
        peak.withLock { $0 = max($0, n) }
    }

    /// A slot of the Processing window for a create: at once while the window has room;
    /// otherwise the run looks at the service (one task for all: at once, then with backoff
    /// while nothing settles) until an asset settles, for `slotPatience` at most.
    func takeSlot(_ step: Plan.Step) async throws {
        let deadline = ContinuousClock.now + options.slotPatience
        var delay = Duration.zero
        while !window.tryReserve() {
            if stop.isSet || Task.isCancelled { throw RemoteError(.cancelled, call: "CreateAsset", message: "the run stopped") }
            // Given up only once the whole wait is over (a look is made at its end).
            let now = ContinuousClock.now
            guard now < deadline else {
                throw Skipped(
                    reason: "not created: \(window.capacity) assets stayed Processing (limits.processing) for "
                        + "\(DurationText.format(options.slotPatience)); apply again once they settle")
            }
            if delay > .zero { try? await Task.sleep(for: min(delay, deadline - now)) }
            // Mostly taken by creates still under way (waiting for their turn at the rate, say):
            // their answers free or fill the slots; looking at the service would learn nothing.
            guard window.pending.count * 2 >= window.capacity else {
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            guard window.beginLooking() else {
                // Another task looks: its answer frees slots for this one too.
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            let settled = await settleRound()
            window.endLooking()
            delay = settled > 0 ? .zero : min(max(delay * 2, .milliseconds(100)), .seconds(2))
        }
    }

    /// While the workers create: once the window is half full, looks at the service every half
    /// second (at most) and frees the slots of the assets that settled. Ends when cancelled.
    func watchWindow() async {
        while !Task.isCancelled && !stop.isSet {
            try? await Task.sleep(for: .milliseconds(500))
            guard !Task.isCancelled, window.pending.count * 2 >= window.capacity, window.beginLooking() else { continue }
            _ = await settleRound()
            window.endLooking()
        }
    }

    /// Polls with backoff until every Processing asset is Active or Failed, or `wait` is over:
    /// on seedance by listing the groups concerned (a page per 100 assets), on 0-0 one get each.
    func waitForProcessing() async {
        let started = ContinuousClock.now
        let deadline = started + options.wait
        var delay = Duration.milliseconds(250)
        defer { tally.withLock { $0.waited = ContinuousClock.now - started } }
        while !stop.isSet && !Task.isCancelled {
            let waiting = window.pending.count
            if waiting == 0 { return }
            if let (since, error) = unreachableSince.withLock({ $0 }),
                ContinuousClock.now - since >= Self.unreachablePatience
            {
                // The service has not answered a look for a while: waiting out `wait` would only
                // hide it. What is still Processing is recorded so, for the next run.
                tally.withLock {
                    $0.waitCutShort =
                        "the service did not answer for \(DurationText.format(ContinuousClock.now - since)) "
                        + "(\(error.description)); the wait ended early"
                }
                return
            }
            events(.waiting(remaining: waiting))
            guard ContinuousClock.now + delay < deadline else { return }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
            _ = await settleRound()
        }
    }

    /// Looks once at the Processing assets, and records those that settled; returns how many.
    /// A fatal answer stops the run; any other failure is looked at again next round.
    private func settleRound() async -> Int {
        var settled: [ProcessingWindow.Settled] = []
        do {
            // The window's assets are copied out for the look (an array, a third of the table's
            // size): its table itself, shared while the look lasts, would be copied whole by the
            // first create that became Processing meanwhile.
            let looked = try await look(at: Array(window.pending.values))
            unreachableSince.withLock { $0 = nil }
            settled = window.takeSettled { looked.status(of: $0) }
            let recorded = ledger.settle(settled.map { ($0.address, $0.status, $0.failure) })
            for s in settled[..<recorded.count] {
                events(.settled(address: s.address, status: s.status, failure: s.failure))
                if s.status == .failed {
                    let f = s.failure
                    tally.withLock {
                        $0.failed.append(Problem(address: s.address, code: f?.code, message: f?.message ?? "the asset failed"))
                    }
                } else {
                    tally.withLock { $0.active += 1 }
                }
            }
            // What could not be recorded is still waited for (and said to be, if the run stops).
            for s in settled[recorded.count...] { window.hold(s.address, s.pending, reserved: false) }
            if let failure = recorded.failure { throw failure }
            return recorded.count
        } catch let error as RemoteError {
            // Cancelled: the run was interrupted (which says so itself), or this look was a
            // watcher's, ended because the creates are done. Neither stops the run here.
            if error.kind == .fatalForRun {
                await halt(.fatal(error.description, temporary: error.isTemporary, call: error.call))
            } else if error.kind != .cancelled {
                // No answer at all (no HTTP status): the service may be down. Said, and the final
                // wait ends after `unreachablePatience` of it.
                unreachableSince.withLock { u in
                    if error.status == nil && error.code == nil {
                        u = (u?.since ?? .now, error)
                    } else {
                        u = nil
                    }
                }
            }
        } catch {
            await halt(.fatal(Redaction.redact("\(error)")))
        }
        return 0
    }

    /// What one look at the service found of the assets waited for.
    struct Looked: Sendable {
        /// Listing (seedance): the ids looked for that are no longer Processing, and the Failed
        /// ones among them; the rest of those settled Active. (An asset that became Processing
        /// after the look is not among them: it was not looked for.)
        var settled: Set<String> = []
        var failed: [String: RemoteAsset] = [:]
        /// Getting (0-0): each asset as the service answered; one it did not find is looked for
        /// again next round.
        var got: [String: RemoteAsset]?

        /// `id`'s status and failure, when known.
        func status(of id: String) -> (AssetStatus, RemoteAsset.Failure?)? {
            if let got { return got[id].map { ($0.status, $0.failure) } }
            guard settled.contains(id) else { return nil }
            if let f = failed[id] { return (.failed, f.failure) }
            return (.active, nil)
        }
    }

    private func look(at waiting: [Pending]) async throws(RemoteError) -> Looked {
        var looked = Looked()
        if service.capabilities.canList {
            // Only what is still Processing, and then what Failed: a page or two, however many
            // assets the groups hold. The rest of those waited for became Active.
            let groupIDs = Array(Set(waiting.map(\.groupID))).sorted()
            var processing = Set<String>()
            // Each one's own status counts: a gateway may ignore the filter and list them all.
            for a in try await service.allAssets(groupIDs: groupIDs, statuses: [.processing]) where a.status == .processing {
                processing.insert(a.id)
            }
            var settledGroups = Set<String>()
            for p in waiting where !processing.contains(p.id) {
                looked.settled.insert(p.id)
                settledGroups.insert(p.groupID)
            }
            // (None settled: no call; an empty filter would list every group's.)
            if !settledGroups.isEmpty {
                for a in try await service.allAssets(groupIDs: settledGroups.sorted(), statuses: [.failed])
                where a.status == .failed {
                    looked.failed[a.id] = a
                }
            }
            return looked
        }
        var seen: [String: RemoteAsset] = [:]
        let service = self.service
        do {
            return try await withThrowingTaskGroup(of: RemoteAsset?.self) { tasks in
                for p in waiting {
                    tasks.addTask {
                        do {
                            return try await service.getAsset(id: p.id)
                        } catch let error as RemoteError where error.kind == .notFound {
                            return nil
                        }
                    }
                }
                for try await a in tasks { if let a { seen[a.id] = a } }
                looked.got = seen
                return looked
            }
        } catch let error as RemoteError {
            throw error
        } catch {
            throw RemoteError(.cancelled, call: "wait", message: "\(error)")
        }
    }
}
