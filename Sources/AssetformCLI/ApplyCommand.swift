import ArgumentParser
import AssetformApply
import AssetformCore
import AssetformRemote
import Durable
import JSON
import YAML

#if canImport(Glibc)
    import Glibc
#endif

extension Assetform {
    struct ApplyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Plan, confirm, and make the remote service match the manifest.",
            discussion: ExitStatus.help
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var planning: PlanningOptions
        @OptionGroup var sourceChecks: SourceCheckOptions

        @Argument(help: "The manifest.")
        var manifest = ManifestLoader.defaultPath

        @Option(help: "Apply exactly this saved plan (plan --out FILE); refused when the manifest or lockfile changed since.")
        var plan: String?

        @Flag(help: "Do not ask for confirmation.")
        var autoApprove = false

        @Flag(help: "Print NDJSON events (planned, started, retrying, completed, failed, summary).")
        var json = false

        @Flag(help: "Do not wait for Processing assets: record them as Processing; the next run picks them up.")
        var noWait = false

        @Option(help: "How long to wait for Processing assets (default: limits.wait).")
        var wait: String?

        @Option(help: "Refuse, before any change, a plan with more than N billed creates.")
        var maxCreates: Int?

        @Option(help: "Refuse, before any change, a plan with more than N deletes (--prune, --prune-failed).")
        var maxDeletes: Int?

        @Option(help: "Calls in flight at most (default: limits.concurrency).")
        var concurrency: Int?

        @OptionGroup var lockWait: LockWaitOptions

        @Option(
            help:
                "After SIGINT/SIGTERM, how long the calls in flight may finish before everything is recorded and apply exits 130 (default 5s)."
        )
        var grace: String?

        func validate() throws {
            if plan != nil && planning.shapeThePlan {
                throw ValidationError(
                    "--plan applies the saved plan as it is: give --target, --replace, --retry-failed, --prune and "
                        + "--prune-failed to `plan` instead")
            }
            if noWait && wait != nil { throw ValidationError("--no-wait and --wait contradict each other") }
            if let wait, DurationText.parse(wait) == nil {
                throw ValidationError("--wait \(wait) is not a duration (e.g. 30s, 5m, 1h)")
            }
            if let grace, DurationText.parse(grace) == nil {
                throw ValidationError("--grace \(grace) is not a duration (e.g. 5s, 500ms)")
            }
            if let concurrency, !(1...1024).contains(concurrency) {
                throw ValidationError("--concurrency must be between 1 and 1024")
            }
            if let maxCreates, maxCreates < 0 { throw ValidationError("--max-creates must be 0 or more") }
            if let maxDeletes, maxDeletes < 0 { throw ValidationError("--max-deletes must be 0 or more") }
        }

        func run() async throws {
            var terminal = Terminal(options: global)
            terminal.json = json
            let began = ContinuousClock.now
            let interrupts = Interrupts.shared
            let code: ExitStatus = try await terminal.guarding {
                let lockPath = Session.resolveLockPath(manifest, remote)
                let held = try await Session.hold(
                    lockPath: lockPath, command: "apply \(manifest)", timeout: lockWait.timeout,
                    terminal: terminal)
                interrupts.beforeExit { held.release() }
                defer { held.release() }
                let session = try await Session.open(
                    manifest, remote, terminal, digest: json || plan != nil, sourceLines: sourceChecks.enabled)
                try planning.check(session)
                var limits = session.manifest.limits
                if let concurrency { limits.concurrency = concurrency }
                if noWait {
                    limits.wait = .zero
                } else if let wait = wait.flatMap(DurationText.parse) {
                    limits.wait = wait
                }
                let output = ApplyOutput(terminal: terminal, json: json, api: session.manifest.provider.api)
                interrupts.beforeExit {
                    output.waitForWholeLines()
                    held.release()
                }
                let request = Request(
                    planPath: plan, json: json, quiet: global.quiet, autoApprove: autoApprove, maxCreates: maxCreates,
                    maxDeletes: maxDeletes,
                    noAdopt: planning.noAdopt, planner: planning.planner(for: session.manifest.provider.api),
                    sourceChecks: sourceChecks,
                    grace: grace.flatMap(DurationText.parse) ?? .seconds(5))
                let chosen = limits
                let report = try await session.withService(limits: chosen, observer: { output.call($0) }, writes: true) {
                    service, policy in
                    try await request.apply(
                        session: session, limits: chosen, service: service, policy: policy, output: output,
                        interrupts: interrupts)
                }
                guard let report else { return .ok }
                output.summary(report, elapsed: ContinuousClock.now - began)
                let status = ExitStatus.of(report)
                // Ended failing: with --json, the one error object too (SPEC §4), after the summary.
                if let failure = JSONError.of(report, status: status) { terminal.printJSON(failure) }
                return status
            }
            if code != .ok { throw code.exitCode }
        }
    }
}

