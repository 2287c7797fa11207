import AssetformCore
import Testing
import YAML

/// `moved:` and `revision:` as the manifest states them (SPEC §2, §9).
@Suite("Moves and revisions in the manifest, at their positions")
struct MoveValidationTests {
    static let head = """
        version: 1
        provider: {api: seedance}
        groups:
          chars:
            assets:
              front: https://c.example.com/front.png
              side: https://c.example.com/side.png
          props: {assets: {lamp: https://c.example.com/lamp.png}}

        """

    @Test func goodEntriesBecomeMovesInOrder() throws {
        let loaded = Fixture(
            Self.head + "moved:\n  - {from: chars/old-front, to: chars/front}\n  - from: people\n    to: chars\n"
        )
        .load()
        let manifest = try #require(loaded.manifest)
        #expect(loaded.diagnostics.isEmpty)
        #expect(manifest.moved.map { "\($0.from)→\($0.to)" } == ["chars/old-front→chars/front", "people→chars"])
        #expect(manifest.moved[0].mark == Mark(line: 10, column: 5))
        #expect(manifest.moved[1].mark == Mark(line: 11, column: 5))
    }

    @Test func everyBadEntryIsAnErrorAtItsPlace() {
        expectFindings(
            Self.head + """
                moved:
                  - {from: chars/a, to: 1️⃣chars/b/c}
                  - 2️⃣{from: chars, to: chars/front}
                  - 3️⃣{from: chars/x, to: chars/x}
                  - 4️⃣{from: chars/front, to: chars/side}
                  - 7️⃣{5️⃣form: chars/y, to: chars/side}
                  - 6️⃣{from: chars/z}
                  - {from: chars/p, to: props/lamp}
                  - 8️⃣{from: chars/p, to: chars/side}
                  - 9️⃣just text

                """,
            [
                ("1️⃣", .error, .invalidMove("\"chars/b/c\" is not an address (GROUP or GROUP/ASSET): it has more than one /")),
                ("2️⃣", .error, .invalidMove("chars is a group and chars/front is an asset; a move keeps its kind")),
                ("3️⃣", .error, .invalidMove("from and to are both chars/x")),
                ("4️⃣", .error, .moveFromStillDeclared(Address(group: "chars", asset: "front"))),
                ("5️⃣", .error, .unknownKey("form", in: "an entry of moved", suggestion: "from")),
                ("7️⃣", .error, .missingKey("from", in: "an entry of moved")),
                ("6️⃣", .error, .missingKey("to", in: "an entry of moved")),
                ("8️⃣", .error, .duplicateMove(Address(group: "chars", asset: "p"), end: "from", first: Mark(line: 16, column: 5))),
                (
                    "9️⃣", .error,
                    .wrongType(field: "an entry of moved", expected: "a mapping {from: OLD, to: NEW}", found: "a string")
                ),
            ])
    }

    @Test func movedMustBeAList() {
        expectFindings(
            Self.head + "moved: 1️⃣{from: a, to: b}\n",
            [("1️⃣", .error, .wrongType(field: "moved", expected: "a list of {from: OLD, to: NEW} entries", found: "a mapping"))])
    }

    @Test func aTargetTheManifestDoesNotDeclareIsAWarning() {
        expectFindings(
            Self.head + "moved:\n  - 1️⃣{from: chars/a, to: chars/frnt}\n",
            [("1️⃣", .warning, .moveToUndeclared(Address(group: "chars", asset: "frnt")))])
    }

