import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The upstream's own dialects (issue 17), end to end: the built binary against an emulator
/// process that verifies every request's signature, for volcengine and byteplus alike.
@Suite("volcengine and byteplus: signed requests, and pruning where the service can delete", .serialized)
struct NativeDialectTests {
    static let accessKey = "AKLTe2eaccess0042"
    static let secretKey = "e2e-secret-key-never-shown-0042"

    static func head(_ api: String) -> String {
        """
        version: 1
        provider:
          api: \(api)
          access_key_env: E2E_AK
          secret_key_env: E2E_SK
        limits:
          concurrency: 16
          rate: {create_asset: unlimited, write: unlimited, read: unlimited}
          wait: 1m
        groups:

        """
    }

    /// Assets by key; the file name is the key's last word (`hero-front` → `front.png`), so a
    /// renamed key keeps its url.
    static func manifest(_ api: String, keys: [String], extra: String = "") -> String {
        var text = head(api) + "  chars:\n    assets:\n"
        for key in keys {
            text += "      \(key): https://cdn.example.com/refs/\(key.split(separator: "-").last ?? "").png\n"
        }
        return text + extra
    }

    struct World {
        let world: ApplyWorld
        var env: [String: String]

        init(_ api: String, keys: [String], emulator extra: [String] = []) async throws {
            world = try await ApplyWorld(
                emulator: ["--no-throttle", "--processing-delay", "100ms", "--access-key", "\(accessKey):\(secretKey)"] + extra,
                manifest: NativeDialectTests.manifest(api, keys: keys))
            env = ["E2E_AK": accessKey, "E2E_SK": secretKey, "ASSETFORM_BASE_URL": world.server.baseURL]
        }

        func run(_ args: [String], env extra: [String: String] = [:]) async throws -> BinaryRunner.Output {
            let out = try await BinaryRunner.run(args, environment: env.merging(extra) { $1 })
            #expect(!out.all.contains(secretKey), "the secret key never reaches output")
            #expect(!out.all.contains(accessKey), "the access key is shown by its last characters at most")
            return out
        }

        func calls(_ action: String) async throws -> Int { try await world.calls(action, dialect: "volcengine") }

        /// Nothing the tool wrote holds a key.
        func expectNoSecretInFiles() throws {
            let files = try FileManager.default.contentsOfDirectory(atPath: world.dir.url.path)
            for name in files {
                let text = (try? String(contentsOfFile: world.dir.url.appendingPathComponent(name).path, encoding: .utf8)) ?? ""
                #expect(!text.contains(secretKey) && !text.contains(accessKey), "\(name) holds a key")
            }
        }
    }

