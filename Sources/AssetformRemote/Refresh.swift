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

    private static func listing(_ manifest: Manifest, lock: Lockfile?, service: any AssetService) async throws(RemoteError)
        -> RemoteState
    {
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
        // Each page goes where the planner needs it as it arrives: what the lockfile tracks by id
        // (refreshed), and the rest by group (to adopt by name); nothing is held twice.
        let tracked = lock?.trackedIDs ?? []
        var listedGroupIDs = Set<String>()
        for start in stride(from: 0, to: managed.count, by: 100) {
            let chunk = Array(managed[start..<min(managed.count, start + 100)])
            try await service.eachAsset(groupIDs: chunk) { page in
                for asset in page {
                    if tracked.contains(asset.id) {
                        state.assets[asset.id] = asset
                    } else {
                        state.listedAssets[asset.groupID, default: []].append(asset)
                    }
                }
            }
            listedGroupIDs.formUnion(chunk)
        }
        for g in lock?.groups.values ?? [:].values {
            for a in g.assets.values where state.assets[a.id] == nil {
                // Listed where it should be and not there, or its group gone: it is gone.
                if listedGroupIDs.contains(g.id) || state.missing.contains(g.id) { state.missing.insert(a.id) }
            }
        }
        return state
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
