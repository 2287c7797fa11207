import JSON

/// The journal beside the lockfile (`assets.lock.journal`, SPEC §6): one JSON object per line,
/// appended as apply goes. An intent is on disk before its create is sent; every result is
/// appended the moment it arrives. Replayed onto the lockfile, it gives back every completed
/// change of a run that died, and the creates whose outcome is unknown.
public enum JournalRecord: Sendable, Equatable {
    /// The first line: which lockfile the journal belongs to.
    case begin(lineage: String, provider: LockedProvider)
    /// A create about to be sent. `at` is the wall-clock time (seconds since 1970), to tell the
    /// objects it may have made from older ones.
    case intent(Intent)
    /// The create of intent `seq` did not happen (refused, or never sent).
    case abandon(seq: Int)
    /// A change to the lockfile; `seq` closes the intent whose create made the object.
    case change(LockfileChange, seq: Int?)

    public struct Intent: Sendable, Equatable {
        public var seq: Int
        public var at: Double
        public var address: Address
        public var name: String
        /// For a group.
        public var description: String?
        /// For an asset: its group's remote id, type and source URL.
        public var groupID: String?
        public var type: AssetType?
        public var url: String?
        /// For an asset whose manifest entry has one: recorded with whatever the create made.
        public var revision: String?
        /// For an asset whose source apply checked: what it looked like.
        public var source: SourceFingerprint?
        /// A delete (`--prune`) of this id, not a create: its outcome, if unknown, is settled by the
        /// next plan (the object is there to delete again, or gone), so it is never an open create.
        public var deletes: String?

        public init(
            seq: Int, at: Double, address: Address, name: String, description: String? = nil, groupID: String? = nil,
            type: AssetType? = nil, url: String? = nil, revision: String? = nil, source: SourceFingerprint? = nil,
            deletes: String? = nil
        ) {
            self.seq = seq
            self.at = at
            self.address = address
            self.name = name
            self.description = description
            self.groupID = groupID
            self.type = type
            self.url = url
            self.revision = revision
            self.source = source
            self.deletes = deletes
        }

        public var isAsset: Bool { groupID != nil }
    }

    // MARK: - Lines

    /// One line of the journal (without its newline).
    public var line: [UInt8] {
        func opt(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        let value: JSONValue
        switch self {
        case .begin(let lineage, let p):
            value = .object([("op", .string("begin")), ("lineage", .string(lineage))] + p.jsonFields)
        case .intent(let i):
            // Written field by field (one per create: no tree of values first).
            var w = JSONObjectWriter()
            w.string("op", "intent")
            w.int("seq", i.seq)
            w.value("at", .double(i.at))
            w.string("address", i.address.description)
            w.string("name", i.name)
            if let d = i.description { w.string("description", d) }
            if let g = i.groupID { w.string("group_id", g) }
            if let t = i.type { w.string("type", t.rawValue) }
            if let u = i.url { w.string("url", u) }
            if let r = i.revision { w.string("revision", r) }
            if let s = i.source, !s.isEmpty { w.value("source", s.json) }
            if let d = i.deletes { w.string("deletes", d) }
            return w.finished()
        case .abandon(let seq):
            value = .object([("op", .string("abandon")), ("seq", .int(seq))])
        case .change(.group(let key, let g), let seq):
            var fields: [(String, JSONValue)] = [
                ("op", .string("group")), ("address", .string(key)), ("id", .string(g.id)), ("name", .string(g.name)),
            ]
            if let d = g.description { fields.append(("description", .string(d))) }
            if let seq { fields.append(("seq", .int(seq))) }
            value = .object(fields)
        case .change(.asset(let address, let a), let seq):
            // Written field by field (one per create, and per settled status).
            var w = JSONObjectWriter()
            w.string("op", "asset")
            w.string("address", address.description)
            w.string("id", a.id)
            w.string("name", a.name)
            w.string("ref", a.ref)
            w.string("status", a.status.rawValue)
            w.string("type", a.type.rawValue)
            w.string("url", a.url)
            if let f = a.failure { w.value("failure", f.json) }
            if let r = a.revision { w.string("revision", r) }
            if let s = a.source, !s.isEmpty { w.value("source", s.json) }
            if let seq { w.int("seq", seq) }
            return w.finished()
        case .change(.forget(let address), _):
            value = .object([("op", .string("forget")), ("address", .string(address.description))])
        case .change(.move(let from, let to, let id), _):
            value = .object([
                ("op", .string("move")), ("from", .string(from.description)), ("to", .string(to.description)),
                ("id", .string(id)),
            ])
        }
        return value.encodedBytes
    }

    private static func address(_ text: String) -> Address? { try? Address(parsing: text) }

    /// Reads one line; nil when it is not a record this version writes.
    public init?(line: some Collection<UInt8>) {
        guard let v = JSONValue.parse(line), let op = v["op"]?.string else { return nil }
        func number(_ key: String) -> Double? {
            switch v[key] {
            case .int(let i)?: Double(i)
            case .double(let d)?: d
            default: nil
            }
        }
        switch op {
        case "begin":
            guard let lineage = v["lineage"]?.string, let provider = LockedProvider(json: v) else { return nil }
            self = .begin(lineage: lineage, provider: provider)
        case "intent":
            guard let seq = v["seq"]?.int, let at = number("at"), let address = v["address"]?.string.flatMap(Self.address),
                let name = v["name"]?.string
            else { return nil }
            self = .intent(
                Intent(
                    seq: seq, at: at, address: address, name: name, description: v["description"]?.string,
                    groupID: v["group_id"]?.string, type: v["type"]?.string.flatMap(AssetType.init(rawValue:)),
                    url: v["url"]?.string, revision: v["revision"]?.string,
                    source: v["source"].flatMap(SourceFingerprint.init(json:)), deletes: v["deletes"]?.string))
        case "abandon":
            guard let seq = v["seq"]?.int else { return nil }
            self = .abandon(seq: seq)
        case "group":
            guard let address = v["address"]?.string.flatMap(Self.address), address.isGroup, let id = v["id"]?.string,
                RemoteID.isWellFormed(id), let name = v["name"]?.string
            else { return nil }
            self = .change(
                .group(key: address.group, LockedGroup(id: id, name: name, description: v["description"]?.string)),
                seq: v["seq"]?.int)
        case "asset":
            // (What the lockfile refuses, a journal's record is not: an id not an id's shape, a
            // reference empty or with control characters.)
            guard let address = v["address"]?.string.flatMap(Self.address), !address.isGroup, let id = v["id"]?.string,
                RemoteID.isWellFormed(id), let name = v["name"]?.string, let ref = v["ref"]?.string, !ref.isEmpty,
                !VisibleText.needsAnyEscape(ref), let status = v["status"]?.string.flatMap(AssetStatus.init(rawValue:)),
                let type = v["type"]?.string.flatMap(AssetType.init(rawValue:)), let url = v["url"]?.string
            else { return nil }
            let failure = v["failure"].flatMap(RemoteAsset.Failure.init(json:))
            self = .change(
                .asset(
                    address,
                    LockedAsset(
                        id: id, name: name, ref: ref, status: status, type: type, url: url, failure: failure,
                        revision: v["revision"]?.string, source: v["source"].flatMap(SourceFingerprint.init(json:)))),
                seq: v["seq"]?.int)
        case "forget":
            guard let address = v["address"]?.string.flatMap(Self.address) else { return nil }
            self = .change(.forget(address), seq: nil)
        case "move":
            guard let from = v["from"]?.string.flatMap(Self.address), let to = v["to"]?.string.flatMap(Self.address),
                let id = v["id"]?.string, RemoteID.isWellFormed(id)
            else { return nil }
            self = .change(.move(from: from, to: to, id: id), seq: nil)
        default:
            return nil
        }
    }
}

/// A journal read back: what it changes in the lockfile, and its creates of unknown outcome.
public struct JournalReplay: Sendable {
    public var lockfile: Lockfile
    /// Intents with neither a result nor an abandon: the create may or may not have happened.
    public var openIntents: [JournalRecord.Intent]
    /// How many records were applied.
    public var records: Int
    /// A last line cut short by a crash (never a completed record: ignored).
    public var tornTail: Bool

