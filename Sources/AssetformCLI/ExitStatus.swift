import ArgumentParser
import AssetformApply
import AssetformCore

/// The exit statuses of every command (SPEC §4), in one place, so that CI can tell them apart.
enum ExitStatus: Int32, CaseIterable {
    /// Done; for apply and plan: converged.
    case ok = 0
    /// An error before any change: an invalid manifest, a refused lockfile, auth, a conflict, a
    /// stale saved plan.
    case error = 1
    /// `plan --detailed-exitcode`: there are changes to apply.
    case changes = 2
    /// apply: some actions of this run failed; the rest are recorded.
    case someFailed = 3
    /// Not converged, nothing failed in this run: assets still Processing when the wait ended, or
    /// Failed in an earlier run and left alone.
    case notConverged = 4
    /// Bad usage: an unknown flag, a missing argument, the wrong number of arguments.
    case usage = 64
    /// Temporary: the lock is held by another run, or the service could not be reached or stayed
    /// throttled before any change; retrying later may succeed.
    case temporary = 75
    /// Interrupted; everything completed is recorded.
    case interrupted = 130

    var exitCode: ExitCode { ExitCode(rawValue) }

    /// What it means, as `--help` and README say it.
    var meaning: String {
        switch self {
        case .ok: "done; for apply and plan: converged (every tracked asset Active, nothing left to do)"
        case .error:
            "an error before any change (invalid manifest, refused lockfile, auth, conflict, stale saved plan)"
        case .changes: "plan --detailed-exitcode only: there are changes to apply"
        case .someFailed: "apply: some actions of this run failed; the rest are recorded"
        case .notConverged:
            "not converged, nothing failed in this run: assets still Processing when the wait ended, or Failed in an earlier run and left alone"
        case .usage: "bad usage (unknown flag, missing argument, wrong number of arguments)"
        case .temporary:
            "temporary: the lock is held by another run, or the service could not be reached or stayed throttled before any change"
        case .interrupted: "interrupted; everything completed is recorded"
        }
    }

    /// The table, for `--help`.
    static var help: String {
        "Exit statuses: " + allCases.map { "\($0.rawValue) \($0.meaning)" }.joined(separator: "; ") + "."
    }
}

extension ExitStatus {
    /// How an apply ended.
    static func of(_ report: ApplyReport) -> ExitStatus {
        if let u = report.unrecorded, !u.recordedAll, report.stopped != .interrupted {
            return report.mayHaveChanged ? .someFailed : .error
        }
        switch report.stopped {
        case .interrupted?: return .interrupted
        case .fatal(_, let temporary, _, _)? where !report.mayHaveChanged: return temporary ? .temporary : .error
        case .fatal(_, _, _, let recording)?:
            // Stopped after changes: some actions of the run failed or were never started, or
            // what was done could not all be recorded (3). Where every one was done and recorded
            // and nothing failed (stopped during the wait for Processing assets, say), the run
            // did not converge: it stopped early (4).
            if recording || !report.failed.isEmpty || report.notStarted > 0 { return .someFailed }
            return .notConverged
        case nil: break
        }
        if !report.failed.isEmpty {
            // Nothing changed, and every failure may pass (the service unreachable, failing or
            // throttling when retrying was given up): the run can simply be tried again later.
            let temporary = !report.mayHaveChanged && report.failed.allSatisfy(\.temporary)
            return temporary ? .temporary : .someFailed
        }
        if !report.stillProcessing.isEmpty || !report.failedEarlier.isEmpty || !report.leftOut.isEmpty
            || !report.heldBack.isEmpty
            || !report.toCreateAgain.isEmpty
        {
            return .notConverged
        }
        return .ok
    }

    /// How a plan ends with `--detailed-exitcode`: changes, or none and not converged (assets
    /// Processing, or Failed and left alone), or none.
    static func detailed(_ plan: Plan) -> ExitStatus {
        if plan.hasChanges { return .changes }
        if plan.count(.wait) > 0 || plan.count(.failed) > 0 || !plan.heldBack.isEmpty { return .notConverged }
        return .ok
    }
}
