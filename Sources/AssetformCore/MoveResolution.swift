/// The moves a plan makes (SPEC §9), worked out before anything else is planned, in this order:
/// the manifest's `moved:` entries for groups (in the order written); group keys renamed without
/// an entry (a new group key whose group has the remote name of a tracked group leaving the
/// manifest, or shares assets, by url and type, with exactly one such group); the `moved:`
/// entries for assets, their old group read through the group moves; then, in each group, a new
/// asset key with the url and type of a tracked asset leaving it. An asset whose url and type
/// leave one group for another cannot move (the service has no such call): it is registered
/// there again, and the plan says why. Planning goes on against the lockfile with the moves
/// made, so a moved object is planned like any other at its new address.
public struct MoveResolution: Sendable {
    /// The lockfile with every move made.
    public private(set) var lock: Lockfile?
    /// Where each moved record goes: old address to new.
    public private(set) var moved: [Address: Address] = [:]
    /// `moved:` entries that cannot be made: their new address is already tracked.
    public private(set) var conflicts: [Diagnostic] = []
    /// One `move` step each, in the order they are made.
    private(set) var steps: [Plan.Step] = []
    /// Assets whose url and type went to another group, by their new address: registered there
    /// again (unless adopted there), the old record forgotten with the reason.
    private(set) var acrossGroups: [Address: Across] = [:]
    /// Why an address leaves the lockfile, where it is not simply gone from the manifest.
    private(set) var forgetReasons: [Address: String] = [:]

    struct Across: Sendable {
        var from: Address
        var id: String
        /// How it was found: a `moved:` entry, or its url and type.
        var how: String
    }

    /// `settled`: groups known to keep every tracked asset at its key (`settledGroups`), so that
    /// no asset of theirs can be renamed; looked at again only where a move came first.
    public init(_ manifest: Manifest, lock: Lockfile?, settled: Set<String> = []) {
        self.lock = lock
        guard var working = lock, !working.groups.isEmpty else { return }
        // Only `moved:` entries need every declared address (100,000 of them in a big manifest).
        var declared = Set<Address>()
        if !manifest.moved.isEmpty {
            for g in manifest.groups {
                for a in g.assets { declared.insert(Address(group: g.key, asset: a.key)) }
            }
        }
        var groupMoves: [String: String] = [:]
        for move in manifest.moved where move.from.isGroup {
            explicit(move, &working, groupMoves: &groupMoves, declared: declared)
        }
        renamedGroups(manifest, &working, groupMoves: &groupMoves)
        for move in manifest.moved where !move.from.isGroup {
            explicit(move, &working, groupMoves: &groupMoves, declared: declared)
        }
        // Before any move the working lockfile is the one read, which `settled` was found in.
        let left = renamedAssets(manifest, &working, settled: steps.isEmpty && manifest.moved.isEmpty ? settled : [])
        acrossGroups(manifest, working, left: left)
        self.lock = working
    }

    /// Makes one move in `lock` and plans its step.
    private mutating func record(_ from: Address, _ to: Address, id: String, _ reason: String, in lock: inout Lockfile) {
        guard (try? lock.apply(.move(from: from, to: to, id: id))) != nil else { return }
        moved[from] = to
        steps.append(Plan.Step(address: to, action: .move(from: from, id: id), reason: reason))
    }

    private mutating func explicit(
        _ move: Move, _ lock: inout Lockfile, groupMoves: inout [String: String], declared: Set<Address>
    ) {
        // An asset of a group that moved is read at its group's new key.
        var from = move.from
        if let key = from.asset, let group = groupMoves[from.group] { from = Address(group: group, asset: key) }
        // Not tracked: made by an earlier run (or never tracked); nothing to do.
        guard let id = lock.id(at: from) else { return }
        let entry = "the moved: entry at line \(move.mark.line)"
        if !from.isGroup && from.group != move.to.group {
            // Registered in the other group, where the entry's target is declared; once it is
            // (the target tracked), what is left is to forget the old record.
            forgetReasons[from] = "moved to \(move.to) (\(entry)), in another group; the remote asset stays"
            if declared.contains(move.to) && lock.id(at: move.to) == nil {
                acrossGroups[move.to] = Across(from: from, id: id, how: "moved from \(from) (\(entry))")
            }
            return
        }
        if let other = lock.id(at: move.to) {
            conflicts.append(Diagnostic(.error, .moveTargetTracked(from: move.from, to: move.to, id: other), at: move.mark))
            return
        }
        let via = from == move.from ? "" : " (its group moved to \(from.group))"
        record(from, move.to, id: id, "moved from \(move.from)\(via) (\(entry)); no billed call", in: &lock)
        if from.isGroup { Self.note(groupMoves: &groupMoves, from: from.group, to: move.to.group) }
    }

