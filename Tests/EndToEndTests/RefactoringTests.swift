import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SPEC §9 against the emulator: refactoring a manifest never wastes a billed create.
@Suite("Refactoring a manifest: moves, mv and revisions, end to end", .serialized)
struct RefactoringTests {
    static func manifest(
        api: String = "seedance", group: String = "chars", keys: [String] = ["front", "side", "back"],
        revisions: [String: String] = [:], moved: String = ""
    ) -> String {
        var text = manifestHead(api: api) + "  \(group):\n    name: Characters\n    assets:\n"
        for (key, file) in zip(keys, ["front", "side", "back"]) {
            text += "      \(key):\n        url: https://cdn.example.com/\(file).png\n        name: \(file)\n"
            if let r = revisions[file] { text += "        revision: \"\(r)\"\n" }
        }
        return text + moved
    }

    static let quick = ["--no-throttle", "--processing-delay", "100ms"]

    /// Creates on either dialect so far.
    func creates(_ w: ApplyWorld, api: String) async throws -> Int {
        api == "seedance"
            ? try await w.calls("CreateAsset") + w.calls("CreateAssetGroup")
            : try await w.calls("POST /v1/assets", dialect: "0-0") + w.calls("POST /v1/asset-groups", dialect: "0-0")
    }

    @Test(arguments: ["seedance", "0-0"])
    func aRenamedKeyMakesNoCreate(api: String) async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.manifest(api: api))
        #expect(try await w.apply().status == 0)
        let made = try await creates(w, api: api)
        #expect(made == 4, "one group and three assets")
        let id = try w.lockedAssets()["chars/front"]?["id"] as? String
        try w.write(Self.manifest(api: api, keys: ["hero_front", "side", "back"]))
        let plan = try await w.run(["plan", w.manifest])
        #expect(plan.status == 0)
        #expect(
            plan.stdout.contains("→   chars/hero_front  move: renamed from chars/front: the same url and type"), "\(plan.stdout)")
        #expect(plan.stdout.contains("0 to create") && plan.stdout.contains("1 to move"), "\(plan.stdout)")
        let out = try await w.apply()
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("1 moved"), "\(out.stdout)")
        #expect(try await creates(w, api: api) == made, "no billed create")
        let locked = try w.lockedAssets()
        #expect(locked["chars/hero_front"]?["id"] as? String == id && locked["chars/front"] == nil)
        #expect(try await w.run(["plan", w.manifest, "--detailed-exitcode"]).status == 0, "no changes")
    }

    @Test(arguments: ["seedance", "0-0"])
    func forgettingWhatTheManifestStillDeclaresSaysWhatTheNextRunDoes(api: String) async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.manifest(api: api))
        #expect(try await w.apply().status == 0)
        let out = try await w.run(["forget", w.manifest, "chars/front"])
        #expect(out.status == 0, "\(out.stderr)")
        if api == "0-0" {
            #expect(
                out.stderr.contains("the manifest still declares chars/front, and the 0-0 API cannot list")
                    && out.stderr.contains("a duplicate"), "\(out.stderr)")
        } else {
            #expect(out.stderr.contains("the next plan adopts the remote object by its name"), "\(out.stderr)")
        }
        try w.write(Self.manifest(api: api, keys: ["front", "back"]))
        let gone = try await w.run(["forget", w.manifest, "chars/side"])
        #expect(gone.status == 0 && !gone.stderr.contains("still declares"), "not declared: no warning \(gone.stderr)")
    }

    @Test func aMovedGroupOfThreeAssetsMakesNoCreate() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.manifest())
        #expect(try await w.apply().status == 0)
        let made = try await creates(w, api: "seedance")
        let writes = try await w.writeCalls()
        try w.write(Self.manifest(group: "people", moved: "moved:\n  - {from: chars, to: people}\n"))
        let out = try await w.apply()
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("the moved: entry at line 23"), "\(out.stdout)")
        #expect(try await w.writeCalls() == writes, "no call at all: the name stays")
        #expect(try await creates(w, api: "seedance") == made)
        #expect(Set(try w.lockedAssets().keys) == ["people/front", "people/side", "people/back"])
        let again = try await w.run(["plan", w.manifest])
        #expect(again.stdout.hasPrefix("No changes."), "the applied entry is ignored from now on: \(again.stdout)")
    }

    /// A saved plan whose moves chain through an address the manifest does not declare is the
    /// manifest's own: applied, not refused as edited.
    @Test func aSavedPlanWithAChainOfMovesIsApplied() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.manifest())
        #expect(try await w.apply().status == 0)
        try w.write(
            Self.manifest(
                keys: ["hero", "side", "back"],
                moved: "moved:\n  - {from: chars/front, to: chars/middle}\n  - {from: chars/middle, to: chars/hero}\n"))
        let planPath = w.dir.url.appendingPathComponent("p.json").path
        #expect(try await w.run(["plan", w.manifest, "--out", planPath]).status == 0)
        let applied = try await w.run(["apply", w.manifest, "--plan", planPath])
        #expect(applied.status == 0, "\(applied.all)")
        #expect(Set(try w.lockedAssets().keys) == ["chars/hero", "chars/side", "chars/back"])
    }

    @Test func replaceOfAnAddressThisPlanMovesNamesWhereItEndsUp() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.manifest())
        #expect(try await w.apply().status == 0)
        // The group renamed (its remote name kept) and the asset's key too: both moves count.
        try w.write(Self.manifest(group: "people", keys: ["hero", "side", "back"]))
        for old in ["chars/front", "people/front"] {
            let out = try await w.run(["plan", w.manifest, "--replace", old])
            #expect(out.status == 1, "\(out.all)")
            #expect(out.stderr.contains("name it by its new address, --replace people/hero"), "\(out.stderr)")
        }
        let right = try await w.run(["plan", w.manifest, "--replace", "people/hero"])
        #expect(right.status == 0, "\(right.all)")
    }

    @Test func mvMovesTheRecordAndThePlanHasNothingLeft() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.manifest())
        #expect(try await w.apply().status == 0)
        let writes = try await w.writeCalls()
        let serial = try w.lockfile()["serial"] as? Int
        // Refusals first: nothing is written by any of them.
        let onto = try await w.run(["mv", w.manifest, "chars/front", "chars/side"])
        #expect(onto.status == 1 && onto.stderr.contains("chars/side already tracks asset-"), "\(onto.stderr)")
        let across = try await w.run(["mv", w.manifest, "chars/front", "props/front"])
        #expect(across.status == 1 && across.stderr.contains("an asset stays in its group"), "\(across.stderr)")
        let unknown = try await w.run(["mv", w.manifest, "chars/nope", "chars/x"])
        #expect(unknown.status == 1 && unknown.stderr.contains("chars/nope is not tracked"), "\(unknown.stderr)")
        #expect(try await w.run(["mv", w.manifest, "chars/", "chars/x"]).status == 64)
        #expect(try w.lockfile()["serial"] as? Int == serial, "refusals write nothing")

        // Its group moved first: the asset is said where it is now, never sent to a billed create.
        try w.write(Self.manifest(group: "people"))
        #expect(try await w.run(["mv", w.manifest, "chars", "people"]).status == 0)
        let old = try await w.run(["mv", w.manifest, "chars/front", "people/hero"])
        #expect(old.status == 1, "\(old.all)")
        #expect(
            old.stderr.contains("chars/front is not tracked") && old.stderr.contains("it tracks people/front")
                && !old.stderr.contains("billed"), "\(old.stderr)")
        try w.write(Self.manifest())
        #expect(try await w.run(["mv", w.manifest, "people", "chars"]).status == 0)

        try w.write(Self.manifest(keys: ["hero", "side", "back"]))
        let mv = try await w.run(["mv", w.manifest, "chars/front", "chars/hero"])
        #expect(mv.status == 0, "\(mv.stderr)")
        #expect(mv.stdout.contains("Moved chars/front (asset-"), "\(mv.stdout)")
        let plan = try await w.run(["plan", w.manifest, "--detailed-exitcode"])
        #expect(plan.status == 0 && plan.stdout.hasPrefix("No changes."), "\(plan.stdout)")
        #expect(try await w.writeCalls() == writes, "no remote call")
    }

    @Test func aMovedEntryOntoATrackedAddressIsAnErrorAtItsLine() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.manifest())
        #expect(try await w.apply().status == 0)
        try w.write(Self.manifest(keys: ["front", "side"], moved: "moved:\n  - {from: chars/back, to: chars/side}\n"))
        let plan = try await w.run(["plan", w.manifest])
        #expect(plan.status == 1)
        #expect(
            plan.stderr.contains(
                "m.yaml:20:5: error: moved from chars/back to chars/side, but the lockfile already tracks chars/side"),
            "\(plan.stderr)")
        let writes = try await w.writeCalls()
        #expect(try await w.apply().status == 1)
        #expect(try await w.writeCalls() == writes)
        // With --json, one error object on stdout (SPEC §4), the findings still on stderr.
        for arguments in [["plan", w.manifest, "--json"], ["apply", w.manifest, "--auto-approve", "--json"]] {
            let out = try await w.run(arguments)
            #expect(out.status == 1)
            let object = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
            let error = object?["error"] as? [String: Any]
            #expect(error?["kind"] as? String == "manifest", "\(out.stdout)")
            #expect(out.stderr.contains("the lockfile already tracks chars/side"), "\(out.stderr)")
        }
    }

    @Test func aChangedRevisionRegistersAgainWithExactlyOneCreate() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.manifest(revisions: ["side": "1"]))
        #expect(try await w.apply().status == 0)
        #expect(try w.lockedAssets()["chars/side"]?["revision"] as? String == "1", "the lockfile records it")
        let before = try w.lockedAssets()["chars/side"]?["id"] as? String
        let made = try await w.calls("CreateAsset")
        try w.write(Self.manifest(revisions: ["side": "2"]))
        let plan = try await w.run(["plan", w.manifest])
        #expect(plan.stdout.contains("-/+ chars/side") && plan.stdout.contains("revision: \"1\" → \"2\""), "\(plan.stdout)")
        let out = try await w.apply()
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(try await w.calls("CreateAsset") - made == 1, "exactly one billed create")
        let after = try w.lockedAssets()["chars/side"]
        #expect(after?["revision"] as? String == "2" && after?["id"] as? String != before)
        #expect(try await w.run(["plan", w.manifest]).stdout.hasPrefix("No changes."))
    }

    @Test func killedAfterACheckpointOfARunWithMovesTheRerunLosesNothing() async throws {
        // 150 assets, every key then renamed (and, with it, the remote name): 150 moves, then
        // 150 updates at 20 a second; killed once a checkpoint has written the moves into the
        // lockfile while the journal, which holds them too, is still there.
        func text(_ prefix: String) -> String {
            var t = manifestHead(extra: "").replacingOccurrences(of: "write: unlimited", with: "write: 20")
            t += "  g:\n    assets:\n"
            for i in 0..<150 { t += "      \(prefix)\(i): https://cdn.example.com/k/\(i).png\n" }
            return t
        }
        let w = try await ApplyWorld(emulator: Self.quick, manifest: text("a"))
        #expect(try await w.apply().status == 0)
        let made = try await w.calls("CreateAsset")
        let ids = Set(try w.lockedAssets().values.compactMap { $0["id"] as? String })
        let serial = try #require(try w.lockfile()["serial"] as? Int)
        try w.write(text("b"))
        let process = try w.startApply(tag: "killed")
        let deadline = ContinuousClock.now + .seconds(60)
        var checkpointed = false
        while !checkpointed && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            let journal = FileManager.default.fileExists(atPath: w.lockPath + ".journal")
            let now = (try? w.lockfile())?["serial"] as? Int ?? serial
            checkpointed = journal && now > serial
        }
        kill(process.processIdentifier, SIGKILL)
        _ = await exitStatus(of: process)
        #expect(checkpointed, "a checkpoint came while the run went on: \(w.output("killed"))")
        #expect(try w.lockedAssets().keys.allSatisfy { $0.hasPrefix("g/b") }, "the checkpoint holds the moves")
        let plan = try await w.run(["plan", w.manifest])
        #expect(plan.status == 0, "the journal replays onto the checkpoint: \(plan.stderr)")
        let rerun = try await w.apply()
        #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
        #expect(try await w.calls("CreateAsset") == made, "no billed create")
        let locked = try w.lockedAssets()
        #expect(Set(locked.keys) == Set((0..<150).map { "g/b\($0)" }))
        #expect(Set(locked.values.compactMap { $0["id"] as? String }) == ids, "the same objects")
        #expect(
            Set(try await w.seedanceAssetNames().map { $0.split(separator: "/").last.map(String.init) ?? "" })
                == Set((0..<150).map { "b\($0)" }), "renamed remotely")
        #expect(try await w.run(["plan", w.manifest]).stdout.hasPrefix("No changes."))
    }

    @Test func mvOfADeclaredAddressAndReplaceOfAnOldOneAreRefused() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.manifest())
        #expect(try await w.apply().status == 0)
        let declared = try await w.run(["mv", w.manifest, "chars/front", "chars/hero"])
        #expect(declared.status == 1 && declared.stderr.contains("chars/front is still declared"), "\(declared.stderr)")
        try w.write(Self.manifest(keys: ["hero", "side", "back"]))
        let old = try await w.run(["plan", w.manifest, "--replace", "chars/front"])
        #expect(old.status == 1 && old.stderr.contains("--replace chars/hero"), "\(old.stderr)")
        let replaced = try await w.run(["plan", w.manifest, "--replace", "chars/hero"])
        #expect(replaced.status == 0 && replaced.stdout.contains("1 to replace") && replaced.stdout.contains("1 to move"))
    }
}
