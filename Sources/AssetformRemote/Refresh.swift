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
    ///
    /// An untracked asset still Processing may show no name (SPEC §6): where a group a manifest
    /// asset could be created in holds such assets, they are listed again until their names
    /// show, for up to `patience` (`waiting` says so first), so that one a run with a lost
    /// lockfile made is adopted, not registered again. (What is still hidden then, the planner
    /// holds back.)
    public static func forPlanning(
        _ manifest: Manifest, lock: Lockfile?, service: any AssetService, patience: Duration = .zero,
        waiting: (@Sendable (String) -> Void)? = nil
    ) async throws(RemoteError) -> RemoteState {
        guard let lock, service.capabilities.canList else {
            let state = try await state(manifest, lock: lock, service: service)
            guard service.capabilities.canList else { return state }
            return try await settlingHidden(state, manifest, lock: lock, service: service, patience: patience, waiting: waiting)
        }
        var state = try await forPlanning(drifted: manifest, lock: lock, service: service)
        state = try await settlingHidden(state, manifest, lock: lock, service: service, patience: patience, waiting: waiting)
        return state
    }

    private static func forPlanning(drifted manifest: Manifest, lock: Lockfile, service: any AssetService)
        async throws(RemoteError) -> RemoteState
    {
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

    /// The groups (by id) a manifest asset the lockfile does not track would be created in,
    /// that hold hidden assets; listed again until none is hidden, or `patience` has passed.
    private static func settlingHidden(
        _ state: RemoteState, _ manifest: Manifest, lock: Lockfile?, service: any AssetService, patience: Duration,
        waiting: (@Sendable (String) -> Void)?
    ) async throws(RemoteError) -> RemoteState {
        // Mostly nothing listed is hidden: then no manifest asset is looked at.
        guard state.listedAssets.values.contains(where: { $0.contains(where: \.nameIsHidden) }) else { return state }
        var state = state
        // Per group that may be created in: the types of the manifest's assets the lockfile does
        // not track there. Only a hidden asset of one of those types may be one of them.
        var wanted: [String: Set<AssetType>] = [:]
        for g in manifest.groups {
            let locked = lock?.groups[g.key]
            let types = Set(g.assets.filter { locked?.assets[$0.key] == nil }.map(\.type))
            guard !types.isEmpty else { continue }
            let candidates =
                locked.map { [$0.id] } ?? (state.listedGroups ?? []).filter { $0.name.isSameText(as: g.name) }.map(\.id)
            for id in candidates { wanted[id, default: []].formUnion(types) }
        }
        func isInDoubt(_ a: RemoteAsset) -> Bool {
            a.nameIsHidden && (a.type.map { wanted[a.groupID]?.contains($0) ?? false } ?? true)
        }
        func hiddenGroups() -> [String] {
            wanted.keys.filter { state.listedAssets[$0]?.contains(where: isInDoubt) == true }.sorted()
        }
        var hidden = hiddenGroups()
        guard !hidden.isEmpty, patience > .zero else { return state }
        let count = hidden.reduce(0) { n, id in n + (state.listedAssets[id]?.count(where: isInDoubt) ?? 0) }
        waiting?(
            "\(count) asset\(count == 1 ? "" : "s") nothing tracks \(count == 1 ? "is" : "are") still Processing with "
                + "\(count == 1 ? "its name" : "their names") hidden in \(hidden.count == 1 ? "a group" : "groups") this "
                + "manifest creates in; waiting up to \(DurationText.format(patience)) for \(count == 1 ? "it" : "them") "
                + "to show, so that none is registered twice")
        let tracked = lock?.trackedIDs ?? []
        let clock = ContinuousClock()
        let deadline = clock.now + patience
        var delay = Duration.milliseconds(250)
        while !hidden.isEmpty && clock.now < deadline {
            do {
                try await Task.sleep(for: min(delay, deadline - clock.now))
            } catch {
                throw RemoteError(.cancelled, call: "ListAssets", message: "cancelled while waiting for Processing assets")
            }
            delay = min(delay * 2, .seconds(5))
            var fresh: [String: [RemoteAsset]] = [:]
            for a in try await service.allAssets(groupIDs: hidden) where !tracked.contains(a.id) {
                fresh[a.groupID, default: []].append(a)
            }
            for id in hidden { state.listedAssets[id] = fresh[id] ?? [] }
            hidden = hidden.filter { state.listedAssets[$0]?.contains(where: isInDoubt) == true }
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
            // Each asset's drift as it arrives; the assets themselves are not kept.
            let drift = Guarded([Drift]())
            let state = try await fetching(lock: lock, service: service) { asset, address in
                if let a = lock.asset(at: address) {
                    let found = Lockfile.drift(of: a, at: address, seen: asset)
                    if !found.isEmpty { drift.withLock { $0 += found } }
                }
                return false
            }
            return (state, drift.take(replacingWith: []))
        }
        // Each tracked asset by id: where it is tracked, and whether a listing showed it; and the
        // drift found so far. The listing's streams take their pages here in turn.
        var table: [String: (address: Address, seen: Bool)] = [:]
        table.reserveCapacity(lock.assetCount)
        for (key, g) in lock.groups {
            for (assetKey, a) in g.assets { table[a.id] = (Address(group: key, asset: assetKey), false) }
        }
        let found = Guarded((tracked: table, drift: [Drift]()))
        table = [:]
        var (state, listedGroupIDs) = try await listing(manifest, lock: lock, service: service) { page in
            found.withLock { found in
                page.filter { asset in
                    guard let i = found.tracked.index(forKey: asset.id) else { return true }
                    let address = found.tracked.values[i].address
                    // Listed twice: `Paging.each` keeps the first copy, as `state` does; its drift once.
                    guard !found.tracked.values[i].seen else { return false }
                    found.tracked.values[i].seen = true
                    if let a = lock.asset(at: address) { found.drift += Lockfile.drift(of: a, at: address, seen: asset) }
                    return false
                }
            }
        }
        var (tracked, drift) = found.take(replacingWith: ([:], []))
        for (id, entry) in tracked where !entry.seen {
            guard let groupID = lock.groups[entry.address.group]?.id else { continue }
            if isGone(unlistedIn: groupID, listed: listedGroupIDs, state) { state.missing.insert(id) }
        }
        tracked = [:]
        let confirmed = Guarded([Drift]())
        try await confirmingMissing(&state, lock: lock, service: service) { asset, address in
            if let a = lock.asset(at: address) {
                let found = Lockfile.drift(of: a, at: address, seen: asset)
                if !found.isEmpty { confirmed.withLock { $0 += found } }
            }
            return false
        }
        return (state, drift + confirmed.take(replacingWith: []))
    }

    private static func listing(_ manifest: Manifest, lock: Lockfile?, service: any AssetService) async throws(RemoteError)
        -> RemoteState
    {
        // Each page goes where the planner needs it as it arrives: what the lockfile tracks by id
        // (refreshed), and the rest by group (to adopt by name); nothing is held twice.
        let tracked = lock?.trackedIDs ?? []
        let assets = Guarded([String: RemoteAsset]())
        var (state, listedGroupIDs) = try await listing(manifest, lock: lock, service: service) { page in
            assets.withLock { assets in
                page.filter { asset in
                    guard tracked.contains(asset.id) else { return true }
                    assets[asset.id] = asset
                    return false
                }
            }
        }
        state.assets = assets.take(replacingWith: [:])
        for g in lock?.groups.values ?? [:].values where isGone(unlistedIn: g.id, listed: listedGroupIDs, state) {
            for a in g.assets.values where state.assets[a.id] == nil { state.missing.insert(a.id) }
        }
        if let lock { try await confirmingMissing(&state, lock: lock, service: service) }
        return state
    }

    /// What a listing did not show is gone only once a GET of it says so (SPEC §5: an object is
    /// created again when it is gone, NotFound). A listing can leave an object out (a page the
    /// service answered short, an index behind the objects), and a create made on that word
    /// alone would be a billed duplicate of an object still there. The groups are looked at
    /// first; the assets of a group found gone are gone with it, and the others are looked at
    /// one by one. What is found after all leaves `missing`: a group goes into `groups`, an
    /// asset to `keep` (into `assets` where it says so).
    private static func confirmingMissing(
        _ state: inout RemoteState, lock: Lockfile, service: any AssetService,
        keep: @escaping @Sendable (RemoteAsset, Address) -> Bool = { _, _ in true }
    ) async throws(RemoteError) {
        guard !state.missing.isEmpty else { return }
        // The groups not listed, without their assets.
        var doubt = Lockfile(lineage: lock.lineage, serial: lock.serial, provider: lock.provider, groups: [:])
        for (key, g) in lock.groups where state.missing.contains(g.id) {
            doubt.groups[key] = LockedGroup(id: g.id, name: g.name, description: g.description)
        }
        var foundGroups: Set<String> = []
        if !doubt.groups.isEmpty {
            let found = try await fetching(lock: doubt, service: service)
            for (id, g) in found.groups {
                state.missing.remove(id)
                state.groups[id] = g
                foundGroups.insert(id)
            }
        }
        // A group found that way is listed now, as the listing would have: what it tracks is
        // there, or looked at below; what it does not is there to adopt by name.
        if !foundGroups.isEmpty {
            var tracked: [String: Address] = [:]
            for (key, g) in lock.groups where foundGroups.contains(g.id) {
                for (assetKey, a) in g.assets { tracked[a.id] = Address(group: key, asset: assetKey) }
            }
            for a in try await service.allAssets(groupIDs: foundGroups.sorted()) {
                if let address = tracked[a.id] {
                    guard state.missing.remove(a.id) != nil else { continue }
                    if keep(a, address) { state.assets[a.id] = a }
                } else {
                    state.listedAssets[a.groupID, default: []].append(a)
                }
            }
        }
        // The assets not listed, of the groups that are there.
        doubt.groups = [:]
        var doubted: [String] = []
        for (key, g) in lock.groups where !state.missing.contains(g.id) {
            let unlisted = g.assets.filter { state.missing.contains($0.value.id) }
            guard !unlisted.isEmpty else { continue }
            doubted += unlisted.values.map(\.id)
            doubt.groups[key] = LockedGroup(id: g.id, name: g.name, description: g.description, assets: unlisted)
        }
        guard !doubted.isEmpty else { return }
        let found = try await fetching(lock: doubt, service: service, groups: false, keep: keep)
        for (id, a) in found.assets { state.assets[id] = a }
        for id in doubted where !found.missing.contains(id) { state.missing.remove(id) }
    }

    /// Whether a tracked asset of group `groupID` that the listing did not show is gone: it was
    /// listed where it should be and not there, or its group is gone.
    private static func isGone(unlistedIn groupID: String, listed: Set<String>, _ state: RemoteState) -> Bool {
        listed.contains(groupID) || state.missing.contains(groupID)
    }

    /// Listing walks run at once, at most. The pages of one walk come one after another (each
    /// says where the next starts), so the managed groups are listed in walks of their own; the
    /// call policy still bounds the calls in flight and the read rate.
    static let streams = 8

    /// The listing itself: the groups, then the assets of the managed groups (those the
    /// lockfile tracks, and those a manifest group could adopt by name) a page at a time, in up
    /// to `streams` walks at once. Each page is offered to `tracked` (the walks take turns),
    /// which takes the assets the lockfile tracks and gives back the rest, for `listedAssets`.
    /// Returns the state without tracked assets, and the groups listed.
    private static func listing(
        _ manifest: Manifest, lock: Lockfile?, service: any AssetService,
        tracked: @escaping @Sendable ([RemoteAsset]) -> [RemoteAsset]
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
        // (Their names' bytes: names compare byte for byte, as the service compares them.)
        let names = Set(manifest.groups.map { Array($0.name.utf8) })
        for g in groups where names.contains(Array(g.name.utf8)) && state.groups[g.id] == nil { managed.append(g.id) }
        let listed = Guarded([String: [RemoteAsset]]())
        var trackedIn: [String: Int] = [:]
        for g in lock?.groups.values ?? [:].values { trackedIn[g.id] = g.assets.count }
        let walks = walks(managed) { [trackedIn] in trackedIn[$0] ?? 0 }
        let aside = Guarded<RemoteError?>(nil)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                func start() {
                    guard next < walks.count else { return }
                    let groupIDs = walks[next]
                    next += 1
                    group.addTask {
                        try await unlessCancelled(aside) {
                            try await service.eachAsset(groupIDs: groupIDs) { page in
                                let untracked = tracked(page)
                                guard !untracked.isEmpty else { return }
                                listed.withLock { listed in
                                    for asset in untracked { listed[asset.groupID, default: []].append(asset) }
                                }
                            }
                        }
                    }
                }
                for _ in 0..<streams { start() }
                // As a walk ends, the next starts; the first failure ends the others.
                while try await group.next() != nil { start() }
            }
            if let cancelled = aside.take(replacingWith: nil) { throw cancelled }
        } catch let error as RemoteError {
            throw error
        } catch {
            throw RemoteError(.cancelled, call: "ListAssets", message: "\(error)")
        }
        state.listedAssets = listed.take(replacingWith: [:])
        return (state, Set(managed))
    }

    /// The managed groups in walks of at most 100 groups each (a filter's limit). Walks at once
    /// pay off where the listing is long, and each costs a call more at most (its last page is
    /// seldom full): one walk per four pages of the assets the lockfile tracks, up to `streams`.
    /// Such walks are about as long as each other by those assets (a group counts one more),
    /// and keep the groups in the order given. A listing too short for them is walked 100 groups
    /// at a time, in the order given, as one walk at a time did, at the same cost in calls.
    static func walks(_ groupIDs: [String], tracked: (String) -> Int) -> [[String]] {
        guard !groupIDs.isEmpty else { return [] }
        let weights = groupIDs.map { tracked($0) + 1 }
        let pages = (weights.reduce(0, +) - groupIDs.count + Paging.pageSize - 1) / Paging.pageSize
        let wanted = min(streams, groupIDs.count, pages / 4)
        guard wanted > (groupIDs.count + 99) / 100 else {
            return Paging.filters(groupIDs)
        }
        var walks = [[Int]](repeating: [], count: wanted)
        var loads = [Int](repeating: 0, count: wanted)
        // The heaviest first, each to the walk with the least so far that has room.
        let heaviestFirst = weights.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
        for g in heaviestFirst {
            let i = loads.indices.filter { walks[$0].count < 100 }.min { loads[$0] < loads[$1] }!
            walks[i].append(g)
            loads[i] += weights[g]
        }
        return walks.map { $0.sorted().map { groupIDs[$0] } }
    }

    /// Objects fetched at once, at most, where the dialect cannot list (one GET each): a task
    /// per object would hold 100,000 tasks waiting for the call policy at once. The policy still
    /// bounds the calls in flight and the read rate.
    static let fetchers = 64

    /// The state of what the lockfile tracks, one GET per object, by `fetchers` workers. Each
    /// tracked asset found is offered to `keep` with its address, which says whether `assets`
    /// keeps it; what is not found is `missing`. The first failure ends the others.
    private static func fetching(
        lock: Lockfile?, service: any AssetService, groups: Bool = true,
        keep: @escaping @Sendable (RemoteAsset, Address) -> Bool = { _, _ in true }
    ) async throws(RemoteError) -> RemoteState {
        enum Object: Sendable {
            case group(String)
            case asset(String, Address)
        }
        var objects: [Object] = []
        objects.reserveCapacity((lock?.groups.count ?? 0) + (lock?.assetCount ?? 0))
        for (key, g) in lock?.groups ?? [:] {
            if groups { objects.append(.group(g.id)) }
            for (assetKey, a) in g.assets { objects.append(.asset(a.id, Address(group: key, asset: assetKey))) }
        }
        let found = Guarded(RemoteState())
        let next = Guarded(0)
        let aside = Guarded<RemoteError?>(nil)
        @Sendable func fetch(_ object: Object) async throws(RemoteError) {
            switch object {
            case .group(let id):
                let g = try await notFoundAsNil { () throws(RemoteError) in try await service.getGroup(id: id) }
                found.withLock { state in
                    if let g { state.groups[id] = g } else { state.missing.insert(id) }
                }
            case .asset(let id, let address):
                let a = try await notFoundAsNil { () throws(RemoteError) in try await service.getAsset(id: id) }
                let kept = a.map { keep($0, address) } ?? false
                found.withLock { state in
                    if let a {
                        if kept { state.assets[id] = a }
                    } else {
                        state.missing.insert(id)
                    }
                }
            }
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { [objects] group in
                for _ in 0..<min(fetchers, objects.count) {
                    group.addTask {
                        try await unlessCancelled(aside) {
                            while let i = next.withLock({ n -> Int? in
                                guard n < objects.count else { return nil }
                                n += 1
                                return n - 1
                            }) {
                                try await fetch(objects[i])
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            if let cancelled = aside.take(replacingWith: nil) { throw cancelled }
        } catch let error as RemoteError {
            throw error
        } catch {
            throw RemoteError(.cancelled, call: "refresh", message: "\(error)")
        }
        return found.take(replacingWith: RemoteState())
    }

    /// Runs one of several tasks at once. A call it could not start because the run stopped (a
    /// sibling's failure stopped the call policy) is put `aside` instead of thrown, so that the
    /// failure that stopped the run is the one the group throws; the first one put aside is
    /// thrown when nothing else was (an interrupt).
    private static func unlessCancelled(_ aside: Guarded<RemoteError?>, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as RemoteError where error.kind == .cancelled {
            aside.withLock { $0 = $0 ?? error }
        }
    }

    private static func notFoundAsNil<T: Sendable>(_ body: () async throws(RemoteError) -> T) async throws(RemoteError) -> T? {
        do {
            return try await body()
        } catch  where error.kind == .notFound {
            return nil
        }
    }
}