extension Assetform.ApplyCommand {
    /// What the command was asked, for the work done with the service.
    struct Request: Sendable {
        var planPath: String?
        var json: Bool
        var quiet: Bool
        var autoApprove: Bool
        var maxCreates: Int?
        var maxDeletes: Int?
        var noAdopt: Bool
        var planner: Planner
        var sourceChecks: SourceCheckOptions
        /// How long calls in flight may finish after an interrupt (SPEC §6: under the 7.5 s that
        /// CI runners commonly allow before SIGKILL).
        var grace: Duration

        /// Settles a dead run's journal, plans (or reads the saved plan), confirms, executes.
        /// Returns nil when there was nothing to do.
        func apply(
            session: Session, limits: Limits, service: any AssetService, policy: CallPolicy, output: ApplyOutput,
            interrupts: Interrupts
        ) async throws -> ApplyReport? {
            let terminal = session.terminal
            let manifest = session.manifest
            let lockPath = session.lockPath
            var lock = session.lock
            // Creates of unknown outcome a dead run left on 0-0: made again by this plan, and
            // counted with this run's own possible duplicates.
            var recoveredDuplicates: [Address] = []
            if let journal = session.journal {
                let settled = try await settle(journal, session: session, limits: limits, service: service)
                lock = settled.lockfile
                recoveredDuplicates = settled.possibleDuplicates
            }
            var plan: Plan
            // A saved plan is checked against the lockfile before anything else is done.
            let saved = try planPath.map { try savedPlan($0, session: session, lock: lock) }
            let state = try await Refresh.forPlanning(
                manifest, lock: lock, service: service, patience: min(limits.wait, .seconds(60)),
                waiting: { session.terminal.warn($0) })
            // Statuses the service reports now (Processing → Active, or Failed) are recorded
            // even when there is nothing else to do, with a saved plan too (whose steps stand as
            // saved: a status changes none of them). A saved plan's are written once the run is
            // to go ahead, or at its end when it has nothing to do: a refusal before any change
            // (--max-creates, say) leaves the lockfile as the plan found it, and the plan valid.
            // (Whether anything changed is known as it is made: two large lockfiles are never
            // compared.)
            var statusesUnwritten = false
            if var refreshed = lock, refreshed.refresh(with: state).changed {
                if saved == nil {
                    lock = try session.written(refreshed)
                } else {
                    lock = refreshed
                    statusesUnwritten = true
                }
            }
            if let saved {
                plan = saved
            } else {
                // In one pass: apply holds the plan for the whole run, and two parts planned at
                // once would hold a second copy of half its steps at the start.
                plan = planner.plan(manifest, lock: lock, remote: state)
            }
            if noAdopt { try plan.refuseAdoptions(manifest: session.manifestPath) }
            // Before any billed call: the sources of what it creates.
            let checks: PreflightOutcome?
            (plan, checks) = try await session.checkSources(of: plan, sourceChecks)
            if let checks { output.checked(checks.json) }
            if let maxCreates, plan.billedCreates > maxCreates {
                throw CommandError.tooManyCreates(plan.billedCreates, max: maxCreates)
            }
            if let maxDeletes, plan.count(.delete) > maxDeletes {
                throw CommandError.tooManyDeletes(plan.count(.delete), max: maxDeletes)
            }
            // The document is written an action at a time: for 100,000 actions a tree of it
            // would be the largest thing apply holds.
            output.planned(plan, document: json ? session.documentFields(plan, lock: lock, actions: .null) : nil)
            if !json && !quiet {
                printBytes(
                    await PlanRenderer(color: terminal.outputColor, listUnchanged: terminal.verbose)
                        .renderBytesConcurrently(plan, limits: limits))
                flushOutput()
            }
            let leftOut = checks.map { $0.failed.sorted { $0.description < $1.description } } ?? []
            guard !plan.steps.isEmpty else {
                if statusesUnwritten, let refreshed = lock { lock = try session.written(refreshed) }
                var report = ApplyReport(unchangedCount: plan.unchanged.count)
                report.possibleDuplicates = recoveredDuplicates
                report.leftOut = leftOut
                report.heldBack = plan.heldBack
                // Not converged: the summary (printed by the caller) says what was left out.
                if !leftOut.isEmpty || !plan.heldBack.isEmpty { return report }
                if json || !recoveredDuplicates.isEmpty { output.summary(report, elapsed: .zero) }
                return nil
            }
            // A saved plan's refreshed statuses, past every refusal (a saved plan asks no
            // question): written before the run, which records only what its steps change (a
            // wait for an asset the refresh already found Active records nothing).
            if statusesUnwritten, let refreshed = lock { lock = try session.written(refreshed) }
            if plan.hasChanges && !autoApprove && planPath == nil {
                // --quiet printed no plan: the question says at least what it is about.
                if quiet { terminal.printError(PlanRenderer(color: false).summary(plan, limits: limits)) }
                try confirm(terminal)
            }
            var options = ApplyOptions(wait: limits.wait, workers: min(1024, limits.concurrency * 2))
            options.attempts = limits.attempts
            options.processing = limits.processing
            // Creates wait for a slot as long as the wait allows (`--wait` where given); --no-wait
            // does not wait at the end, but its creates still wait for a slot, as long as the
            // manifest's wait allows (its default when that is 0).
            options.slotPatience =
                limits.wait > .zero ? limits.wait : manifest.limits.wait > .zero ? manifest.limits.wait : Limits().wait
            let run = ApplyRun(
                plan: plan, lockfile: lock ?? Lockfile(provider: session.lockedProvider), service: service, policy: policy,
                api: manifest.provider.api,
                settings: ApplyRun.Settings(
                    lockfilePath: lockPath, journalPath: session.journalPath, options: options, grace: grace),
                interrupts: interrupts.during(onFirst: {
                    output.flush()
                    output.endLive()
                    terminal.warn(
                        "interrupted: no new call starts; the calls in flight finish (up to \(DurationText.format(grace))), then everything is recorded. "
                            + "Interrupt again to stop them at once (the journal holds every completed result).")
                }),
                events: { output.event($0) })
            // The output is shown while the run goes, and stops with it; what is buffered is written
            // however the run ends.
            defer { output.flush() }
            var report = try await withThrowingTaskGroup(of: ApplyReport?.self) { children in
                children.addTask {
                    await output.keepShowing()
                    return nil
                }
                children.addTask {
                    try await run.run()
                }
                var report: ApplyReport?
                while let ended = try await children.next() {
                    if let ended {
                        report = ended
                        children.cancelAll()
                    }
                }
                return report ?? ApplyReport()
            }
            // A first interrupt that came once the executor had finished, while the run recorded
            // its end, was taken by no one (the run no longer listened): the run ends as
            // interrupted all the same, with everything recorded (SPEC §6: exit 130).
            if report.stopped == nil, interrupts.received > 0 { report.stopped = .interrupted }
            output.flush()
            // Each address once, whichever source (a killed run's intents, this run's resends) it came from.
            var counted = Set<Address>()
            report.possibleDuplicates = (recoveredDuplicates + report.possibleDuplicates).filter { counted.insert($0).inserted }
            report.leftOut = leftOut
            report.heldBack = plan.heldBack
            report.toCreateAgain = Self.toCreateAgain(plan, manifest: manifest, deleted: report.deletedAssets)
            return report
        }

