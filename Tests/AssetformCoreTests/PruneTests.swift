import AssetformCore
import JSON
import Testing
import YAML

/// `--prune` and `--prune-failed` (SPEC §11): what the planner deletes, and only on dialects
/// that can; the delete verb in every form of a plan; delete intents in the journal.
@Suite("The planner: pruning, and the upstream's dialects in the manifest")
struct PruneTests {
    let native = Planner(capabilities: .native, prune: true)

    func lines(_ plan: Plan) -> [String] { plan.steps.map { "\($0.verb.rawValue) \($0.address)" } }

    static let withoutSide: [(key: String, name: String?, assets: [(String, String, String?)])] = [
        ("chars", "Characters", [("front", "front.png", "Front")]), ("props", nil, [("lamp", "lamp.png", nil)]),
    ]

    @Test func aRemovedAssetIsForgottenWithoutPruneAndDeletedWithIt() {
        let manifest = Tracked.manifest(Self.withoutSide, api: .volcengine)
        let forgot = Planner(capabilities: .native).plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(forgot) == ["forget chars/side"])
        let pruned = native.plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(pruned) == ["delete chars/side"])
        #expect(pruned.steps[0].action == .delete(id: "asset-s"))
        #expect(pruned.steps[0].reason.contains("--prune"))
        #expect(pruned.billedCreates == 0 && pruned.count(.delete) == 1 && pruned.count(.forget) == 0)
        #expect(PlanRenderer(color: false).summary(pruned, limits: nil).contains("1 to delete"))
        #expect(!PlanRenderer(color: false).summary(forgot, limits: nil).contains("delete"), "counted only when there are any")
    }

    @Test func aDialectThatCannotDeleteOnlyForgets() {
        let manifest = Tracked.manifest(Self.withoutSide)
        let plan = Planner(capabilities: .seedance, prune: true, pruneFailed: true).plan(
            manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["forget chars/side"])
    }

    @Test func aRemovedGroupIsDeletedAfterEachOfItsTrackedAssets() {
        let manifest = Tracked.manifest([("props", nil, [("lamp", "lamp.png", nil)])], api: .volcengine)
        let plan = native.plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["delete chars/front", "delete chars/side", "delete chars"])
        #expect(plan.steps.map(\.remoteID) == ["asset-f", "asset-s", "group-c"])
        #expect(plan.steps[2].reason.contains("does not track"), "it says when a group is only forgotten")
    }

    @Test func aRemovedGroupWithAnAssetGoneAlreadyIsStillDeleted() {
        // Its side is gone remotely: dropped from the lockfile by a delete that finds it gone,
        // so that the group's delete does not wait for it forever.
        let manifest = Tracked.manifest([("props", nil, [("lamp", "lamp.png", nil)])], api: .volcengine)
        var remote = Tracked.remote()
        remote.assets["asset-s"] = nil
        remote.missing.insert("asset-s")
        let plan = native.plan(manifest, lock: Tracked.lock(), remote: remote)
        #expect(lines(plan) == ["delete chars/front", "delete chars/side", "delete chars"], "\(lines(plan))")
        #expect(plan.steps[1].reason.contains("gone already"), "\(plan.steps[1].reason)")
    }

    @Test func pruneFailedDeletesAFailedAssetThatLeftTheManifestAloneOrWithItsGroup() {
        var lock = Tracked.lock()
        lock.groups["chars"]!.assets["side"]!.status = .failed
        let failedOnly = Planner(capabilities: .native, pruneFailed: true)
        let alone = failedOnly.plan(Tracked.manifest(Self.withoutSide, api: .volcengine), lock: lock, remote: nil)
        #expect(lines(alone) == ["delete chars/side"], "\(lines(alone))")
        #expect(alone.steps[0].reason.contains("--prune-failed"))
        let group = failedOnly.plan(
            Tracked.manifest([("props", nil, [("lamp", "lamp.png", nil)])], api: .volcengine), lock: lock, remote: nil)
        #expect(lines(group) == ["delete chars/side", "forget chars"], "\(lines(group))")
        // An Active one that left is only forgotten, as without the flag.
        let active = failedOnly.plan(Tracked.manifest(Self.withoutSide, api: .volcengine), lock: Tracked.lock(), remote: nil)
        #expect(lines(active) == ["forget chars/side"])
    }

    @Test func aRemovedGroupHoldingTheOldRecordOfAnAssetRegisteredAgainElsewhereIsOnlyForgotten() {
        // chars leaves; its `front` is declared again in props (same url and type).
        let manifest = Tracked.manifest(
            [("props", nil, [("lamp", "lamp.png", nil), ("front", "front.png", "Front")])], api: .volcengine)
        let plan = native.plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(plan) == ["replace props/front", "delete chars/side", "forget chars"])
        #expect(plan.steps[1].action == .delete(id: "asset-s"))
        #expect(plan.steps[2].action == .forget(id: "group-c"))
        #expect(plan.steps[2].reason.contains("registered again in another group"), "\(plan.steps[2].reason)")
        #expect(!plan.steps.contains { $0.action == .delete(id: "asset-f") }, "the old asset is never deleted")
    }

    @Test func aTargetedAssetOfARemovedGroupIsForgottenOrDeletedAlone() {
        let manifest = Tracked.manifest([("props", nil, [("lamp", "lamp.png", nil)])], api: .volcengine)
        let forgot = Planner(capabilities: .native, targets: [addr("chars/side")]).plan(
            manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(forgot) == ["forget chars/side"])
        #expect(forgot.steps[0].action == .forget(id: "asset-s"))
        let pruned = Planner(capabilities: .native, targets: [addr("chars/side"), addr("chars/side")], prune: true).plan(
            manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(pruned) == ["delete chars/side"], "the group stays: it still holds chars/front")
        #expect(pruned.steps[0].action == .delete(id: "asset-s"))
        // The group targeted too: the whole group, as before.
        let whole = Planner(capabilities: .native, targets: [addr("chars"), addr("chars/side")], prune: true).plan(
            manifest, lock: Tracked.lock(), remote: Tracked.remote())
        #expect(lines(whole) == ["delete chars/front", "delete chars/side", "delete chars"])
    }

    @Test func aFailedAssetIsDeletedWithPruneFailedAndBeforeItsRetry() {
        var remote = Tracked.remote()
        remote.assets["asset-s"]?.status = .failed
        remote.assets["asset-s"]?.failure = RemoteAsset.Failure(code: "InvalidParameter.DownloadFailed", message: "404")
        let manifest = Tracked.manifest(Tracked.unchanged, api: .volcengine)
        let left = Planner(capabilities: .native).plan(manifest, lock: Tracked.lock(), remote: remote)
        #expect(lines(left) == ["failed chars/side"])
        let pruned = Planner(capabilities: .native, pruneFailed: true).plan(manifest, lock: Tracked.lock(), remote: remote)
        #expect(lines(pruned) == ["delete chars/side"])
        #expect(pruned.steps[0].reason.contains("InvalidParameter.DownloadFailed"))
        let retried = Planner(capabilities: .native, retryFailed: true, pruneFailed: true).plan(
            manifest, lock: Tracked.lock(), remote: remote)
        #expect(lines(retried) == ["delete chars/side", "replace chars/side"])
        #expect(retried.steps[0].action == .delete(id: "asset-s"))
        #expect(retried.billedCreates == 1)
    }

    @Test func aDeleteReadsBackFromThePlanDocument() throws {
        let plan = native.plan(
            Tracked.manifest(Self.withoutSide, api: .volcengine), lock: Tracked.lock(), remote: Tracked.remote())
        let origin = Plan.Origin(provider: LockedProvider(Provider(api: .volcengine)), manifest: [], lock: Tracked.lock())
        let document = plan.json(origin)
        guard case .array(let actions)? = document["actions"], let action = actions.first else {
            Issue.record("no actions in \(document)")
            return
        }
        #expect(action["action"]?.string == "delete" && action["remote_id"]?.string == "asset-s")
        #expect(document["summary"]?["delete"]?.int == 1)
        let (back, _) = try Plan.decode(document, path: "p.json")
        #expect(back.steps == plan.steps)
    }

    @Test func aDeleteIntentIsNeverAnOpenCreate() throws {
        let intent = JournalRecord.Intent(seq: 1, at: 1_700_000_000, address: addr("chars/side"), name: "", deletes: "asset-s")
        let line = JournalRecord.intent(intent).line
        #expect(JournalRecord(line: line) == .intent(intent))
        let lock = Tracked.lock()
        let provider = lock.provider
        let begin = JournalRecord.begin(lineage: lock.lineage, provider: provider).line
        let replay = try JournalReplay.replay(begin + [10] + line + [10], path: "j", onto: lock, provider: provider)
        #expect(replay.openIntents.isEmpty, "its outcome is settled by the next plan, not by listing")
        #expect(replay.lockfile.asset(at: addr("chars/side")) != nil, "the record stays until the delete's result")
    }

    @Test func theUpstreamDialectsTakeARegionAndTwoKeyVariables() throws {
        let volc = try #require(
            Fixture("version: 1\nprovider:\n  api: volcengine\ngroups: {}\n").load().manifest?.provider)
        #expect(volc.region == "cn-beijing")
        #expect(volc.baseURL == "https://ark.cn-beijing.volcengineapi.com")
        #expect(volc.accessKeyEnv == "VOLCENGINE_ACCESS_KEY" && volc.secretKeyEnv == "VOLCENGINE_SECRET_KEY")
        let byte = try #require(
            Fixture(
                "version: 1\nprovider:\n  api: byteplus\n  region: eu-west-1\n  access_key_env: AK\n  secret_key_env: SK\ngroups: {}\n"
            ).load().manifest?.provider)
        #expect(byte.baseURL == "https://ark.eu-west-1.byteplusapi.com")
        #expect(byte.accessKeyEnv == "AK" && byte.secretKeyEnv == "SK")
        #expect(Tracked.lock(api: .volcengine).provider.api == "volcengine")
        #expect(LockedAsset.ref(for: "asset-1", api: .byteplus) == "asset://asset-1")
    }

    @Test func keysOfTheOtherDialectsAreErrorsAtTheirPlace() {
        expectFindings(
            "version: 1\nprovider:\n  api: seedance\n  1️⃣region: cn-beijing\n  2️⃣access_key_env: AK\ngroups: {}\n",
            [
                ("1️⃣", .error, .keyNotForDialect(key: "region", api: "seedance", hint: "it is for volcengine and byteplus")),
                (
                    "2️⃣", .error,
                    .keyNotForDialect(key: "access_key_env", api: "seedance", hint: "it is for volcengine and byteplus")
                ),
            ])
        expectFindings(
            "version: 1\nprovider:\n  api: volcengine\n  1️⃣api_key_env: KEY\ngroups: {}\n",
            [
                (
                    "1️⃣", .error,
                    .keyNotForDialect(
                        key: "api_key_env", api: "volcengine",
                        hint: "volcengine signs each request with access_key_env and secret_key_env")
                )
            ])
        expectFindings(
            "version: 1\nprovider:\n  api: byteplus\n  region: 1️⃣Not A Region\ngroups: {}\n",
            [
                (
                    "1️⃣", .error,
                    .invalidText(field: "provider.region", reason: "must be a region name such as cn-beijing or ap-southeast-1")
                )
            ])
    }
}
