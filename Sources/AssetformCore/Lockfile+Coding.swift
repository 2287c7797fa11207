import Durable
import JSON
import YAML

/// Reading lockfiles (`Lockfile+Writing` writes them): never overwritten when they do not
/// parse, and a lockfile for another service refused.
extension Lockfile {

    /// `assets.yaml` → `assets.lock` (any `.yaml`/`.yml` ending is replaced; otherwise `.lock` is added).
    public static func path(forManifest manifest: String) -> String {
        for ext in [".yaml", ".yml"] where manifest.hasSuffix(ext) {
            return String(manifest.dropLast(ext.count)) + ".lock"
        }
        return manifest + ".lock"
    }

    /// The lockfile at `path`; nil when there is none.
    public static func load(path: String) throws(StateError) -> Lockfile? {
        try load(path: path, digest: false)?.lock
    }

    /// The lockfile at `path` and, with `digest`, the SHA-256 of the very bytes it was read from
    /// (a saved plan keeps it: a later change to the file makes the plan stale); nil when there
    /// is none.
    public static func load(path: String, digest: Bool) throws(StateError) -> (lock: Lockfile, sha256: String?)? {
        // Mapped, and let go of a megabyte at a time as its records are read (and hashed first).
        let result: Result<(lock: Lockfile, sha256: String?), StateError>
        do throws(YAMLError) {
            result = try YAMLFile.withMapped(path: path, maxBytes: 512 << 20) {
                (bytes, release) throws(StateError) -> (lock: Lockfile, sha256: String?) in
                guard digest else { return (try decode(bytes, path: path, release: release), nil) }
                var stream = Digest.Stream()
                var hashed = 0
                let lock = try decode(bytes, path: path) { offset in
                    // Bytes are let go of only once hashed.
                    if offset - hashed >= 256 << 10 {
                        stream.update(UnsafeBufferPointer(rebasing: bytes[hashed..<offset]))
                        hashed = offset
                    }
                    release(hashed)
                }
                stream.update(UnsafeBufferPointer(rebasing: bytes[hashed...]))
                return (lock, stream.hex())
            }
        } catch {
            if error.kind == .missingFile { return nil }
            throw .unreadable(path: path, reason: error.message)
        }
        return try result.get()
    }

    public static func decode(_ bytes: [UInt8], path: String) throws(StateError) -> Lockfile {
        try bytes.withUnsafeBufferPointer { (buffer) throws(StateError) -> Lockfile in
            try decode(buffer, path: path, release: { _ in })
        }
    }

