import ArgumentParser
import AssetformCore
import AssetformRemote
import Durable
import Foundation
import JSON

extension Assetform {
    struct PlanCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Refresh remote state and show what apply would do.",
            discussion:
                "With --detailed-exitcode: 0 no changes, 2 changes, 4 no changes but not converged (assets Processing, or Failed and left alone), 1 error. "
                + ExitStatus.help
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var remote: RemoteOptions

        @Argument(help: "The manifest.")
        var manifest = ManifestLoader.defaultPath

        @Option(help: "Save the plan (JSON) to this file, for apply --plan.")
        var out: String?

        @Flag(help: "Print the plan as one JSON document (the same as --format json).")
        var json = false

        @Option(help: "text, markdown (for a pull-request comment) or json.")
        var format: PlanFormat = .text

        @Flag(
            help:
                "Exit 2 when there are changes, 4 when there are none but not everything is Active, 0 when converged (1 on an error)."
        )
        var detailedExitcode = false

        @Flag(help: "Trust the lockfile: make no remote call at all.")
        var noRefresh = false

        @OptionGroup var planning: PlanningOptions
        @OptionGroup var sourceChecks: SourceCheckOptions

        func validate() throws {
            if json && format == .markdown { throw ValidationError("--json and --format markdown contradict each other") }
        }

        func run() async throws {
            var terminal = Terminal(options: global)
            let json = self.json || format == .json
            terminal.json = json
            try await terminal.guarding {
                // The manifest's digest only where a document carries it, its lines only where URL
                // checks may show them.
                let session = try await Session.open(
                    manifest, remote, terminal, needsService: !noRefresh, digest: json || out != nil,
                    sourceLines: sourceChecks.enabled)
                session.noteJournal()
                try planning.check(session)
                let manifest = session.manifest
                let lock = session.lock
                let state: RemoteState? =
                    noRefresh
                    ? nil
                    : try await session.withService { service, _ in
                        try await Refresh.forPlanning(
                            manifest, lock: lock, service: service, patience: min(manifest.limits.wait, .seconds(60)),
                            waiting: { session.terminal.warn($0) })
                    }
                let planned = await planning.planner(for: manifest.provider.api).planConcurrently(
                    manifest, lock: lock, remote: state)
                if planning.noAdopt { try planned.refuseAdoptions(manifest: self.manifest) }
                let (plan, checks) = try await session.checkSources(of: planned, sourceChecks)
                // The document (and the manifest's digest in it) only when it is asked for.
                let document =
                    json || out != nil
                    ? session.document(plan, lock: lock, checks: checks, refreshed: !noRefresh) : nil
                if let out, let document {
                    guard let bytes = Plan.savedBytes(document) else {
                        throw CommandError.cannotWrite(
                            path: out, what: "the plan",
                            reason: "it would be over the \(Plan.maxDocumentBytes >> 20) MiB that `apply --plan` and `show` "
                                + "read back; save a part of it at a time (--target GROUP)")
                    }
                    do {
                        try AtomicFile.write(bytes, to: out)
                    } catch {
                        throw CommandError.cannotWrite(path: out, what: "the plan", reason: "\(error)")
                    }
                }
                if let document, json {
                    print(document.pretty)
                } else if format == .markdown {
                    var origin = Plan.Origin(provider: session.lockedProvider, manifestSHA256: "", lock: nil)
                    (origin.refreshed, origin.emulated) = (!noRefresh, remote.emulate)
                    print(
                        PlanMarkdown().render(session.withManifestWarnings(plan), note: origin.note.map { "Plan " + $0 + "." }),
                        terminator: "")
                } else if global.quiet {
                    // Only the summary line (its warnings go to stderr).
                    for w in plan.warnings { terminal.warn(w.visible) }
                    print(PlanRenderer(color: false).summary(plan, limits: manifest.limits))
                } else {
                    printBytes(
                        await PlanRenderer(color: terminal.outputColor, listUnchanged: global.verbose)
                            .renderBytesConcurrently(plan, limits: manifest.limits))
                    if let out {
                        var again = "assetform apply \(self.manifest) --plan \(out)"
                        if remote.emulate { again += " --emulate" }
                        if let lock = remote.lock { again += " --lock \(lock)" }
                        terminal.info(
                            noRefresh
                                ? "Saved the plan to \(out) for review; made with --no-refresh, it cannot be applied "
                                    + "(it never looked at the service): apply runs its own plan"
                                : "Saved the plan to \(out); apply it with: \(again)")
                    }
                }
                ProcessLifetime.keepUntilExit(
                    [session.manifest, session.lock as any Sendable, plan, state as any Sendable] as [any Sendable])
                if detailedExitcode {
                    var status = ExitStatus.detailed(plan)
                    // Assets left out by a failed source check: the manifest is not reached.
                    if status == .ok, checks?.failed.isEmpty == false { status = .notConverged }
                    if status != .ok { throw status.exitCode }
                }
            }
        }
    }
}

extension Session {
    /// The plan with the manifest's warnings first among its own, as documents show it.
    func withManifestWarnings(_ plan: Plan) -> Plan {
        var plan = plan
        plan.warnings =
            manifestWarnings.map { d in
                // Said as a warning where it is shown (`warning: FILE:LINE:COLUMN: …`).
                manifestPath + (d.mark.map { ":\($0.line):\($0.column)" } ?? "") + ": " + d.message
            } + plan.warnings
        return plan
    }

