public import AssetformCore
public import AssetformRemote
import Synchronization
import Timing

/// How a run goes.
public struct ApplyOptions: Sendable {
    /// How long to wait for Processing assets; zero: do not wait.
    public var wait: Duration
    /// Actions worked on at once (the call policy still caps calls in flight).
    public var workers: Int
    /// Tries of a create whose outcome stayed unknown (each after reconciling, where possible).
    public var attempts = 6
    /// How often the run writes the lockfile from the ledger while it goes (`ApplyRun`).
    public var checkpointEvery: Duration = .seconds(5)
    /// Assets Processing at once, at most (`limits.processing`).
    public var processing = 30
    /// How long a create waits for a slot in a full Processing window before it is given up.
    public var slotPatience: Duration = .seconds(15 * 60)

    public init(wait: Duration, workers: Int) {
        self.wait = wait
        self.workers = workers
    }
}

/// Executes a plan (SPEC §6): groups before their assets, everything else concurrently under
/// the call policy; each action's failure contained and recorded; errors that would repeat for
/// every action stop the run; creates journaled before they are sent and reconciled, never
/// blindly resent, when their outcome is unknown; then waits for Processing assets.
public final class Executor: Sendable {
    let plan: Plan
    let service: any AssetService
    let policy: CallPolicy
    let ledger: Ledger
    let options: ApplyOptions
    let api: API
    let stop: StopFlag
    let events: @Sendable (ApplyEvent) -> Void
    let tally = Mutex(ApplyReport())
    let window: ProcessingWindow
    /// The most assets this run knew Processing at once.
    let peak = Mutex(0)
    /// Since when the looks at the Processing assets have found no service to answer them
    /// (connections refused or timed out, every retry), and the last such failure; nil while
    /// the service answers (a throttle or a 5xx is an answer).
    let unreachableSince = Mutex<(since: ContinuousClock.Instant, error: RemoteError)?>(nil)
    /// How long the final wait goes on with no service to answer: then it ends, what is still
    /// Processing left for the next run (not converged), instead of waiting out `limits.wait`.
    static let unreachablePatience = Duration.seconds(60)

    /// An asset waited for: its remote id and its group's.
    struct Pending: Sendable {
        var id: String
        var groupID: String
    }

    public init(
        plan: Plan, service: any AssetService, policy: CallPolicy, ledger: Ledger, api: API, options: ApplyOptions,
        stop: StopFlag, events: @escaping @Sendable (ApplyEvent) -> Void
    ) {
        self.plan = plan
        self.service = service
        self.policy = policy
        self.ledger = ledger
        self.api = api
        self.options = options
        self.stop = stop
        self.events = events
        window = ProcessingWindow(capacity: options.processing)
    }

    var reconciler: Reconciler {
        let ledger = self.ledger
        return Reconciler(
            service: service, patience: max(options.wait, .seconds(60)), claim: { ledger.claim($0) },
            isClaimed: { ledger.isClaimed($0) })
    }

    /// Runs the plan, recording every result in the ledger; writing the lockfile is the
    /// caller's (`ApplyRun`). Cancelled, it stops at once and returns what it has recorded.
    public func run() async -> ApplyReport {
        tally.withLock { $0.unchanged = plan.unchanged.count }
        let moves = plan.steps.filter { $0.verb == .move }
        let deletes = plan.steps.filter { $0.verb == .delete }
        let groups = plan.steps.filter { $0.kind == .group && $0.verb != .move && $0.verb != .delete }
        // The assets' steps by index: a copy of 100,000 steps would be tens of megabytes.
        let assets = plan.steps.indices.filter {
            plan.steps[$0].kind == .asset && plan.steps[$0].verb != .move && plan.steps[$0].verb != .delete
        }
        // Moves before everything (the other steps of a moved object find it at its new
        // address), one by one, in order (a move may free the address the next one takes).
        for step in moves { await run(step) }
        // Then deletes, which free quota before anything is created: the assets at once, then
        // each group (once its tracked assets are gone).
        await withTaskGroup(of: Void.self) { tasks in
            for step in deletes where step.kind == .asset { tasks.addTask { await self.run(step) } }
        }
        for step in deletes where step.kind == .group { await run(step) }
        // Groups first (few, and each asset needs its group's id), all at once.
        await withTaskGroup(of: Void.self) { tasks in
            for step in groups { tasks.addTask { await self.run(step) } }
        }
        // Then the assets, by a pool of workers that stops taking work when the run stops.
        // Beside them, one task frees slots of the Processing window as assets settle, so that
        // a create seldom waits for one.
        let next = Cursor()
        let workers = max(1, min(options.workers, assets.count))
        await withTaskGroup(of: Bool.self) { tasks in
            for _ in 0..<workers {
                tasks.addTask {
                    while !self.stop.isSet && !Task.isCancelled {
                        guard let i = next.take(below: assets.count) else { return true }
                        await self.run(self.plan.steps[assets[i]])
                    }
                    return true
                }
            }
            tasks.addTask {
                await self.watchWindow()
                return false
            }
            var running = workers
            for await isWorker in tasks where isWorker {
                running -= 1
                if running == 0 { tasks.cancelAll() }
            }
        }
        let dispatched = next.taken
        tally.withLock { $0.notStarted += assets.count - dispatched }
        if !stop.isSet && !Task.isCancelled && options.wait > .zero { await waitForProcessing() }
        var report = tally.withLock { $0 }
        report.calls = await policy.counters
        report.rates = await policy.achievedRates
        report.stopped = stop.reason
        report.stillProcessing += window.pending.keys.sorted()
        report.processingPeak = peak.withLock { $0 }
        return report
    }

