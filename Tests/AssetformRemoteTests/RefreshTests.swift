import AssetformCore
import AssetformEmulator
import JSON
import Testing
import YAML

@testable import AssetformRemote

@Suite("Refresh against the emulator, counting calls")
struct RefreshTests {
    /// Creates `groups` groups of `each` assets through the client, and the manifest and
    /// lockfile that describe them.
    func populate(_ h: ClientHarness, api: API, groups: Int, each: Int) async throws -> (Manifest, Lockfile) {
        let mark = Mark(line: 1, column: 1)
        var lock = Lockfile(for: Provider(api: api))
        var manifestGroups: [Group] = []
        for g in 0..<groups {
            let group = try await h.service.createGroup(name: "group \(g)", description: "")
            var locked = LockedGroup(id: group.id, name: group.name)
            var assets: [Asset] = []
            try await withThrowingTaskGroup(of: (String, RemoteAsset).self) { tasks in
                for i in 0..<each {
                    tasks.addTask {
                        let url = "https://cdn.example.com/\(g)/\(i).png"
                        return (
                            "a\(i)", try await h.service.createAsset(groupID: group.id, name: "a\(i)", type: .image, url: url)
                        )
                    }
                }
                for try await (key, a) in tasks {
                    locked.assets[key] = LockedAsset(
                        id: a.id, name: key, ref: LockedAsset.ref(for: a.id, api: api), status: .processing, type: .image,
                        url: "https://cdn.example.com/\(g)/\(key.dropFirst()).png")
                }
            }
            for i in 0..<each {
                assets.append(Asset(key: "a\(i)", url: "https://cdn.example.com/\(g)/\(i).png", type: .image, mark: mark))
            }
            manifestGroups.append(Group(key: "g\(g)", name: group.name, assets: assets, mark: mark))
            lock.groups["g\(g)"] = locked
        }
        return (Manifest(provider: Provider(api: api), groups: manifestGroups), lock)
    }

    func readCalls(_ h: ClientHarness, _ dialect: String) async throws -> Int {
        let calls = try await h.stats()["calls"]?[dialect]
        guard case .object(let fields) = calls else { return 0 }
        return fields.filter { $0.0.hasPrefix("Get") || $0.0.hasPrefix("List") || $0.0.hasPrefix("GET") }.reduce(0) {
            $0 + ($1.1.int ?? 0)
        }
    }

    @Test func seedanceCostsPagesNotObjects() async throws {
        try await withClient { h in
            let (manifest, lock) = try await populate(h, api: .seedance, groups: 3, each: 100)
            let before = try await readCalls(h, "seedance")
            let state = try await Refresh.state(manifest, lock: lock, service: h.service)
            let calls = try await readCalls(h, "seedance") - before
            #expect(calls <= 20, "\(calls) read calls for 300 assets in 3 groups")
            #expect(calls == 4, "one page of groups, three pages of assets")
            #expect(state.assets.count == 300)
            #expect(state.missing.isEmpty)
            #expect(state.assets.values.allSatisfy { $0.status == .active })
            let plan = Planner(capabilities: .seedance).plan(manifest, lock: lock, remote: state)
            #expect(plan.count(.create) == 0)
        }
    }

    /// A listing long enough to be walked in parts: the walks run at once (more than one list
    /// call in flight), every asset is found once, the untracked ones are offered for adoption in
    /// the order their group lists them, and the calls are still pages, not objects.
    @Test func manyGroupsAreListedInWalksAtOnce() async throws {
        try await withClient(emulator: { $0.latency = .milliseconds(20) ... .milliseconds(20) }) { h in
            let (populated, lock) = try await populate(h, api: .seedance, groups: 10, each: 80)
            var manifest = populated
            // One group the lockfile does not track, whose assets a manifest group could adopt.
            let stray = try await h.service.createGroup(name: "stray", description: "")
            for i in 0..<3 {
                _ = try await h.service.createAsset(
                    groupID: stray.id, name: "s\(i)", type: .image, url: "https://x.example/\(i).png")
            }
            let mark = Mark(line: 1, column: 1)
            manifest.groups.append(Group(key: "stray", name: "stray", assets: [], mark: mark))
            let before = try await readCalls(h, "seedance")
            let startsBefore = h.events.events.count
            let state = try await Refresh.state(manifest, lock: lock, service: h.service)
            let calls = try await readCalls(h, "seedance") - before
            #expect(state.assets.count == 800 && state.missing.isEmpty)
            #expect(state.listedAssets[stray.id]?.map(\.name) == ["s0", "s1", "s2"])
            // 8 pages of tracked assets: two walks, of 400 assets and of 403 (the stray group's
            // too), as many calls as one walk of all 803.
            #expect(calls == 1 + 4 + 5, "one page of groups, then pages of 100 assets: \(calls)")
            // The list calls overlapped: at some moment more than one was in flight.
            var inFlight = 0
            var most = 0
            for event in h.events.events.dropFirst(startsBefore) {
                switch event {
                case .started(let call, _, _) where call.name == "ListAssets": inFlight += 1
                case .finished(let call, _, _, _, _) where call.name == "ListAssets": inFlight -= 1
                default: continue
                }
                most = max(most, inFlight)
            }
            #expect(most > 1, "the walks ran one after another")
            // The same drift and lockfile as the walk by walk comparison gives.
            let (streamed, assetDrift) = try await Refresh.drift(manifest, lock: lock, service: h.service)
            var refreshed = lock
            _ = refreshed.refresh(with: streamed, assetDrift: assetDrift)
            #expect(refreshed == lock.refreshed(with: state).0)
        }
    }

