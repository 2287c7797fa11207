/// The moves a plan makes (SPEC §9), worked out before anything else is planned: the manifest's
/// `moved:` entries in the order they are written, then keys renamed without one — a new group
/// key whose group has the same remote name as a tracked group leaving the manifest, or holds
/// assets (by url and type) of exactly one such group; then, in each group, a new asset key with
/// the url and type of a tracked asset leaving it. Planning goes on against the lockfile with
/// those records moved, so a moved asset is planned like any other at its new address.
struct MoveResolution {
    /// The lockfile with every move made.
    var lock: Lockfile?
    /// One `move` step each, in the order they are made.
    var steps: [Plan.Step] = []
    /// `moved:` entries taking an asset to another group, by their new address: registered
    /// there again (the old record is forgotten, with the reason).
    var acrossGroups: [Address: (from: Address, id: String)] = [:]
    /// Why an address leaves the lockfile, where it is not simply gone from the manifest.
    var forgetReasons: [Address: String] = [:]
    /// `moved:` entries that cannot be made: their new address is already tracked.
    var conflicts: [Diagnostic] = []

    init(_ manifest: Manifest, lock: Lockfile?) {
        self.lock = lock
        guard var working = lock, !working.groups.isEmpty else { return }
        explicit(manifest, &working)
        renamedGroups(manifest, &working)
        renamedAssets(manifest, &working)
        self.lock = working
    }

    private mutating func record(_ from: Address, _ to: Address, id: String, _ reason: String, in lock: inout Lockfile) {
        do {
            try lock.apply(.move(from: from, to: to))
        } catch {
            return  // checked by every caller first: cannot happen
        }
        steps.append(Plan.Step(address: to, action: .move(from: from, id: id), reason: reason))
    }

    private mutating func explicit(_ manifest: Manifest, _ lock: inout Lockfile) {
        guard !manifest.moved.isEmpty else { return }
        var declared = Set<Address>()
        for g in manifest.groups {
            for a in g.assets { declared.insert(Address(group: g.key, asset: a.key)) }
        }
        for move in manifest.moved {
            // Not tracked: applied by an earlier run (or never tracked); nothing to do.
            guard let id = lock.id(at: move.from) else { continue }
            if let other = lock.id(at: move.to) {
                conflicts.append(Diagnostic(.error, .moveTargetTracked(from: move.from, to: move.to, id: other), at: move.mark))
                continue
            }
            let entry = "the moved: entry at line \(move.mark.line)"
            if move.crossesGroups {
                guard declared.contains(move.to) else { continue }
                acrossGroups[move.to] = (move.from, id)
                forgetReasons[move.from] =
                    "moved to \(move.to) (\(entry)), in another group; the remote asset stays"
                continue
            }
            record(move.from, move.to, id: id, "moved from \(move.from) (\(entry)); no billed call", in: &lock)
        }
    }

    private mutating func renamedGroups(_ manifest: Manifest, _ lock: inout Lockfile) {
        let keys = Set(manifest.groups.map(\.key))
        let leaving = lock.groups.keys.filter { !keys.contains($0) }.sorted()
        guard !leaving.isEmpty else { return }
        var found: [(new: String, old: String, why: String)] = []
        for g in manifest.groups where lock.groups[g.key] == nil {
            let byName = leaving.filter { lock.groups[$0]!.name == g.name }
            if byName.count == 1 {
                found.append((g.key, byName[0], "the same remote name \"\(g.name)\""))
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
                found.append((g.key, old, "\(n) of its assets have the same url and type"))
            }
        }
        // A tracked group two new keys could each be is moved to neither: that is for `moved:`.
        let claims = Dictionary(grouping: found, by: \.old)
        for f in found where claims[f.old]!.count == 1 {
            let id = lock.groups[f.old]!.id
            record(
                Address(group: f.old), Address(group: f.new), id: id,
                "renamed from \(f.old): \(f.why); the lockfile record moves with its assets, no billed call", in: &lock)
        }
    }

    private mutating func renamedAssets(_ manifest: Manifest, _ lock: inout Lockfile) {
        for g in manifest.groups {
            guard let locked = lock.groups[g.key], !locked.assets.isEmpty else { continue }
            // Cheap first: most groups have no asset that left.
            var present = 0
            for a in g.assets where locked.assets[a.key] != nil { present += 1 }
            guard present < locked.assets.count else { continue }
            let declared = Set(g.assets.map(\.key))
            var pool: [SourceKey: [String]] = [:]
            for key in locked.assets.keys.sorted() where !declared.contains(key) {
                guard forgetReasons[Address(group: g.key, asset: key)] == nil else { continue }
                pool[SourceKey(locked.assets[key]!), default: []].append(key)
            }
            for a in g.assets where locked.assets[a.key] == nil {
                let to = Address(group: g.key, asset: a.key)
                guard acrossGroups[to] == nil, var keys = pool[SourceKey(a)], !keys.isEmpty else { continue }
                let old = keys.removeFirst()
                pool[SourceKey(a)] = keys
                let from = Address(group: g.key, asset: old)
                record(
                    from, to, id: locked.assets[old]!.id,
                    "renamed from \(from): the same url and type; the lockfile record moves, no billed call", in: &lock)
            }
        }
    }

    /// What makes two assets the same source: url and type.
    private struct SourceKey: Hashable {
        var url: String
        var type: AssetType

        init(_ a: Asset) {
            url = a.url
            type = a.type
        }

        init(_ a: LockedAsset) {
            url = a.url
            type = a.type
        }
    }
}