    @Test func revisionIsShortOneLineText() throws {
        let ok = Fixture(
            "version: 1\nprovider: {api: seedance}\ngroups:\n  g:\n    assets:\n"
                + "      a: {url: https://c.example.com/a.png, revision: 2}\n"
                + "      b: {url: https://c.example.com/b.png, revision: \"2026-12-01 new cut\"}\n"
        ).load()
        let assets = try #require(ok.manifest).groups[0].assets
        #expect(assets.map(\.revision) == ["2", "2026-12-01 new cut"])
        expectFindings(
            "version: 1\nprovider: {api: seedance}\ngroups:\n  g:\n    assets:\n"
                + "      a: {url: https://c.example.com/a.png, revision: 1️⃣\(String(repeating: "x", count: 65))}\n"
                + "      b: {url: https://c.example.com/b.png, revision: 2️⃣true}\n"
                + "      c: {url: https://c.example.com/c.png, revision: 3️⃣\"\"}\n",
            [
                ("1️⃣", .error, .invalidText(field: "revision", reason: "is 65 characters long; the most is 64")),
                (
                    "2️⃣", .error,
                    .wrongType(field: "revision", expected: "a string", found: "the boolean true (quote it to mean the text)")
                ),
                ("3️⃣", .error, .invalidText(field: "revision", reason: "must not be empty")),
            ])
    }
}

/// A lockfile of two groups, `chars` ("Characters") with `front` and `side`, and `props` with `lamp`.
enum Tracked {
    static let mark = Mark(line: 1, column: 1)

    static func asset(_ id: String, _ name: String, _ file: String, revision: String? = nil) -> LockedAsset {
        LockedAsset(
            id: id, name: name, ref: "asset://" + id, status: .active, type: .image, url: "https://c.example.com/\(file)",
            revision: revision)
    }

    static func lock(api: API = .seedance) -> Lockfile {
        var l = Lockfile(for: Provider(api: api))
        l.groups["chars"] = LockedGroup(
            id: "group-c", name: "Characters",
            assets: [
                "front": asset("asset-f", "Front", "front.png"), "side": asset("asset-s", "side", "side.png", revision: "1"),
            ])
        l.groups["props"] = LockedGroup(id: "group-p", name: "props", assets: ["lamp": asset("asset-l", "lamp", "lamp.png")])
        return l
    }

    /// `assets` as (key, file, name); group `chars` unless `key` says otherwise.
    static func manifest(
        _ groups: [(key: String, name: String?, assets: [(String, String, String?)])], moved: [(String, String)] = [],
        api: API = .seedance, revisions: [String: String] = [:]
    ) -> Manifest {
        Manifest(
            provider: Provider(api: api),
            groups: groups.map { g in
                Group(
                    key: g.key, name: g.name,
                    assets: g.assets.map { key, file, name in
                        Asset(
                            key: key, url: "https://c.example.com/\(file)", type: .image, name: name,
                            revision: revisions[g.key + "/" + key], mark: mark)
                    }, mark: mark)
            },
            moved: moved.enumerated().map { i, m in
                Move(from: addr(m.0), to: addr(m.1), mark: Mark(line: 20 + i, column: 5))
            })
    }

    static let unchanged: [(key: String, name: String?, assets: [(String, String, String?)])] = [
        ("chars", "Characters", [("front", "front.png", "Front"), ("side", "side.png", nil)]),
        ("props", nil, [("lamp", "lamp.png", nil)]),
    ]

    static func remote() -> RemoteState {
        let l = lock()
        var s = RemoteState(listedGroups: [])
        for g in l.groups.values {
            s.groups[g.id] = RemoteGroup(id: g.id, name: g.name, description: "")
            s.listedGroups!.append(RemoteGroup(id: g.id, name: g.name, description: ""))
            for a in g.assets.values {
                let r = RemoteAsset(id: a.id, name: a.name, type: a.type, groupID: g.id, status: .active)
                s.assets[a.id] = r
                s.listedAssets[g.id, default: []].append(r)
            }
        }
        return s
    }
}

@Suite("The planner: moves, renamed keys and revisions (SPEC §9)")
struct MovePlannerTests {
    let seedance = Planner(capabilities: .seedance)

    func lines(_ plan: Plan) -> [String] { plan.steps.map { "\($0.verb.rawValue) \($0.address)" } }

    @Test func nothingChangedPlansNothing() {
        let plan = seedance.plan(Tracked.manifest(Tracked.unchanged), lock: Tracked.lock(), remote: Tracked.remote())
        #expect(plan.steps.isEmpty)
        #expect(plan.unchanged.count == 5)
    }

