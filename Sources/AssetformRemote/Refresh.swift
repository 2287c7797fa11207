public import AssetformCore

/// Reads what the service has for a manifest and its lockfile, as cheaply as the dialect allows
/// (SPEC §5): on seedance, paginated lists of the groups and of the managed groups' assets (a
/// cost in pages, not in objects); on 0-0, which cannot list, one GET per tracked object.
public enum Refresh {
    public static func state(_ manifest: Manifest, lock: Lockfile?, service: any AssetService) async throws(RemoteError)
        -> RemoteState
    {
        service.capabilities.canList
            ? try await listing(manifest, lock: lock, service: service)
            : try await fetching(lock: lock, service: service)
    }

    /// `state` as planning needs it (`plan`, `apply`): on a dialect that lists, the tracked
    /// assets that match their lockfile record (status, failure, and any name the service shows)
    /// are left out of `assets`, since the planner and `Lockfile.refresh(with:)` read a tracked
    /// asset missing there as the lockfile says. At 100,000 assets and nothing changed, that
    /// table would be the largest thing a plan holds. Those that drifted are there, with what
    /// drifted.
    public static func forPlanning(_ manifest: Manifest, lock: Lockfile?, service: any AssetService)
        async throws(RemoteError) -> RemoteState
    {
        guard let lock, service.capabilities.canList else { return try await state(manifest, lock: lock, service: service) }
        var (state, drift) = try await drift(manifest, lock: lock, service: service)
        for d in drift {
            let address = d.address
            guard !address.isGroup, let a = lock.asset(at: address), let groupID = lock.groups[address.group]?.id else {
                continue
            }
            var seen =
                state.assets[a.id]
                ?? RemoteAsset(
                    id: a.id, name: "", type: a.type, groupID: groupID, status: a.status, failure: a.failure)
            switch d {
            case .status(_, _, let to, let failure):
                seen.status = to
                seen.failure = failure
            case .renamed(_, _, let to): seen.name = to
            case .gone, .redescribed: continue
            }
            state.assets[a.id] = seen
        }
        return state
    }

    /// `state` for a command that only brings the lockfile up to date (`refresh`): each asset
    /// the lockfile tracks is compared with its record as its page arrives, and only its drift
    /// (`Lockfile.drift(of:at:seen:)`) is kept: at 100,000 assets the listed assets would be the
    /// largest thing refresh holds. The state has no tracked asset in `assets`; give the drift
    /// to `Lockfile.refresh(with:assetDrift:)`.
    public static func drift(_ manifest: Manifest, lock: Lockfile, service: any AssetService) async throws(RemoteError)
        -> (state: RemoteState, assetDrift: [Drift])
    {
        guard service.capabilities.canList else {
            var state = try await fetching(lock: lock, service: service)
            let drift = lock.assetDrift(seen: state.assets)
            state.assets = [:]
            return (state, drift)
        }
        var drift: [Drift] = []
        // Each tracked asset by id: where it is tracked, and whether a listing showed it.
        var tracked: [String: (address: Address, seen: Bool)] = [:]
        tracked.reserveCapacity(lock.assetCount)
        for (key, g) in lock.groups {
            for (assetKey, a) in g.assets { tracked[a.id] = (Address(group: key, asset: assetKey), false) }
        }
        var (state, listedGroupIDs) = try await listing(manifest, lock: lock, service: service) { asset in
            guard let i = tracked.index(forKey: asset.id) else { return false }
            let address = tracked.values[i].address
            // Listed twice: `Paging.each` keeps the first copy, as `state` does; its drift once.
            guard !tracked.values[i].seen else { return true }
            tracked.values[i].seen = true
            if let a = lock.asset(at: address) { drift += Lockfile.drift(of: a, at: address, seen: asset) }
            return true
        }
        for (id, entry) in tracked where !entry.seen {
            guard let groupID = lock.groups[entry.address.group]?.id else { continue }
            if isGone(unlistedIn: groupID, listed: listedGroupIDs, state) { state.missing.insert(id) }
        }
        return (state, drift)
    }