    // MARK: - One action

    private func run(_ step: Plan.Step) async {
        guard !stop.isSet else {
            tally.withLock { $0.notStarted += 1 }
            return
        }
        if case .failed(_, let f) = step.action {
            // Nothing is sent: it failed in an earlier run, and is reported again.
            let problem = Problem(
                address: step.address, code: f?.code,
                message: "it failed remotely in an earlier run: "
                    + (f.map { "\($0.code): \($0.message)" } ?? "no reason given")
                    + "; it is created again only with --retry-failed or a changed url")
            tally.withLock { $0.failedEarlier.append(problem) }
            events(.failed(step, problem))
            return
        }
        events(.started(step))
        do {
            let outcome = try await StepContext.$address.withValue(step.address) { try await execute(step) }
            tally.withLock { r in
                switch outcome {
                case .created(_, _, let recovered):
                    if recovered {
                        r.recovered += 1
                    } else if step.verb == .replace {
                        r.replaced += 1
                    } else {
                        r.created += 1
                    }
                case .adopted: r.adopted += 1
                case .updated: r.updated += 1
                case .forgotten: r.forgotten += 1
                case .deleted:
                    r.deleted += 1
                    if !step.address.isGroup { r.deletedAssets.append(step.address) }
                case .keptHolding(let n):
                    r.forgotten += 1
                    r.keptGroups.append(
                        Problem(
                            address: step.address, code: nil,
                            message: "not deleted: it holds \(n) object\(n == 1 ? "" : "s") this lockfile does not track; "
                                + "forgotten instead (the remote group stays)"))
                case .moved: r.moved += 1
                case .waiting: break
                }
            }
            events(.completed(step, outcome))
        } catch let error as RemoteError {
            if error.kind == .cancelled {
                tally.withLock { $0.notStarted += 1 }
                events(.notSent(step))
                return
            }
            if error.kind == .fatalForRun {
                await halt(.fatal(error.description, temporary: error.isTemporary && !error.outcomeUnknown, call: error.call))
            }
            // A create whose outcome stayed unknown may have been made: not "before any change".
            let unknown = error.kind == .ambiguous || error.outcomeUnknown
            fail(
                step,
                Problem(
                    address: step.address, code: error.code, message: error.description,
                    temporary: error.isTemporary && !unknown, outcomeUnknown: unknown))
        } catch let skipped as Skipped {
            // Where its cause failed too, and is reported, whether trying again may succeed is the cause's.
            fail(step, Problem(address: step.address, code: nil, message: skipped.reason, temporary: skipped.consequence))
        } catch let error as ApplyError {
            await halt(.fatal(error.description, recording: true))
            fail(step, Problem(address: step.address, code: nil, message: error.description))
        } catch {
            fail(step, Problem(address: step.address, code: nil, message: Redaction.redact("\(error)")))
        }
    }

    /// Stops the run: nothing more is dispatched, and no call that has not started starts.
    func halt(_ why: ApplyReport.Stop) async {
        if stop.stop(why) { await policy.stop() }
    }

    func fail(_ step: Plan.Step?, _ problem: Problem) {
        tally.withLock { $0.failed.append(problem) }
        events(.failed(step, problem))
    }

