import AssetformCore
import Testing

/// A saved plan checked against the lockfile it was made with (`Plan.stepNotFrom`): every plan
/// the planner makes passes; an edited one that would bill what no plan holds does not.
@Suite("A saved plan against its lockfile")
struct SavedPlanTests {
    let seedance = Planner(capabilities: .seedance)

    private func addr(_ s: String) -> Address { try! Address(parsing: s) }

    @Test func everyPlanThePlannerMakesPasses() {
        let manifests = [
            // A key renamed (a move, then a rename), a group moved with its assets, a group found
            // by its assets with a new asset, an asset moved to another group (a billed replace),
            // and a new asset at a key another was moved away from.
            Tracked.manifest([
                ("chars", "Characters", [("front", "front.png", "Front"), ("profile", "side.png", nil)]),
                ("props", nil, [("lamp", "lamp.png", nil)]),
            ]),
            Tracked.manifest(
                [
                    ("people", "Characters", [("front", "front.png", "Front"), ("side", "side.png", nil)]),
                    ("props", nil, [("lamp", "lamp.png", nil)]),
                ], moved: [("chars", "people")]),
            Tracked.manifest([
                ("chars", "Characters", [("front", "front.png", "Front"), ("side", "side.png", nil)]),
                ("furniture", nil, [("lamp", "lamp.png", nil), ("chair", "chair.png", nil)]),
            ]),
            Tracked.manifest(
                [
                    ("chars", "Characters", [("side", "side.png", nil)]),
                    ("props", nil, [("lamp", "lamp.png", nil), ("front", "front.png", "Front")]),
                ], moved: [("chars/front", "props/front")]),
            Tracked.manifest(
                [
                    (
                        "chars", "Characters",
                        [("hero", "front.png", "Front"), ("front", "new.png", nil), ("side", "side2.png", nil)]
                    ),
                    ("props", nil, [("lamp", "lamp.png", nil)]),
                ]),
        ]
        // And pruning: a removed asset and a removed group, deleted; with --prune-failed, a
        // Failed asset still declared is deleted before it is created again.
        let pruned = Tracked.manifest([("chars", "Characters", [("front", "front.png", "Front")])])
        var failedLock = Tracked.lock()
        failedLock.groups["chars"]!.assets["side"]!.status = .failed
        let native = Planner(capabilities: .native, retryFailed: true, prune: true, pruneFailed: true)
        var plans = manifests.map { ($0, seedance.plan($0, lock: Tracked.lock(), remote: Tracked.remote()), Tracked.lock()) }
        plans.append((pruned, native.plan(pruned, lock: Tracked.lock(), remote: Tracked.remote()), Tracked.lock()))
        plans.append((manifests[0], native.plan(manifests[0], lock: failedLock, remote: nil), failedLock))
        for (i, (manifest, plan, lock)) in plans.enumerated() {
            #expect(plan.hasChanges, "plan \(i)")
            let refusal = plan.stepNotFrom(lock, manifest: manifest)
            #expect(refusal == nil, "plan \(i): \(plan.steps.map { "\($0.verb) \($0.address)" }) \(String(describing: refusal))")
        }
        #expect(plans[plans.count - 2].1.count(.delete) == 3, "\(plans[plans.count - 2].1.steps)")
        #expect(plans[plans.count - 1].1.count(.delete) == 1, "\(plans[plans.count - 1].1.steps)")
    }

    @Test func aGroupGoneAndAdoptedByNameAndATargetAcrossARenamedGroupPass() {
        // The tracked group is gone remotely; another of its name is listed: adopted at its address.
        var remote = Tracked.remote()
        remote.groups["group-c"] = nil
        remote.listedGroups!.removeAll { $0.id == "group-c" }
        remote.missing.insert("group-c")
        remote.listedGroups!.append(RemoteGroup(id: "group-other", name: "Characters", description: ""))
        let full = Tracked.manifest([
            ("chars", "Characters", [("front", "front.png", "Front"), ("side", "side.png", nil)]),
            ("props", nil, [("lamp", "lamp.png", nil)]),
        ])
        let adopted = seedance.plan(full, lock: Tracked.lock(), remote: remote)
        #expect(adopted.steps.contains { $0.verb == .adopt && $0.address == addr("chars") }, "\(adopted.steps)")
        #expect(adopted.stepNotFrom(Tracked.lock(), manifest: full) == nil)
        // chars is renamed people (its remote name), and its front's url goes to a new group:
        // a target of the new asset keeps the group's move, so that the old record's forget
        // finds it where the move takes it.
        let split = Tracked.manifest([
            ("people", "Characters", [("side", "side.png", nil)]),
            ("extra", nil, [("front2", "front.png", "Front")]),
            ("props", nil, [("lamp", "lamp.png", nil)]),
        ])
        let targeted = Planner(capabilities: .seedance, targets: [addr("extra/front2")]).plan(
            split, lock: Tracked.lock(), remote: Tracked.remote())
        let lines = targeted.steps.map { "\($0.verb.rawValue) \($0.address)" }
        #expect(lines.contains("move people") && lines.contains("forget people/front"), "\(lines)")
        #expect(targeted.stepNotFrom(Tracked.lock(), manifest: split) == nil, "\(lines)")
    }

