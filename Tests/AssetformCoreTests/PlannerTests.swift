import AssetformEmulator
import Testing
import YAML

@testable import AssetformCore

/// A small world to plan in: one manifest group `g` (name "G") with assets `a` and `b`.
private enum World {
    static let mark = Mark(line: 1, column: 1)
    static func manifest(
        aURL: String = "https://c.example.com/a.png", aName: String = "a", aType: AssetType = .image, groupName: String = "G",
        description: String? = nil, assets: [String] = ["a", "b"], api: API = .seedance
    ) -> Manifest {
        var list: [Asset] = []
        if assets.contains("a") { list.append(Asset(key: "a", url: aURL, type: aType, name: aName, mark: mark)) }
        if assets.contains("b") { list.append(Asset(key: "b", url: "https://c.example.com/b.png", type: .image, mark: mark)) }
        return Manifest(
            provider: Provider(api: api),
            groups: [Group(key: "g", name: groupName, description: description, assets: list, mark: mark)])
    }

    static func lock(aStatus: AssetStatus = .active, aFailure: RemoteAsset.Failure? = nil, extraGroup: Bool = false) -> Lockfile {
        var l = Lockfile(for: Provider(api: .seedance))
        l.groups["g"] = LockedGroup(
            id: "group-1", name: "G",
            assets: [
                "a": LockedAsset(
                    id: "asset-a", name: "a", ref: "asset://asset-a", status: aStatus, type: .image,
                    url: "https://c.example.com/a.png",
                    failure: aFailure),
                "b": LockedAsset(
                    id: "asset-b", name: "b", ref: "asset://asset-b", status: .active, type: .image,
                    url: "https://c.example.com/b.png"),
            ])
        if extraGroup { l.groups["old"] = LockedGroup(id: "group-9", name: "Old", assets: [:]) }
        return l
    }

    /// The remote state that agrees with `lock()`.
    static func remote(aStatus: AssetStatus = .active, aName: String = "a", groupName: String = "G") -> RemoteState {
        RemoteState(
            groups: ["group-1": RemoteGroup(id: "group-1", name: groupName, description: "")],
            assets: [
                "asset-a": RemoteAsset(id: "asset-a", name: aName, type: .image, groupID: "group-1", status: aStatus),
                "asset-b": RemoteAsset(id: "asset-b", name: "b", type: .image, groupID: "group-1", status: .active),
            ], listedGroups: [RemoteGroup(id: "group-1", name: groupName, description: "")])
    }
}

@Suite("The planner: every row of SPEC §5")
struct PlannerTests {
    let seedance = Planner(capabilities: .seedance)

    func actions(_ plan: Plan) -> [String] { plan.steps.map { "\($0.verb.rawValue) \($0.address)" } }

