import Durable
import JSON
import YAML

/// The plan as one JSON document (`plan --json`, `plan --out FILE`): enough to show it, to
/// apply exactly it later, and to refuse it when the manifest or the lockfile changed since.
extension Plan {
    public static let formatVersion = 1
    /// A saved plan's largest size, read back (a plan of 100,000 assets is about 40 MB).
    public static let maxDocumentBytes = 256 << 20

    /// A plan document's bytes as `plan --out` saves them; nil when they are more than `limit`
    /// (what `apply --plan` and `show` read back): such a file is never written.
    public static func savedBytes(_ document: JSONValue, limit: Int = maxDocumentBytes) -> [UInt8]? {
        let bytes = Array((document.pretty + "\n").utf8)
        return bytes.count <= limit ? bytes : nil
    }

    public struct Origin: Sendable, Equatable {
        public var provider: LockedProvider
        /// SHA-256 of the manifest's bytes.
        public var manifestSHA256: String
        /// The lockfile's lineage and serial when planned; nil when there was none.
        public var lockLineage: String?
        public var lockSerial: Int?
        /// SHA-256 of the lockfile's bytes when planned: a change its serial does not show (a
        /// merge resolved by hand) makes the plan stale too. Nil without a lockfile (or in a
        /// document written before it was kept).
        public var lockSHA256: String?
        /// Whether the plan looked at the service (false: `--no-refresh`): one that did not may
        /// register again what exists, and is never applied.
        public var refreshed = true
        /// Made against the in-process emulator (`--emulate`): applied only there. Nil in a
        /// document written before it was kept (then not checked).
        public var emulated: Bool? = false

        /// How it was made, where that matters to a reviewer (nil: refreshed, against the service).
        public var note: String? {
            let made = [
                refreshed
                    ? nil
                    : "made with --no-refresh, from the manifest and the lockfile alone (the service was not looked at; "
                        + "apply plans again against it)",
                emulated == true ? "made against the in-process emulator (--emulate)" : nil,
            ].compactMap { $0 }
            return made.isEmpty ? nil : made.joined(separator: "; ")
        }

        public init(provider: LockedProvider, manifestSHA256: String, lockLineage: String?, lockSerial: Int?) {
            self.provider = provider
            self.manifestSHA256 = manifestSHA256
            self.lockLineage = lockLineage
            self.lockSerial = lockSerial
        }

        public init(provider: LockedProvider, manifestSHA256: String, lock: Lockfile?) {
            self.init(provider: provider, manifestSHA256: manifestSHA256, lockLineage: lock?.lineage, lockSerial: lock?.serial)
        }

        public init(provider: LockedProvider, manifest: [UInt8], lock: Lockfile?) {
            self.init(provider: provider, manifestSHA256: Digest.sha256Hex(manifest), lock: lock)
        }
    }

    public func json(_ origin: Origin) -> JSONValue {
        .object(jsonFields(origin, actions: .array(steps.map(Self.json(of:)))))
    }

    /// The key of the document's list of actions: a writer that streams the document writes
    /// that list one action at a time (`json(of:)`) instead of the value `jsonFields` is given.
    public static let actionsKey = "actions"

