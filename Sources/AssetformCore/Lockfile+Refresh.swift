/// What refresh finds changed remotely since the lockfile was written.
public enum Drift: Sendable, Equatable, CustomStringConvertible {
    case gone(address: Address, id: String)
    case status(address: Address, from: AssetStatus, to: AssetStatus, failure: RemoteAsset.Failure?)
    case renamed(address: Address, from: String, to: String)
    case redescribed(address: Address)

    public var description: String {
        switch self {
        case .gone(let address, let id): "\(address): the remote object \(id) is gone"
        case .status(let address, let from, let to, let failure):
            "\(address): \(from.rawValue) → \(to.rawValue)" + (failure.map { " (\($0.code): \($0.message))" } ?? "")
        case .renamed(let address, let from, let to): "\(address): renamed remotely: \"\(from)\" → \"\(to)\""
        case .redescribed(let address): "\(address): its description was changed remotely"
        }
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
        var drift: [Drift] = []
        var changed = false
        for key in groups.keys.sorted() {
            // What changes in this group, gathered before any change, so that no copy of the
            // group is alive while it is changed.
            var settled: [(Address, LockedAsset)] = []
            do {
                let g = groups[key]!
                let groupAddress = Address(group: key)
                if remote.missing.contains(g.id) {
                    drift.append(.gone(address: groupAddress, id: g.id))
                } else if let seen = remote.groups[g.id] {
                    if seen.name != g.name { drift.append(.renamed(address: groupAddress, from: g.name, to: seen.name)) }
                    if let d = g.description, seen.description != d { drift.append(.redescribed(address: groupAddress)) }
                }
                for assetKey in g.assets.keys.sorted() {
                    let a = g.assets[assetKey]!
                    let address = Address(group: key, asset: assetKey)
                    if remote.missing.contains(a.id) {
                        drift.append(.gone(address: address, id: a.id))
                        continue
                    }
                    guard let seen = remote.assets[a.id] else { continue }
                    if seen.status != a.status || seen.failure != a.failure {
                        drift.append(.status(address: address, from: a.status, to: seen.status, failure: seen.failure))
                        var now = a
                        now.status = seen.status
                        now.failure = seen.failure
                        settled.append((address, now))
                    }
                    if !seen.name.isEmpty, seen.name != a.name {
                        drift.append(.renamed(address: address, from: a.name, to: seen.name))
                    }
                }
            }
            for (address, asset) in settled {
                // Cannot be refused: the asset's group is tracked (it is being walked).
                try? apply(.asset(address, asset))
                changed = true
            }
        }
        return (changed, drift)
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