    @Test func createWhenNothingIsKnown() {
        let plan = seedance.plan(World.manifest(), lock: nil, remote: RemoteState(listedGroups: []))
        #expect(actions(plan) == ["create g", "create g/a", "create g/b"])
        #expect(plan.billedCreates == 2)
        #expect(
            plan.steps[1].action
                == .createAsset(Plan.AssetSpec(name: "a", type: .image, url: "https://c.example.com/a.png"), gone: nil))
    }

    @Test func adoptByNameWhenTheLockfileIsLost() {
        let remote = RemoteState(
            listedGroups: [RemoteGroup(id: "group-1", name: "G", description: "")],
            listedAssets: [
                "group-1": [
                    RemoteAsset(id: "asset-a", name: "a", type: .image, groupID: "group-1", status: .active),
                    RemoteAsset(id: "asset-x", name: "b", type: .video, groupID: "group-1", status: .active),  // wrong type
                ]
            ])
        let plan = seedance.plan(World.manifest(), lock: nil, remote: remote)
        #expect(actions(plan) == ["adopt g", "adopt g/a", "create g/b"])
        #expect(plan.steps[0].remoteID == "group-1")
        #expect(plan.steps[1].remoteID == "asset-a")
        #expect(plan.billedCreates == 1)
    }

    @Test func twoRemoteGroupsOfTheNameAreSaidNotChosenSilently() {
        let remote = RemoteState(
            listedGroups: [
                RemoteGroup(id: "group-new", name: "G", description: "", createTime: 9),
                RemoteGroup(id: "group-old", name: "G", description: "", createTime: 1),
            ])
        let plan = seedance.plan(World.manifest(), lock: nil, remote: remote)
        #expect(plan.steps[0].remoteID == "group-old")
        #expect(
            plan.warnings.contains {
                $0.contains("2 remote groups are named \"G\"; the oldest, group-old, is adopted, not group-new")
            }, "\(plan.warnings)")
    }

    @Test func adoptionTakesTheNewestSaysTheOthersAndNeverTakesOneTwice() {
        let remote = RemoteState(
            listedGroups: [RemoteGroup(id: "group-1", name: "G", description: "")],
            listedAssets: [
                "group-1": [
                    RemoteAsset(
                        id: "asset-old-processing", name: "a", type: .image, groupID: "group-1", status: .processing,
                        createTime: 1),
                    RemoteAsset(id: "asset-new", name: "a", type: .image, groupID: "group-1", status: .active, createTime: 5),
                    RemoteAsset(id: "asset-old", name: "a", type: .image, groupID: "group-1", status: .active, createTime: 2),
                    RemoteAsset(
                        id: "asset-failed", name: "b", type: .image, groupID: "group-1", status: .failed, createTime: 1,
                        url: "https://c.example.com/b.png"),
                ]
            ])
        let plan = seedance.plan(World.manifest(), lock: nil, remote: remote)
        // A replace leaves the asset it replaces behind, of the same name: the newest is the
        // manifest's content, and the others are named, never passed over in silence.
        #expect(plan.steps.first { $0.address == addr("g/a") }?.remoteID == "asset-new")
        #expect(
            plan.warnings.contains {
                $0.contains(
                    "g/a: 3 remote image assets in its group are named \"a\" and tracked by nothing; the newest, "
                        + "asset-new, is adopted, not asset-old, asset-old-processing")
                    && $0.contains("`assetform import g/a ID`")
            }, "\(plan.warnings)")
        // A Failed one is recorded as it is (not registered again unasked), or left for a new create
        // with --retry-failed.
        #expect(plan.steps.first { $0.address == addr("g/b") }?.remoteID == "asset-failed")
        #expect(!plan.warnings.contains { $0.hasPrefix("g/b") })
        let retry = Planner(capabilities: .seedance, retryFailed: true).plan(World.manifest(), lock: nil, remote: remote)
        #expect(retry.steps.first { $0.address == addr("g/b") }?.verb == .create)
        // The newest is taken still Processing (a replace's new asset) over an older Active one.
        let replaced = RemoteState(
            listedGroups: [RemoteGroup(id: "group-1", name: "G", description: "")],
            listedAssets: [
                "group-1": [
                    RemoteAsset(id: "asset-v1", name: "a", type: .image, groupID: "group-1", status: .active, createTime: 1),
                    RemoteAsset(id: "asset-v2", name: "a", type: .image, groupID: "group-1", status: .processing, createTime: 9),
                ]
            ])
        #expect(
            seedance.plan(World.manifest(), lock: nil, remote: replaced).steps.first { $0.address == addr("g/a") }?.remoteID
                == "asset-v2")
        // Still Processing with its name hidden, a newer one may be the replace's: nothing older is
        // adopted over it; the asset is held back until the names show.
        let hidden = RemoteState(
            listedGroups: [RemoteGroup(id: "group-1", name: "G", description: "")],
            listedAssets: [
                "group-1": [
                    RemoteAsset(id: "asset-v1", name: "a", type: .image, groupID: "group-1", status: .active, createTime: 1),
                    RemoteAsset(id: "asset-v2", name: "", type: .image, groupID: "group-1", status: .processing, createTime: 9),
                ]
            ])
        let held = seedance.plan(World.manifest(), lock: nil, remote: hidden)
        #expect(
            held.heldBack.contains(addr("g/a")) && !held.steps.contains { $0.address == addr("g/a") } && held.billedCreates == 0,
            "\(held.steps) \(held.heldBack)")
        // The newest is taken Failed (it failed on the manifest's url) over an older Active one,
        // and where times are missing, the larger id (ids are stamped with their time).
        let failedNewest = RemoteState(
            listedGroups: [RemoteGroup(id: "group-1", name: "G", description: "")],
            listedAssets: [
                "group-1": [
                    RemoteAsset(id: "asset-20260101000000-aaaaa", name: "b", type: .image, groupID: "group-1", status: .active),
                    RemoteAsset(
                        id: "asset-20260102000000-bbbbb", name: "b", type: .image, groupID: "group-1", status: .failed,
                        url: "https://c.example.com/b.png"),
                ]
            ])
        #expect(
            seedance.plan(World.manifest(), lock: nil, remote: failedNewest).steps.first { $0.address == addr("g/b") }?.remoteID
                == "asset-20260102000000-bbbbb")
        // Created again with --retry-failed, or when it failed on another url: never the older
        // Active one adopted in its place (an earlier url's content).
        let retried = Planner(capabilities: .seedance, retryFailed: true).plan(World.manifest(), lock: nil, remote: failedNewest)
        #expect(retried.steps.first { $0.address == addr("g/b") }?.verb == .create, "\(retried.steps)")
        var otherURL = failedNewest
        otherURL.listedAssets["group-1"]![1].url = "https://c.example.com/b-old.png"
        let other = seedance.plan(World.manifest(), lock: nil, remote: otherURL)
        #expect(other.steps.first { $0.address == addr("g/b") }?.verb == .create, "\(other.steps)")
    }

    @Test func noOpWhenEverythingAgrees() {
        let plan = seedance.plan(World.manifest(), lock: World.lock(), remote: World.remote())
        #expect(plan.steps.isEmpty)
        #expect(plan.unchanged == [addr("g"), addr("g/a"), addr("g/b")])
        #expect(!plan.hasChanges)
    }

    @Test func neverReplacesBecauseTheServiceRewroteTheURL() {
        // The service shows a signed link once Active; the planner compares the manifest with the
        // lockfile's source URL only.
        let plan = seedance.plan(World.manifest(), lock: World.lock(), remote: World.remote())
        #expect(plan.count(.replace) == 0)
    }

    @Test func updateOnARenameInTheManifestOrRemotely() {
        let renamed = seedance.plan(World.manifest(aName: "a2", groupName: "G2"), lock: World.lock(), remote: World.remote())
        #expect(actions(renamed) == ["update g", "update g/a"])
        #expect(renamed.steps[0].changes == [Plan.Change(field: "name", before: "G", after: "G2")])
        #expect(renamed.steps[1].reason == "name: \"a\" → \"a2\"")
        let drifted = seedance.plan(
            World.manifest(), lock: World.lock(), remote: World.remote(aName: "changed", groupName: "Other"))
        #expect(actions(drifted) == ["update g", "update g/a"])
        #expect(drifted.steps[1].changes == [Plan.Change(field: "name", before: "changed", after: "a")])
    }

    @Test func hiddenNameWhileProcessingIsNotDrift() {
        let plan = seedance.plan(World.manifest(), lock: World.lock(), remote: World.remote(aName: ""))
        #expect(plan.steps.isEmpty)
    }

    @Test func descriptionIsManagedOnlyWhenSet() {
        let unmanaged = seedance.plan(World.manifest(description: nil), lock: World.lock(), remote: World.remote())
        #expect(unmanaged.steps.isEmpty)
        let managed = seedance.plan(World.manifest(description: "refs"), lock: World.lock(), remote: World.remote())
        #expect(actions(managed) == ["update g"])
        #expect(managed.steps[0].changes == [Plan.Change(field: "description", before: nil, after: "refs")])
    }

    @Test func zeroZeroCannotUpdateSoItWarns() {
        let plan = Planner(capabilities: .zeroZero).plan(
            World.manifest(aName: "a2", api: .zeroZero), lock: World.lock(), remote: World.remote())
        #expect(plan.steps.isEmpty)
        #expect(plan.warnings == ["g/a: name: \"a\" → \"a2\" cannot be changed in place on 0-0 (it has no update call)"])
    }

    @Test func replaceWhenTheURLOrTypeChanges() {
        let url = seedance.plan(World.manifest(aURL: "https://c.example.com/a2.png"), lock: World.lock(), remote: World.remote())
        #expect(actions(url) == ["replace g/a"])
        #expect(
            url.steps[0].changes == [
                Plan.Change(field: "url", before: "https://c.example.com/a.png", after: "https://c.example.com/a2.png")
            ])
        #expect(url.steps[0].remoteID == "asset-a")
        #expect(url.billedCreates == 1)
        let type = seedance.plan(
            World.manifest(aURL: "https://c.example.com/a.png", aType: .video), lock: World.lock(), remote: World.remote())
        #expect(type.steps[0].changes == [Plan.Change(field: "type", before: "image", after: "video")])
    }

    @Test func createAgainWhenGone() {
        var remote = World.remote()
        remote.assets["asset-a"] = nil
        remote.missing = ["asset-a"]
        let asset = seedance.plan(World.manifest(), lock: World.lock(), remote: remote)
        #expect(actions(asset) == ["create g/a"])
        #expect(asset.steps[0].reason == "the remote asset asset-a is gone")
        let group = seedance.plan(
            World.manifest(), lock: World.lock(),
            remote: RemoteState(missing: ["group-1", "asset-a", "asset-b"], listedGroups: []))
        #expect(actions(group) == ["create g", "create g/a", "create g/b"])
        #expect(group.steps[0].reason == "the remote group group-1 is gone")
        #expect(group.steps[1].reason == "its group is created again")
        // The text plan gives the reason (SPEC §5), for the group as for its assets; not for a new one.
        let renderer = PlanRenderer(color: false)
        #expect(renderer.describe(group.steps[0]) == "create group \"G\": the remote group group-1 is gone")
        #expect(renderer.describe(asset.steps[0]).hasSuffix(": the remote asset asset-a is gone"))
        let fresh = seedance.plan(World.manifest(), lock: nil, remote: nil)
        #expect(renderer.describe(fresh.steps[0]) == "create group \"G\"")
    }

    @Test func failedIsReportedAndCreatedAgainOnlyWhenAsked() {
        let failure = RemoteAsset.Failure(code: "InvalidParameter.DownloadFailed", message: "could not download")
        var remote = World.remote(aStatus: .failed)
        remote.assets["asset-a"]?.failure = failure
        let plan = seedance.plan(World.manifest(), lock: World.lock(), remote: remote)
        #expect(actions(plan) == ["failed g/a"])
        #expect(plan.steps[0].action == .failed(id: "asset-a", failure: failure))
        #expect(plan.steps[0].reason.contains("InvalidParameter.DownloadFailed: could not download"))
        #expect(!plan.hasChanges, "a failure left alone is not a change")
        let retry = Planner(capabilities: .seedance, retryFailed: true).plan(World.manifest(), lock: World.lock(), remote: remote)
        #expect(actions(retry) == ["replace g/a"])
        #expect(retry.billedCreates == 1)
        let newURL = seedance.plan(World.manifest(aURL: "https://c.example.com/fixed.png"), lock: World.lock(), remote: remote)
        #expect(actions(newURL) == ["replace g/a"])
    }

    @Test func processingIsAWait() {
        let plan = seedance.plan(World.manifest(), lock: World.lock(), remote: World.remote(aStatus: .processing))
        #expect(actions(plan) == ["wait g/a"])
        #expect(plan.steps[0].remoteID == "asset-a")
        #expect(!plan.hasChanges)
    }

    @Test func aNewNameForAProcessingAssetIsAnUpdateAfterItsWait() {
        let plan = seedance.plan(
            World.manifest(aName: "renamed"), lock: World.lock(aStatus: .processing), remote: World.remote(aStatus: .processing))
        #expect(actions(plan) == ["wait g/a", "update g/a"])
        #expect(plan.hasChanges)
        // 0-0 cannot: a warning, as for an Active asset.
        let zero = Planner(capabilities: .zeroZero).plan(
            World.manifest(aName: "renamed", api: .zeroZero), lock: World.lock(aStatus: .processing), remote: nil)
        #expect(actions(zero) == ["wait g/a"])
        #expect(zero.warnings.contains { $0.contains("cannot be changed in place on 0-0") })
    }

    @Test func anUntrackedAssetProcessingWithItsNameHiddenHoldsBackACreateInItsGroup() {
        var remote = World.remote()
        remote.listedAssets["group-1", default: []].append(
            RemoteAsset(id: "asset-hidden", name: "", type: .image, groupID: "group-1", status: .processing))
        var lock = World.lock()
        lock.groups["g"]!.assets["b"] = nil
        let plan = seedance.plan(World.manifest(), lock: lock, remote: remote)
        #expect(actions(plan).isEmpty, "g/b is not created: the hidden one may be it")
        #expect(plan.heldBack == [Address(group: "g", asset: "b")])
        #expect(plan.warnings.contains { $0.contains("1 create is held back") }, "\(plan.warnings)")
        // Once its name shows, it is adopted.
        remote.listedAssets["group-1"]![remote.listedAssets["group-1"]!.count - 1].name = "b"
        remote.listedAssets["group-1"]![remote.listedAssets["group-1"]!.count - 1].status = .active
        #expect(actions(seedance.plan(World.manifest(), lock: lock, remote: remote)) == ["adopt g/b"])
        // Another type, or an Active one with another name, holds nothing back.
        remote.listedAssets["group-1"]![remote.listedAssets["group-1"]!.count - 1] = RemoteAsset(
            id: "asset-hidden", name: "", type: .video, groupID: "group-1", status: .processing)
        #expect(actions(seedance.plan(World.manifest(), lock: lock, remote: remote)) == ["create g/b"])
    }

    @Test func anUntrackedFailedAssetOfTheSameNameIsAdoptedAsFailedNotRegisteredAgainUnasked() {
        var lock = World.lock()
        lock.groups["g"]!.assets["a"] = nil
        var remote = World.remote()
        remote.assets["asset-a"] = nil
        remote.listedAssets["group-1"] = [
            RemoteAsset(
                id: "asset-x", name: "a", type: .image, groupID: "group-1", status: .failed,
                failure: RemoteAsset.Failure(code: "InvalidParameter.DownloadFailed", message: "404"),
                url: "https://c.example.com/a.png")
        ]
        let plan = seedance.plan(World.manifest(), lock: lock, remote: remote)
        #expect(actions(plan) == ["adopt g/a"])
        guard case .adoptAsset(_, let id, let status, let failure) = plan.steps.first?.action else {
            Issue.record("no adoption: \(plan.steps)")
            return
        }
        #expect(id == "asset-x" && status == .failed)
        #expect(failure?.code == "InvalidParameter.DownloadFailed", "its reason goes with it, to be recorded")
        #expect(plan.steps[0].reason.contains("InvalidParameter.DownloadFailed") && plan.billedCreates == 0)
        let retry = Planner(capabilities: .seedance, retryFailed: true).plan(World.manifest(), lock: lock, remote: remote)
        #expect(actions(retry) == ["create g/a"], "--retry-failed registers it again")
        // It failed on another url than the manifest's now: a changed url is created again.
        let fixed = seedance.plan(World.manifest(aURL: "https://c.example.com/fixed.png"), lock: lock, remote: remote)
        #expect(actions(fixed) == ["create g/a"])
    }

    /// Texts are compared as the service compares them, byte for byte: a url, name or revision
    /// written in another Unicode form (canonically the same, so `==` for Strings) is a change, a
    /// renamed key is a move only when its url is the same bytes, and a listed asset is adopted by
    /// its name's very bytes.
    @Test func textsInAnotherUnicodeFormAreChanges() {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed, "the same String, and not the same bytes")
        var lock = World.lock()
        lock.groups["g"]!.assets["a"]!.url = "https://c.example.com/\(decomposed).png"
        lock.groups["g"]!.assets["a"]!.name = decomposed
        for remote in [nil, World.remote(aName: decomposed)] {
            let plan = seedance.plan(
                World.manifest(aURL: "https://c.example.com/\(composed).png", aName: composed), lock: lock, remote: remote)
            #expect(actions(plan) == ["replace g/a"], "the url's bytes changed: \(plan.steps)")
            let renamed = seedance.plan(
                World.manifest(aURL: "https://c.example.com/\(decomposed).png", aName: composed), lock: lock, remote: remote)
            #expect(actions(renamed) == ["update g/a"], "the name's bytes changed: \(renamed.steps)")
        }
        // A revision in another form is a new revision.
        var revised = World.manifest()
        revised.groups[0].assets[0].revision = composed
        var revisedLock = World.lock()
        revisedLock.groups["g"]!.assets["a"]!.revision = decomposed
        #expect(actions(seedance.plan(revised, lock: revisedLock, remote: nil)) == ["replace g/a"])
        // A key renamed with its url in another form: not the same source, so no move.
        var moved = World.manifest(assets: ["b"])
        moved.groups[0].assets.append(
            Asset(key: "c", url: "https://c.example.com/\(composed).png", type: .image, name: "c", mark: World.mark))
        var movedLock = World.lock()
        movedLock.groups["g"]!.assets["a"]!.url = "https://c.example.com/\(decomposed).png"
        #expect(Set(actions(seedance.plan(moved, lock: movedLock, remote: nil))) == ["create g/c", "forget g/a"])
        // Adopted by name only when the listed name is the same bytes.
        var untracked = World.lock()
        untracked.groups["g"]!.assets["a"] = nil
        var listed = World.remote()
        listed.assets["asset-a"] = nil
        listed.listedAssets["group-1"] = [
            RemoteAsset(id: "asset-x", name: decomposed, type: .image, groupID: "group-1", status: .active)
        ]
        #expect(actions(seedance.plan(World.manifest(aName: composed), lock: untracked, remote: listed)) == ["create g/a"])
        #expect(actions(seedance.plan(World.manifest(aName: decomposed), lock: untracked, remote: listed)) == ["adopt g/a"])
        // A group adopted by name: its remote asset of a look-alike name is not declared by the
        // manifest's (and is said to be there, untracked).
        var adopting = RemoteState(listedGroups: [RemoteGroup(id: "group-7", name: "G", description: "")])
        adopting.listedAssets["group-7"] = [
            RemoteAsset(id: "asset-y", name: composed, type: .image, groupID: "group-7", status: .active)
        ]
        let adopted = seedance.plan(World.manifest(aName: decomposed, assets: ["a"]), lock: nil, remote: adopting)
        #expect(actions(adopted) == ["adopt g", "create g/a"])
        #expect(
            adopted.warnings.contains { $0.contains("holds 1 remote asset this manifest does not declare") },
            "\(adopted.warnings)")
    }

    @Test func onZeroZeroEveryAssetOfAGoneGroupIsCountedAsRegisteredAgain() {
        var remote = RemoteState()
        remote.missing = ["group-1"]
        let plan = Planner(capabilities: .zeroZero).plan(World.manifest(api: .zeroZero), lock: World.lock(), remote: remote)
        #expect(actions(plan) == ["create g", "create g/a", "create g/b"])
        #expect(plan.warnings.contains { $0.hasPrefix("2 assets the lockfile tracked are gone") }, "\(plan.warnings)")
    }

    @Test func forgetWhatLeftTheManifest() {
        let plan = seedance.plan(World.manifest(assets: ["a"]), lock: World.lock(extraGroup: true), remote: World.remote())
        #expect(actions(plan) == ["forget g/b", "forget old"])
        #expect(plan.steps[0].remoteID == "asset-b")
        #expect(plan.billedCreates == 0)
    }

    @Test func noRefreshTrustsTheLockfile() {
        let plan = seedance.plan(World.manifest(), lock: World.lock(aStatus: .processing), remote: nil)
        #expect(actions(plan) == ["wait g/a"])
        let fresh = seedance.plan(World.manifest(), lock: nil, remote: nil)
        #expect(actions(fresh) == ["create g", "create g/a", "create g/b"], "nothing to adopt without a refresh")
    }

    @Test func targetsLimitThePlan() {
        let manifest = World.manifest()
        let onlyB = Planner(capabilities: .seedance, targets: [addr("g/b")]).plan(manifest, lock: nil, remote: nil)
        #expect(actions(onlyB) == ["create g", "create g/b"], "an asset brings the group it needs")
        let group = Planner(capabilities: .seedance, targets: [addr("g")]).plan(manifest, lock: nil, remote: nil)
        #expect(actions(group) == ["create g", "create g/a", "create g/b"])
        let renamed = Planner(capabilities: .seedance, targets: [addr("g/b")]).plan(
            World.manifest(aName: "x", groupName: "G2"), lock: World.lock(), remote: World.remote())
        #expect(renamed.steps.isEmpty, "an existing group's update is not brought along")
        #expect(renamed.unchanged == [addr("g/b")])
    }

    @Test func zeroZeroWithoutALockfileWarnsOfDuplicates() {
        let zeroZero = Planner(capabilities: .zeroZero)
        let fresh = zeroZero.plan(World.manifest(api: .zeroZero), lock: nil, remote: RemoteState())
        #expect(fresh.warnings.count == 1 && fresh.warnings[0].contains("registers them again"), "\(fresh.warnings)")
        let tracked = zeroZero.plan(World.manifest(api: .zeroZero), lock: World.lock(), remote: World.remote())
        #expect(tracked.warnings.isEmpty, "with a lockfile, nothing to warn of")
        #expect(seedance.plan(World.manifest(), lock: nil, remote: RemoteState(listedGroups: [])).warnings.isEmpty)
    }

    @Test func anAdoptedGroupHoldingUndeclaredAssetsIsWarnedOf() {
        let remote = RemoteState(
            listedGroups: [RemoteGroup(id: "group-1", name: "G", description: "")],
            listedAssets: [
                "group-1": [
                    RemoteAsset(id: "asset-a", name: "a", type: .image, groupID: "group-1", status: .active),
                    RemoteAsset(id: "asset-x", name: "someone else's", type: .image, groupID: "group-1", status: .active),
                ]
            ])
        let plan = seedance.plan(World.manifest(), lock: nil, remote: remote)
        #expect(actions(plan) == ["adopt g", "adopt g/a", "create g/b"])
        #expect(plan.steps[0].reason.contains("this lockfile did not create it"))
        #expect(
            plan.warnings == [
                "g: the group group-1 it adopts holds 1 remote asset this manifest does not declare and nothing tracks; "
                    + "another manifest or the console may manage that group"
            ])
    }

    @Test func replaceOnRequestRegistersAgainWithTheSameURL() {
        let one = Planner(capabilities: .seedance, replace: [addr("g/a")]).plan(
            World.manifest(), lock: World.lock(), remote: World.remote())
        #expect(actions(one) == ["replace g/a"])
        #expect(one.billedCreates == 1)
        #expect(one.steps[0].reason.contains("replaced on request (--replace)"))
        let group = Planner(capabilities: .seedance, replace: [addr("g")]).plan(
            World.manifest(), lock: World.lock(), remote: World.remote())
        #expect(actions(group) == ["replace g/a", "replace g/b"], "a group's address covers its assets")
    }

    @Test func summaryLine() {
        let plan = seedance.plan(World.manifest(), lock: nil, remote: nil)
        let text = PlanRenderer(color: false).summary(plan, limits: Limits(rates: Rates(createAsset: 1)))
        #expect(
            text
                == "Plan: 3 to create, 0 to update, 0 to replace, 0 to adopt, 0 to forget; 0 unchanged. 2 billed create calls; about 2s at the configured rates."
        )
        // auto: the time its climb from 1/s takes, when nothing throttles it.
        func estimate(_ n: Int, _ rate: Rate) -> String {
            var plan = Plan(steps: [], unchanged: [], warnings: [])
            let spec = Plan.AssetSpec(name: "a", type: .image, url: "https://c.example.com/a.png")
            plan.steps = (0..<n).map {
                Plan.Step(address: addr("g/a\($0)"), action: .createAsset(spec, gone: nil), reason: "new")
            }
            let line = PlanRenderer(color: false).summary(plan, limits: Limits(rates: Rates(createAsset: rate)))
            return String(line.split(separator: ";").last ?? "")
        }
        #expect(estimate(2, .auto) == " about 1s at the configured rates.")
        #expect(estimate(300, .auto) == " about 15s at the configured rates.")
        #expect(estimate(120, .perMinute(60)) == " about 2m at the configured rates.")
        #expect(estimate(5, .unlimited) == " no create_asset rate is set.")
        let none = PlanRenderer(color: false).summary(
            seedance.plan(World.manifest(), lock: World.lock(), remote: World.remote()), limits: Limits())
        #expect(
            none
                == "No changes. Plan: 0 to create, 0 to update, 0 to replace, 0 to adopt, 0 to forget; 3 unchanged. 0 billed create calls."
        )
    }
}