    /// Records a group's move, and carries every earlier key that led to it along: after
    /// a → b and b → c, an asset entry naming a/x reads it at c/x.
    private static func note(groupMoves: inout [String: String], from: String, to: String) {
        for (earlier, now) in groupMoves where now == from { groupMoves[earlier] = to }
        groupMoves[from] = to
    }

    private mutating func renamedGroups(_ manifest: Manifest, _ lock: inout Lockfile, groupMoves: inout [String: String]) {
        let keys = Set(manifest.groups.map(\.key))
        let leaving = lock.groups.keys.filter { !keys.contains($0) }.sorted()
        guard !leaving.isEmpty else { return }
        // `byName`: the new group has the old one's remote name, a stronger sign than sharing
        // sources (a group split in two shares them with both halves).
        var found: [(new: String, old: String, why: String, byName: Bool)] = []
        for g in manifest.groups where lock.groups[g.key] == nil {
            let byName = leaving.filter { lock.groups[$0]!.name.isSameText(as: g.name) }
            if byName.count == 1 {
                found.append((g.key, byName[0], "the same remote name \"\(g.name)\"", true))
                continue
            }
            guard byName.isEmpty, !g.assets.isEmpty else { continue }
            let wanted = Set(g.assets.map { SourceKey($0) })
            let sharing = leaving.compactMap { key -> (String, Int)? in
                let n = lock.groups[key]!.assets.values.count(where: { wanted.contains(SourceKey($0)) })
                return n > 0 ? (key, n) : nil
            }
            if sharing.count == 1 {
                let (old, n) = sharing[0]
                found.append((g.key, old, "\(n) of its assets have the same url and type", false))
            }
        }
        // A tracked group two new keys could each be is moved to neither: that is for `moved:`.
        // One that has its remote name wins over those that only share sources with it.
        let claims = Dictionary(grouping: found, by: \.old).mapValues { all in
            let named = all.filter(\.byName)
            return named.isEmpty ? all : named
        }
        for f in found where claims[f.old]!.count == 1 && claims[f.old]![0].new == f.new {
            record(
                Address(group: f.old), Address(group: f.new), id: lock.groups[f.old]!.id,
                "renamed from \(f.old): \(f.why); the lockfile record moves with its assets, no billed call", in: &lock)
            Self.note(groupMoves: &groupMoves, from: f.old, to: f.new)
        }
    }

    /// Of the manifest's groups in `part`, those whose every asset tracked in `lock` is still
    /// declared, at the same key: the most of a big plan, and the costly part of finding what
    /// leaves (a look-up per asset), which a big plan does on two threads at once.
    public static func settledGroups(_ manifest: Manifest, _ part: Range<Int>, lock: Lockfile?) -> Set<String> {
        guard let lock else { return [] }
        var settled = Set<String>()
        for i in part {
            if let locked = lock.groups[manifest.groups[i].key], keepsEveryKey(manifest.groups[i], locked) {
                settled.insert(manifest.groups[i].key)
            }
        }
        return settled
    }

    /// Whether no record of `locked` can move to another key of `g`: `g` declares every key
    /// `locked` tracks (a group's keys are unique: the decoder refuses one twice), and either no
    /// new key beside them or none of them with a new url or type (whose record the new key,
    /// of its old url and type, would take: a key renamed and its old key used again).
    private static func keepsEveryKey(_ g: Group, _ locked: LockedGroup) -> Bool {
        var present = 0
        var changed = false
        for j in g.assets.indices {
            guard let i = locked.assets.index(forKey: g.assets[j].key) else { continue }
            present += 1
            if !changed, SourceKey(locked.assets[i].value) != SourceKey(g.assets[j]) { changed = true }
        }
        return present == locked.assets.count && (!changed || present == g.assets.count)
    }