    @Test(
        "apply, a no-op plan, a rename, a prune of one removed asset, and --prune-failed", arguments: ["volcengine", "byteplus"])
    func lifecycle(api: String) async throws {
        let w = try await World(api, keys: ["front", "side", "back"], emulator: ["--fail-url", "*broken*"])
        let applied = try await w.run(["apply", w.world.manifest, "--auto-approve"])
        #expect(applied.status == 0, "\(applied.all)")
        #expect(try await w.calls("CreateAsset") == 3)
        let locked = try w.world.lockedAssets()
        #expect(locked.count == 3)
        #expect((locked["chars/front"]?["ref"] as? String)?.hasPrefix("asset://asset-") == true)

        let plan = try await w.run(["plan", w.world.manifest, "--detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.all)")
        #expect(plan.stdout.contains("No changes."), "\(plan.stdout)")

        // A renamed key: a move (and the remote name follows), no create.
        try w.world.write(Self.manifest(api, keys: ["hero-front", "side", "back"]))
        let renamed = try await w.run(["apply", w.world.manifest, "--auto-approve"])
        #expect(renamed.status == 0, "\(renamed.all)")
        #expect(try await w.calls("CreateAsset") == 3)
        #expect(try w.world.lockedAssets()["chars/hero-front"]?["id"] as? String == locked["chars/front"]?["id"] as? String)

        // One asset leaves the manifest: without --prune it is forgotten; with it, exactly one DeleteAsset.
        try w.world.write(Self.manifest(api, keys: ["hero-front", "side"]))
        let shown = try await w.run(["plan", w.world.manifest, "--prune"])
        #expect(shown.stdout.contains("x   chars/back") || shown.stdout.contains("x chars/back"), "\(shown.stdout)")
        #expect(shown.stdout.contains("1 to delete"), "\(shown.stdout)")
        let capped = try await w.run(["apply", w.world.manifest, "--auto-approve", "--prune", "--max-deletes", "0"])
        #expect(capped.status == 1, "\(capped.all)")
        #expect(try await w.calls("DeleteAsset") == 0)
        let pruned = try await w.run(["apply", w.world.manifest, "--auto-approve", "--prune"])
        #expect(pruned.status == 0, "\(pruned.all)")
        #expect(try await w.calls("DeleteAsset") == 1)
        #expect(try await w.calls("DeleteAssetGroup") == 0)
        #expect(try w.world.lockedAssets()["chars/back"] == nil)
        #expect(try await w.world.objects(dialect: "volcengine").1 == 2, "the asset is gone remotely")

        // A source that fails remotely: reported, then deleted with --prune-failed.
        try w.world.write(Self.manifest(api, keys: ["hero-front", "side", "broken"]))
        let failed = try await w.run(["apply", w.world.manifest, "--auto-approve"])
        #expect(failed.status == 3, "\(failed.all)")
        let failedID = try #require(try w.world.lockedAssets()["chars/broken"]?["id"] as? String)
        let prunedFailed = try await w.run(["apply", w.world.manifest, "--auto-approve", "--prune-failed"])
        #expect(prunedFailed.stdout.contains("chars/broken"), "\(prunedFailed.all)")
        // Deleted, and still in the manifest: the next apply creates it again, so not converged.
        #expect(prunedFailed.status == 4, "\(prunedFailed.all)")
        #expect(prunedFailed.stdout.contains("the next apply creates it again"), "\(prunedFailed.stdout)")
        #expect(try await w.calls("DeleteAsset") == 2)
        #expect(try w.world.lockedAssets()["chars/broken"] == nil, "its record goes with it")
        #expect(try await w.world.objects(dialect: "volcengine").1 == 2)
        _ = failedID
        try w.expectNoSecretInFiles()
    }

    @Test("a removed group is deleted after its tracked assets, and kept when it holds what this lockfile does not track")
    func pruneAGroup() async throws {
        let w = try await World("volcengine", keys: [])
        let two =
            Self.head("volcengine") + "  chars:\n    assets:\n      a: https://cdn.example.com/a.png\n"
            + "      b: https://cdn.example.com/b.png\n  solo:\n    assets:\n      c: https://cdn.example.com/c.png\n"
        try w.world.write(two)
        #expect(try await w.run(["apply", w.world.manifest, "--auto-approve"]).status == 0)
        // Another team's lockfile adopts the group `chars` (same name) and adds an asset of its own.
        let other = try w.world.dir.write(
            "other.yaml", Self.head("volcengine") + "  chars:\n    assets:\n      extra: https://cdn.example.com/x.png\n")
        let otherLock = w.world.dir.url.appendingPathComponent("other.lock").path
        let adopted = try await w.run(["apply", other, "--auto-approve", "--lock", otherLock])
        #expect(adopted.status == 0, "\(adopted.all)")
        // Both groups leave this manifest.
        try w.world.write(Self.head("volcengine") + "  kept:\n    assets:\n      d: https://cdn.example.com/d.png\n")
        let plan = try await w.run(["plan", w.world.manifest, "--prune"])
        #expect(plan.stdout.contains("5 to delete"), "a, b, c and the two groups: \(plan.stdout)")
        let pruned = try await w.run(["apply", w.world.manifest, "--auto-approve", "--prune"])
        #expect(pruned.status == 0, "\(pruned.all)")
        #expect(try await w.calls("DeleteAsset") == 3, "a, b and c: never the other lockfile's asset")
        #expect(try await w.calls("DeleteAssetGroup") == 1, "solo only")
        #expect(pruned.stdout.contains("chars: not deleted: it holds 1 object this lockfile does not track"), "\(pruned.stdout)")
        let groups = try #require(try w.world.lockfile()["groups"] as? [String: Any])
        #expect(groups["chars"] == nil && groups["solo"] == nil && groups["kept"] != nil)
        // The other lockfile's group and asset are still there.
        let check = try await w.run(["plan", other, "--lock", otherLock, "--detailed-exitcode"])
        #expect(check.status == 0, "\(check.all)")
    }

    @Test("--prune never deletes the old asset of one registered again in another group, nor the group holding it")
    func pruneKeepsAMovedAssetsOldRecord() async throws {
        let w = try await World("volcengine", keys: [])
        try w.world.write(
            Self.head("volcengine") + "  g1:\n    assets:\n      a: https://cdn.example.com/a.png\n"
                + "      b: https://cdn.example.com/b.png\n  g3:\n    assets:\n      x: https://cdn.example.com/x.png\n")
        #expect(try await w.run(["apply", w.world.manifest, "--auto-approve"]).status == 0)
        let oldA = try #require(try w.world.lockedAssets()["g1/a"]?["id"] as? String)
        // g1 leaves; its asset a is declared again in g3.
        try w.world.write(
            Self.head("volcengine") + "  g3:\n    assets:\n      x: https://cdn.example.com/x.png\n"
                + "      a: https://cdn.example.com/a.png\n")
        let plan = try await w.run(["plan", w.world.manifest, "--prune"])
        #expect(plan.status == 0, "\(plan.all)")
        #expect(!plan.stdout.contains("delete \(oldA)"), "\(plan.stdout)")
        let pruned = try await w.run(["apply", w.world.manifest, "--auto-approve", "--prune"])
        #expect(pruned.status == 0, "\(pruned.all)")
        #expect(try await w.calls("DeleteAsset") == 1, "b only: \(pruned.stdout)")
        #expect(try await w.calls("DeleteAssetGroup") == 0, "g1 still holds the old a")
        let groups = try #require(try w.world.lockfile()["groups"] as? [String: Any])
        #expect(groups["g1"] == nil && groups["g3"] != nil)
        #expect(try w.world.lockedAssets()["g3/a"] != nil)
    }

    @Test("a saved plan carries its deletes; --max-deletes guards it; an edited plan cannot delete another id")
    func savedPlanDeletes() async throws {
        let w = try await World("byteplus", keys: ["front", "side"])
        #expect(try await w.run(["apply", w.world.manifest, "--auto-approve"]).status == 0)
        try w.world.write(Self.manifest("byteplus", keys: ["front"]))
        let planFile = w.world.dir.url.appendingPathComponent("p.json").path
        let saved = try await w.run(["plan", w.world.manifest, "--prune", "--out", planFile])
        #expect(saved.status == 0, "\(saved.all)")
        let capped = try await w.run(["apply", w.world.manifest, "--plan", planFile, "--max-deletes", "0"])
        #expect(capped.status == 1, "\(capped.all)")
        #expect(capped.stderr.contains("--max-deletes 0"), "\(capped.stderr)")
        // The file says to delete an id this lockfile does not track there: refused before any
        // change, nothing deleted.
        let text = try String(contentsOfFile: planFile, encoding: .utf8)
        let sideID = try #require(try w.world.lockedAssets()["chars/side"]?["id"] as? String)
        try text.replacingOccurrences(of: sideID, with: "asset-20260101000000-zzzzz")
            .write(toFile: planFile + ".edited", atomically: true, encoding: .utf8)
        let edited = try await w.run(["apply", w.world.manifest, "--plan", planFile + ".edited"])
        #expect(edited.status == 1, "\(edited.all)")
        #expect(edited.stderr.contains("a delete of asset-20260101000000-zzzzz, which is not tracked there"), "\(edited.all)")
        #expect(try await w.calls("DeleteAsset") == 0)
        #expect(try await w.run(["plan", w.world.manifest, "--prune", "--out", planFile]).status == 0)
        let applied = try await w.run(["apply", w.world.manifest, "--plan", planFile])
        #expect(applied.status == 0, "\(applied.all)")
        #expect(try await w.calls("DeleteAsset") == 1)
        #expect(try w.world.lockedAssets()["chars/side"] == nil)
    }

    @Test("killed with SIGKILL once a delete's intent is journaled: the next run settles it, nothing lost or left open")
    func killedDuringADelete() async throws {
        let w = try await World("volcengine", keys: ["front", "side"], emulator: ["--latency", "1500ms"])
        #expect(try await w.run(["apply", w.world.manifest, "--auto-approve"]).status == 0)
        try w.world.write(Self.manifest("volcengine", keys: ["front"]))
        let journal = w.world.lockPath + ".journal"
        let process = Process()
        process.executableURL = BinaryRunner.executable
        process.arguments = ["apply", w.world.manifest, "--auto-approve", "--prune"]
        process.environment = ProcessInfo.processInfo.environment.merging(w.env) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Until the delete's intent is on disk (bounded), then kill it mid-call.
        let deadline = ContinuousClock.now + .seconds(60)
        var journaled = false
        while ContinuousClock.now < deadline && process.isRunning {
            if let text = try? String(contentsOfFile: journal, encoding: .utf8), text.contains("\"deletes\"") {
                journaled = true
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(process.processIdentifier, SIGKILL)
        _ = await exitStatus(of: process, limit: .seconds(30))
        try #require(journaled, "the delete's intent reached the journal before the kill")
        // Another command that writes the lockfile is not held up by it (a delete is never an open create).
        let forgot = try await w.run(["forget", w.world.manifest, "chars/front"])
        #expect(forgot.status == 0, "\(forgot.all)")
        try w.world.write(Self.head("volcengine") + "  chars:\n    assets: {}\n")
        let again = try await w.run(["apply", w.world.manifest, "--auto-approve", "--prune"])
        #expect(again.status == 0, "\(again.all)")
        #expect(try w.world.lockedAssets().isEmpty, "the side asset's record is gone, deleted or found gone")
        #expect(try await w.world.objects(dialect: "volcengine").1 == 1, "only front, which was forgotten, stays remotely")
        #expect(!FileManager.default.fileExists(atPath: journal))
    }

    @Test("a wrong secret stops before any write; a clock 20 minutes off is refused naming the clock")
    func credentialsAndClock() async throws {
        let w = try await World("volcengine", keys: ["a"])
        let wrong = try await w.run(["apply", w.world.manifest, "--auto-approve"], env: ["E2E_SK": "not-the-secret-key"])
        #expect(wrong.status == 1, "\(wrong.all)")
        #expect(wrong.stderr.contains("SignatureDoesNotMatch"), "\(wrong.stderr)")
        #expect(!wrong.all.contains("not-the-secret-key"), "a wrong secret is a secret too")
        #expect(try await w.world.writeCalls() == 0)
        #expect(!FileManager.default.fileExists(atPath: w.world.lockPath))
        let missing = try await w.run(["plan", w.world.manifest], env: ["E2E_SK": ""])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("E2E_SK"), "\(missing.stderr)")

        let skewed = try await World("byteplus", keys: ["a"], emulator: ["--clock-offset", "20m"])
        let refused = try await skewed.run(["apply", skewed.world.manifest, "--auto-approve"])
        #expect(refused.status == 1, "\(refused.all)")
        #expect(refused.stderr.lowercased().contains("clock") || refused.stderr.contains("RequestExpired"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: skewed.world.lockPath))
    }

    @Test("a region the manifest names: --emulate stands in for its endpoint; another emulator refuses it, naming it")
    func aManifestsOwnRegion() async throws {
        let dir = try TemporaryDirectory()
        let body = "  region: cn-shanghai\ngroups:\n  g:\n    name: G\n    assets:\n      a: https://c.example.com/a.png\n"
        let path = try dir.write("m.yaml", "version: 1\nprovider:\n  api: volcengine\n" + body)
        let emulated = try await BinaryRunner.run(["apply", path, "--emulate", "--auto-approve"])
        #expect(emulated.status == 0, "\(emulated.all)")
        let w = try await World("volcengine", keys: ["a"])
        try String(contentsOfFile: w.world.manifest, encoding: .utf8)
            .replacingOccurrences(of: "provider:\n", with: "provider:\n  region: cn-shanghai\n")
            .write(toFile: w.world.manifest, atomically: true, encoding: .utf8)
        let refused = try await w.run(["plan", w.world.manifest])
        #expect(refused.status == 1, "\(refused.all)")
        #expect(refused.stderr.contains("cn-shanghai") && refused.stderr.contains("SignatureDoesNotMatch"), "\(refused.stderr)")
    }

    @Test("--prune on a dialect that cannot delete is refused before any call")
    func pruneNeedsADelete() async throws {
        let world = try await ApplyWorld(
            emulator: ["--no-throttle"], manifest: manifestHead() + "  g:\n    assets:\n      a: https://cdn.example.com/a.png\n")
        let out = try await world.run(["apply", world.manifest, "--auto-approve", "--prune"])
        #expect(out.status == 1, "\(out.all)")
        #expect(out.stderr.contains("has no delete call"), "\(out.stderr)")
        #expect(try await world.writeCalls() == 0)
    }
}