        /// The Failed assets this run deleted (`--prune-failed`) that the manifest still declares
        /// and this run does not create: the next apply creates them.
        static func toCreateAgain(_ plan: Plan, manifest: Manifest, deleted: [Address]) -> [Address] {
            guard !deleted.isEmpty else { return [] }
            let otherwise = Set(plan.steps.filter { $0.verb != .delete }.map(\.address))
            var declared = Set<Address>()
            for g in manifest.groups { for a in g.assets { declared.insert(Address(group: g.key, asset: a.key)) } }
            return deleted.filter { declared.contains($0) && !otherwise.contains($0) }.sorted()
        }

        /// A journal left by an interrupted apply: its results go into the lockfile, and its
        /// creates of unknown outcome are settled, before anything is planned.
        private func settle(_ journal: JournalReplay, session: Session, limits: Limits, service: any AssetService)
            async throws -> Recovery.Result
        {
            let terminal = session.terminal
            terminal.warn(
                "\(session.journalPath) was left by an interrupted apply: \(journal.records) records replayed"
                    + (journal.openIntents.isEmpty ? "" : ", \(journal.openIntents.count) create(s) of unknown outcome to settle")
            )
            let settled = try await Recovery.settle(
                journal, service: service, patience: max(limits.wait, .seconds(60)), lockfilePath: session.lockPath,
                journalPath: session.journalPath)
            for a in settled.found { terminal.warn("\(a): its create had happened; found by listing and recorded") }
            for a in settled.possibleDuplicates {
                terminal.warn(
                    "\(a): its create's outcome is unknown and 0-0 cannot list; it is created again and may exist twice")
            }
            return settled
        }