    @Test func anEditedPlanThatWouldBillWhatNoPlanHoldsIsRefused() {
        let spec = Plan.AssetSpec(name: "x", type: .image, url: "https://c.example.com/x.png", revision: nil)
        func plan(_ steps: [(String, Plan.Action)], unchanged: [String] = []) -> Plan {
            Plan(
                steps: steps.map { Plan.Step(address: addr($0.0), action: $0.1, reason: "") },
                unchanged: unchanged.map(addr), warnings: [], heldBack: [])
        }
        let lock = Tracked.lock()
        let manifest = Tracked.manifest([
            ("chars", "Characters", [("front", "front.png", "Front"), ("side", "side.png", nil)]),
            ("props", nil, [("lamp", "lamp.png", nil)]),
        ])
        func why(_ p: Plan) -> String? { p.stepNotFrom(lock, manifest: manifest)?.why }
        // A delete or forget of a declared Active asset, of one the plan leaves as it is, or of
        // an id not tracked there; a delete of what is tracked and not declared passes.
        #expect(why(plan([("chars/front", .delete(id: "asset-f"))])) == "a delete of what the manifest declares")
        #expect(why(plan([("chars/front", .forget(id: "asset-f"))])) == "a forget of what the manifest declares")
        #expect(why(plan([("chars", .delete(id: "group-c"))])) == "a delete of what the manifest declares")
        #expect(why(plan([("chars/front", .delete(id: "asset-s"))]))?.hasPrefix("a delete of asset-s") == true)
        #expect(
            why(plan([("chars/front", .delete(id: "asset-f"))], unchanged: ["chars/front"]))
                == "a delete at an address the plan leaves as it is")
        // Moved first (a key renamed), then deleted at its new key: still a declared Active asset.
        let renamed = Tracked.manifest([
            ("chars", "Characters", [("front", "front.png", "Front"), ("profile", "side.png", nil)]),
            ("props", nil, [("lamp", "lamp.png", nil)]),
        ])
        #expect(
            plan([("chars/profile", .move(from: addr("chars/side"), id: "asset-s")), ("chars/profile", .delete(id: "asset-s"))])
                .stepNotFrom(lock, manifest: renamed)?.why == "a delete of what the manifest declares")
        let undeclared = Tracked.manifest([("chars", "Characters", [("front", "front.png", "Front")])])
        #expect(plan([("chars/side", .delete(id: "asset-s"))]).stepNotFrom(lock, manifest: undeclared) == nil)
        // A create copied; a create at a tracked address; one at an address the plan leaves as it is.
        #expect(
            why(plan([("chars/new", .createAsset(spec, gone: nil)), ("chars/new", .createAsset(spec, gone: nil))]))
                == "a second create at one address")
        #expect(
            why(plan([("chars/front", .createAsset(spec, gone: nil))]))?.hasPrefix("a create at an address the lockfile tracks")
                == true)
        #expect(why(plan([("chars/front", .createAsset(spec, gone: "asset-f"))])) == nil, "created again: gone")
        #expect(
            why(plan([("chars/new", .createAsset(spec, gone: nil))], unchanged: ["chars/new"]))
                == "a change at an address the plan leaves as it is")
        // A replace of what the address does not track, or twice.
        let replace = Plan.Action.replaceAsset(spec, old: "asset-f", url: nil, type: nil, revision: nil, failure: nil)
        #expect(why(plan([("chars/front", replace)])) == nil)
        #expect(why(plan([("chars/side", replace)]))?.hasPrefix("a replace of asset-f") == true)
        #expect(why(plan([("chars/front", replace), ("chars/other", replace)])) == "a second replace of asset-f")
        #expect(
            why(plan([("chars/front", .replaceAsset(spec, old: "asset-zz", url: nil, type: nil, revision: nil, failure: nil))]))?
                .hasPrefix("a replace of asset-zz") == true)
        // After a move, its old address is free and its new one tracked; a group's move takes its assets.
        #expect(
            why(
                plan([
                    ("chars/hero", .move(from: addr("chars/front"), id: "asset-f")),
                    ("chars/front", .createAsset(spec, gone: nil)),
                ])) == nil)
        #expect(
            why(
                plan([
                    ("chars/hero", .move(from: addr("chars/front"), id: "asset-f")),
                    ("chars/hero", .createAsset(spec, gone: nil)),
                ]))?
                .hasPrefix("a create at an address the lockfile tracks") == true)
        #expect(
            why(plan([("people", .move(from: addr("chars"), id: "group-c")), ("people/front", .createAsset(spec, gone: nil))]))?
                .hasPrefix("a create at an address the lockfile tracks") == true)
        #expect(
            why(plan([("people", .move(from: addr("chars"), id: "group-c")), ("chars/front", .createAsset(spec, gone: nil))]))
                == nil)
    }
}