    @Test(arguments: [API.seedance, .zeroZero])
    func aRenamedKeyWithTheSameNameIsAMoveWithNoCall(api: API) {
        let manifest = Tracked.manifest(
            [
                ("chars", "Characters", [("hero_front", "front.png", "Front"), ("side", "side.png", nil)]),
                ("props", nil, [("lamp", "lamp.png", nil)]),
            ], api: api)
        let plan = Planner(capabilities: .of(api)).plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["move chars/hero_front"])
        #expect(plan.steps[0].action == .move(from: addr("chars/front"), id: "asset-f"))
        #expect(plan.steps[0].reason.contains("renamed from chars/front: the same url and type"))
        #expect(plan.billedCreates == 0)
        #expect(plan.unchanged.count == 4, "the moved asset is counted by its move")
        #expect(plan.warnings.isEmpty)
    }

    @Test func aRenamedKeyWhoseNameFollowsItIsMovedThenRenamed() {
        let manifest = Tracked.manifest([
            ("chars", "Characters", [("front", "front.png", "Front"), ("profile", "side.png", nil)]),
            ("props", nil, [("lamp", "lamp.png", nil)]),
        ])
        let plan = seedance.plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["move chars/profile", "update chars/profile"])
        #expect(plan.steps[1].action == .updateAsset(id: "asset-s", name: .init(before: "side", after: "profile")))
        #expect(plan.billedCreates == 0)
        // 0-0 cannot rename: the move stands, and the name is a warning.
        let zz = Planner(capabilities: .zeroZero).plan(
            Tracked.manifest(
                [
                    ("chars", "Characters", [("front", "front.png", "Front"), ("profile", "side.png", nil)]),
                    ("props", nil, [("lamp", "lamp.png", nil)]),
                ], api: .zeroZero), lock: Tracked.lock(api: .zeroZero), remote: Tracked.remote())
        #expect(lines(zz) == ["move chars/profile"])
        #expect(zz.warnings.count == 1)
    }

    @Test func aKeyRenamedAndUsedAgainForANewSourceCostsOneCreate() {
        // front → hero (its url), and front now names a new url: the record moves to hero and
        // front is created, one billed create, not hero created and front replaced (two).
        let manifest = Tracked.manifest([
            (
                "chars", "Characters",
                [("hero", "front.png", "Front"), ("front", "front-new.png", "Front"), ("side", "side.png", nil)]
            ),
            ("props", nil, [("lamp", "lamp.png", nil)]),
        ])
        let plan = seedance.plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["move chars/hero", "create chars/front"], "\(lines(plan))")
        #expect(plan.billedCreates == 1)
        #expect(plan.steps[0].reason.contains("whose key now names another source"), "\(plan.steps[0].reason)")
        // An older asset of its name left behind by a replace is not adopted at the emptied key:
        // it holds an earlier url's content.
        var remote = Tracked.remote()
        remote.listedAssets["group-c", default: []].append(
            RemoteAsset(id: "asset-older", name: "Front", type: .image, groupID: "group-c", status: .active, createTime: 1))
        let withOlder = seedance.plan(manifest, lock: Tracked.lock(), remote: remote)
        #expect(lines(withOlder) == ["move chars/hero", "create chars/front"], "\(lines(withOlder))")
        // Without a new key of its old source, a new url is a replace, as before.
        let replaced = seedance.plan(
            Tracked.manifest([
                ("chars", "Characters", [("front", "front-new.png", "Front"), ("side", "side.png", nil)]),
                ("props", nil, [("lamp", "lamp.png", nil)]),
            ]), lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(replaced) == ["replace chars/front"])
    }

    @Test func aMovedGroupCarriesItsAssetsWithNoCreate() {
        let manifest = Tracked.manifest(
            [
                ("people", "Characters", [("front", "front.png", "Front"), ("side", "side.png", nil)]),
                ("props", nil, [("lamp", "lamp.png", nil)]),
            ], moved: [("chars", "people")])
        let plan = seedance.plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["move people"])
        #expect(plan.steps[0].reason.contains("the moved: entry at line 20"))
        #expect(plan.billedCreates == 0)
        #expect(Planner.moveConflicts(manifest, lock: Tracked.lock()).isEmpty)
    }

    @Test func aGroupKeyRenamedWithoutAnEntryIsFoundByNameOrByItsAssets() {
        // The same remote name.
        let byName = seedance.plan(
            Tracked.manifest([
                ("people", "Characters", [("front", "front.png", "Front"), ("side", "side.png", nil)]),
                ("props", nil, [("lamp", "lamp.png", nil)]),
            ]), lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(byName) == ["move people"])
        // The name follows the key: found by its assets, then renamed remotely.
        let byAssets = seedance.plan(
            Tracked.manifest([
                ("chars", "Characters", [("front", "front.png", "Front"), ("side", "side.png", nil)]),
                ("furniture", nil, [("lamp", "lamp.png", nil), ("chair", "chair.png", nil)]),
            ]), lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(byAssets) == ["move furniture", "update furniture", "create furniture/chair"])
        #expect(byAssets.steps[0].reason.contains("1 of its assets have the same url and type"))
        #expect(byAssets.billedCreates == 1)
    }

    @Test func aGroupRenamedKeepingItsRemoteNameIsFoundThoughAnotherNewGroupSharesASource() {
        // The renamed group has the old one's remote name; a new group shares one of its urls
        // (a split): the name decides, and only the asset of the new group is billed.
        let plan = seedance.plan(
            Tracked.manifest([
                ("people", "Characters", [("front", "front.png", "Front"), ("side", "side.png", nil)]),
                ("extra", nil, [("side-again", "side.png", "Side again")]),
                ("props", nil, [("lamp", "lamp.png", nil)]),
            ]), lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["move people", "create extra", "create extra/side-again"], "\(lines(plan))")
        #expect(plan.steps[0].reason.contains("the same remote name"))
        #expect(plan.billedCreates == 1)
    }

    @Test func twoNewGroupsThatCouldEachBeTheOldOneMoveNeither() {
        let plan = seedance.plan(
            Tracked.manifest([
                ("chars", "Characters", [("front", "front.png", "Front"), ("side", "side.png", nil)]),
                ("lamps", nil, [("lamp", "lamp.png", nil)]), ("lights", nil, [("lamp", "lamp.png", nil)]),
            ]), lock: Tracked.lock(), remote: Tracked.remote())
        #expect(!plan.steps.contains { $0.verb == .move })
        #expect(plan.count(.forget) == 1)
    }

    @Test func anAssetMovedToAnotherGroupIsAReplaceThatSaysWhy() {
        let manifest = Tracked.manifest(
            [
                ("chars", "Characters", [("front", "front.png", "Front")]),
                ("props", nil, [("lamp", "lamp.png", nil), ("side", "side.png", nil)]),
            ], moved: [("chars/side", "props/side")])
        let plan = seedance.plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["forget chars/side", "replace props/side"])
        #expect(plan.steps[1].remoteID == "asset-s")
        #expect(plan.steps[1].reason.contains("the service cannot move an asset between groups"))
        #expect(plan.steps[0].reason.contains("moved to props/side"))
        #expect(plan.billedCreates == 1)
    }

    @Test func anEntryWhoseTargetIsTrackedIsAnErrorAtItsLine() {
        let manifest = Tracked.manifest(
            [("chars", "Characters", [("side", "side.png", nil)]), ("props", nil, [("lamp", "lamp.png", nil)])],
            moved: [("chars/front", "chars/side")])
        #expect(
            Planner.moveConflicts(manifest, lock: Tracked.lock()) == [
                Diagnostic(
                    .error, .moveTargetTracked(from: addr("chars/front"), to: addr("chars/side"), id: "asset-s"),
                    at: Mark(line: 20, column: 5))
            ])
    }

    @Test func anEntryAlreadyAppliedIsIgnoredAndChainsApplyInOrder() {
        var lock = Tracked.lock()
        try? lock.apply(.move(from: addr("chars/front"), to: addr("chars/hero"), id: "asset-f"))
        let manifest = Tracked.manifest(
            [
                ("chars", "Characters", [("hero", "front.png", "Front"), ("profile", "side.png", "side")]),
                ("props", nil, [("lamp", "lamp.png", nil)]),
            ], moved: [("chars/front", "chars/hero"), ("chars/side", "chars/left"), ("chars/left", "chars/profile")])
        #expect(Planner.moveConflicts(manifest, lock: lock).isEmpty)
        let plan = seedance.plan(manifest, lock: lock, remote: Tracked.remote())
        #expect(lines(plan) == ["move chars/left", "move chars/profile"])
        #expect(plan.billedCreates == 0)
    }

    @Test func aRevisionThatChangesRegistersAgainOnce() {
        let manifest = Tracked.manifest(Tracked.unchanged, revisions: ["chars/side": "2", "chars/front": "1"])
        let plan = seedance.plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["replace chars/front", "replace chars/side"])
        #expect(plan.steps[0].changes == [Plan.Change(field: "revision", before: nil, after: "1")])
        #expect(plan.steps[1].changes == [Plan.Change(field: "revision", before: "1", after: "2")])
        #expect(plan.billedCreates == 2)
        // The same revision is no change; a revision dropped from the manifest registers nothing.
        let same = seedance.plan(
            Tracked.manifest(Tracked.unchanged, revisions: ["chars/side": "1"]), lock: Tracked.lock(), remote: Tracked.remote())
        #expect(same.steps.isEmpty)
        #expect(seedance.plan(Tracked.manifest(Tracked.unchanged), lock: Tracked.lock(), remote: Tracked.remote()).steps.isEmpty)
    }

    @Test func aRenamedKeyWithANewRevisionIsMovedAndReplaced() {
        let manifest = Tracked.manifest(
            [
                ("chars", "Characters", [("front", "front.png", "Front"), ("profile", "side.png", "side")]),
                ("props", nil, [("lamp", "lamp.png", nil)]),
            ], revisions: ["chars/profile": "2"])
        let plan = seedance.plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["move chars/profile", "replace chars/profile"])
        #expect(plan.billedCreates == 1)
    }

    @Test func anAssetEntryNamingTheOldGroupFollowsTheGroupsMove() {
        let manifest = Tracked.manifest(
            [
                ("people", "Characters", [("hero", "front.png", "Front"), ("side", "side.png", nil)]),
                ("props", nil, [("lamp", "lamp.png", nil)]),
            ], moved: [("chars/front", "people/hero"), ("chars", "people")])
        let plan = seedance.plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["move people", "move people/hero"])
        #expect(plan.steps[1].reason.contains("its group moved to people"))
        #expect(plan.billedCreates == 0)
    }

    @Test func anAssetEntryNamingTheFirstKeyOfAChainOfGroupMovesFollowsItToTheEnd() {
        // Both tracked assets have the same url, so only the entries can say which is which.
        var lock = Tracked.lock()
        lock.groups["chars"]!.assets["side"] = Tracked.asset("asset-s", "side", "front.png")
        let manifest = Tracked.manifest(
            [
                ("people", "Characters", [("one", "front.png", "side"), ("two", "front.png", "Front")]),
                ("props", nil, [("lamp", "lamp.png", nil)]),
            ], moved: [("chars", "cast"), ("cast", "people"), ("chars/side", "people/one"), ("chars/front", "people/two")])
        #expect(Planner.moveConflicts(manifest, lock: lock).isEmpty)
        let plan = seedance.plan(manifest, lock: lock, remote: Tracked.remote())
        #expect(lines(plan) == ["move cast", "move people", "move people/one", "move people/two"])
        #expect(plan.steps[2].remoteID == "asset-s" && plan.steps[3].remoteID == "asset-f", "as the entries say")
        #expect(plan.steps[2].reason.contains("the moved: entry at line 22"))
        #expect(plan.billedCreates == 0)
    }

    @Test func aCrossGroupEntryWhoseNewAddressIsTrackedIsDoneAndOnlyForgets() {
        var lock = Tracked.lock()
        lock.groups["props"]!.assets["side"] = Tracked.asset("asset-new", "side", "side.png")
        let manifest = Tracked.manifest(
            [
                ("chars", "Characters", [("front", "front.png", "Front")]),
                ("props", nil, [("lamp", "lamp.png", nil), ("side", "side.png", nil)]),
            ], moved: [("chars/side", "props/side")])
        #expect(Planner.moveConflicts(manifest, lock: lock).isEmpty)
        let plan = seedance.plan(manifest, lock: lock, remote: Tracked.remote())
        #expect(lines(plan) == ["forget chars/side"])
        #expect(plan.steps[0].reason.contains("moved to props/side"))
    }

    @Test func anAssetWhoseURLWentToAnotherGroupIsAReplaceThatSaysWhyEvenWithoutAnEntry() {
        let manifest = Tracked.manifest([
            ("chars", "Characters", [("front", "front.png", "Front")]),
            ("props", nil, [("lamp", "lamp.png", nil), ("side-view", "side.png", nil)]),
        ])
        let plan = seedance.plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["forget chars/side", "replace props/side-view"])
        #expect(plan.steps[1].reason.hasPrefix("the url and type of chars/side, in another group"))
        #expect(plan.steps[0].reason.contains("now props/side-view's"))
        // Targeted at the new address, the old record's forget comes along.
        let targeted = Planner(capabilities: .seedance, targets: [addr("props/side-view")]).plan(
            manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(targeted) == ["forget chars/side", "replace props/side-view"])
    }

    @Test func aTargetKeepsTheMovesItNeeds() {
        let manifest = Tracked.manifest(
            [
                ("people", "Characters", [("front", "front.png", "Front"), ("side", "side.png", nil), ("new", "n.png", nil)]),
                ("props", nil, [("lamp", "lamp.png", nil)]),
            ], moved: [("chars", "people")])
        let planner = Planner(capabilities: .seedance, targets: [addr("people/new")])
        let plan = planner.plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["move people", "create people/new"])
    }
}

