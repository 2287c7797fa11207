/// One change to a lockfile: the one vocabulary that apply's ledger, the journal and its replay,
/// recovery, and the lockfile commands (`import`, `forget`) share, applied in one place.
public enum LockfileChange: Sendable, Equatable {
    /// A group's own fields as they now are (id, name, description); its tracked assets stay.
    case group(key: String, LockedGroup)
    /// An asset as it now is, in a tracked group.
    case asset(Address, LockedAsset)
    /// The address is no longer tracked (a group, with its assets).
    case forget(Address)
    /// The record of `id` at `from` is now at `to` (a key renamed): a group with its assets, or
    /// an asset within its group. Made again (a journal replayed onto a lockfile that a
    /// checkpoint wrote after it), it changes nothing: `from` is gone and `id` is tracked.
    case move(from: Address, to: Address, id: String)

    /// Why a change cannot be applied.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// An asset of a group the lockfile does not track.
        case assetWithoutGroup(Address)
        /// An asset change addressed to a group.
        case notAnAssetAddress(Address)
        /// A move from an address the lockfile does not track.
        case moveFromUntracked(Address)
        /// A move onto an address the lockfile already tracks.
        case moveOntoTracked(Address, id: String)
        /// A move between a group and an asset.
        case moveChangesKind(from: Address, to: Address)
        /// An asset moved to another group: the service has no call for that.
        case moveAcrossGroups(from: Address, to: Address)
        /// `from` tracks another object than the one the move names.
        case moveOfAnotherObject(Address, tracked: String, moved: String)

        public var description: String {
            switch self {
            case .assetWithoutGroup(let a): "\(a) is recorded before its group \(a.group)"
            case .notAnAssetAddress(let a): "\(a) is not an asset's address"
            case .moveFromUntracked(let a): "\(a) is not tracked, so it cannot be moved"
            case .moveOntoTracked(let a, let id): "\(a) already tracks \(id)"
            case .moveChangesKind(let from, let to): "\(from) and \(to) are not both groups or both assets"
            case .moveOfAnotherObject(let a, let tracked, let moved): "\(a) tracks \(tracked), not \(moved)"
            case .moveAcrossGroups(let from, let to):
                "\(from) cannot move to \(to): an asset stays in its group (the service cannot move it to another); "
                    + "declare it in \(to.group) and apply registers it there (one billed create)"
            }
        }
    }
}

extension Lockfile {
    /// Makes `change`; a change that makes no sense for this lockfile is refused, never dropped.
    public mutating func apply(_ change: LockfileChange) throws(LockfileChange.Refusal) {
        if let refusal = refusal(of: change) { throw refusal }
        switch change {
        case .group(let key, let group):
            var g = group
            g.assets = groups[key]?.assets ?? [:]
            groups[key] = g
        case .asset(let address, let asset):
            groups[address.group]!.assets[address.asset!] = asset
            if !forgotten.isEmpty { forgotten[address] = nil }
        case .forget(let address):
            if provider.api == API.zeroZero.rawValue { noteForgotten(address) }
            remove(address)
        case .move(let from, let to, let id):
            if !forgotten.isEmpty { forgotten[to] = nil }
            if isMade(from: from, id: id) { return }
            if let key = from.asset {
                groups[from.group]!.assets[to.asset!] = groups[from.group]!.assets.removeValue(forKey: key)
            } else {
                groups[to.group] = groups.removeValue(forKey: from.group)
            }
        }
    }

    /// Why `change` cannot be applied to this lockfile; nil when it can.
    public func refusal(of change: LockfileChange) -> LockfileChange.Refusal? {
        switch change {
        case .asset(let address, _):
            if address.isGroup { return .notAnAssetAddress(address) }
            return groups[address.group] == nil ? .assetWithoutGroup(address) : nil
        case .move(let from, let to, let moved):
            if from.isGroup != to.isGroup { return .moveChangesKind(from: from, to: to) }
            if !from.isGroup && from.group != to.group {
                // (Said only of what is tracked: one its group's move took elsewhere is untracked here.)
                return id(at: from) == nil ? .moveFromUntracked(from) : .moveAcrossGroups(from: from, to: to)
            }
            if isMade(from: from, id: moved) { return nil }
            guard let tracked = id(at: from) else { return .moveFromUntracked(from) }
            if tracked != moved { return .moveOfAnotherObject(from, tracked: tracked, moved: moved) }
            if let toID = id(at: to) { return .moveOntoTracked(to, id: toID) }
            return nil
        case .group, .forget:
            return nil
        }
    }

    /// Whether a move of `id` from `from` was made already: nothing is at `from`, and `id` is
    /// tracked (where the move, or a later one, took it).
    private func isMade(from: Address, id: String) -> Bool {
        self.id(at: from) == nil && address(tracking: id) != nil
    }

    /// The remote id tracked at `address` (a group's or an asset's), if any.
    public func id(at address: Address) -> String? {
        address.isGroup ? groups[address.group]?.id : asset(at: address)?.id
    }

    /// Stops tracking a group (with its assets) or an asset.
    /// Keeps the ids of the assets at `address` (an asset's, or a group's: each of its assets).
    private mutating func noteForgotten(_ address: Address) {
        if address.asset != nil {
            if let a = asset(at: address) { forgotten[address] = a.id }
        } else {
            for (key, a) in groups[address.group]?.assets ?? [:] { forgotten[Address(group: address.group, asset: key)] = a.id }
        }
    }

    public mutating func remove(_ address: Address) {
        if let key = address.asset {
            groups[address.group]?.assets[key] = nil
        } else {
            groups[address.group] = nil
        }
    }

    /// The asset at `address`, if tracked.
    public func asset(at address: Address) -> LockedAsset? {
        address.asset.flatMap { groups[address.group]?.assets[$0] }
    }

    /// The address that tracks `id` (a group's or an asset's), if any.
    public func address(tracking id: String) -> Address? {
        for (key, g) in groups {
            if g.id == id { return Address(group: key) }
            if let (assetKey, _) = g.assets.first(where: { $0.value.id == id }) { return Address(group: key, asset: assetKey) }
        }
        return nil
    }

    /// An id tracked at two addresses (among groups, or among assets: a group's id and an asset's
    /// may be alike on some service), with both, sorted; nil when every id has one address.
    public func idTrackedTwice() -> (id: String, addresses: [Address])? {
        var groupIDs: [String: Address] = [:]
        var assetIDs: [String: Address] = [:]
        assetIDs.reserveCapacity(assetCount)
        for (key, g) in groups {
            let here = Address(group: key)
            if let other = groupIDs.updateValue(here, forKey: g.id) { return (g.id, [other, here].sorted()) }
            for (assetKey, a) in g.assets {
                let here = Address(group: key, asset: assetKey)
                if let other = assetIDs.updateValue(here, forKey: a.id) { return (a.id, [other, here].sorted()) }
            }
        }
        return nil
    }

    /// Every remote id this lockfile tracks, groups and assets: an id is tracked at one address only.
    public var trackedIDs: Set<String> {
        var ids = Set<String>(minimumCapacity: groups.count + assetCount)
        for g in groups.values {
            ids.insert(g.id)
            for a in g.assets.values { ids.insert(a.id) }
        }
        return ids
    }
}
