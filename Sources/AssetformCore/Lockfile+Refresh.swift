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
        var drift: [Drift] = []
        for key in groups.keys.sorted() {
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
                    var settled = a
                    settled.status = seen.status
                    settled.failure = seen.failure
                    // Cannot be refused: the asset's group is tracked (it is being walked).
                    try? lock.apply(.asset(address, settled))
                }
                if !seen.name.isEmpty, seen.name != a.name {
                    drift.append(.renamed(address: address, from: a.name, to: seen.name))
                }
            }
        }
        return (lock, drift)
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