    /// The managed groups split into walks: each group in exactly one, at most 100 a walk, as
    /// many walks as streams where there are groups enough, and (where no walk is full) none
    /// heavier than the lightest by more than the heaviest group.
    @Test(arguments: 0..<6)
    func walksSplitTheGroupsEvenly(seed: Int) {
        var random = SeededRandom(seed: UInt64(500 + seed))
        for _ in 0..<40 {
            let n = Int(random.next() % 1_200)
            let ids = (0..<n).map { "g\($0)" }
            var weights: [String: Int] = [:]
            for id in ids { weights[id] = random.next() % 4 == 0 ? Int(random.next() % 5_000) : Int(random.next() % 50) }
            let walks = Refresh.walks(ids) { weights[$0]! }
            let all = walks.flatMap { $0 }
            #expect(all.sorted() == ids.sorted(), "seed \(500 + seed), \(n) groups")
            #expect(walks.allSatisfy { !$0.isEmpty && $0.count <= 100 })
            let pages = (ids.reduce(0) { $0 + weights[$1]! } + 99) / 100
            let wanted = min(Refresh.streams, n, pages / 4)
            #expect(walks.count == (n == 0 ? 0 : max((n + 99) / 100, wanted)), "seed \(500 + seed)")
            #expect(walks.allSatisfy { $0 == ids.filter(Set($0).contains) }, "each walk keeps the given order")
            if wanted <= (n + 99) / 100 {
                // Too short to split: 100 groups at a time, in order, as before.
                #expect(all == ids, "seed \(500 + seed)")
                #expect(walks.dropLast().allSatisfy { $0.count == 100 }, "seed \(500 + seed)")
            }
            let loads = walks.map { $0.reduce(0) { $0 + weights[$1]! + 1 } }
            if let heaviest = ids.map({ weights[$0]! + 1 }).max(), walks.allSatisfy({ $0.count < 100 }) {
                #expect(loads.max()! <= loads.min()! + heaviest, "seed \(500 + seed): \(loads)")
            }
        }
    }

    @Test func seedanceFindsWhatIsGone() async throws {
        try await withClient { h in
            var (manifest, lock) = try await populate(h, api: .seedance, groups: 1, each: 3)
            lock.groups["g0"]!.assets["a1"]!.id = "asset-20200101000000-gone0"
            lock.groups["ghost"] = LockedGroup(id: "group-20200101000000-ghost", name: "ghost")
            manifest.groups[0].assets.removeLast()
            let state = try await Refresh.state(manifest, lock: lock, service: h.service)
            #expect(state.missing == ["asset-20200101000000-gone0", "group-20200101000000-ghost"])
        }
    }

    @Test func aLostLockfilePlansAdoptionsAndNoCreates() async throws {
        try await withClient { h in
            let (manifest, _) = try await populate(h, api: .seedance, groups: 2, each: 5)
            let state = try await Refresh.state(manifest, lock: nil, service: h.service)
            let plan = Planner(capabilities: .seedance).plan(manifest, lock: nil, remote: state)
            #expect(plan.count(.adopt) == 12)
            #expect(plan.billedCreates == 0)
        }
    }