/// `planConcurrently` plans a large manifest's groups in two parts at once: the plan must be the
/// very plan `plan` makes in one pass, whatever the manifest, lockfile, remote state and flags.
@Suite("The planner: planned in parts, the same plan")
struct ConcurrentPlanningTests {
    /// A seeded world: groups of random sizes; a lockfile tracking most of it with drift (urls,
    /// names, types, statuses, renamed keys, assets and groups that left the manifest); a remote
    /// state (or none) with gone objects and status changes.
    static func world(seed: UInt64, perGroup: ClosedRange<Int> = 0...40) -> (Manifest, Lockfile, RemoteState?) {
        var g = SplitMix64(seed: seed)
        let mark = Mark(line: 1, column: 1)
        var groups: [Group] = []
        var lock = Lockfile(for: Provider(api: .seedance))
        var remote = RemoteState()
        for gi in 0..<Int.random(in: 2...9, using: &g) {
            let key = "g\(gi)"
            var assets: [Asset] = []
            var locked: [String: LockedAsset] = [:]
            for ai in 0..<Int.random(in: perGroup, using: &g) {
                let url = "https://c.example.com/\(gi)/\(ai).png"
                let roll = Int.random(in: 0..<20, using: &g)
                // 8: a name the lockfile holds in another Unicode form (canonically the same);
                // 9: the same revision; 10: a new one.
                let name = roll == 8 ? "n\(ai) caf\u{E9}" : "n\(ai)"
                let asset = Asset(
                    key: "a\(ai)", url: url, type: .image, name: name, revision: roll == 9 ? "r1" : roll == 10 ? "r2" : nil,
                    mark: mark)
                if roll != 0 { assets.append(asset) }  // 0: it left the manifest
                guard roll != 1 else { continue }  // 1: never tracked
                let id = "asset-\(gi)-\(ai)"
                let status: AssetStatus = roll == 2 ? .failed : roll == 3 ? .processing : .active
                let lockedURL = roll == 4 ? url + "?old" : url
                let lockedKey = roll == 5 ? "old\(ai)" : "a\(ai)"  // renamed: the same url and type
                locked[lockedKey] = LockedAsset(
                    id: id, name: roll == 6 ? "old name" : roll == 8 ? "n\(ai) cafe\u{301}" : name, ref: "asset://" + id,
                    status: status, type: roll == 7 ? .video : .image, url: lockedURL,
                    failure: status == .failed ? RemoteAsset.Failure(code: "c", message: "m") : nil,
                    revision: roll == 9 || roll == 10 ? "r1" : nil)
                switch Int.random(in: 0..<10, using: &g) {
                case 0: remote.missing.insert(id)
                case 1:
                    remote.assets[id] = RemoteAsset(
                        id: id, name: "remote name", type: .image, groupID: "group-\(gi)", status: .active)
                default:
                    remote.assets[id] = RemoteAsset(id: id, name: "n\(ai)", type: .image, groupID: "group-\(gi)", status: status)
                }
            }
            if gi % 4 != 3 { groups.append(Group(key: key, name: "G\(gi)", assets: assets, mark: mark)) }
            if gi % 5 != 4 { lock.groups[key] = LockedGroup(id: "group-\(gi)", name: "G\(gi)", assets: locked) }
            remote.groups["group-\(gi)"] = RemoteGroup(id: "group-\(gi)", name: "G\(gi)", description: "")
        }
        let manifest = Manifest(provider: Provider(api: .seedance), groups: groups)
        return (manifest, lock, Bool.random(using: &g) ? remote : nil)
    }

