import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `assetform apply` as a process against `assetform emulator` processes on 127.0.0.1, with
/// faults: converging, never creating twice on seedance, and recording everything however it
/// is stopped.
@Suite("apply, run as a process against the emulator", .serialized)
struct ApplyCommandTests {
    static let small = """
        version: 1
        provider:
          api: seedance
          api_key_env: E2E_KEY
        limits:
          rate: {create_asset: unlimited, write: unlimited, read: unlimited}
          wait: 1m
        groups:
          chars:
            name: Characters
            assets:
              front: https://cdn.example.com/front.png
              side:
                url: https://cdn.example.com/side.png
                name: side view

        """

    static let quick = ["--no-throttle", "--processing-delay", "100ms"]

    @Test func aFreshApplyConvergesAndTheSecondMakesNoWriteCall() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        let first = try await w.apply()
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(
            first.stdout.contains("Apply complete: 3 created, 0 updated, 0 adopted, 0 unchanged; 0 failed."), "\(first.stdout)")
        let assets = try w.lockedAssets()
        #expect(assets.count == 2)
        #expect(assets.values.allSatisfy { $0["status"] as? String == "Active" }, "waited until Active: \(assets)")
        #expect(!FileManager.default.fileExists(atPath: w.lockPath + ".journal"), "the journal is gone once recorded")
        #expect(!FileManager.default.fileExists(atPath: w.lockPath + ".lck"), "the lock is released")
        let writes = try await w.writeCalls()
        #expect(writes == 3)