    private func execute(_ step: Plan.Step) async throws -> Outcome {
        let address = step.address
        switch step.action {
        case .forget:
            try await recordDone(.forget(address))
            return .forgotten
        case .delete(let id):
            return try await delete(step, id: id)
        case .move(let from, let id):
            try await recordDone(.move(from: from, to: address, id: id))
            return .moved
        case .createGroup(let name, let description, _):
            let (group, seq, recovered, earlier) = try await create(
                step,
                intent: { JournalRecord.Intent(seq: $0, at: $1, address: address, name: name, description: description) },
                send: { (hook) async throws(RemoteError) -> RemoteGroup in
                    try await service.createGroup(name: name, description: description ?? "", beforeSend: hook)
                },
                reconcile: { (since) async throws(RemoteError) -> RemoteGroup? in
                    try await reconciler.group(named: name, since: since)
                })
            try await recordDone(
                .group(key: address.group, LockedGroup(id: group.id, name: name, description: description)), closing: seq,
                earlier: earlier)
            return .created(id: group.id, status: nil, recovered: recovered)
        case .adoptGroup(let id, let name, let description):
            try await recordDone(.group(key: address.group, LockedGroup(id: id, name: name, description: description)))
            return .adopted(id: id)
        case .updateGroup(let id, let name, let description):
            guard var g = ledger.groupRecord(address.group) else { throw internalError(step) }
            try await service.updateGroup(id: id, name: name?.after, description: description?.after)
            if let name { g.name = name.after }
            if let description { g.description = description.after }
            try await recordDone(.group(key: address.group, g))
            return .updated
        case .createAsset(let spec, _), .replaceAsset(let spec, _, _, _, _, _):
            return try await createAsset(step, spec)
        case .adoptAsset(let spec, let id, let status, let failure):
            try await recordDone(
                .asset(
                    address,
                    LockedAsset(
                        id: id, name: spec.name, ref: LockedAsset.ref(for: id, api: api), status: status, type: spec.type,
                        url: spec.url, failure: failure, revision: spec.revision)))
            if status == .processing, let groupID = ledger.groupID(of: address.group) {
                awaitProcessing(address, id: id, groupID: groupID)
            }
            if status == .failed {
                // Recorded as it is: not converged, and not registered again unasked.
                let problem = Problem(
                    address: address, code: nil,
                    message: "adopted Failed (another run made it, and it failed remotely); it is created again only "
                        + "with --retry-failed or a changed url")
                tally.withLock { $0.failedEarlier.append(problem) }
            }
            return .adopted(id: id)
        case .updateAsset(let id, let name):
            guard var locked = ledger.asset(at: address) else { throw internalError(step) }
            try await service.updateAsset(id: id, name: name.after)
            locked.name = name.after
            try await recordDone(.asset(address, locked))
            return .updated
        case .wait(let id):
            guard let groupID = ledger.groupID(of: address.group) else { throw internalError(step) }
            awaitProcessing(address, id: id, groupID: groupID)
            return .waiting
        case .failed:
            throw internalError(step)  // reported by `run`, never executed
        }
    }

    private func createAsset(_ step: Plan.Step, _ spec: Plan.AssetSpec) async throws -> Outcome {
        let address = step.address
        guard let groupID = ledger.groupID(of: address.group) else {
            throw Skipped(
                reason: "not created: its group \(address.group) was not created, so it cannot be either", consequence: true)
        }
        let (name, type, url, revision, source) = (spec.name, spec.type, spec.url, spec.revision, spec.source)
        try await takeSlot(step)
        var holding = true
        defer { if holding { window.release() } }
        let (asset, seq, recovered, earlier) = try await create(
            step,
            intent: {
                JournalRecord.Intent(
                    seq: $0, at: $1, address: address, name: name, groupID: groupID, type: type, url: url, revision: revision,
                    source: source)
            },
            send: { (hook) async throws(RemoteError) -> RemoteAsset in
                try await service.createAsset(groupID: groupID, name: name, type: type, url: url, beforeSend: hook)
            },
            reconcile: { (since) async throws(RemoteError) -> RemoteAsset? in
                try await reconciler.assets(
                    in: groupID, wanted: [Reconciler.Wanted(name: name, type: type, since: since, replacing: step.remoteID)])[0]
            })
        try await recordDone(
            .asset(
                address,
                LockedAsset(
                    id: asset.id, name: name, ref: LockedAsset.ref(for: asset.id, api: api), status: asset.status, type: type,
                    url: url, failure: asset.failure, revision: spec.revision, source: source)),
            closing: seq, earlier: earlier)
        if asset.status == .processing {
            holding = false
            awaitProcessing(address, id: asset.id, groupID: groupID, reserved: true)
        }
        if asset.status == .failed {
            let f = asset.failure
            fail(step, Problem(address: address, code: f?.code, message: f?.message ?? "the asset failed"))
        }
        return .created(id: asset.id, status: asset.status, recovered: recovered)
    }

    /// Records a change the service has made (or a lockfile-only one). A journal that cannot
    /// take it stops the run, but the change is in the lockfile (`Ledger.record`): the action is
    /// reported as done, not failed.
    func recordDone(_ change: LockfileChange, closing seq: Int? = nil, earlier: [Int] = []) async throws(ApplyError) {
        do {
            try ledger.record(change, closing: seq, earlier: earlier)
        } catch {
            guard case .journal = error else { throw error }
            await halt(.fatal(error.description, recording: true))
        }
    }

    /// An action that is not done (no call was made): another failed first (`consequence`: its
    /// cause is reported too), or it cannot be.
    struct Skipped: Error {
        let reason: String
        var consequence = false
    }

    /// The next action for a worker to take.
    private final class Cursor: Sendable {
        private let next = Mutex(0)

        func take(below count: Int) -> Int? {
            next.withLock { n in
                guard n < count else { return nil }
                n += 1
                return n - 1
            }
        }

        var taken: Int { next.withLock { $0 } }
    }

    func internalError(_ step: Plan.Step) -> ApplyError {
        .bug("the plan's \(step.verb.rawValue) of \(step.address) does not fit the lockfile")
    }
}