    @Test func zeroZeroGetsEachTrackedObject() async throws {
        try await withClient(.zeroZero) { h in
            var (manifest, lock) = try await populate(h, api: .zeroZero, groups: 2, each: 4)
            lock.groups["g1"]!.assets["a0"]!.id = "Asset-0000000000000000"
            let before = try await readCalls(h, "0-0")
            let state = try await Refresh.state(manifest, lock: lock, service: h.service)
            #expect(try await readCalls(h, "0-0") - before == 10, "2 groups and 8 assets, one GET each")
            #expect(state.missing == ["Asset-0000000000000000"])
            #expect(state.listedGroups == nil)
            manifest.groups[0].name = "renamed"
            let plan = Planner(capabilities: .zeroZero).plan(manifest, lock: lock, remote: state)
            #expect(plan.steps.map { "\($0.verb.rawValue) \($0.address)" } == ["create g1/a0"])
            // The rename 0-0 cannot make, and the create of a tracked asset it calls gone.
            #expect(plan.warnings.count == 2)
            #expect(plan.warnings.contains { $0.hasPrefix("1 asset the lockfile tracked is gone by the service's answer") })
        }
    }

    /// An id of the dialect's form that the service never made.
    func goneID(_ api: API, _ kind: String, _ n: UInt64) -> String {
        let hex = String(n, radix: 16)
        let digits = String(repeating: "0", count: max(0, 16 - hex.count)) + hex.suffix(16)
        return api == .zeroZero
            ? (kind == "asset" ? "Asset-" : "group-") + digits : kind + "-20200101000000-" + digits.suffix(5)
    }

    /// `Refresh.drift` (what `refresh` runs: tracked assets compared as they are listed, not
    /// kept) finds the drift and makes the lockfile `Refresh.state` and `refreshed(with:)` do.
    @Test(arguments: [API.seedance, .zeroZero])
    func driftAsListedMatchesTheWholeState(api: API) async throws {
        let seed = UInt64(api == .seedance ? 41 : 42)
        try await withClient(api) { h in
            var (manifest, lock) = try await populate(h, api: api, groups: 3, each: 20)
            var random = SeededRandom(seed: seed)
            // Some already recorded Active (no drift), some renamed since, some gone, a group gone.
            for key in lock.groups.keys.sorted() {
                for assetKey in lock.groups[key]!.assets.keys.sorted() {
                    switch random.next() % 5 {
                    case 0: lock.groups[key]!.assets[assetKey]!.status = .active
                    case 1: lock.groups[key]!.assets[assetKey]!.name = "applied as \(assetKey)"
                    case 2: lock.groups[key]!.assets[assetKey]!.id = goneID(api, "asset", random.next())
                    default: break
                    }
                }
            }
            lock.groups["ghost"] = LockedGroup(id: goneID(api, "group", random.next()), name: "ghost")
            if api == .seedance {
                // Renamed remotely: plan puts the applied name back.
                for key in ["a3", "a4", "a9"] {
                    if let a = lock.groups["g0"]!.assets[key], !a.id.contains("2020") {
                        try await h.service.updateAsset(id: a.id, name: "renamed \(key)")
                    }
                }
            }
            manifest.groups.removeLast()
            let state = try await Refresh.state(manifest, lock: lock, service: h.service)
            let (expected, expectedDrift) = lock.refreshed(with: state)
            let (streamed, assetDrift) = try await Refresh.drift(manifest, lock: lock, service: h.service)
            #expect(streamed.assets.isEmpty)
            #expect(streamed.missing == state.missing, "seed \(seed)")
            var refreshed = lock
            let (changed, drift) = refreshed.refresh(with: streamed, assetDrift: assetDrift)
            #expect(changed)
            #expect(drift == expectedDrift, "seed \(seed)")
            #expect(refreshed == expected, "seed \(seed)")
            #expect(drift.contains { if case .gone = $0 { true } else { false } })
            #expect(drift.contains { if case .status = $0 { true } else { false } })
            #expect(api == .zeroZero || drift.contains { if case .renamed = $0 { true } else { false } })
            // What plan and apply use: only the assets that drifted; the same plan, the same lockfile.
            let lean = try await Refresh.forPlanning(manifest, lock: lock, service: h.service)
            #expect(lean.missing == state.missing && lean.groups == state.groups && lean.listedAssets == state.listedAssets)
            #expect(api == .zeroZero || lean.assets.count < state.assets.count, "the matching ones are left out")
            let sameLock = lock.refreshed(with: lean) == lock.refreshed(with: state)
            #expect(sameLock, "the same lockfile either way; seed \(seed)")
            for planner in [Planner(capabilities: .of(api)), Planner(capabilities: .of(api), retryFailed: true)] {
                let plan = planner.plan(manifest, lock: lock, remote: state)
                let samePlan = planner.plan(manifest, lock: lock, remote: lean) == plan
                #expect(samePlan, "the same plan either way; seed \(seed)")
                #expect(api == .zeroZero || plan.count(.update) > 0)
            }
        }
    }
}
