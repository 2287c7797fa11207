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
                ], moved: [("chars/front", "chars/hero")]),
        ]
        for (i, manifest) in manifests.enumerated() {
            let plan = seedance.plan(manifest, lock: Tracked.lock(), remote: Tracked.remote())
            #expect(plan.hasChanges, "manifest \(i)")
            let refusal = plan.stepNotFrom(Tracked.lock())
            #expect(
                refusal == nil, "manifest \(i): \(plan.steps.map { "\($0.verb) \($0.address)" }) \(String(describing: refusal))")
        }
    }

    @Test func anEditedPlanThatWouldBillWhatNoPlanHoldsIsRefused() {
        let spec = Plan.AssetSpec(name: "x", type: .image, url: "https://c.example.com/x.png", revision: nil)
        func plan(_ steps: [(String, Plan.Action)], unchanged: [String] = []) -> Plan {
            Plan(
                steps: steps.map { Plan.Step(address: addr($0.0), action: $0.1, reason: "") },
                unchanged: unchanged.map(addr), warnings: [], heldBack: [])
        }
        let lock = Tracked.lock()
        func why(_ p: Plan) -> String? { p.stepNotFrom(lock)?.why }
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