    /// The plan's JSON document, with the tool's version and the manifest's warnings in it.
    func document(_ plan: Plan, lock: Lockfile?, checks: PreflightOutcome? = nil, refreshed: Bool = true) -> JSONValue {
        .object(
            documentFields(
                plan, lock: lock, checks: checks, actions: .array(plan.steps.map(Plan.json(of:))), refreshed: refreshed))
    }

    /// The document's fields, with `actions` as the list of actions (a placeholder where the
    /// caller writes them one at a time).
    /// `refreshed`: the plan looked at the service. The lockfile's own digest is of the bytes
    /// the plan was made from: as they were read, or, where this run wrote the lockfile since (a
    /// write always moves its serial), as it wrote them.
    func documentFields(
        _ plan: Plan, lock: Lockfile?, checks: PreflightOutcome? = nil, actions: JSONValue, refreshed: Bool = true
    ) -> [(String, JSONValue)] {
        var origin = Plan.Origin(provider: lockedProvider, manifestSHA256: digest, lock: lock)
        if let lock {
            let asRead = lock.serial == self.lock?.serial && lock.lineage == self.lock?.lineage ? lockSHA256 : nil
            origin.lockSHA256 = asRead ?? Digest.sha256Hex(fileAt: lockPath)
        }
        origin.refreshed = refreshed
        origin.emulated = emulate
        var fields = withManifestWarnings(plan).jsonFields(origin, actions: actions)
        fields.insert(("assetform_version", .string(Assetform.version)), at: 1)
        if let checks { fields.append(("checks", checks.json)) }
        return fields
    }

    /// Every target must name something the manifest or the lockfile has.
    func checkTargets(_ targets: [Address]) throws {
        for t in targets {
            let inManifest = manifest.groups.contains { g in
                g.key == t.group && (t.asset == nil || g.assets.contains { $0.key == t.asset })
            }
            let inLock = t.isGroup ? lock?.groups[t.group] != nil : lock?.asset(at: t) != nil
            guard inManifest || inLock else {
                throw CommandError.unknownTarget(t, manifest: manifestPath)
            }
        }
    }
}

extension Session {
    /// Every `--replace` must name an asset (or a group) the lockfile tracks: there is nothing
    /// to register again otherwise.
    func checkReplacements(_ addresses: [Address]) throws {
        guard !addresses.isEmpty else { return }
        // Against the lockfile as the plan's moves leave it: a renamed key is replaced at its new address.
        let moves = MoveResolution(manifest, lock: lock)
        for a in addresses {
            let group = moves.moved[Address(group: a.group)]?.group ?? a.group
            var now = moves.moved[a] ?? Address(group: group, asset: a.asset)
            // Its group renamed and its own key too: where both moves take it.
            if !now.isGroup, now != a, let next = moves.moved[now] { now = next }
            if now != a { throw CommandError.movedInThisPlan(a, to: now) }
            let tracked = a.isGroup ? moves.lock?.groups[a.group] != nil : moves.lock?.asset(at: a) != nil
            guard tracked else { throw CommandError.notInLockfile(a, lockfile: lockPath) }
        }
    }
}

extension Session {
    /// A `moved:` entry whose new address the lockfile already tracks is an error at its line.
    func checkMoves() throws {
        let conflicts = Planner.moveConflicts(manifest, lock: lock)
        guard !conflicts.isEmpty else { return }
        terminal.report(conflicts, in: source)
        // Reported above, at their lines; with --json, the error object follows on stdout.
        throw CommandError.invalidManifest(path: manifestPath, diagnostics: conflicts)
    }
}

extension Address {
    /// `import m.yaml chars/front` (the ID left out) reads the manifest's path as an address: a
    /// first argument that names a manifest file, when the arguments are one short of having
    /// room for it, is a usage error saying what is missing.
    static func refuseManifestAsAddress(_ arguments: [String], expecting: String) throws {
        let needed = expecting.split(separator: " ").count
        guard arguments.count == needed, let first = arguments.first,
            first.hasSuffix(".yaml") || first.hasSuffix(".yml"), FileManager.default.fileExists(atPath: first)
        else { return }
        throw ValidationError(
            "\(first) is the manifest, so \(expecting.split(separator: " ").last ?? "") is missing: the arguments are [MANIFEST] \(expecting)"
        )
    }

    /// An address given on the command line; a malformed one is a usage error naming it.
    static func argument(_ text: String) throws -> Address {
        do {
            return try Address(parsing: text)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

extension Plan {
    /// With `--no-adopt`: a plan that adopts anything is refused, naming what and how to fix it.
    func refuseAdoptions(manifest: String) throws {
        let adoptions = steps.compactMap { step -> CommandError.Adoption? in
            switch step.action {
            case .adoptGroup(let id, _, _), .adoptAsset(_, let id, _, _): CommandError.Adoption(address: step.address, id: id)
            default: nil
            }
        }
        if !adoptions.isEmpty { throw CommandError.adoptionRefused(adoptions, manifest: manifest) }
    }
}