    /// Replays the journal's bytes onto `lock` (nil: there was no lockfile yet), for `provider`.
    public static func replay(_ bytes: [UInt8], path: String, onto lock: Lockfile?, provider: LockedProvider)
        throws(StateError) -> JournalReplay
    {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        // The part after the last newline never completed: a crash cut it short.
        let torn = !(lines.last?.isEmpty ?? true)
        lines.removeLast()
        var lockfile = lock
        var open: [Int: JournalRecord.Intent] = [:]
        var order: [Int] = []
        // The line of the last record that tracked each id (to name where one is tracked twice).
        var lineOf: [String: Int] = [:]
        var count = 0
        for (index, line) in lines.enumerated() {
            guard let record = JournalRecord(line: line) else {
                throw .notOurs(path: path, line: index + 1, column: 1, file: .journal, detail: "")
            }
            count += 1
            if case .begin(let lineage, let p) = record {
                guard p == provider else {
                    throw .otherProvider(path: path, line: index + 1, file: .journal, written: p, used: provider)
                }
                if let l = lockfile {
                    guard l.lineage == lineage else {
                        throw .journalOfAnotherLockfile(path: path, line: index + 1, journal: lineage, lockfile: l.lineage)
                    }
                } else {
                    lockfile = Lockfile(lineage: lineage, provider: p)
                }
                continue
            }
            guard lockfile != nil else { throw .journalWithoutBegin(path: path) }
            switch record {
            case .begin: break
            case .intent(let i):
                open[i.seq] = i
                order.append(i.seq)
            case .abandon(let seq):
                open[seq] = nil
            case .change(let change, let seq):
                if let seq { open[seq] = nil }
                switch change {
                case .asset(_, let a): lineOf[a.id] = index + 1
                case .group(_, let g): lineOf[g.id] = index + 1
                default: break
                }
                do throws(LockfileChange.Refusal) {
                    try lockfile!.apply(change)
                } catch {
                    // A move its later records superseded, replayed again onto the lockfile that
                    // holds them (a run killed after its checkpoint's write, before the journal's
                    // compaction): what it moved was replaced at its new address since.
                    if case .move(let from, let to, _) = change, case .moveFromUntracked = error,
                        lockfile!.id(at: from) == nil, lockfile!.id(at: to) != nil
                    {
                        continue
                    }
                    throw .journalChangeRefused(path: path, line: index + 1, error)
                }
            }
        }
        // One id at two addresses (a journal edited by hand): written, the lockfile would be
        // refused by every later command.
        if let (id, addresses) = lockfile?.idTrackedTwice() {
            throw .notOurs(
                path: path, line: lineOf[id], column: lineOf[id].map { _ in 1 }, file: .journal,
                detail: "records, replayed, would track the id \(id.visible) at "
                    + "\(addresses.map(\.description).joined(separator: " and ")), and one remote object has one address")
        }
        guard let lockfile else {
            return JournalReplay(
                lockfile: Lockfile(provider: provider), openIntents: [], records: count, tornTail: torn)
        }
        return JournalReplay(
            lockfile: lockfile, openIntents: order.compactMap { open[$0] }.filter { $0.deletes == nil }, records: count,
            tornTail: torn)
    }
}
