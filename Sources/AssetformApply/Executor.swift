public import AssetformCore
public import AssetformRemote
import Synchronization

/// How a run goes.
public struct ApplyOptions: Sendable {
    /// Where the lockfile is written, periodically and at the end.
    public var lockfilePath: String
    /// How long to wait for Processing assets; zero: do not wait.
    public var wait: Duration
    /// Actions worked on at once (the call policy still caps calls in flight).
    public var workers: Int
    /// Tries of a create whose outcome stayed unknown (each after reconciling, where possible).
    public var attempts = 6
    /// How often the lockfile is rewritten from the journal while the run goes.
    public var checkpointEvery: Duration = .seconds(5)

    public init(lockfilePath: String, wait: Duration, workers: Int) {
        self.lockfilePath = lockfilePath
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
    private let tally = Mutex(ApplyReport())
    private let pending = Mutex<[String: Pending]>([:])

    /// An asset waited for: its address parts and remote ids.
    struct Pending: Sendable {
        var group: String
        var key: String
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
    }

    var reconciler: Reconciler {
        let ledger = self.ledger
        return Reconciler(
            service: service, patience: max(options.wait, .seconds(60)), claim: { await ledger.claim($0) },
            isClaimed: { await ledger.isClaimed($0) })
    }

    /// Runs the plan; the lockfile is checkpointed as it goes, and left for the caller to write
    /// at the end (`Ledger.finish`).
    public func run() async -> ApplyReport {
        tally.withLock { $0.unchanged = plan.unchanged.count }
        let checkpoints = Task { [ledger, options] in
            while !Task.isCancelled {
                try? await Task.sleep(for: options.checkpointEvery)
                if Task.isCancelled { break }
                if await ledger.unwritten > 0 { try? await ledger.writeLockfile(to: options.lockfilePath) }
            }
        }
        let groups = plan.steps.filter { $0.kind == .group }
        let assets = plan.steps.filter { $0.kind == .asset }
        // Groups first (few, and each asset needs its group's id), all at once.
        await withTaskGroup(of: Void.self) { tasks in
            for step in groups { tasks.addTask { await self.run(step) } }
        }
        // Then the assets, by a pool of workers that stops taking work when the run stops.
        let next = Cursor()
        await withTaskGroup(of: Void.self) { tasks in
            for _ in 0..<max(1, min(options.workers, assets.count)) {
                tasks.addTask {
                    while !self.stop.isSet {
                        guard let i = next.take(below: assets.count) else { return }
                        await self.run(assets[i])
                    }
                }
            }
        }
        let dispatched = next.taken
        tally.withLock { $0.notStarted += assets.count - dispatched }
        if !stop.isSet && options.wait > .zero { await waitForProcessing() }
        checkpoints.cancel()
        await checkpoints.value  // a checkpoint being written finishes before the caller writes
        var report = tally.withLock { $0 }
        report.calls = await policy.counters
        report.stopped = stop.reason
        report.stillProcessing += pending.withLock { $0.keys.sorted() }
        return report
    }

    // MARK: - One action

    private func run(_ step: Plan.Step) async {
        guard !stop.isSet else {
            tally.withLock { $0.notStarted += 1 }
            return
        }
        events(.started(step))
        do {
            let outcome = try await execute(step)
            tally.withLock { r in
                switch outcome {
                case .created(_, _, let recovered):
                    if recovered {
                        r.recovered += 1
                    } else if step.action == .replace {
                        r.replaced += 1
                    } else {
                        r.created += 1
                    }
                case .adopted: r.adopted += 1
                case .updated: r.updated += 1
                case .forgotten: r.forgotten += 1
                case .waiting: break
                }
            }
            events(.completed(step, outcome))
        } catch let error as RemoteError {
            if error.kind == .cancelled {
                tally.withLock { $0.notStarted += 1 }
                return
            }
            if error.kind == .fatalForRun || error.kind == .quotaExhausted {
                await halt(.fatal(error.description))
            }
            fail(step, Problem(address: step.address, code: error.code, message: error.description))
        } catch let error as Ledger.Failure {
            await halt(.fatal(error.description))
            fail(step, Problem(address: step.address, code: nil, message: error.description))
        } catch {
            fail(step, Problem(address: step.address, code: nil, message: Redaction.redact("\(error)")))
        }
    }

    /// Stops the run: nothing more is dispatched, and no call that has not started starts.
    private func halt(_ why: ApplyReport.Stop) async {
        if stop.stop(why) { await policy.stop() }
    }

    private func fail(_ step: Plan.Step?, _ problem: Problem) {
        tally.withLock { $0.failed.append(problem) }
        events(.failed(step, problem))
    }

    private func execute(_ step: Plan.Step) async throws -> Outcome {
        switch (step.kind, step.action) {
        case (_, .forget):
            try await ledger.forget(step.address)
            return .forgotten
        case (.group, .create):
            let name = step.name ?? step.groupKey
            let (group, seq, recovered) = try await create(
                step,
                intent: {
                    JournalRecord.Intent(seq: $0, at: $1, address: step.address, name: name, description: step.description)
                },
                send: { (hook) async throws(RemoteError) -> RemoteGroup in
                    try await service.createGroup(name: name, description: step.description ?? "", beforeSend: hook)
                },
                reconcile: { (since) async throws(RemoteError) -> RemoteGroup? in
                    try await reconciler.group(named: name, since: since)
                })
            try await ledger.record(
                group: step.groupKey, LockedGroup(id: group.id, name: name, description: step.description), closing: seq)
            return .created(id: group.id, status: nil, recovered: recovered)
        case (.group, .adopt):
            guard let id = step.remoteID else { throw internalError(step) }
            _ = await ledger.claim(id)
            try await ledger.record(
                group: step.groupKey, LockedGroup(id: id, name: step.name ?? step.groupKey, description: step.description))
            return .adopted(id: id)
        case (.group, .update):
            guard let id = step.remoteID, let locked = await ledger.lockfile.groups[step.groupKey] else {
                throw internalError(step)
            }
            let name = step.changes.first { $0.field == "name" }?.after
            let description = step.changes.first { $0.field == "description" }?.after
            try await service.updateGroup(id: id, name: name, description: description)
            var g = locked
            if let name { g.name = name }
            if let description { g.description = description }
            try await ledger.record(group: step.groupKey, g)
            return .updated
        case (.asset, .create), (.asset, .replace):
            return try await createAsset(step)
        case (.asset, .adopt):
            guard let id = step.remoteID, let key = step.assetKey, let type = step.type, let url = step.url else {
                throw internalError(step)
            }
            _ = await ledger.claim(id)
            let status = step.status ?? .processing
            try await ledger.record(
                asset: key, in: step.groupKey,
                LockedAsset(
                    id: id, name: step.name ?? key, ref: LockedAsset.ref(for: id, api: api), status: status, type: type,
                    url: url))
            if status == .processing, let groupID = await ledger.lockfile.groups[step.groupKey]?.id {
                awaitProcessing(step, id: id, groupID: groupID)
            }
            return .adopted(id: id)
        case (.asset, .update):
            guard let id = step.remoteID, let key = step.assetKey, let name = step.name,
                var locked = await ledger.lockfile.asset(step.groupKey, key)
            else { throw internalError(step) }
            try await service.updateAsset(id: id, name: name)
            locked.name = name
            try await ledger.record(asset: key, in: step.groupKey, locked)
            return .updated
        case (.asset, .wait):
            guard let id = step.remoteID, let groupID = await ledger.lockfile.groups[step.groupKey]?.id else {
                throw internalError(step)
            }
            awaitProcessing(step, id: id, groupID: groupID)
            return .waiting
        case (_, .failed):
            let f = step.failure
            throw RemoteError(
                .fatalForCall, call: "CreateAsset", code: f?.code,
                message: (f?.message ?? "it failed remotely")
                    + " (from an earlier run; it is created again only with --retry-failed or a changed url)")
        default:
            throw internalError(step)
        }
    }

    private func createAsset(_ step: Plan.Step) async throws -> Outcome {
        guard let key = step.assetKey, let type = step.type, let url = step.url else { throw internalError(step) }
        guard let groupID = await ledger.lockfile.groups[step.groupKey]?.id else {
            throw RemoteError(
                .fatalForCall, call: "CreateAsset", message: "its group \(step.groupKey) was not created, so it cannot be either")
        }
        let name = step.name ?? key
        let (asset, seq, recovered) = try await create(
            step,
            intent: {
                JournalRecord.Intent(seq: $0, at: $1, address: step.address, name: name, groupID: groupID, type: type, url: url)
            },
            send: { (hook) async throws(RemoteError) -> RemoteAsset in
                try await service.createAsset(groupID: groupID, name: name, type: type, url: url, beforeSend: hook)
            },
            reconcile: { (since) async throws(RemoteError) -> RemoteAsset? in
                try await reconciler.assets(in: groupID, wanted: [Reconciler.Wanted(name: name, type: type, since: since)])[0]
            })
        try await ledger.record(
            asset: key, in: step.groupKey,
            LockedAsset(
                id: asset.id, name: name, ref: LockedAsset.ref(for: asset.id, api: api), status: asset.status, type: type,
                url: url, failure: asset.failure),
            closing: seq)
        if asset.status == .processing { awaitProcessing(step, id: asset.id, groupID: groupID) }
        if asset.status == .failed {
            let f = asset.failure
            fail(step, Problem(address: step.address, code: f?.code, message: f?.message ?? "the asset failed"))
        }
        return .created(id: asset.id, status: asset.status, recovered: recovered)
    }

    /// A billed, non-idempotent create: its intent is journaled (durably) just before the
    /// request is sent; a definite failure abandons the intent; an unknown outcome is reconciled
    /// by listing where the dialect can (and the object adopted if found), and only then sent
    /// again. On 0-0, which cannot list, it is sent again and reported as a possible duplicate.
    private func create<T: Sendable>(
        _ step: Plan.Step, intent: @escaping @Sendable (Int, Double) -> JournalRecord.Intent,
        send: (@escaping CreateHook) async throws(RemoteError) -> T, reconcile: (Double) async throws(RemoteError) -> T?
    ) async throws -> (T, Int, Bool) {
        // Each round is one try of the create (as `limits.attempts` counts them).
        let rounds = max(1, options.attempts)
        for round in 1...rounds {
            let seq = IntentSlot()
            let ledger = self.ledger
            let hook: @Sendable (Int) async throws(RemoteError) -> Void = { (_: Int) async throws(RemoteError) -> Void in
                guard seq.value == nil else { return }
                let at = Ledger.now()
                let written: Result<Int, Ledger.Failure> = await ledger.intent { intent($0, at) }
                switch written {
                case .success(let n): seq.value = (n, at)
                case .failure(let f): throw RemoteError(.fatalForRun, call: "journal", message: f.description)
                }
            }
            do {
                let value = try await send(hook)
                guard let (n, _) = seq.value else { throw internalError(step) }
                return (value, n, false)
            } catch let error as RemoteError {
                guard let (n, at) = seq.value else { throw error }
                guard error.kind == .ambiguous else {
                    // It was refused, or never sent: nothing was made.
                    try await ledger.abandon(n)
                    throw error
                }
                if service.capabilities.canList {
                    if let found = try await reconcile(at) { return (found, n, true) }
                    try await ledger.abandon(n)  // the listing shows it was not made
                } else {
                    // 0-0 cannot list: send it again, and say it may be there twice.
                    try await ledger.abandon(n)
                    tally.withLock { $0.possibleDuplicates.append(step.address) }
                    events(.possibleDuplicate(address: step.address))
                }
                if round == rounds { throw error }
            } catch {
                throw error
            }
        }
        throw internalError(step)
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

    /// The journaled intent of one round of a create, once there is one.
    private final class IntentSlot: Sendable {
        private let slot = Mutex<(Int, Double)?>(nil)
        var value: (Int, Double)? {
            get { slot.withLock { $0 } }
            set { slot.withLock { $0 = newValue } }
        }
    }

    private func internalError(_ step: Plan.Step) -> RemoteError {
        RemoteError(
            .fatalForCall, call: "apply",
            message: "internal: the plan's \(step.action.rawValue) of \(step.address) is incomplete (this is a bug)")
    }

    // MARK: - Waiting for Processing assets

    private func awaitProcessing(_ step: Plan.Step, id: String, groupID: String) {
        guard let key = step.assetKey else { return }
        guard options.wait > .zero else {
            // With --no-wait the next run picks them up: only said in the summary.
            tally.withLock { $0.stillProcessing.append(step.address) }
            return
        }
        pending.withLock { $0[step.address] = Pending(group: step.groupKey, key: key, id: id, groupID: groupID) }
    }

    /// Polls with backoff until every Processing asset is Active or Failed, or `wait` is over:
    /// on seedance by listing the groups concerned (a page per 100 assets), on 0-0 one get each.
    private func waitForProcessing() async {
        let started = ContinuousClock.now
        let deadline = started + options.wait
        var delay = Duration.milliseconds(250)
        defer { tally.withLock { $0.waited = ContinuousClock.now - started } }
        while !stop.isSet {
            let waiting = pending.withLock { $0 }
            if waiting.isEmpty { return }
            events(.waiting(remaining: waiting.count))
            guard ContinuousClock.now + delay < deadline else { return }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
            do {
                let seen = try await look(at: Array(waiting.values))
                for (address, p) in waiting {
                    guard let a = seen[p.id], a.status != .processing else { continue }
                    try await ledger.settle(group: p.group, key: p.key, status: a.status, failure: a.failure)
                    pending.withLock { $0[address] = nil }
                    events(.settled(address: address, status: a.status, failure: a.failure))
                    if a.status == .failed {
                        let f = a.failure
                        tally.withLock {
                            $0.failed.append(Problem(address: address, code: f?.code, message: f?.message ?? "the asset failed"))
                        }
                    } else {
                        tally.withLock { $0.active += 1 }
                    }
                }
            } catch let error as RemoteError {
                if error.kind == .fatalForRun || error.kind == .cancelled {
                    await halt(error.kind == .cancelled ? .interrupted : .fatal(error.description))
                    return
                }
                // Anything else: look again next round, until the deadline.
            } catch {
                await halt(.fatal(Redaction.redact("\(error)")))
                return
            }
        }
    }

    private func look(at waiting: [Pending]) async throws(RemoteError) -> [String: RemoteAsset] {
        var seen: [String: RemoteAsset] = [:]
        if service.capabilities.canList {
            let groupIDs = Array(Set(waiting.map(\.groupID))).sorted()
            for start in stride(from: 0, to: groupIDs.count, by: 100) {
                let wanted = Set(waiting.map(\.id))
                for a in try await service.allAssets(groupIDs: Array(groupIDs[start..<min(groupIDs.count, start + 100)]))
                where wanted.contains(a.id) {
                    seen[a.id] = a
                }
            }
            return seen
        }
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
                return seen
            }
        } catch let error as RemoteError {
            throw error
        } catch {
            throw RemoteError(.cancelled, call: "wait", message: "\(error)")
        }
    }
}