    /// Tracked assets leaving the manifest, by url and type, in key order, then those still
    /// declared with another url or type (a key used again for a new source: its record may go
    /// to the new key of its old source, which is then created alone, not replaced too).
    private func leaving(_ g: Group, _ locked: LockedGroup) -> [SourceKey: [String]]? {
        // Cheap first: most groups have no asset that left.
        guard !Self.keepsEveryKey(g, locked) else { return nil }
        var declared: [String: SourceKey] = [:]
        for a in g.assets { declared[a.key] = SourceKey(a) }
        var pool: [SourceKey: [String]] = [:]
        for key in locked.assets.keys.sorted() where declared[key] == nil {
            guard forgetReasons[Address(group: g.key, asset: key)] == nil else { continue }
            pool[SourceKey(locked.assets[key]!), default: []].append(key)
        }
        for key in locked.assets.keys.sorted() {
            guard let now = declared[key], now != SourceKey(locked.assets[key]!) else { continue }
            pool[SourceKey(locked.assets[key]!), default: []].append(key)
        }
        return pool
    }

    /// In each group, a new key takes the record of a leaving asset of the same url and type.
    /// Returns what is left leaving, per group key.
    private mutating func renamedAssets(
        _ manifest: Manifest, _ lock: inout Lockfile, settled: Set<String>
    ) -> [String: [SourceKey: [String]]] {
        var left: [String: [SourceKey: [String]]] = [:]
        for g in manifest.groups where !settled.contains(g.key) {
            guard let locked = lock.groups[g.key], !locked.assets.isEmpty, var pool = leaving(g, locked) else { continue }
            let declared = Set(g.assets.map(\.key))
            for a in g.assets where locked.assets[a.key] == nil {
                let to = Address(group: g.key, asset: a.key)
                guard acrossGroups[to] == nil, var keys = pool[SourceKey(a)], !keys.isEmpty else { continue }
                let old = keys.removeFirst()
                pool[SourceKey(a)] = keys
                let from = Address(group: g.key, asset: old)
                let reused = declared.contains(old) ? ", whose key now names another source (created anew)" : ""
                record(
                    from, to, id: locked.assets[old]!.id,
                    "renamed from \(from)\(reused): the same url and type; the lockfile record moves, no billed call",
                    in: &lock)
            }
            // (What is still declared, with a new source, stays: it is replaced where it is.)
            left[g.key] = pool.mapValues { $0.filter { !declared.contains($0) } }.filter { !$0.value.isEmpty }
        }
        return left
    }

    /// A new asset whose url and type are those of exactly one tracked asset leaving another
    /// group: not a move (the service cannot move it), but the plan says what happened.
    private mutating func acrossGroups(_ manifest: Manifest, _ lock: Lockfile, left: [String: [SourceKey: [String]]]) {
        var pool: [SourceKey: [Address]] = [:]
        for (key, sources) in left {
            for (source, assets) in sources { pool[source, default: []] += assets.map { Address(group: key, asset: $0) } }
        }
        let keys = Set(manifest.groups.map(\.key))
        for (key, locked) in lock.groups where !keys.contains(key) {
            for (asset, a) in locked.assets { pool[SourceKey(a), default: []].append(Address(group: key, asset: asset)) }
        }
        guard !pool.isEmpty else { return }
        for g in manifest.groups {
            let locked = lock.groups[g.key]
            for a in g.assets where locked?.assets[a.key] == nil {
                let to = Address(group: g.key, asset: a.key)
                guard acrossGroups[to] == nil, let candidates = pool[SourceKey(a)], candidates.count == 1,
                    candidates[0].group != g.key, let id = lock.id(at: candidates[0])
                else { continue }
                let from = candidates[0]
                pool[SourceKey(a)] = []
                acrossGroups[to] = Across(from: from, id: id, how: "the url and type of \(from)")
                forgetReasons[from] = "its url and type are now \(to)'s, in another group; the remote asset stays"
            }
        }
    }

    /// What makes two assets the same source: url (byte for byte, as the service fetches it)
    /// and type.
    private struct SourceKey: Hashable {
        var url: ExactText
        var type: AssetType

        init(_ a: Asset) {
            url = ExactText(a.url)
            type = a.type
        }

        init(_ a: LockedAsset) {
            url = ExactText(a.url)
            type = a.type
        }
    }
}