    /// Reads a lockfile straight into its records with a pull reader: a lockfile of 100,000
    /// assets is 25 MB, and a JSON tree in between would cost more than the manifest does.
    /// `release(offset)`: the bytes before `offset` are read (after each group).
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, path: String, release: (Int) -> Void) throws(StateError)
        -> Lockfile
    {
        var version: Int?
        var lineage: String?
        var serial: Int?
        var provider: JSONValue?
        var providerAt: Int?
        var groups: [String: LockedGroup] = [:]
        var forgotten: [Address: String] = [:]
        var problem: Problem?
        // Every id once: a lockfile edited by hand that tracks one remote object at two addresses
        // would have each apply change it back and forth.
        var ids = IDCollisions(expected: bytes.count / 256)
        var groupIDs: [String: String] = [:]
        // Room for as many assets as the group before had: a group's table is seldom grown (each
        // growth rehashes every record in it).
        var lastGroupSize = 0
        // A field written twice (JSON allows it): which of the two counts is the reader's choice,
        // and a person reading the file may see the other. (Of the fields it reads.)
        var fields = FieldsSeen()
        do throws(JSONReader.Failure) {
            try JSONReader.read(bytes) { (r: inout JSONReader) throws(JSONReader.Failure) in
                try r.object { (r: inout JSONReader, key: String) throws(JSONReader.Failure) in
                    if fields.again(key, of: Self.lockfileFields) {
                        problem = problem ?? Problem(Self.twice("the field \"\(key.visible)\""), at: r.startOfValue())
                    }
                    switch key {
                    case "version": version = try r.int()
                    case "lineage": lineage = try r.string()
                    case "serial": serial = try r.int()
                    case "provider":
                        providerAt = r.startOfValue()
                        provider = try r.value()
                        if case .object(let fields) = provider,
                            let twice = LockedProvider.fieldNames.first(where: { name in fields.count { $0.0 == name } > 1 })
                        {
                            problem = problem ?? Problem(Self.twice("the provider's field \"\(twice)\""), at: providerAt)
                        }
                    case "forgotten":
                        try r.object { (r: inout JSONReader, key: String) throws(JSONReader.Failure) in
                            let at = r.startOfValue()
                            let id = try r.string()
                            guard let address = try? Address(parsing: key), !address.isGroup, RemoteID.isWellFormed(id) else {
                                problem =
                                    problem
                                    ?? Problem(
                                        "the forgotten record \"\(key.visible)\" is not an asset's address and an id", at: at)
                                return
                            }
                            if forgotten.updateValue(id, forKey: address) != nil {
                                problem = problem ?? Problem(Self.twice("the forgotten record \(key.visible)"), at: at)
                            }
                        }
                    case "groups":
                        try r.object { (r: inout JSONReader, groupKey: String) throws(JSONReader.Failure) in
                            let at = r.startOfValue()
                            if let why = AssetKey.problem(groupKey) {
                                problem = problem ?? Problem("the group key \"\(groupKey.visible)\" \(why)", at: at)
                            }
                            let group = try readGroup(
                                &r, groupKey, &problem, ids: &ids, groupIDs: &groupIDs, capacity: lastGroupSize,
                                release: release)
                            lastGroupSize = group.assets.count
                            if groups.updateValue(group, forKey: groupKey) != nil {
                                problem = problem ?? Problem(Self.twice("group \(groupKey.visible)"), at: at)
                            }
                        }
                    default: _ = try r.value()
                    }
                }
            }
        } catch {
            let mark = SourceLines.mark(atByteOffset: error.offset, in: bytes)
            if case .failure = JSONValue.parseOrFail(bytes) {
                throw .notJSON(path: path, line: mark.line, column: mark.column, file: .lockfile)
            }
            throw .notOurs(
                path: path, line: mark.line, column: mark.column, file: .lockfile, detail: "expected \(error.expected) here")
        }
        func bad(_ what: String, at offset: Int? = nil) -> StateError {
            let mark = offset.map { SourceLines.mark(atByteOffset: $0, in: bytes) }
            return .notOurs(path: path, line: mark?.line, column: mark?.column, file: .lockfile, detail: what)
        }
        guard version == Lockfile.version else {
            throw bad("version \(version.map(String.init) ?? "missing"), expected \(Lockfile.version)")
        }
        guard let lineage, let serial else { throw bad("lineage or serial missing") }
        guard let lockedProvider = provider.flatMap(LockedProvider.init(json:)) else {
            throw bad(
                provider == nil
                    ? "provider missing"
                    : "its provider is not a dialect, address and project it could be (api, base_url, project_name)",
                at: providerAt)
        }
        // One more per write: a serial past the largest a write makes is a hand edit (and the
        // next write's could overflow).
        guard (0...Lockfile.maxSerial).contains(serial) else {
            throw bad("its serial \(serial) is not from 0 to \(Lockfile.maxSerial)")
        }
        if problem == nil,
            let (id, offset) = ids.firstDuplicate(
                among: groups.values.lazy.flatMap { $0.assets.values.lazy.map(\.id) },
                idAt: { JSONReader.string(at: $0, in: bytes) })
        {
            // Rare: where the id is, named only now that every record is read.
            var at: [String] = []
            for (key, g) in groups { for (k, a) in g.assets where a.id == id { at.append("\(key.visible)/\(k.visible)") } }
            problem = Problem("the id \(id) is tracked at \(at.sorted().joined(separator: " and ")): " + oneAddress, at: offset)
        }
        if let problem { throw bad(problem.what, at: problem.offset) }
        var lock = Lockfile(lineage: lineage, serial: serial, provider: lockedProvider, groups: groups)
        lock.forgotten = forgotten
        return lock
    }

    /// What is wrong with a lockfile that parses, and where (a byte offset), when known.
    struct Problem {
        var what: String
        var offset: Int?
        init(_ what: String, at offset: Int?) {
            self.what = what
            self.offset = offset
        }
    }

    private static func readGroup(
        _ r: inout JSONReader, _ key: String, _ problem: inout Problem?, ids: inout IDCollisions,
        groupIDs: inout [String: String], capacity: Int, release: (Int) -> Void
    ) throws(JSONReader.Failure) -> LockedGroup {
        let start = r.startOfValue()
        var id: String?
        var idAt = start
        var name: String?
        var description: String?
        var assets: [String: LockedAsset] = [:]
        assets.reserveCapacity(capacity)
        var texts: [JSONReader.PlainText] = []
        texts.reserveCapacity(usualFields.count)
        var fields = FieldsSeen()
        try r.object { (r: inout JSONReader, field: String) throws(JSONReader.Failure) in
            if fields.again(field, of: groupFields) {
                problem =
                    problem ?? Problem(Self.twice("group \(key.visible)'s field \"\(field.visible)\""), at: r.startOfValue())
            }
            switch field {
            case "id":
                idAt = r.startOfValue()
                id = try r.string()
            case "name": name = try r.string()
            case "description": description = try r.string()
            case "assets":
                try r.object { (r: inout JSONReader, assetKey: String) throws(JSONReader.Failure) in
                    let at = r.startOfValue()
                    if let why = AssetKey.problem(assetKey) {
                        problem = problem ?? Problem("the asset key \"\(assetKey.visible)\" \(why)", at: at)
                    }
                    let count = assets.count
                    var recorded = true
                    if readUsualAsset(&r, into: &assets, at: assetKey, ids: &ids, scratch: &texts) {
                        // (Read whole, in the usual shape.)
                    } else if let why = try readAsset(&r, into: &assets, at: assetKey, ids: &ids) {
                        problem =
                            problem ?? Problem("asset \(key.visible)/\(assetKey.visible): \(why.what)", at: why.offset ?? at)
                        recorded = false
                    }
                    // Recorded, and the table no larger: a second record at one key (JSON allows
                    // it, and one of the two would be lost).
                    if recorded && assets.count == count {
                        problem = problem ?? Problem(Self.twice("asset \(key.visible)/\(assetKey.visible)"), at: at)
                    }
                    release(r.offset)
                }
            default: _ = try r.value()
            }
        }
        guard let id, let name else {
            problem = problem ?? Problem("group \(key.visible) has no id or name", at: start)
            return LockedGroup(id: "", name: "")
        }
        if let why = idProblem(id) {
            problem = problem ?? Problem("group \(key.visible): \(why)", at: idAt)
        } else if let other = groupIDs.updateValue(key, forKey: id), other != key {
            // (The same key twice is said as such, where the groups are kept.)
            problem =
                problem
                ?? Problem(
                    "the id \(id) is tracked at \([other, key].sorted().map(\.visible).joined(separator: " and ")): "
                        + oneAddress, at: idAt)
        }
        return LockedGroup(id: id, name: name, description: description, assets: assets)
    }

    /// The fields the lockfile's object has, and a group's (others are passed over).
    private static let lockfileFields = ["version", "lineage", "serial", "provider", "forgotten", "groups"]
    private static let groupFields = ["id", "name", "description", "assets"]

    /// Which of a few known fields an object has shown so far.
    private struct FieldsSeen {
        private var seen: UInt8 = 0

        /// Whether `field`, one of `known`, was shown before (and notes it).
        mutating func again(_ field: String, of known: [String]) -> Bool {
            guard let i = known.firstIndex(of: field) else { return false }
            defer { seen |= 1 << i }
            return seen & (1 << i) != 0
        }
    }

    /// A key written twice in one object of the lockfile.
    private static func twice(_ what: String) -> String {
        "\(what) is recorded twice; a hand edit? Keep one of its records"
    }

    private static let oneAddress =
        "one remote object has one address; remove all but one of its records from the lockfile"

    /// Why `id` cannot be a tracked id: not an id's shape.
    private static func idProblem(_ id: String) -> String? {
        guard RemoteID.isWellFormed(id) else {
            let shown = id.count > 40 ? String(id.prefix(40)) + "…" : id
            return "the id \"\(shown.visible)\" is not an id (letters, digits, - and _ only, at most \(RemoteID.maxLength))"
        }
        return nil
    }

    /// The fields of an asset's record, in the order `readAsset` numbers them.
    private static let assetFields: [StaticString] = [
        "id", "name", "ref", "url", "status", "type", "failure", "revision", "source",
    ]

    /// The raw values of an asset's status and type, matched against the lockfile's bytes
    /// without a String made of them.
    private static let statuses = AssetStatus.allCases
    private static let statusTexts = statuses.map { Array($0.rawValue.utf8) }
    private static let types = AssetType.allCases
    private static let typeTexts = types.map { Array($0.rawValue.utf8) }

    /// The fields of most assets' records, in the order a lockfile is written (keys sorted).
    private static let usualFields: [StaticString] = ["id", "name", "ref", "status", "type", "url"]

    /// Reads an asset's record written in the usual shape (`usualFields`, none escaped, the
    /// usual reference) into `assets`; false, with the reader where it was, for any other
    /// record, which `readAsset` then reads field by field. Most records of a large lockfile
    /// are read here: no String made for a key, no closure called for a field.
    private static func readUsualAsset(
        _ r: inout JSONReader, into assets: inout [String: LockedAsset], at key: String, ids: inout IDCollisions,
        scratch texts: inout [JSONReader.PlainText]
    ) -> Bool {
        let start = r.offset
        guard r.plainStrings(exactly: usualFields, into: &texts) else { return false }
        let idText = texts[0]
        guard RemoteID.isWellFormed(idText.bytes), let status = JSONReader.index(of: texts[3].bytes, in: statusTexts),
            let type = JSONReader.index(of: texts[4].bytes, in: typeTexts), let name = JSONReader.string(texts[1]),
            let url = JSONReader.string(texts[5])
        else {
            r.rewind(to: start)
            return false
        }
        // (A well-formed id is ASCII.)
        let id = String(decoding: idText.bytes, as: UTF8.self)
        let reference = LockedAsset.Reference(texts[2].bytes, id: id)
        guard case .derived = reference else {
            r.rewind(to: start)
            return false
        }
        ids.insert(utf8: idText.bytes, at: idText.offset)
        assets[key] = LockedAsset(
            id: id, name: name, reference: reference, status: statuses[status], type: types[type], url: url, failure: nil,
            revision: nil, source: nil)
        return true
    }

    /// Reads an asset's record into `assets` (made there, not copied in); what is wrong with it,
    /// if anything.
    private static func readAsset(
        _ r: inout JSONReader, into assets: inout [String: LockedAsset], at key: String, ids: inout IDCollisions
    ) throws(JSONReader.Failure) -> Problem? {
        // Where a status or type that is none of its values was read (field 4 or 5).
        var unknownValue: (field: Int, offset: Int)?
        var idAt: Int?
        var id: String?, name: String?, url: String?
        var status: AssetStatus?, type: AssetType?, failure: RemoteAsset.Failure?, revision: String?
        var source: SourceFingerprint?
        // The reference, compared with the id as it is read (the id comes first in a written
        // lockfile): the usual one needs no String of its own.
        var ref: (reference: LockedAsset.Reference, id: String)?
        var refText: String?
        // Each field of a record once (as for the lockfile's own fields).
        var seen: UInt16 = 0
        var twice: (field: Int, offset: Int)?
        try r.object(matching: assetFields) { (r: inout JSONReader, field: Int?) throws(JSONReader.Failure) in
            if let field {
                if seen & (1 << field) != 0, twice == nil { twice = (field, r.startOfValue()) }
                seen |= 1 << field
            }
            switch field {
            case 0:
                idAt = r.startOfValue()
                id = try r.string()
            case 1: name = try r.string()
            case 2:
                if let id {
                    var reference = LockedAsset.Reference.derived(bare: false)
                    try r.withString { reference = LockedAsset.Reference($0, id: id) }
                    ref = (reference, id)
                    refText = nil
                } else {
                    refText = try r.string()
                    ref = nil
                }
            case 3: url = try r.string()
            case 4:
                let at = r.startOfValue()
                status = try r.string(oneOf: statusTexts).map { statuses[$0] }
                if status == nil, unknownValue == nil { unknownValue = (4, at) }
            case 5:
                let at = r.startOfValue()
                type = try r.string(oneOf: typeTexts).map { types[$0] }
                if type == nil, unknownValue == nil { unknownValue = (5, at) }
            case 6:
                failure = RemoteAsset.Failure(json: try r.value())
            case 7: revision = try r.string()
            case 8: source = SourceFingerprint(json: try r.value())
            default: _ = try r.value()
            }
        }
        if let (field, offset) = twice {
            return Problem(Self.twice("its field \"\(assetFields[field])\""), at: offset)
        }
        if let (field, offset) = unknownValue {
            let (name, texts) = field == 4 ? ("status", statusTexts) : ("type", typeTexts)
            let allowed = texts.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ", ")
            return Problem("its \(name) is not one of \(allowed)", at: offset)
        }
        guard let id, let name, let status, let type, let url else {
            let missing = [
                ("id", id == nil), ("name", name == nil), ("status", status == nil), ("type", type == nil),
                ("url", url == nil),
            ].filter(\.1).map(\.0)
            return Problem("it has no \(missing.joined(separator: ", "))", at: nil)
        }
        if let why = idProblem(id) { return Problem(why, at: idAt) }
        // One tracked twice is found once every record is read, so that both its places are named.
        ids.insert(id, at: idAt ?? r.offset)
        let reference: LockedAsset.Reference
        // The same id byte for byte (String's `==` calls canonically equivalent texts equal).
        if let ref, ExactText(ref.id) == ExactText(id) {
            reference = ref.reference
        } else if let text = refText ?? ref.map({ $0.reference.text(id: $0.id) }) {
            reference = LockedAsset.Reference(text, id: id)
        } else {
            return Problem("it has no ref", at: nil)
        }
        // The usual reference is made from the checked id; any other (a hand edit) is printed as
        // it is written (`refs --format env` quotes it for the shell), never with control characters.
        if case .written(let text) = reference {
            if text.isEmpty { return Problem("its ref is empty", at: nil) }
            if VisibleText.needsAnyEscape(text) {
                return Problem("its ref \"\(text.visible)\" holds control characters", at: nil)
            }
        }
        assets[key] = LockedAsset(
            id: id, name: name, reference: reference, status: status, type: type, url: url, failure: failure,
            revision: revision, source: source)
        return nil
    }

    /// Refuses a lockfile written for another service (api, address or project).
    public func check(against provider: LockedProvider, path: String) throws(StateError) {
        guard self.provider != provider else { return }
        throw .otherProvider(path: path, line: nil, file: .lockfile, written: self.provider, used: provider)
    }
}
