public import AssetformCore
public import AssetformRemote

/// One apply of a plan, from its first journal line to its last lockfile write (SPEC §6), as
/// children of one task group: the executor, the periodic checkpoints of the lockfile, and the
/// drain that answers interrupts. The ledger inside is the lockfile's one writer; the run ends
/// with one final write, however it ended, and returns what happened.
///
/// Interrupts: the first stops dispatching (no call that has not started starts) and lets the
/// calls in flight finish for up to `grace`; past it, or at a second interrupt, what is still in
/// flight is cancelled. Either way everything completed is recorded before `run` returns.
public struct ApplyRun: Sendable {
    public struct Settings: Sendable {
        public var lockfilePath: String
        public var journalPath: String
        public var options: ApplyOptions
        /// How long calls in flight may finish after an interrupt.
        public var grace: Duration

        public init(lockfilePath: String, journalPath: String, options: ApplyOptions, grace: Duration) {
            self.lockfilePath = lockfilePath
            self.journalPath = journalPath
            self.options = options
            self.grace = grace
        }
    }

    let plan: Plan
    let lockfile: Lockfile
    let service: any AssetService
    let policy: CallPolicy
    let api: API
    let settings: Settings
    let interrupts: AsyncStream<Void>
    let events: @Sendable (ApplyEvent) -> Void

    /// `interrupts` yields once per SIGINT/SIGTERM received while the run goes.
    public init(
        plan: Plan, lockfile: Lockfile, service: any AssetService, policy: CallPolicy, api: API, settings: Settings,
        interrupts: AsyncStream<Void>, events: @escaping @Sendable (ApplyEvent) -> Void
    ) {
        self.plan = plan
        self.lockfile = lockfile
        self.service = service
        self.policy = policy
        self.api = api
        self.settings = settings
        self.interrupts = interrupts
        self.events = events
    }

    /// What the children of the run report as they end.
    private enum Ending: Sendable {
        case executed(ApplyReport)
        /// The first interrupt.
        case interrupted
        /// The grace after an interrupt is over, or a second interrupt came: cancel what is left.
        case cutShort
        /// A child with nothing to say (checkpoints; the drain when no interrupt came).
        case quiet
    }

    /// Runs the plan and records it; the journal is removed when nothing is left open.
    public func run() async throws(ApplyError) -> ApplyReport {
        let ledger = try Ledger(lockfile: lockfile, journalPath: settings.journalPath)
        let stop = StopFlag()
        let executor = Executor(
            plan: plan, service: service, policy: policy, ledger: ledger, api: api, options: settings.options, stop: stop,
            events: events)
        let (policy, settings, interrupts) = (self.policy, self.settings, self.interrupts)
        let report = await withTaskGroup(of: Ending.self) { children -> ApplyReport in
            children.addTask { .executed(await executor.run()) }
            children.addTask {
                await Self.checkpoints(ledger, to: settings.lockfilePath, every: settings.options.checkpointEvery)
                return .quiet
            }
            children.addTask { await Self.nextInterrupt(interrupts) ? .interrupted : .quiet }
            var report = ApplyReport()
            while let ending = await children.next() {
                switch ending {
                case .executed(let r):
                    report = r
                    children.cancelAll()  // the checkpoints and the drain end with the executor
                case .interrupted:
                    // No call starts any more; those in flight finish, for up to the grace, or
                    // until a second interrupt.
                    if stop.stop(.interrupted) { await policy.stop() }
                    children.addTask {
                        do {
                            try await Task.sleep(for: settings.grace)
                            return .cutShort
                        } catch {
                            return .quiet
                        }
                    }
                    children.addTask { await Self.nextInterrupt(interrupts) ? .cutShort : .quiet }
                case .cutShort:
                    children.cancelAll()  // the executor returns what it has recorded
                case .quiet:
                    break
                }
            }
            return report
        }
        // What the run did is reported however its recording ends: a full disk at the last write
        // must not hide the changes made before it.
        var ended = report
        do {
            try await ledger.finish(lockfilePath: settings.lockfilePath)
        } catch {
            ended.unrecorded = error
        }
        return ended
    }

    /// Waits for an interrupt: false when the run ended first (the wait was cancelled).
    private static func nextInterrupt(_ interrupts: AsyncStream<Void>) async -> Bool {
        for await _ in interrupts where !Task.isCancelled { return true }
        return false
    }

    /// Writes the lockfile from the ledger every `every` while there is something new, until
    /// cancelled; a write under way when cancelled finishes first (the ledger's writes take turns).
    private static func checkpoints(_ ledger: Ledger, to path: String, every: Duration) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: every)
            } catch {
                return
            }
            // (Intents and abandons alone change nothing the lockfile holds.)
            if ledger.unwritten > 0, ledger.hasChanges { try? await ledger.writeLockfile(to: path) }
        }
    }
}