    @Test(arguments: 0..<40)
    func partsMakeTheSamePlan(seed: Int) async {
        let (manifest, lock, remote) = Self.world(seed: UInt64(seed))
        let flags: [(Bool, Bool, Bool)] = [(false, false, false), (true, true, true), (true, false, true)]
        for (retry, prune, pruneFailed) in flags {
            for capabilities in [Capabilities.seedance, Capabilities(canList: false, canUpdate: false, canDelete: true)] {
                var whole = Planner(capabilities: capabilities, retryFailed: retry, prune: prune, pruneFailed: pruneFailed)
                whole.concurrentAbove = .max
                var parted = whole
                parted.concurrentAbove = 1
                let expected = whole.plan(manifest, lock: lock, remote: remote)
                let inLine = parted.plan(manifest, lock: lock, remote: remote)
                let atOnce = await parted.planConcurrently(manifest, lock: lock, remote: remote)
                #expect(inLine == expected, "seed \(seed): parts in line")
                #expect(atOnce == expected, "seed \(seed): parts at once")
                // The parts were two wherever nothing can be adopted (a listing refresh can).
                let split = manifest.groups.count > 1 && !(remote != nil && capabilities.canList)
                #expect(
                    parted.parts(manifest, lock: lock, remote: remote).count
                        == (split && manifest.assetCount > 0 && lock.assetCount > 0 ? 2 : 1), "seed \(seed)")
                var targeted = parted
                targeted.targets = manifest.groups.prefix(1).map { Address(group: $0.key) }
                var targetedWhole = whole
                targetedWhole.targets = targeted.targets
                #expect(
                    await targeted.planConcurrently(manifest, lock: lock, remote: remote)
                        == targetedWhole.plan(manifest, lock: lock, remote: remote), "seed \(seed): targeted")
            }
        }
    }

    /// The groups found settled beforehand (on two threads, for a big plan) change no move: the
    /// moves are those found looking at every group, in worlds where few or many assets leave.
    @Test(arguments: 0..<40)
    func settledGroupsChangeNoMove(seed: Int) {
        let (manifest, lock, _) = Self.world(seed: UInt64(seed), perGroup: seed % 2 == 0 ? 0...40 : 0...3)
        let all = 0..<manifest.groups.count
        let half = manifest.groups.count / 2
        let settled = MoveResolution.settledGroups(manifest, 0..<half, lock: lock)
            .union(MoveResolution.settledGroups(manifest, half..<manifest.groups.count, lock: lock))
        #expect(settled == MoveResolution.settledGroups(manifest, all, lock: lock), "seed \(seed)")
        // Settled: tracked, and every tracked key still declared.
        for g in manifest.groups {
            let keys = Set(g.assets.map(\.key))
            let expected = lock.groups[g.key].map { $0.assets.keys.allSatisfy(keys.contains) } ?? false
            #expect(settled.contains(g.key) == expected, "seed \(seed): \(g.key)")
        }
        let looked = MoveResolution(manifest, lock: lock)
        let skipped = MoveResolution(manifest, lock: lock, settled: settled)
        #expect(skipped.lock == looked.lock, "seed \(seed)")
        #expect(skipped.moved == looked.moved, "seed \(seed)")
        #expect(skipped.steps == looked.steps, "seed \(seed)")
        #expect(skipped.forgetReasons == looked.forgetReasons, "seed \(seed)")
    }

    /// Records that match their asset byte for byte are taken as unchanged by a shortcut: the
    /// plan is the one the general rules make, whatever the drift, flags and targets.
    @Test(arguments: 0..<40)
    func theUnchangedShortcutMakesTheSamePlan(seed: Int) async {
        let (manifest, lock, remote) = Self.world(seed: UInt64(seed))
        for refreshed in [nil, remote] {
            for (retry, prune) in [(false, false), (true, true)] {
                for capabilities in [Capabilities.seedance, Capabilities(canList: false, canUpdate: false, canDelete: true)] {
                    var planner = Planner(capabilities: capabilities, retryFailed: retry, prune: prune)
                    var general = planner
                    general.unchangedShortcut = false
                    let expected = general.plan(manifest, lock: lock, remote: refreshed)
                    #expect(planner.plan(manifest, lock: lock, remote: refreshed) == expected, "seed \(seed)")
                    #expect(
                        await planner.planConcurrently(manifest, lock: lock, remote: refreshed) == expected, "seed \(seed)")
                    planner.replace = manifest.groups.prefix(1).map { Address(group: $0.key) }
                    general.replace = planner.replace
                    #expect(
                        planner.plan(manifest, lock: lock, remote: refreshed)
                            == general.plan(manifest, lock: lock, remote: refreshed), "seed \(seed): --replace")
                }
            }
        }
    }

    /// A large plan's lines are made in two halves at once: the same bytes as in one pass.
    @Test(arguments: 0..<3)
    func aLargePlanRendersTheSameInHalves(seed: Int) async {
        let (manifest, lock, remote) = Self.world(seed: UInt64(seed), perGroup: 3_000...6_000)
        for lockfile in [nil, lock] {
            let plan = Planner(capabilities: .seedance).plan(manifest, lock: lockfile, remote: lockfile == nil ? nil : remote)
            for (color, verbose) in [(false, false), (true, true)] {
                let renderer = PlanRenderer(color: color, listUnchanged: verbose)
                let whole = renderer.renderBytes(plan, limits: manifest.limits)
                let halves = await renderer.renderBytesConcurrently(plan, limits: manifest.limits)
                #expect(halves == whole, "seed \(seed), \(plan.steps.count) steps")
            }
            if lockfile == nil {
                #expect(plan.steps.count >= PlanRenderer.concurrentAbove, "seed \(seed): large enough to split")
            }
        }
    }
}