    /// One action of the document.
    public static func json(of s: Step) -> JSONValue {
        func opt(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        var before: [(String, JSONValue)] = []
        var after: [(String, JSONValue)] = []
        for c in s.changes {
            before.append((c.field, opt(c.before)))
            after.append((c.field, opt(c.after)))
        }
        func add(_ field: String, _ value: String?) {
            if let value, !after.contains(where: { $0.0 == field }) { after.append((field, .string(value))) }
        }
        switch s.action {
        case .createGroup(let name, let description, _), .adoptGroup(_, let name, let description):
            add("name", name)
            add("description", description)
        case .createAsset(let spec, _), .replaceAsset(let spec, _, _, _, _, _), .adoptAsset(let spec, _, _, _):
            add("name", spec.name)
            add("url", spec.url)
            add("type", spec.type.rawValue)
            add("revision", spec.revision)
        default: break
        }
        var fields: [(String, JSONValue)] = [
            ("address", .string(s.address.description)), ("kind", .string(s.kind.rawValue)),
            ("action", .string(s.verb.rawValue)), ("reason", .string(s.reason)),
            ("before", before.isEmpty ? .null : .object(before)), ("after", after.isEmpty ? .null : .object(after)),
        ]
        if let id = s.remoteID { fields.append(("remote_id", .string(id))) }
        switch s.action {
        case .adoptAsset(_, _, let status, let failure):
            fields.append(("remote_status", .string(status.rawValue)))
            if let failure { fields.append(("failure", failure.json)) }
        case .replaceAsset(_, _, _, _, _, let f?), .failed(_, let f?):
            fields.append(("failure", f.json))
        case .move(let from, _): fields.append(("moved_from", .string(from.description)))
        default: break
        }
        switch s.action {
        case .createAsset(let spec, _), .replaceAsset(let spec, _, _, _, _, _):
            if let source = spec.source, !source.isEmpty { fields.append(("source", source.json)) }
        default: break
        }
        return .object(fields)
    }

    /// The document's fields in order, with `actions` as the value of `actionsKey`.
    public func jsonFields(_ origin: Origin, actions: JSONValue) -> [(String, JSONValue)] {
        var summary: [(String, JSONValue)] = Plan.Verb.allCases.map { ($0.rawValue, .int(count($0))) }
        summary += [
            ("unchanged", .int(unchanged.count)), ("held_back", .int(heldBack.count)), ("billed_creates", .int(billedCreates)),
            ("changes", .bool(hasChanges)),
        ]
        return [
            ("format_version", .int(Plan.formatVersion)),
            ("provider", origin.provider.json),
            ("manifest_sha256", .string(origin.manifestSHA256)),
            (
                "lock",
                origin.lockLineage.map {
                    .object(
                        [("lineage", .string($0)), ("serial", origin.lockSerial.map(JSONValue.int) ?? .null)]
                            + (origin.lockSHA256.map { [("sha256", .string($0))] } ?? []))
                } ?? .null
            ),
            ("refreshed", .bool(origin.refreshed)), ("emulated", .bool(origin.emulated ?? false)),
            // The same two at the top as well, for readers that look for them there (null without a lockfile).
            ("lineage", origin.lockLineage.map(JSONValue.string) ?? .null),
            ("serial", origin.lockLineage == nil ? .null : origin.lockSerial.map(JSONValue.int) ?? .null),
            (Self.actionsKey, actions), ("unchanged", .array(unchanged.map { .string($0.description) })),
            ("held_back", .array(heldBack.map { .string($0.description) })),
            ("warnings", .array(warnings.map(JSONValue.string))), ("summary", .object(summary)),
        ]
    }
}

extension Plan {
    /// A saved plan (`plan --out FILE`) read back, with where it came from: exactly the plan
    /// that was saved.
    /// The document of a plan saved at `path` (`apply --plan`, `show`), read whole; one that is
    /// not JSON is refused with the line and column where it stops being so.
    public static func readDocument(path: String) throws(StateError) -> JSONValue {
        let bytes: [UInt8]
        do throws(YAMLError) {
            bytes = try YAMLFile.read(path: path, maxBytes: maxDocumentBytes)
        } catch {
            throw StateError.unreadable(path: path, reason: error.message)
        }
        switch JSONValue.parseOrFail(bytes) {
        case .success(let document): return document
        case .failure(let e):
            let mark = bytes.withUnsafeBufferPointer { SourceLines.mark(atByteOffset: e.offset, in: $0) }
            throw StateError.notJSON(path: path, line: mark.line, column: mark.column, file: .plan)
        }
    }