    private static func listing(_ manifest: Manifest, lock: Lockfile?, service: any AssetService) async throws(RemoteError)
        -> RemoteState
    {
        // Each page goes where the planner needs it as it arrives: what the lockfile tracks by id
        // (refreshed), and the rest by group (to adopt by name); nothing is held twice.
        let tracked = lock?.trackedIDs ?? []
        var assets: [String: RemoteAsset] = [:]
        var (state, listedGroupIDs) = try await listing(manifest, lock: lock, service: service) { asset in
            guard tracked.contains(asset.id) else { return false }
            assets[asset.id] = asset
            return true
        }
        state.assets = assets
        for g in lock?.groups.values ?? [:].values where isGone(unlistedIn: g.id, listed: listedGroupIDs, state) {
            for a in g.assets.values where state.assets[a.id] == nil { state.missing.insert(a.id) }
        }
        return state
    }

    /// Whether a tracked asset of group `groupID` that the listing did not show is gone: it was
    /// listed where it should be and not there, or its group is gone.
    private static func isGone(unlistedIn groupID: String, listed: Set<String>, _ state: RemoteState) -> Bool {
        listed.contains(groupID) || state.missing.contains(groupID)
    }

    /// The listing itself: the groups, then the assets of the managed groups (those the
    /// lockfile tracks, and those a manifest group could adopt by name) a page at a time. Each
    /// listed asset is offered to `tracked`, which takes those the lockfile tracks; the rest go
    /// to `listedAssets`. Returns the state without tracked assets, and the groups listed.
    private static func listing(
        _ manifest: Manifest, lock: Lockfile?, service: any AssetService, tracked: (RemoteAsset) -> Bool
    ) async throws(RemoteError) -> (RemoteState, Set<String>) {
        var state = RemoteState()
        let groups = try await service.allGroups()
        state.listedGroups = groups
        let byID = Dictionary(groups.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var managed: [String] = []
        for g in lock?.groups.values.sorted(by: { $0.id < $1.id }) ?? [] {
            if let found = byID[g.id] {
                state.groups[g.id] = found
                managed.append(g.id)
            } else {
                state.missing.insert(g.id)
            }
        }
        // Groups a manifest group could adopt by name.
        let names = Set(manifest.groups.map(\.name))
        for g in groups where names.contains(g.name) && state.groups[g.id] == nil { managed.append(g.id) }
        var listedGroupIDs = Set<String>()
        for start in stride(from: 0, to: managed.count, by: 100) {
            let chunk = Array(managed[start..<min(managed.count, start + 100)])
            try await service.eachAsset(groupIDs: chunk) { page in
                for asset in page where !tracked(asset) {
                    state.listedAssets[asset.groupID, default: []].append(asset)
                }
            }
            listedGroupIDs.formUnion(chunk)
        }
        return (state, listedGroupIDs)
    }

    private static func fetching(lock: Lockfile?, service: any AssetService) async throws(RemoteError) -> RemoteState {
        enum Found: Sendable {
            case group(String, RemoteGroup?)
            case asset(String, RemoteAsset?)
        }
        let groups = lock?.groups.values.map(\.id) ?? []
        let assets = lock?.groups.values.flatMap { $0.assets.values.map(\.id) } ?? []
        let results: [Found]
        do {
            results = try await withThrowingTaskGroup(of: Found.self) { group in
                for id in groups {
                    group.addTask {
                        .group(id, try await notFoundAsNil { () throws(RemoteError) in try await service.getGroup(id: id) })
                    }
                }
                for id in assets {
                    group.addTask {
                        .asset(id, try await notFoundAsNil { () throws(RemoteError) in try await service.getAsset(id: id) })
                    }
                }
                var all: [Found] = []
                for try await r in group { all.append(r) }
                return all
            }
        } catch let error as RemoteError {
            throw error
        } catch {
            throw RemoteError(.cancelled, call: "refresh", message: "\(error)")
        }
        var state = RemoteState()
        for r in results {
            switch r {
            case .group(let id, let g?): state.groups[id] = g
            case .asset(let id, let a?): state.assets[id] = a
            case .group(let id, nil), .asset(let id, nil): state.missing.insert(id)
            }
        }
        return state
    }

    private static func notFoundAsNil<T: Sendable>(_ body: () async throws(RemoteError) -> T) async throws(RemoteError) -> T? {
        do {
            return try await body()
        } catch  where error.kind == .notFound {
            return nil
        }
    }
}