@Suite("Lockfile.apply: moves")
struct LockfileMoveTests {
    @Test func aMoveCarriesTheRecordAndIsRefusedWhereItCannotBe() throws {
        var l = Tracked.lock()
        try l.apply(.move(from: addr("chars"), to: addr("people"), id: "group-c"))
        #expect(l.groups["chars"] == nil)
        #expect(l.groups["people"]?.assets.count == 2)
        try l.apply(.move(from: addr("people/side"), to: addr("people/left"), id: "asset-s"))
        #expect(l.asset(at: addr("people/left"))?.id == "asset-s")
        #expect(
            l.refusal(of: .move(from: addr("people/nope"), to: addr("people/x"), id: "asset-zz"))
                == .moveFromUntracked(addr("people/nope")))
        #expect(
            l.refusal(of: .move(from: addr("people/left"), to: addr("people/front"), id: "asset-s"))
                == .moveOntoTracked(addr("people/front"), id: "asset-f"))
        #expect(
            l.refusal(of: .move(from: addr("people/left"), to: addr("props/left"), id: "asset-s"))
                == .moveAcrossGroups(from: addr("people/left"), to: addr("props/left")))
        // An asset of a group that moved is not tracked at its old address any more: not "across
        // groups", which would send its user to a billed create.
        #expect(
            l.refusal(of: .move(from: addr("chars/left"), to: addr("people/hero"), id: ""))
                == .moveFromUntracked(addr("chars/left")))
        #expect(
            l.refusal(of: .move(from: addr("people"), to: addr("props/x"), id: "group-c"))
                == .moveChangesKind(from: addr("people"), to: addr("props/x")))
        #expect(throws: LockfileChange.Refusal.self) {
            try l.apply(.move(from: addr("props"), to: addr("people"), id: "group-p"))
        }
        // Made already (replayed): nothing to do, nothing refused.
        let made = l
        try l.apply(.move(from: addr("people/side"), to: addr("people/left"), id: "asset-s"))
        #expect(l == made)
    }
}