        let second = try await w.apply()
        #expect(second.status == 0)
        #expect(
            second.stdout
                == "No changes. Plan: 0 to create, 0 to update, 0 to replace, 0 to adopt, 0 to forget; 3 unchanged. 0 billed create calls.\n",
            "\(second.stdout)")
        #expect(try await w.writeCalls() == writes, "no write call the second time")
    }

    @Test func aRenameIsOneUpdateAndAURLChangeIsAReplace() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        #expect(try await w.apply().status == 0)
        let before = try w.lockedAssets()
        try w.write(
            Self.small.replacingOccurrences(of: "name: side view", with: "name: side view 2")
                .replacingOccurrences(of: "front.png", with: "front-v2.png"))
        let (creates, updates) = (try await w.calls("CreateAsset"), try await w.calls("UpdateAsset"))
        let out = try await w.apply()
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(try await w.calls("UpdateAsset") == updates + 1, "one update for the rename")
        #expect(try await w.calls("CreateAsset") == creates + 1, "one create for the replace")
        let after = try w.lockedAssets()
        #expect(after["chars/side"]?["name"] as? String == "side view 2")
        #expect(after["chars/side"]?["id"] as? String == before["chars/side"]?["id"] as? String)
        #expect(after["chars/front"]?["id"] as? String != before["chars/front"]?["id"] as? String)
        #expect(after["chars/front"]?["url"] as? String == "https://cdn.example.com/front-v2.png")
        #expect(try await w.objects().1 == 3, "the old asset stays remotely")
        #expect(
            try await w.apply().stdout
                == "No changes. Plan: 0 to create, 0 to update, 0 to replace, 0 to adopt, 0 to forget; 3 unchanged. 0 billed create calls.\n"
        )
    }

    @Test func aLostLockfileOnSeedanceCreatesNothing() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: generatedManifest(20))
        #expect(try await w.apply().status == 0)
        let ids = try w.lockedAssets().mapValues { $0["id"] as? String }
        try FileManager.default.removeItem(atPath: w.lockPath)
        let creates = try await w.calls("CreateAsset") + w.calls("CreateAssetGroup")
        let out = try await w.apply()
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("0 created, 0 updated, 23 adopted"), "\(out.stdout)")
        #expect(try await w.calls("CreateAsset") + w.calls("CreateAssetGroup") == creates, "zero creates")
        #expect(try w.lockedAssets().mapValues { $0["id"] as? String } == ids, "the same objects, adopted")
    }

    @Test func aThrottledServiceIsRespectedAndConverges() async throws {
        // The service allows 10 creates a second; the manifest asks for 10.
        let w = try await ApplyWorld(
            emulator: ["--rate", "CreateAsset=10", "--processing-delay", "100ms"], manifest: generatedManifest(30, rate: "10"))
        let started = ContinuousClock.now
        let out = try await w.apply()
        let elapsed = ContinuousClock.now - started
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(try await w.objects().1 == 30)
        #expect(elapsed >= .seconds(2.5), "30 creates at 10/s take at least (30 − 1 − burst)/10 s: \(elapsed)")

        // Asking for more than the service allows: throttled, slowed down, and still converging.
        let over = try await ApplyWorld(
            emulator: ["--rate", "CreateAsset=10", "--processing-delay", "100ms"], manifest: generatedManifest(30))
        let result = try await over.apply()
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try await over.objects().1 == 30)
        let s = try await over.stats()
        #expect(((s["throttled"] as? [String: Any])?["seedance"] as? Int ?? 0) > 0, "it was throttled")
    }

    @Test(arguments: ["seedance", "0-0"])
    func tenPercentOf500sConverge(api: String) async throws {
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "50ms", "--error-rate", "0.1", "--seed", "11"],
            manifest: generatedManifest(40, api: api))
        let out = try await w.apply()
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(try w.lockedAssets().count == 40)
        let again = try await w.apply()
        #expect(again.status == 0 && again.stdout.hasPrefix("No changes."), "\(again.stdout)\(again.stderr)")
        if api == "seedance" {
            #expect(try await w.objects().1 == 40, "a 500 on a create is reconciled, not resent blindly")
        }
    }

    @Test func lostCreateResponsesMakeNoDuplicateOnSeedance() async throws {
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "300ms", "--drop-rate", "0.2", "--seed", "5"],
            manifest: generatedManifest(100))
        let out = try await w.apply()
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        let s = try await w.stats()
        #expect(s["dropped_responses"] as? Int ?? 0 > 5, "responses were lost")
        #expect(try await w.objects() == (3, 100), "zero duplicates")
        let names = try await w.seedanceAssetNames()
        #expect(Set(names).count == 100 && names.count == 100)
        #expect(try w.lockedAssets().count == 100)
        #expect(out.stdout.contains("recovered"), "\(out.stdout)")
    }

    @Test func lostCreateResponsesOnZeroZeroAreResentAndReported() async throws {
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "50ms", "--drop-rate", "0.3", "--seed", "3"],
            manifest: generatedManifest(20, api: "0-0"))
        let out = try await w.apply()
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("possible duplicate on the service"), "\(out.stdout)")
        #expect(out.stderr.contains("0-0 cannot list, so it was sent again"))
        #expect(try w.lockedAssets().count == 20)
    }

    /// SPEC §9: on 0-0, a create at an address the lockfile once tracked warns of a duplicate.
    @Test func onZeroZeroAnAssetForgottenThenDeclaredAgainIsCreatedWithAWarning() async throws {
        let full = generatedManifest(3, groups: 1, api: "0-0")
        let w = try await ApplyWorld(emulator: ["--no-throttle", "--processing-delay", "50ms"], manifest: full)
        #expect(try await w.apply().status == 0)
        let id = try #require(try w.lockedAssets()["g0/a1"]?["id"] as? String)
        // a1 leaves the manifest (apply forgets it), then comes back.
        try w.write(
            full.replacingOccurrences(
                of: "      a1:\n        url: https://cdn.example.com/refs/1.png\n        name: asset 1\n", with: ""))
        let forgot = try await w.apply()
        #expect(forgot.status == 0, "\(forgot.all)")
        #expect(try w.lockedAssets()["g0/a1"] == nil)
        #expect((try w.lockfile()["forgotten"] as? [String: String])?["g0/a1"] == id)
        try w.write(full)
        let plan = try await w.run(["plan", w.manifest])
        #expect(plan.stdout.contains("+   g0/a1"), "\(plan.stdout)")
        #expect(plan.all.contains("1 asset this lockfile tracked and forgot is created again: g0/a1 (was \(id))"), "\(plan.all)")
        // Created again, it is tracked again and no longer forgotten.
        #expect(try await w.apply().status == 0)
        #expect(try w.lockfile()["forgotten"] == nil)
        #expect(try await w.run(["plan", w.manifest]).all.contains("tracked and forgot") == false)
    }

    @Test func killedAtRandomMomentsTheRerunConvergesWithoutDuplicates() async throws {
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "200ms", "--drop-rate", "0.05", "--seed", "9"],
            manifest: generatedManifest(300, rate: "150"))
        // Seeded, so that a failing run can be repeated: ASSETFORM_TEST_SEED=N.
        let seed =
            ProcessInfo.processInfo.environment["ASSETFORM_TEST_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...999_999)
        var random = SeededRandom(seed: seed)
        for round in 0..<4 {
            if round > 0 {
                _ = try await call(w.server.baseURL + "/_emulator/reset", method: .POST, key: nil)
                try? FileManager.default.removeItem(atPath: w.lockPath)
                try? FileManager.default.removeItem(atPath: w.lockPath + ".journal")
            }
            let process = try w.startApply(tag: "killed-\(round)")
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...2500, using: &random)))
            kill(process.processIdentifier, SIGKILL)
            _ = await exitStatus(of: process)
            let leftLock = FileManager.default.fileExists(atPath: w.lockPath + ".lck")
            if FileManager.default.fileExists(atPath: w.lockPath) {
                _ = try w.lockfile()  // whatever the instant, the lockfile parses
            }
            let rerun = try await w.apply()
            #expect(rerun.status == 0, "seed \(seed), round \(round): \(rerun.stdout)\(rerun.stderr)")
            if leftLock {
                #expect(rerun.stderr.contains("took over \(w.lockPath).lck, left by a process that is gone"), "\(rerun.stderr)")
            }
            #expect(try await w.objects() == (3, 300), "seed \(seed), round \(round): zero duplicates")
            let names = try await w.seedanceAssetNames()
            #expect(Set(names).count == 300, "round \(round)")
            let locked = try w.lockedAssets()
            #expect(locked.count == 300 && Set(locked.values.compactMap { $0["id"] as? String }).count == 300)
            #expect(try await w.apply().stdout.hasPrefix("No changes."), "round \(round)")
        }
    }

    /// A journal that cannot grow (the file size limit, as a full disk would refuse it) stops
    /// the run. A create whose result the journal could not take is still in the lockfile, and
    /// no create that was never sent is left looking like one of unknown outcome: on 0-0, which
    /// cannot list, the next run makes every asset exactly once.
    @Test func aJournalThatCannotGrowLosesNoCreateAndLeavesNoUnsentOneOpen() async throws {
        let w = try await ApplyWorld(emulator: ["--no-throttle"], manifest: generatedManifest(50, groups: 1, api: "0-0"))
        // 16 to 24 blocks of 512 bytes: the journal fills after some twenty to thirty creates,
        // while the lockfile of as many assets still fits. Which write crosses the limit first
        // (held intents, or a result) varies; three limits try both more often. (The signal a
        // write past the limit sends is ignored.)
        for blocks in [16, 20, 24] {
            _ = try await call(w.server.baseURL + "/_emulator/reset", method: .POST, key: nil)
            try? FileManager.default.removeItem(atPath: w.lockPath)
            try? FileManager.default.removeItem(atPath: w.lockPath + ".journal")
            let limited = try await ChildProcess.run(
                [
                    "-c", #"trap '' XFSZ; ulimit -f \#(blocks); exec "$0" "$@""#, BinaryRunner.executable.path, "apply",
                    w.manifest,
                    "--auto-approve",
                ], environment: w.env, executable: "/bin/sh")
            #expect(limited.status == 3 && limited.all.contains("cannot write the journal"), "\(blocks): \(limited.all)")
            let made = try await w.objects(dialect: "0-0").1
            #expect(made > 0 && made < 50, "\(blocks): the run stopped part way: \(made)")
            #expect(try w.lockedAssets().count == made, "\(blocks): every create made is recorded, those the journal refused too")
            // Nothing is left open: what was never sent is closed, and a result only the lockfile
            // took is closed by the lockfile's write. So the journal is gone, and nothing is said
            // to exist twice.
            #expect(!FileManager.default.fileExists(atPath: w.lockPath + ".journal"), "\(blocks): \(limited.all)")
            let rerun = try await w.apply()
            #expect(rerun.status == 0, "\(blocks): \(rerun.all)")
            #expect(
                !rerun.all.contains("possible duplicate") && !rerun.all.contains("outcome is unknown"), "\(blocks): \(rerun.all)")
            #expect(try await w.objects(dialect: "0-0") == (1, 50), "\(blocks): each asset made once: \(rerun.all)")
            #expect(try w.lockedAssets().count == 50)
        }
    }

    @Test func anApplyStoppedBeforeAnyChangeWritesNoLockfile() async throws {
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--deny-key", "apply-e2e-secret-key"], manifest: generatedManifest(3, api: "0-0"))
        let refused = try await w.apply(["--json"])
        // On 0-0 (no listing) the run starts, and its first create is refused.
        #expect(refused.status == 1, "\(refused.all)")
        #expect(try await w.calls("POST /v1/asset-groups", dialect: "0-0") > 0)
        #expect(!FileManager.default.fileExists(atPath: w.lockPath), "no empty lockfile is left behind")
        #expect(!FileManager.default.fileExists(atPath: w.lockPath + ".journal"))
    }

    @Test func aServiceGoneWhileAssetsAreProcessingEndsTheWaitSoonNotConverged() async throws {
        // Processing for ten minutes, and a wait as long: the service dies during the wait.
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "10m"], manifest: generatedManifest(5, wait: "10m"))
        let process = try w.startApply(tag: "outage")
        await w.waitForOutput("outage", containing: "Waiting for")
        _ = await w.server.stop(SIGKILL)
        let killed = ContinuousClock.now
        // Not converged, nothing failed: the assets are still Processing, for the next run.
        #expect(await exitStatus(of: process, limit: .seconds(300)) == 4, "\(w.output("outage"))")
        #expect(ContinuousClock.now - killed < .seconds(180), "not the whole wait")
        #expect(w.output("outage").contains("the wait ended early"), "\(w.output("outage"))")
        #expect(w.output("outage").contains("5 assets are still Processing"), "\(w.output("outage"))")
        // What was made is recorded, Processing: the next run picks it up.
        #expect(try w.lockedAssets().count == 5)
    }

    @Test func sigintExits130WithEverythingRecorded() async throws {
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "100ms"], manifest: generatedManifest(200, rate: "40"))
        let process = try w.startApply(tag: "interrupted")
        // Once creates are under way (the test runner's children may start with SIGINT ignored
        // until apply sets its handler).
        await w.waitForOutput("interrupted", containing: ": created asset-")
        try await Task.sleep(for: .milliseconds(300))
        kill(process.processIdentifier, SIGINT)
        #expect(await exitStatus(of: process) == 130, "\(w.output("interrupted"))")
        #expect(w.output("interrupted").contains("Apply interrupted:"))
        // Every object the service made is in the lockfile, or in the journal as an intent the
        // next run settles; the next run makes only the rest.
        let made = try await w.objects().1
        let recorded = try w.lockedAssets().count
        #expect(recorded > 0 && recorded <= made && made < 200)
        let creates = try await w.calls("CreateAsset")
        let rerun = try await w.apply()
        #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
        #expect(try await w.objects().1 == 200)
        #expect(try await w.calls("CreateAsset") - creates == 200 - made, "nothing made twice")
    }

    @Test func anInterruptedJSONRunEndsEveryStartedActionAndPrintsItsErrorObject() async throws {
        // 4 creates a second: many actions are started and waiting for the rate when SIGINT comes.
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "100ms"], manifest: generatedManifest(60, rate: "4"))
        let process = try w.startApply(["--json"], tag: "json")
        await w.waitForOutput("json", containing: #""event":"completed""#)
        try await Task.sleep(for: .milliseconds(500))
        kill(process.processIdentifier, SIGINT)
        #expect(await exitStatus(of: process) == 130, "\(w.output("json"))")
        let lines = (try? String(contentsOf: w.dir.url.appendingPathComponent("json.out"), encoding: .utf8)) ?? ""
        let objects = try lines.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
        var open = Set<String>()
        var notSent = 0
        for o in objects {
            let address = o["address"] as? String ?? ""
            switch o["event"] as? String {
            case "started": open.insert(address)
            case "completed", "failed":
                open.remove(address)
                if o["not_sent"] as? Bool == true { notSent += 1 }
            default: break
            }
        }
        #expect(open.isEmpty, "every started action ends: \(open.sorted())")
        #expect(notSent > 0, "some were waiting for the rate")
        let summary = try #require(objects.dropLast().last)
        #expect(summary["event"] as? String == "summary" && (summary["not_started"] as? Int ?? 0) >= notSent)
        let error = try #require(objects.last?["error"] as? [String: Any], "the error object last")
        #expect(error["kind"] as? String == "interrupted" && error["exit_status"] as? Int == 130, "\(error)")
    }

    @Test func aSecondSignalCutsTheGraceShortAndEverythingCompletedIsRecorded() async throws {
        // Every call takes 2 s, so that calls are in flight when the signals come; the grace
        // (20 s) is far longer than the run may take to end after the second signal.
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "100ms", "--latency", "2s"],
            manifest: generatedManifest(40, rate: "unlimited"))
        let process = try w.startApply(["--grace", "20s"], tag: "twice")
        await w.waitForOutput("twice", containing: ": created asset-")
        kill(process.processIdentifier, SIGINT)
        try await Task.sleep(for: .milliseconds(300))
        let second = ContinuousClock.now
        kill(process.processIdentifier, SIGINT)
        #expect(await exitStatus(of: process) == 130, "\(w.output("twice"))")
        #expect(ContinuousClock.now - second < .seconds(15), "the second signal did not wait out the grace")
        #expect(w.output("twice").contains("Apply interrupted:"), "\(w.output("twice"))")
        _ = try w.lockfile()  // valid
        // What was cut short is settled by the next run: nothing made twice, nothing lost.
        let rerun = try await w.apply()
        #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
        #expect(try await w.objects() == (3, 40))
        #expect(Set(try await w.seedanceAssetNames()).count == 40)
    }

    @Test func noAdoptMakesAnAdoptionAConflictBeforeAnyChange() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        let made = try await call(
            w.server.baseURL + "/v1/seedance/asset/CreateAssetGroup", method: .POST, body: #"{"Name": "Characters"}"#,
            key: w.key
        ).1
        let id = try #require(made.firstMatch(of: /group-\d{14}-[a-z0-9]{5}/).map { String($0.output) })
        let writes = try await w.writeCalls()
        let plan = try await w.run(["plan", w.manifest, "--no-adopt"])
        #expect(plan.status == 1, "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stderr.contains("--no-adopt") && plan.stderr.contains("chars (\(id))"), "\(plan.stderr)")
        #expect(plan.stderr.contains("assetform import"), "the remedy is named")
        let apply = try await w.apply(["--no-adopt"])
        #expect(apply.status == 1, "\(apply.stdout)\(apply.stderr)")
        #expect(try await w.writeCalls() == writes, "nothing was written")
        // Without the flag, the adoption says what it is.
        let adopting = try await w.run(["plan", w.manifest])
        #expect(adopting.stdout.contains("adopt: found by name (\(id)); this lockfile did not create it"), "\(adopting.stdout)")
    }

    @Test func replaceRegistersAgainWithExactlyOneCreate() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        #expect(try await w.apply().status == 0)
        let before = try w.lockedAssets()["chars/front"]?["id"] as? String
        let creates = try await w.calls("CreateAsset")
        let unknown = try await w.apply(["--replace", "chars/nothing"])
        #expect(unknown.status == 1 && unknown.stderr.contains("chars/nothing is not in"), "\(unknown.stderr)")
        let replaced = try await w.apply(["--replace", "chars/front"])
        #expect(replaced.status == 0, "\(replaced.stdout)\(replaced.stderr)")
        #expect(replaced.stdout.contains("replaced on request"), "\(replaced.stdout)")
        #expect(try await w.calls("CreateAsset") - creates == 1, "exactly one billed create")
        let after = try w.lockedAssets()["chars/front"]?["id"] as? String
        #expect(after != nil && after != before)
        #expect(try await w.run(["plan", w.manifest]).stdout.hasPrefix("No changes."))
    }

    @Test func aSecondApplyIsRefusedNamingTheHolder() async throws {
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "100ms"], manifest: generatedManifest(60, rate: "10"))
        let first = try w.startApply(tag: "first")
        // Wait until the first holds the lock (it then runs for about 6 s).
        let deadline = ContinuousClock.now + .seconds(60)
        while !FileManager.default.fileExists(atPath: w.lockPath + ".lck") && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let second = try await w.apply()
        #expect(second.status == 75, "the lock is held: temporary")
        #expect(second.stderr.contains("is held by pid \(first.processIdentifier) on "), "\(second.stderr)")
        #expect(second.stderr.contains("running `assetform apply"))
        #expect(second.stderr.contains("pass --lock-timeout DUR to wait"), "\(second.stderr)")
        let impatient = try await w.apply(["--lock-timeout", "100ms"])
        #expect(impatient.status == 75, "\(impatient.stderr)")
        #expect(impatient.stderr.contains("still after --lock-timeout 100ms"), "\(impatient.stderr)")
        let waiting = try await w.apply(["--lock-timeout", "2m"])
        #expect(waiting.status == 0, "waits for the first, then finds nothing to do: \(waiting.stderr)")
        #expect(await exitStatus(of: first) == 0)
        #expect(try await w.objects().1 == 60)
    }

    @Test func aFailingURLExits3WithItsCodeAndIsNotCreatedAgain() async throws {
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "100ms", "--fail-url", "*side*"], manifest: Self.small)
        let first = try await w.apply()
        #expect(first.status == 3, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("chars/side: "), "\(first.stdout)")
        let failure = try #require(try w.lockedAssets()["chars/side"]?["failure"] as? [String: Any])
        let code = try #require(failure["code"] as? String)
        #expect(first.stdout.contains(code))
        let creates = try await w.calls("CreateAsset")
        let second = try await w.apply()
        #expect(second.status == 4, "failed in an earlier run and left alone: not converged")
        #expect(second.stdout.contains(code), "\(second.stdout)")
        #expect(try await w.calls("CreateAsset") == creates, "not created again")

        let retried = try await w.apply(["--retry-failed"])
        #expect(retried.status == 3, "it fails again (the pattern still matches): \(retried.stdout)")
        #expect(try await w.calls("CreateAsset") == creates + 1, "--retry-failed creates it once more")
    }

    @Test func targetLimitsTheRunToTheAddressesNamed() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        let out = try await w.apply(["--target", "chars/side", "--concurrency", "1"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(Set(try w.lockedAssets().keys) == ["chars/side"], "its group came along, the other asset did not")
        #expect(try await w.calls("CreateAsset") == 1)
        let rest = try await w.apply()
        #expect(rest.stdout.contains("Apply complete: 1 created"), "\(rest.stdout)")
    }

    @Test func applyRefusesWithoutConfirmationAndOverMaxCreates() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        let unconfirmed = try await w.run(["apply", w.manifest])
        #expect(unconfirmed.status == 1)
        #expect(unconfirmed.stderr.contains("--auto-approve"), "\(unconfirmed.stderr)")
        let capped = try await w.apply(["--max-creates", "1"])
        #expect(capped.status == 1)
        #expect(capped.stderr.contains("2 billed creates, more than --max-creates 1"), "\(capped.stderr)")
        #expect(try await w.writeCalls() == 0, "nothing was done")
    }

    @Test func aSavedPlanIsAppliedExactlyAndRefusedWhenStale() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        let planPath = w.dir.url.appendingPathComponent("p.json").path
        #expect(try await w.run(["plan", w.manifest, "--out", planPath]).status == 0)
        try w.write(Self.small.replacingOccurrences(of: "Characters", with: "Characters 2"))
        let stale = try await w.run(["apply", w.manifest, "--plan", planPath])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("is stale: the manifest \(w.manifest) changed"), "\(stale.stderr)")
        try w.write(Self.small)
        let applied = try await w.run(["apply", w.manifest, "--plan", planPath])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(try w.lockedAssets().count == 2)
        let again = try await w.run(["apply", w.manifest, "--plan", planPath])
        #expect(again.status == 1)
        #expect(
            again.stderr.contains("changed (serial none then") || again.stderr.contains("was created since"), "\(again.stderr)")
    }

    /// A saved plan with nothing to do still records what the service says of the statuses now,
    /// as an apply that plans for itself does: the lockfile is not left saying Processing.
    @Test func aSavedPlanWithNothingToDoRecordsTheStatusesTheServiceReports() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        let first = try await w.apply(["--no-wait"])
        #expect([0, 4].contains(first.status), "\(first.all)")
        #expect(try w.lockedAssets().values.contains { $0["status"] as? String == "Processing" }, "left Processing")
        // The emulator's assets turn Active after 100 ms.
        try await Task.sleep(for: .milliseconds(400))
        let planPath = w.dir.url.appendingPathComponent("p.json").path
        #expect(try await w.run(["plan", w.manifest, "--out", planPath]).status == 0)
        let applied = try await w.run(["apply", w.manifest, "--plan", planPath])
        #expect(applied.status == 0, "\(applied.all)")
        let locked = try w.lockedAssets()
        #expect(locked.count == 2 && locked.values.allSatisfy { $0["status"] as? String == "Active" }, "\(locked)")
    }

    /// A saved plan that waits for an asset the service has since made Active: the run has
    /// nothing to record of it, and the lockfile still says Active once it ends.
    @Test func aSavedPlansWaitForAnAssetActiveSinceIsRecorded() async throws {
        let w = try await ApplyWorld(emulator: ["--no-throttle", "--processing-delay", "3s"], manifest: Self.small)
        let first = try await w.apply(["--no-wait"])
        #expect([0, 4].contains(first.status), "\(first.all)")
        let planPath = w.dir.url.appendingPathComponent("p.json").path
        #expect(try await w.run(["plan", w.manifest, "--out", planPath]).status == 0)
        #expect(try String(contentsOfFile: planPath, encoding: .utf8).contains(#""action": "wait""#), "a wait step")
        try await Task.sleep(for: .milliseconds(3500))
        let applied = try await w.run(["apply", w.manifest, "--plan", planPath])
        #expect(applied.status == 0, "\(applied.all)")
        let locked = try w.lockedAssets()
        #expect(locked.count == 2 && locked.values.allSatisfy { $0["status"] as? String == "Active" }, "\(locked)")
    }

    /// The statuses a saved plan's apply records are written with what it does: one refused
    /// before any change leaves the lockfile as the plan found it, and the plan can still be
    /// applied.
    @Test func aSavedPlanRefusedBeforeAnyChangeStaysValid() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        let first = try await w.apply(["--no-wait"])
        #expect([0, 4].contains(first.status), "\(first.all)")
        try await Task.sleep(for: .milliseconds(400))
        try w.write(Self.small + "      back: https://cdn.example.com/back.png\n")
        let planPath = w.dir.url.appendingPathComponent("p.json").path
        #expect(try await w.run(["plan", w.manifest, "--out", planPath]).status == 0)
        let serial = try w.lockfile()["serial"] as? Int
        let refused = try await w.run(["apply", w.manifest, "--plan", planPath, "--max-creates", "0"])
        #expect(refused.status == 1, "\(refused.all)")
        #expect(try w.lockfile()["serial"] as? Int == serial, "nothing written")
        let applied = try await w.run(["apply", w.manifest, "--plan", planPath])
        #expect(applied.status == 0, "\(applied.all)")
        let locked = try w.lockedAssets()
        #expect(locked.count == 3 && locked.values.allSatisfy { $0["status"] as? String == "Active" }, "\(locked)")
    }

    /// A plan is JSON anyone can edit; its manifest's digest says only that the manifest did not
    /// change. A step carrying a url, name, type or address the manifest does not is refused
    /// before any call: it would register (and bill) what no manifest asked for.
    @Test func aSavedPlanWhoseStepsAreNotTheManifestsIsRefused() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        let planPath = w.dir.url.appendingPathComponent("p.json").path
        #expect(try await w.run(["plan", w.manifest, "--out", planPath]).status == 0)
        let document = try String(contentsOfFile: planPath, encoding: .utf8)
        for (from, to, says) in [
            (
                "https://cdn.example.com/side.png", "http://169.254.169.254/latest/meta-data",
                "its step for chars/side carries a url that is not the manifest's"
            ),
            (#""side view""#, #""side\u001b[2J view""#, "its step for chars/side carries a name that is not the manifest's"),
            (#""Characters""#, #""Someone else's""#, "its step for chars carries a name that is not the manifest's"),
            (#""chars/front""#, #""chars/elsewhere""#, "it has a step for chars/elsewhere, which the manifest does not declare"),
        ] {
            #expect(document.contains(from), "\(from)")
            try document.replacingOccurrences(of: from, with: to).write(toFile: planPath, atomically: true, encoding: .utf8)
            let refused = try await w.run(["apply", w.manifest, "--plan", planPath])
            #expect(refused.status == 1, "\(refused.all)")
            #expect(refused.stderr.contains(says), "\(refused.stderr)")
            #expect(!refused.all.contains("\u{1B}"), "shown escaped")
            #expect(try await w.writeCalls() == 0, "nothing was sent")
        }
        try document.write(toFile: planPath, atomically: true, encoding: .utf8)
        let applied = try await w.run(["apply", w.manifest, "--plan", planPath])
        #expect(applied.status == 0, "\(applied.all)")
    }

    /// Values all the manifest's, and still a billed create no plan would hold: a create
    /// copied, or a create at an address the lockfile tracks (its asset Active, unchanged).
    @Test func aSavedPlanWithACopiedCreateOrOneAtATrackedAddressIsRefused() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        let planPath = w.dir.url.appendingPathComponent("p.json").path
        #expect(try await w.run(["plan", w.manifest, "--out", planPath]).status == 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: planPath))
        var document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var actions = try #require(document["actions"] as? [[String: Any]])
        let side = try #require(actions.first { $0["address"] as? String == "chars/side" })
        actions.append(side)
        document["actions"] = actions
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: planPath))
        let copied = try await w.run(["apply", w.manifest, "--plan", planPath])
        #expect(copied.status == 1 && copied.stderr.contains("a second create at one address"), "\(copied.all)")
        #expect(try await w.writeCalls() == 0, "nothing was sent")
        // Applied, then a plan of nothing to do edited to create a tracked asset again.
        actions.removeLast()
        document["actions"] = actions
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: planPath))
        #expect(try await w.run(["apply", w.manifest, "--plan", planPath]).status == 0)
        #expect(try await w.run(["plan", w.manifest, "--out", planPath]).status == 0)
        let againData = try Data(contentsOf: URL(fileURLWithPath: planPath))
        var again = try #require(try JSONSerialization.jsonObject(with: againData) as? [String: Any])
        again["actions"] = [side]
        try JSONSerialization.data(withJSONObject: again).write(to: URL(fileURLWithPath: planPath))
        let writes = try await w.writeCalls()
        let tracked = try await w.run(["apply", w.manifest, "--plan", planPath])
        #expect(tracked.status == 1 && tracked.stderr.contains("a create at an address the lockfile tracks"), "\(tracked.all)")
        #expect(try await w.writeCalls() == writes, "nothing was sent")
    }

    @Test func aSavedPlanThatNeverLookedOrWhoseLockfileWasEditedIsRefused() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        let planPath = w.dir.url.appendingPathComponent("p.json").path
        // --no-refresh: for review only; applying it could register again what exists.
        let review = try await w.run(["plan", w.manifest, "--no-refresh", "--out", planPath])
        #expect(review.status == 0 && review.stdout.contains("cannot be applied"), "\(review.all)")
        let document = try String(contentsOfFile: planPath, encoding: .utf8)
        #expect(document.contains(#""refreshed": false"#) && document.contains(#""emulated": false"#))
        let refused = try await w.run(["apply", w.manifest, "--plan", planPath])
        #expect(refused.status == 1 && refused.stderr.contains("made with --no-refresh"), "\(refused.stderr)")
        #expect(try await w.writeCalls() == 0)
        // A lockfile edited by hand, its serial kept: the plan made from it is stale.
        #expect(try await w.apply().status == 0)
        try w.write(Self.small.replacingOccurrences(of: "Characters", with: "Characters 2"))
        #expect(try await w.run(["plan", w.manifest, "--out", planPath]).status == 0)
        #expect(try String(contentsOfFile: planPath, encoding: .utf8).contains(#""sha256": ""#))
        let lock = try String(contentsOfFile: w.lockPath, encoding: .utf8)
        try (lock + "\n").write(toFile: w.lockPath, atomically: true, encoding: .utf8)
        let edited = try await w.run(["apply", w.manifest, "--plan", planPath])
        #expect(edited.status == 1 && edited.stderr.contains("though its serial did not"), "\(edited.stderr)")
        try lock.write(toFile: w.lockPath, atomically: true, encoding: .utf8)
        let applied = try await w.run(["apply", w.manifest, "--plan", planPath])
        #expect(applied.status == 0, "\(applied.all)")
    }

    @Test func aDamagedJournalIsRefusedAndLeftAsItIs() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        #expect(try await w.apply().status == 0)
        let lock = try String(contentsOfFile: w.lockPath, encoding: .utf8)
        let journal = w.lockPath + ".journal"
        try "not a record\n".write(toFile: journal, atomically: true, encoding: .utf8)
        let out = try await w.apply()
        #expect(out.status == 1)
        #expect(
            out.stderr == "\(journal):1:1: error: this line is not a journal record assetform wrote; "
                + "the journal and the lockfile were left as they are\n", "\(out.stderr)")
        #expect(try String(contentsOfFile: journal, encoding: .utf8) == "not a record\n")
        #expect(try String(contentsOfFile: w.lockPath, encoding: .utf8) == lock)
        #expect(!FileManager.default.fileExists(atPath: w.lockPath + ".lck"), "the lock is released on the way out")
    }

    @Test func jsonEventsAreOneObjectPerLine() async throws {
        let w = try await ApplyWorld(emulator: Self.quick, manifest: Self.small)
        let out = try await w.apply(["--json"])
        #expect(out.status == 0)
        let events = try out.stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["event"] as? String
        }
        #expect(events.first == "planned")
        #expect(events.last == "summary")
        #expect(events.filter { $0 == "started" }.count == 3)
        #expect(events.contains("completed"))
    }
}

