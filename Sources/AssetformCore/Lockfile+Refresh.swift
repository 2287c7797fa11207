import JSON

/// What refresh finds changed remotely since the lockfile was written.
public enum Drift: Sendable, Equatable, CustomStringConvertible {
    case gone(address: Address, id: String)
    case status(address: Address, from: AssetStatus, to: AssetStatus, failure: RemoteAsset.Failure?)
    case renamed(address: Address, from: String, to: String)
    case redescribed(address: Address)

    /// What drifted.
    public var address: Address {
        switch self {
        case .gone(let address, _), .status(let address, _, _, _), .renamed(let address, _, _), .redescribed(let address):
            address
        }
    }

    public var description: String {
        switch self {
        case .gone(let address, let id): "\(address): the remote object \(id) is gone"
        case .status(let address, let from, let to, let failure):
            "\(address): \(from.rawValue) → \(to.rawValue)" + (failure.map { " (\($0.code): \($0.message))" } ?? "")
        case .renamed(let address, let from, let to): "\(address): renamed remotely: \"\(from)\" → \"\(to)\""
        case .redescribed(let address): "\(address): its description was changed remotely"
        }
    }

    /// What kind of drift: `gone`, `status`, `renamed` or `redescribed`.
    public var kind: String {
        switch self {
        case .gone: "gone"
        case .status: "status"
        case .renamed: "renamed"
        case .redescribed: "redescribed"
        }
    }

    /// As `refresh --json` lists it: `address`, `kind` and what goes with the kind.
    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [("address", .string(address.description)), ("kind", .string(kind))]
        switch self {
        case .gone(_, let id): fields.append(("id", .string(id)))
        case .status(_, let from, let to, let failure):
            fields += [("from", .string(from.rawValue)), ("to", .string(to.rawValue))]
            if let failure { fields.append(("failure", failure.json)) }
        case .renamed(_, let from, let to): fields += [("from", .string(from)), ("to", .string(to))]
        case .redescribed: break
        }
        return .object(fields)
    }
}

extension Lockfile {
    /// The lockfile with statuses brought up to date from `remote`, and the drift found. Names
    /// stay as applied (plan puts a remote rename back); gone objects stay tracked (plan creates
    /// them again).
    public func refreshed(with remote: RemoteState) -> (Lockfile, [Drift]) {
        var lock = self
        let (_, drift) = lock.refresh(with: remote)
        return (lock, drift)
    }

    /// `refreshed(with:)` in place: when this value is the only copy, its dictionaries are
    /// changed where they are, not copied (a lockfile of 100,000 assets is tens of megabytes).
    /// `changed`: whether any record changed.
    public mutating func refresh(with remote: RemoteState) -> (changed: Bool, drift: [Drift]) {
        refresh(with: remote, assetDrift: assetDrift(seen: remote.assets, gone: remote.missing))
    }

    /// The drift of every tracked asset found in `seen` (by id) and not `gone`, by
    /// `drift(of:at:seen:)`.
    public func assetDrift(seen: [String: RemoteAsset], gone: Set<String> = []) -> [Drift] {
        var drift: [Drift] = []
        for (key, g) in groups {
            for (assetKey, a) in g.assets where !gone.contains(a.id) {
                guard let found = seen[a.id] else { continue }
                drift += Self.drift(of: a, at: Address(group: key, asset: assetKey), seen: found)
            }
        }
        return drift
    }

    /// `refresh(with:)` for a refresh whose tracked assets were not kept in `remote`: their drift
    /// (`drift(of:at:seen:)`, found as each was listed) is given instead. The drift of the groups
    /// and of what is gone is added, and all of it comes back in the order `refresh(with:)` gives.
    public mutating func refresh(with remote: RemoteState, assetDrift: [Drift]) -> (changed: Bool, drift: [Drift]) {
        var drift = assetDrift
        for (key, g) in groups {
            drift += groupDrift(key, remote: remote)
            for (assetKey, a) in g.assets where remote.missing.contains(a.id) {
                drift.append(.gone(address: Address(group: key, asset: assetKey), id: a.id))
            }
        }
        // By address (a group's own drift before its assets'), and stable: an asset's drift in
        // the order it was found.
        let sorted = drift.enumerated().sorted { x, y in
            x.element.address != y.element.address ? x.element.address < y.element.address : x.offset < y.offset
        }.map(\.element)
        return (settle(sorted), sorted)
    }

    /// What a tracked asset seen remotely has drifted by: its status (and failure), and a name
    /// the service shows that is not the one applied.
    public static func drift(of a: LockedAsset, at address: Address, seen: RemoteAsset) -> [Drift] {
        var drift: [Drift] = []
        if seen.status != a.status || seen.failure != a.failure {
            drift.append(.status(address: address, from: a.status, to: seen.status, failure: seen.failure))
        }
        if !seen.name.isEmpty, !seen.name.isSameText(as: a.name) {
            drift.append(.renamed(address: address, from: a.name, to: seen.name))
        }
        return drift
    }

    private func groupDrift(_ key: String, remote: RemoteState) -> [Drift] {
        let g = groups[key]!
        let address = Address(group: key)
        if remote.missing.contains(g.id) { return [.gone(address: address, id: g.id)] }
        guard let seen = remote.groups[g.id] else { return [] }
        var drift: [Drift] = []
        if !seen.name.isSameText(as: g.name) { drift.append(.renamed(address: address, from: g.name, to: seen.name)) }
        if let d = g.description, !seen.description.isSameText(as: d) { drift.append(.redescribed(address: address)) }
        return drift
    }

    /// Records the statuses `drift` reports (the only drift refresh records), each in place;
    /// returns whether any record changed.
    private mutating func settle(_ drift: [Drift]) -> Bool {
        var changed = false
        for case .status(let address, _, let status, let failure) in drift {
            guard var now = asset(at: address) else { continue }
            now.status = status
            now.failure = failure
            // Cannot be refused: the asset is tracked.
            try? apply(.asset(address, now))
            changed = true
        }
        return changed
    }
}

extension Capabilities {
    public static func of(_ api: API) -> Capabilities {
        switch api {
        case .seedance: .seedance
        case .zeroZero: .zeroZero
        case .volcengine, .byteplus: .native
        }
    }
}
