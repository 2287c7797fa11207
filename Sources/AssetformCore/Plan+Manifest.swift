/// A saved plan against the manifest it was made from: each step carries what the manifest says
/// at its address. A plan is JSON anyone can edit, and its manifest's digest says only that the
/// manifest did not change: a step whose url, name, type, revision or description is not the
/// manifest's would register what no manifest asked for (and bill it), so it is refused.
extension Plan {
    /// A step's value that is not the manifest's, with the field's name; nil when every step
    /// carries what the manifest says.
    public func valueNotInManifest(_ manifest: Manifest) -> (address: Address, field: String)? {
        var groups: [String: Group] = [:]
        var assets: [Address: Asset] = [:]
        for g in manifest.groups {
            groups[g.key] = g
            for a in g.assets { assets[Address(group: g.key, asset: a.key)] = a }
        }
        for step in steps {
            let address = step.address
            if let field = Self.valueNotIn(step.action, group: groups[address.group], asset: assets[address], address) {
                return (address, field)
            }
        }
        return nil
    }

    /// The field of `action` that is not what `group` (or `asset`, at an asset's address) says;
    /// "address" when the step must be at an address the manifest declares and is not.
    private static func valueNotIn(_ action: Action, group: Group?, asset: Asset?, _ address: Address) -> String? {
        func same(_ a: String?, _ b: String?) -> Bool { a.isSameText(as: b) }
        func spec(_ s: AssetSpec) -> String? {
            guard let asset, !address.isGroup else { return "address" }
            if !same(s.url, asset.url) { return "url" }
            if s.type != asset.type { return "type" }
            if !same(s.name, asset.name) { return "name" }
            if !same(s.revision, asset.revision) { return "revision" }
            return nil
        }
        func groupValues(name: String?, description: String??) -> String? {
            guard let group, address.isGroup else { return "address" }
            if let name, !same(name, group.name) { return "name" }
            if let description, !same(description, group.description) { return "description" }
            return nil
        }
        switch action {
        case .createGroup(let name, let description, _), .adoptGroup(_, let name, let description):
            return groupValues(name: name, description: .some(description))
        case .updateGroup(_, let name, let description):
            return groupValues(name: name?.after, description: description.map { .some($0.after) })
        case .createAsset(let s, _), .replaceAsset(let s, _, _, _, _, _), .adoptAsset(let s, _, _, _):
            return spec(s)
        case .updateAsset(_, let name):
            guard let asset, !address.isGroup else { return "address" }
            return same(name.after, asset.name) ? nil : "name"
        case .move, .wait, .forget, .delete, .failed:
            // A move may end at an address a later move of a chain, or a forget, takes further
            // (the manifest need not declare it); the others are of what the lockfile tracks
            // (checked against it where the step is carried out).
            return nil
        }
    }
}

/// A saved plan against the lockfile it was made with: an edit can leave every value the
/// manifest's and still bill what no plan would (a create copied, a create at an address the
/// lockfile tracks and nothing moves away, a replace of what the address does not track).
extension Plan {
    /// The first step no plan made from `lock` and `manifest` would hold, with why; nil when
    /// there is none.
    public func stepNotFrom(_ lock: Lockfile?, manifest: Manifest) -> (address: Address, why: String)? {
        // What each address tracks, as the plan's moves leave it (a group's move takes its assets).
        var tracked: [Address: String] = [:]
        var place: [String: Address] = [:]
        func track(_ id: String, at address: Address) {
            if let before = place[id] { tracked[before] = nil }
            tracked[address] = id
            place[id] = address
        }
        for (key, g) in lock?.groups ?? [:] {
            track(g.id, at: Address(group: key))
            for (k, a) in g.assets { track(a.id, at: Address(group: key, asset: k)) }
        }
        for step in steps {
            guard case .move(let from, let id) = step.action else { continue }
            if from.isGroup {
                for (address, assetID) in tracked where address.group == from.group && !address.isGroup {
                    track(assetID, at: Address(group: step.address.group, asset: address.asset))
                }
            }
            track(id, at: step.address)
        }
        let settled = Set(unchanged).union(heldBack)
        var declared = Set<Address>()
        for g in manifest.groups {
            declared.insert(Address(group: g.key))
            for a in g.assets { declared.insert(Address(group: g.key, asset: a.key)) }
        }
        var changed = Set<Address>()
        var replaced = Set<String>()
        for step in steps {
            let address = step.address
            switch step.action {
            case .createGroup(_, _, let gone), .createAsset(_, let gone):
                if let id = tracked[address], id != gone {
                    return (address, "a create at an address the lockfile tracks (\(id))")
                }
            case .replaceAsset(_, let old, _, _, _, _):
                guard place[old] != nil, tracked[address] == nil || tracked[address] == old else {
                    return (address, "a replace of \(old.visible), which is not tracked there")
                }
                guard replaced.insert(old).inserted else { return (address, "a second replace of \(old.visible)") }
            case .adoptAsset:
                if let id = tracked[address] { return (address, "an adoption at an address the lockfile tracks (\(id))") }
            case .adoptGroup:
                // (A tracked group gone remotely is replaced by one of its name, where one is listed.)
                break
            case .forget(let id), .delete(let id):
                // Only what the address tracks, never what the plan leaves as it is; a declared
                // asset is deleted only where it is not Active (--prune-failed), never forgotten.
                let verb = step.verb == .delete ? "delete" : "forget"
                if tracked[address] != id { return (address, "a \(verb) of \(id.visible), which is not tracked there") }
                if settled.contains(address) { return (address, "a \(verb) at an address the plan leaves as it is") }
                // (Its status where the lockfile has it, before the plan's moves took it here.)
                let status = lock.flatMap { l in l.address(tracking: id).flatMap { l.asset(at: $0)?.status } }
                if declared.contains(address) && (step.verb == .forget || address.isGroup || status == .active) {
                    return (address, "a \(verb) of what the manifest declares")
                }
                continue
            default: continue
            }
            if settled.contains(address) { return (address, "a change at an address the plan leaves as it is") }
            if !changed.insert(address).inserted { return (address, "a second create at one address") }
        }
        return nil
    }
}
