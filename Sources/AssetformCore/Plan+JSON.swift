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
                provider: provider, manifestSHA256: SHA256.hex(manifest), lockLineage: lock?.lineage, lockSerial: lock?.serial)
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
