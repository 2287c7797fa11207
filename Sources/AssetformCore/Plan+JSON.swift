import Durable
import JSON

/// The plan as one JSON document (`plan --json`, `plan --out FILE`): enough to show it, to
/// apply exactly it later, and to refuse it when the manifest or the lockfile changed since.
extension Plan {
    public static let formatVersion = 1

    public struct Origin: Sendable, Equatable {
        public var provider: LockedProvider
        /// SHA-256 of the manifest's bytes.
        public var manifestSHA256: String
        /// The lockfile's lineage and serial when planned; nil when there was none.
        public var lockLineage: String?
        public var lockSerial: Int?

        public init(provider: LockedProvider, manifestSHA256: String, lockLineage: String?, lockSerial: Int?) {
            self.provider = provider
            self.manifestSHA256 = manifestSHA256
            self.lockLineage = lockLineage
            self.lockSerial = lockSerial
        }

        public init(provider: LockedProvider, manifest: [UInt8], lock: Lockfile?) {
            self.init(
                provider: provider, manifestSHA256: Digest.sha256Hex(manifest), lockLineage: lock?.lineage,
                lockSerial: lock?.serial)
        }
    }

    public func json(_ origin: Origin) -> JSONValue {
        func opt(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        let actions: [JSONValue] = steps.map { s in
            var before: [(String, JSONValue)] = []
            var after: [(String, JSONValue)] = []
            for c in s.changes {
                before.append((c.field, opt(c.before)))
                after.append((c.field, opt(c.after)))
            }
            if s.action == .create || s.action == .adopt || s.action == .replace {
                if let n = s.name { after.append(("name", .string(n))) }
                if let u = s.url, !after.contains(where: { $0.0 == "url" }) { after.append(("url", .string(u))) }
                if let t = s.type, !after.contains(where: { $0.0 == "type" }) { after.append(("type", .string(t.rawValue))) }
                if let d = s.description { after.append(("description", .string(d))) }
            }
            var fields: [(String, JSONValue)] = [
                ("address", .string(s.address)), ("kind", .string(s.kind.rawValue)), ("action", .string(s.action.rawValue)),
                ("reason", .string(s.reason)), ("before", before.isEmpty ? .null : .object(before)),
                ("after", after.isEmpty ? .null : .object(after)),
            ]
            if let id = s.remoteID { fields.append(("remote_id", .string(id))) }
            if let status = s.status { fields.append(("remote_status", .string(status.rawValue))) }
            if let f = s.failure {
                fields.append(("failure", .object([("code", .string(f.code)), ("message", .string(f.message))])))
            }
            return .object(fields)
        }
        var summary: [(String, JSONValue)] = Plan.Action.allCases.map { ($0.rawValue, .int(count($0))) }
        summary += [
            ("unchanged", .int(unchanged.count)), ("billed_creates", .int(billedCreates)), ("changes", .bool(hasChanges)),
        ]
        return .object([
            ("format_version", .int(Plan.formatVersion)),
            (
                "provider",
                .object([
                    ("api", .string(origin.provider.api)), ("base_url", .string(origin.provider.baseURL)),
                    ("project_name", .string(origin.provider.projectName)),
                ])
            ),
            ("manifest_sha256", .string(origin.manifestSHA256)),
            (
                "lock",
                origin.lockLineage.map {
                    .object([("lineage", .string($0)), ("serial", origin.lockSerial.map(JSONValue.int) ?? .null)])
                } ?? .null
            ),
            ("actions", .array(actions)), ("warnings", .array(warnings.map(JSONValue.string))), ("summary", .object(summary)),
        ])
    }
}

extension Plan {
    public struct DecodingFailure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// A saved plan (`plan --out FILE`) read back, with where it came from.
    public static func decode(_ document: JSONValue, path: String) throws(DecodingFailure) -> (Plan, Origin) {
        func bad(_ what: String) -> DecodingFailure {
            DecodingFailure(description: "\(path): error: not a plan assetform saved (\(what))")
        }
        guard document["format_version"]?.int == Plan.formatVersion else {
            throw bad(
                "format_version \(document["format_version"].map { "\($0.encoded)" } ?? "missing"), expected \(Plan.formatVersion)"
            )
        }
        guard let p = document["provider"], let api = p["api"]?.string, let base = p["base_url"]?.string,
            let project = p["project_name"]?.string, let sha = document["manifest_sha256"]?.string
        else { throw bad("provider or manifest_sha256 missing") }
        let origin = Origin(
            provider: LockedProvider(api: api, baseURL: base, projectName: project), manifestSHA256: sha,
            lockLineage: document["lock"]?["lineage"]?.string, lockSerial: document["lock"]?["serial"]?.int)
        guard case .array(let actions)? = document["actions"] else { throw bad("no actions") }
        var steps: [Step] = []
        for (i, a) in actions.enumerated() {
            guard let address = a["address"]?.string, let kind = a["kind"]?.string.flatMap(Kind.init(rawValue:)),
                let action = a["action"]?.string.flatMap(Action.init(rawValue:))
            else { throw bad("action \(i + 1) has no address, kind or action") }
            let parts = address.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == (kind == .group ? 1 : 2) else {
                throw bad("action \(i + 1): \(address) is not a \(kind.rawValue)")
            }
            var step = Step(
                address: address, kind: kind, action: action, reason: a["reason"]?.string ?? "", groupKey: parts[0],
                assetKey: kind == .asset ? parts[1] : nil)
            step.remoteID = a["remote_id"]?.string
            step.status = a["remote_status"]?.string.flatMap(AssetStatus.init(rawValue:))
            if let f = a["failure"], let code = f["code"]?.string {
                step.failure = RemoteAsset.Failure(code: code, message: f["message"]?.string ?? "")
            }
            let before = a["before"] ?? .null
            let after = a["after"] ?? .null
            if case .object(let fields) = after {
                for (field, value) in fields {
                    switch field {
                    case "name": step.name = value.string
                    case "url": step.url = value.string
                    case "type": step.type = value.string.flatMap(AssetType.init(rawValue:))
                    case "description": step.description = value.string
                    default: break
                    }
                    if action == .update || action == .replace, field != "description" || action == .update,
                        before[field] != nil
                    {
                        step.changes.append(Change(field: field, before: before[field]?.string, after: value.string))
                    }
                }
            }
            steps.append(step)
        }
        var warnings: [String] = []
        if case .array(let w)? = document["warnings"] { warnings = w.compactMap(\.string) }
        let unchanged = document["summary"]?["unchanged"]?.int ?? 0
        return (Plan(steps: steps, unchanged: Array(repeating: "", count: unchanged), warnings: warnings), origin)
    }
}
