import AssetformApply
import AssetformCore
import AssetformEmulator
import AssetformRemote
import JSON

/// The one JSON error object a command prints on stdout when it fails with `--json` (SPEC §4):
/// `{"error": {"kind", "message", "address"?, "call"?, "exit_status", "diagnostics"?}}`, so that
/// a pipeline never parses an empty stream.
struct JSONError {
    var kind: String
    var message: String
    var address: String?
    var call: String?
    var status: ExitStatus
    var diagnostics: [JSONValue]?

    var json: JSONValue {
        var fields: [(String, JSONValue)] = [("kind", .string(kind)), ("message", .string(message))]
        if let address { fields.append(("address", .string(address))) }
        if let call { fields.append(("call", .string(call))) }
        fields.append(("exit_status", .int(Int(status.rawValue))))
        if let diagnostics { fields.append(("diagnostics", .array(diagnostics))) }
        return .object([("error", .object(fields))])
    }

    /// The error object of an apply that ran and ended failing (some actions failed, it stopped
    /// early, or it was interrupted): nil when it did not fail (converged, or only not yet).
    static func of(_ report: ApplyReport, status: ExitStatus) -> JSONError? {
        let failed = report.failed.count
        let count = "\(failed) action\(failed == 1 ? "" : "s") failed"
        if let u = report.unrecorded, !u.recordedAll, status != .interrupted, status != .ok {
            return JSONError(kind: "apply", message: u.description + (failed > 0 ? "; \(count)" : ""), status: status)
        }
        switch (report.stopped, status) {
        case (.interrupted?, _):
            return JSONError(
                kind: "interrupted",
                message: "interrupted; everything completed is recorded"
                    + (report.notStarted > 0 ? " (\(report.notStarted) not started)" : ""), status: status)
        case (.fatal(let why, _, let call, let recording)?, _):
            // What stopped it, as a thrown error of the same cause would say; a stop after some
            // actions made their changes exits 3 all the same.
            return JSONError(
                kind: recording ? "apply" : status == .temporary ? "temporary" : "remote",
                message: "apply stopped early: \(why)"
                    + (failed > 0 ? "; \(count)" : ""), call: call, status: status)
        case (nil, .someFailed), (nil, .temporary):
            let first = report.failed.first
            return JSONError(
                kind: status == .temporary ? "temporary" : "actions_failed",
                message: count + (first.map { " (the first: \($0.description))" } ?? ""),
                address: first?.address.description, status: status)
        default:
            return nil
        }
    }

    /// What each layer's error is, in one word a pipeline can switch on.
    static func of(_ error: any Error, message: String, status: ExitStatus) -> JSONError {
        var e = JSONError(kind: "internal", message: message, status: status)
        switch error {
        case let c as CommandError:
            e.kind = c.kind
            e.address = c.address?.description
            if case .invalidManifest(let path, let diagnostics) = c {
                e.diagnostics = diagnostics.map { $0.json(file: path) }
            }
            if case .sourceChecksFailed(_, let path, let diagnostics) = c {
                e.diagnostics = diagnostics.map { $0.json(file: path) }
            }
        case is StateError: e.kind = "state"
        case is ApplyError: e.kind = "apply"
        case let r as RemoteError:
            e.kind = r.isTemporary ? "temporary" : "remote"
            e.call = r.call
        case is RemoteSettings.Failure: e.kind = "settings"
        case is EmulatorError: e.kind = "emulator"
        default: break
        }
        return e
    }
}

extension Diagnostic {
    /// One diagnostic as `validate --json` and the error object write it.
    func json(file: String) -> JSONValue {
        var fields: [(String, JSONValue)] = [("file", .string(file))]
        if let mark {
            fields += [("line", .int(mark.line)), ("column", .int(mark.column))]
        }
        fields += [("severity", .string(severity.rawValue)), ("message", .string(message))]
        return .object(fields)
    }
}