        /// The saved plan at `path`, refused when it is stale (naming what changed).
        private func savedPlan(_ path: String, session: Session, lock: Lockfile?) throws -> Plan {
            let document = try Plan.readDocument(path: path)
            let (plan, origin) = try Plan.decode(document, path: path)
            var changed: [CommandError.Staleness] = []
            if origin.provider != session.lockedProvider { changed.append(.provider(origin.provider)) }
            let digest = session.digest
            if origin.manifestSHA256 != digest {
                changed.append(.manifest(path: session.manifestPath, then: origin.manifestSHA256, now: digest))
            }
            switch (origin.lockLineage, lock) {
            case (nil, nil): break
            case (nil, let l?): changed.append(.lockfileCreated(path: session.lockPath, serial: l.serial))
            case (_?, nil): changed.append(.lockfileGone(path: session.lockPath))
            case (let lineage?, let l?):
                if lineage != l.lineage {
                    changed.append(.lockfileReplaced(path: session.lockPath, then: lineage, now: l.lineage))
                } else if origin.lockSerial != l.serial {
                    changed.append(.lockfileChanged(path: session.lockPath, then: origin.lockSerial, now: l.serial))
                } else if let then = origin.lockSHA256, Digest.sha256Hex(fileAt: session.lockPath) != then {
                    changed.append(.lockfileEdited(path: session.lockPath))
                }
            }
            if !origin.refreshed { changed.append(.notRefreshed) }
            if let then = origin.emulated, then != session.emulate { changed.append(.emulated(then: then)) }
            // (Only of a plan made from this manifest: one made from another is stale already.)
            if changed.isEmpty, let (address, field) = plan.valueNotInManifest(session.manifest) {
                changed.append(.notTheManifests(address, field: field))
            } else if changed.isEmpty, let (address, why) = plan.stepNotFrom(lock, manifest: session.manifest) {
                changed.append(.notFromTheLockfile(address, why: why))
            }
            guard changed.isEmpty else { throw CommandError.stalePlan(path: path, changes: changed) }
            return plan
        }

        /// Asks on stderr (stdout may be a JSON stream), until the answer is yes or no.
        private func confirm(_ terminal: Terminal) throws {
            guard isatty(STDIN_FILENO) == 1 else { throw CommandError.needsConfirmation }
            flushOutput()
            terminal.printError("Apply these changes? (yes/no) ", terminator: "")
            while true {
                guard let line = readLine() else { throw CommandError.cancelled }
                switch line.trimmingCharacters(in: .whitespaces).lowercased() {
                case "yes": return
                case "no": throw CommandError.cancelled
                default: terminal.printError("Please answer yes or no: ", terminator: "")
                }
            }
        }
    }
}

extension ApplyReport {
    init(unchangedCount: Int) {
        self.init()
        unchanged = unchangedCount
    }
}