    public static func decode(_ document: JSONValue, path: String) throws(StateError) -> (Plan, Origin) {
        func bad(_ what: String) -> StateError { .notOurs(path: path, line: nil, column: nil, file: .plan, detail: what) }
        guard document["format_version"]?.int == Plan.formatVersion else {
            throw bad(
                "format_version \(document["format_version"].map { "\($0.encoded)" } ?? "missing"), expected \(Plan.formatVersion)"
            )
        }
        guard let provider = document["provider"].flatMap(LockedProvider.init(json:)),
            let sha = document["manifest_sha256"]?.string
        else {
            throw bad("provider or manifest_sha256 missing, or a provider that is not a dialect, address and project it could be")
        }
        var origin = Origin(
            provider: provider, manifestSHA256: sha, lockLineage: document["lock"]?["lineage"]?.string,
            lockSerial: document["lock"]?["serial"]?.int)
        origin.lockSHA256 = document["lock"]?["sha256"]?.string
        // (Absent from documents written before they were kept: as they were then.)
        if case .bool(let b)? = document["refreshed"] { origin.refreshed = b }
        if case .bool(let b)? = document["emulated"] { origin.emulated = b } else { origin.emulated = nil }
        guard case .array(let actions)? = document["actions"] else { throw bad("no actions") }
        var steps: [Step] = []
        steps.reserveCapacity(actions.count)
        for (i, a) in actions.enumerated() {
            guard let step = Step(json: a) else { throw bad("action \(i + 1) is not one assetform writes") }
            steps.append(step)
        }
        func addresses(_ key: String) throws(StateError) -> [Address] {
            var found: [Address] = []
            if case .array(let list)? = document[key] {
                for item in list {
                    guard let text = item.string, let address = try? Address(parsing: text) else {
                        throw bad("a \(key.replacingOccurrences(of: "_", with: " ")) address is not an address")
                    }
                    found.append(address)
                }
            }
            return found
        }
        let unchanged = try addresses("unchanged")
        let heldBack = try addresses("held_back")
        var warnings: [String] = []
        if case .array(let w)? = document["warnings"] { warnings = w.compactMap(\.string) }
        return (Plan(steps: steps, unchanged: unchanged, warnings: warnings, heldBack: heldBack), origin)
    }
}

extension Plan.Step {
    /// One action of the document, read back; nil when it is not one `json` writes.
    init?(json a: JSONValue) {
        guard let text = a["address"]?.string, let address = try? Address(parsing: text),
            let kind = a["kind"]?.string.flatMap(Plan.Kind.init(rawValue:)), kind == (address.isGroup ? .group : .asset),
            let verb = a["action"]?.string.flatMap(Plan.Verb.init(rawValue:))
        else { return nil }
        let before = a["before"] ?? .null
        let after = a["after"] ?? .null
        let id = a["remote_id"]?.string
        let failure = a["failure"].flatMap(RemoteAsset.Failure.init(json:))
        /// A changed field: present in `before` (its value may be null) and in `after`.
        func change(_ field: String) -> Plan.FieldChange? {
            guard let was = before[field], let now = after[field]?.string else { return nil }
            return Plan.FieldChange(before: was.string, after: now)
        }
        var spec: Plan.AssetSpec? {
            guard let name = after["name"]?.string, let url = after["url"]?.string,
                let type = after["type"]?.string.flatMap(AssetType.init(rawValue:))
            else { return nil }
            return Plan.AssetSpec(
                name: name, type: type, url: url, revision: after["revision"]?.string,
                source: a["source"].flatMap(SourceFingerprint.init(json:)))
        }
        let action: Plan.Action
        switch (kind, verb) {
        case (.group, .create):
            guard let name = after["name"]?.string else { return nil }
            action = .createGroup(name: name, description: after["description"]?.string, gone: id)
        case (.group, .adopt):
            guard let id, let name = after["name"]?.string else { return nil }
            action = .adoptGroup(id: id, name: name, description: after["description"]?.string)
        case (.group, .update):
            guard let id else { return nil }
            action = .updateGroup(id: id, name: change("name"), description: change("description"))
        case (.asset, .create):
            guard let spec else { return nil }
            action = .createAsset(spec, gone: id)
        case (.asset, .replace):
            guard let spec, let id else { return nil }
            action = .replaceAsset(
                spec, old: id, url: change("url"), type: change("type"), revision: change("revision"), failure: failure)
        case (.asset, .adopt):
            guard let spec, let id, let status = a["remote_status"]?.string.flatMap(AssetStatus.init(rawValue:)) else {
                return nil
            }
            action = .adoptAsset(spec, id: id, status: status, failure: status == .failed ? failure : nil)
        case (.asset, .update):
            guard let id, let name = change("name") else { return nil }
            action = .updateAsset(id: id, name: name)
        case (.asset, .wait):
            guard let id else { return nil }
            action = .wait(id: id)
        case (_, .forget):
            guard let id else { return nil }
            action = .forget(id: id)
        case (_, .delete):
            guard let id else { return nil }
            action = .delete(id: id)
        case (_, .move):
            guard let id, let text = a["moved_from"]?.string, let from = try? Address(parsing: text),
                from.isGroup == address.isGroup
            else { return nil }
            action = .move(from: from, id: id)
        case (.asset, .failed):
            guard let id else { return nil }
            action = .failed(id: id, failure: failure)
        default:
            return nil
        }
        self.init(address: address, action: action, reason: a["reason"]?.string ?? "")
    }
}