@Suite("apply stops early on errors that would repeat for every action")
struct ApplyFatalTests {
    @Test func aFullQuotaStopsTheRunInsteadOfFailingEveryCreate() async throws {
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "50ms", "--max-assets", "5"],
            manifest: generatedManifest(40, groups: 1, rate: "20"))
        let out = try await w.apply()
        #expect(out.status == 3, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("Apply stopped early"), "\(out.stdout)")
        #expect(out.stdout.contains("QuotaExceeded"))
        #expect(out.stdout.contains("were not started; apply again to finish"))
        #expect(try await w.calls("CreateAsset") < 15, "it stopped instead of trying every create")
        #expect(try w.lockedAssets().count == 5, "what was made is recorded")
        // With --json, after the summary, the one error object of a run that ended failing
        // (here before any change: the pool is still full).
        let json = try await w.apply(["--json"])
        #expect(json.status == 1, "\(json.stdout)\(json.stderr)")
        let last = json.stdout.split(separator: "\n").suffix(2).map(String.init)
        #expect(last.first?.hasPrefix(#"{"event":"summary""#) == true, "\(last)")
        let error =
            try #require(
                try JSONSerialization.jsonObject(with: Data((last.last ?? "").utf8)) as? [String: Any])["error"] as? [String: Any]
        #expect(error?["exit_status"] as? Int == 1 && (error?["message"] as? String)?.contains("QuotaExceeded") == true)
    }

    @Test func aRefusedKeyFailsBeforeAnyChange() async throws {
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--deny-key", "apply-e2e-secret-key"], manifest: ApplyCommandTests.small)
        let out = try await w.apply()
        #expect(out.status == 1, "\(out.stdout)\(out.stderr)")
        #expect(out.stderr.contains("AccessDenied"), "\(out.stderr)")
        #expect(try await w.writeCalls() == 0)
        #expect(!FileManager.default.fileExists(atPath: w.lockPath))
    }
}
