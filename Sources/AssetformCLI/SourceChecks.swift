import ArgumentParser
import AssetformCore
import AssetformPreflight
import JSON
import Timing
import YAML

/// `--check-urls` and `--skip-failed-checks`, for `plan` and `apply` (SPEC §10).
struct SourceCheckOptions: ParsableArguments {
    @Flag(
        help:
            "Preflight the source URL of every asset to be created (no call to the asset service); a failed check stops before any billed call."
    )
    var checkUrls = false

    @Flag(
        help: "With --check-urls (implied): leave the assets whose check failed out of this run, each named, instead of stopping."
    )
    var skipFailedChecks = false

    var enabled: Bool { checkUrls || skipFailedChecks }
}

/// What a preflight found, ready for each output.
struct PreflightOutcome: Sendable {
    var reports: [SourceReport]
    var diagnostics: [Diagnostic]
    /// The assets whose check failed (errors only: a changed source is a warning).
    var failed: Set<Address>
    var elapsed: Duration

    var bytesRead: Int { reports.reduce(0) { $0 + $1.bytesRead } }

    var summary: String {
        let n = reports.count
        let seconds = Double(elapsed.inMilliseconds) / 1000
        let time = seconds < 10 ? String(format1(seconds)) : String(Int(seconds.rounded()))
        let verdict = failed.isEmpty ? (n == 1 ? "it passed" : "all passed") : "\(failed.count) failed"
        let changed = reports.filter { $0.changed != nil }.count
        return "Checked \(n) source\(n == 1 ? "" : "s") in \(time)s: \(verdict)"
            + (changed > 0 ? ", \(changed) changed since registered" : "")
            + "; \(ByteCountText.format(bytesRead)) read."
    }

    private func format1(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    var json: JSONValue {
        .object([
            ("checked", .int(reports.count)), ("failed", .int(failed.count)),
            ("changed", .int(reports.filter { $0.changed != nil }.count)), ("bytes_read", .int(bytesRead)),
            ("elapsed_seconds", .double(Double(elapsed.inMilliseconds) / 1000)),
            ("sources", .array(reports.map(\.json))),
        ])
    }
}

extension Session {
    /// Where each asset of the manifest is written.
    var assetMarks: [Address: Mark] {
        var marks: [Address: Mark] = [:]
        for g in manifest.groups {
            for a in g.assets { marks[Address(group: g.key, asset: a.key)] = a.mark }
        }
        return marks
    }

    /// Checks `items`; a problem is an error for the `strict` ones and a warning for the others.
    /// The findings are printed on stderr at their places in the manifest.
    func preflight(_ items: [(item: Preflight.Item, strict: Bool)], concurrency: Int? = nil, timeout: Duration? = nil)
        async throws -> PreflightOutcome
    {
        var settings: Preflight.Settings
        do {
            settings = try Preflight.Settings.from(environment: Terminal.environment())
        } catch {
            throw CommandError.preflightSetup(error.description)
        }
        if let concurrency { settings.concurrency = concurrency }
        if let timeout { settings.timeout = timeout }
        let preflight: Preflight
        do {
            preflight = try Preflight(settings)
        } catch {
            throw CommandError.preflightSetup(error.description)
        }
        let began = ContinuousClock.now
        let reports = await preflight.run(items.map(\.item), limits: manifest.checks)
        let marks = assetMarks
        var diagnostics: [Diagnostic] = []
        var failed = Set<Address>()
        for (report, entry) in zip(reports, items) {
            let address = try? Address(parsing: report.address)
            let mark = address.flatMap { marks[$0] }
            for problem in report.problems {
                diagnostics.append(
                    Diagnostic(
                        entry.strict ? .error : .warning, .sourceProblem(address: report.address, message: problem), at: mark))
            }
            if entry.strict, !report.problems.isEmpty, let address { failed.insert(address) }
            if let change = report.changed {
                diagnostics.append(Diagnostic(.warning, .sourceChanged(address: report.address, change: change), at: mark))
            }
        }
        if !diagnostics.isEmpty { terminal.report(diagnostics, in: source) }
        return PreflightOutcome(reports: reports, diagnostics: diagnostics, failed: failed, elapsed: ContinuousClock.now - began)
    }

    /// `--check-urls` on a plan: its registrations checked before any billed call. A failed
    /// check stops the command, or with `--skip-failed-checks` leaves that asset out of the
    /// plan; what passed is recorded with what its create makes.
    func checkSources(of plan: Plan, _ options: SourceCheckOptions) async throws -> (Plan, PreflightOutcome?) {
        guard options.enabled else { return (plan, nil) }
        let items = plan.registrations.map { r in
            (item: Preflight.Item(address: r.address.description, url: r.spec.url, type: r.spec.type), strict: true)
        }
        let outcome = try await preflight(items)
        if !terminal.json { terminal.info(outcome.summary) }
        if !outcome.failed.isEmpty && !options.skipFailedChecks {
            throw CommandError.sourceChecksFailed(outcome.failed.count, manifest: manifestPath, diagnostics: outcome.diagnostics)
        }
        var sources: [Address: SourceFingerprint] = [:]
        for report in outcome.reports where report.passed {
            if let a = try? Address(parsing: report.address), let f = report.fingerprint { sources[a] = f }
        }
        let checked = plan.recording(sources: sources)
            .leavingOut(outcome.failed, because: "its source failed its check (--skip-failed-checks)")
        return (checked, outcome)
    }
}
