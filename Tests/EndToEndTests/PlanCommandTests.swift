import Foundation
import JSON
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// plan, import, refs, refresh and forget, run as processes against an `assetform emulator`
/// process on 127.0.0.1, with the manifest's service reached through ASSETFORM_BASE_URL.
@Suite("The lockfile commands, run as processes against the emulator")
struct PlanCommandTests {
    static let manifest = """
        version: 1
        provider:
          api: seedance
          api_key_env: E2E_KEY
        limits:
          rate: {create_asset: unlimited, write: unlimited, read: unlimited}
        groups:
          chars:
            name: Characters
            assets:
              front: https://cdn.example.com/front.png
              side:
                url: https://cdn.example.com/side.png
                name: side view

        """

    struct World {
        let dir: URL
        let server: EmulatorProcess
        let manifest: String
        let env: [String: String]
        var lockPath: String { dir.appendingPathComponent("m.lock").path }

        func write(_ name: String, _ text: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func run(_ args: [String], env extra: [String: String] = [:]) async throws -> BinaryRunner.Output {
            try await BinaryRunner.run(args, environment: env.merging(extra) { _, b in b })
        }

        func seedance(_ action: String, _ body: String) async throws -> String {
            try await call(server.baseURL + "/v1/seedance/asset/" + action, method: .POST, body: body, key: "e2e-secret-key").1
        }

        /// Creates a group remotely (as another client would) and returns its id.
        func createGroup(_ name: String) async throws -> String {
            try PlanCommandTests.id(try await seedance("CreateAssetGroup", #"{"Name": "\#(name)"}"#), /group-\d{14}-[a-z0-9]{5}/)
        }

        /// Creates an asset remotely and returns its id.
        func createAsset(in group: String, name: String, type: String = "Image", url: String) async throws -> String {
            let body = #"{"GroupId": "\#(group)", "Name": "\#(name)", "AssetType": "\#(type)", "URL": "\#(url)"}"#
            return try PlanCommandTests.id(try await seedance("CreateAsset", body), /asset-\d{14}-[a-z0-9]{5}/)
        }

        func readCalls() async throws -> Int {
            let stats = try await call(server.baseURL + "/_emulator/stats", key: nil).1
            return ["GetAsset\"", "GetAssetGroup\"", "ListAssets\"", "ListAssetGroups\""].reduce(0) { sum, name in
                guard let r = stats.range(of: name + ":") else { return sum }
                return sum + Int(stats[r.upperBound...].prefix { $0.isNumber })!
            }
        }
    }

    func withWorld(processingDelay: String = "0ms", _ body: (World) async throws -> Void) async throws {
        let dir = try TemporaryDirectory()
        let server = try await EmulatorProcess(["--no-throttle", "--processing-delay", processingDelay])
        let manifest = try dir.write("m.yaml", Self.manifest)
        try await body(
            World(
                dir: dir.url, server: server, manifest: manifest,
                env: ["E2E_KEY": "e2e-secret-key", "ASSETFORM_BASE_URL": server.baseURL]))
    }

    static func id(_ text: String, _ pattern: Regex<Substring>) throws -> String {
        try #require(text.firstMatch(of: pattern).map { String($0.output) })
    }

    @Test func importRefusesAnIdThatAnotherAddressTracks() async throws {
        try await withWorld { w in
            let group = try await w.createGroup("Characters")
            let front = try await w.createAsset(in: group, name: "front", url: "https://cdn.example.com/front.png")
            #expect(try await w.run(["import", w.manifest, "chars/front", front]).status == 0)
            let again = try await w.run(["import", w.manifest, "chars/side", front])
            #expect(again.status == 1)
            #expect(again.stderr.contains("\(front) is already tracked as chars/front"), "\(again.stderr)")
            let malformed = try await w.run(["import", w.manifest, "chars/", front])
            #expect(malformed.status == 64, "a malformed address is a usage error: \(malformed.stderr)")
            #expect(malformed.stderr.contains("\"chars/\" is not an address"), "\(malformed.stderr)")
        }
    }

    @Test func importRefusesAnAssetWhoseGroupAnotherKeyTracks() async throws {
        try await withWorld { w in
            let group = try await w.createGroup("Characters")
            let front = try await w.createAsset(in: group, name: "front", url: "https://cdn.example.com/front.png")
            let other = try await w.createAsset(in: group, name: "x", url: "https://cdn.example.com/x.png")
            let manifest = try w.write(
                "two.yaml",
                Self.manifest + """
                      extra:
                        assets:
                          x: https://cdn.example.com/x.png

                    """)
            #expect(try await w.run(["import", manifest, "chars/front", front]).status == 0)
            let lock = w.dir.appendingPathComponent("two.lock").path
            let before = try String(contentsOfFile: lock, encoding: .utf8)
            // Its group would be tracked as chars and as extra: every later command would refuse
            // the lockfile.
            let again = try await w.run(["import", manifest, "extra/x", other])
            #expect(again.status == 1, "\(again.stderr)")
            #expect(again.stderr.contains("\(group) is already tracked as chars"), "\(again.stderr)")
            #expect(try String(contentsOfFile: lock, encoding: .utf8) == before, "the lockfile is left as it was")
            #expect(try await w.run(["refs", manifest]).status == 0)
        }
    }

    @Test func aLostLockfileAdoptsWithZeroCreatesThenImportConverges() async throws {
        try await withWorld { w in
            let group = try await w.createGroup("Characters")
            let front = try await w.createAsset(in: group, name: "front", url: "https://cdn.example.com/front.png")
            let side = try await w.createAsset(in: group, name: "side view", url: "https://cdn.example.com/side.png")

            let plan = try await w.run(["plan", w.manifest, "--detailed-exitcode"])
            #expect(plan.status == 2, "\(plan.stderr)")
            #expect(plan.stdout.contains("=   chars        adopt: found by name (\(group))"), "\(plan.stdout)")
            #expect(
                plan.stdout.contains(
                    "Plan: 0 to create, 0 to update, 0 to replace, 3 to adopt, 0 to forget; 0 unchanged. 0 billed create calls."))

            for (address, remoteID) in [("chars", group), ("chars/front", front), ("chars/side", side)] {
                let out = try await w.run(["import", w.manifest, address, remoteID])
                #expect(out.status == 0, "\(out.stderr)")
            }
            let lock = try String(contentsOfFile: w.lockPath, encoding: .utf8)
            #expect(lock.contains(#""ref": "asset://\#(front)""#))
            #expect(lock.contains(#""serial": 3"#))
            #expect(!lock.contains("e2e-secret-key"))

            let converged = try await w.run(["plan", w.manifest, "--detailed-exitcode"])
            #expect(converged.status == 0, "\(converged.stdout)\(converged.stderr)")
            #expect(
                converged.stdout
                    == "No changes. Plan: 0 to create, 0 to update, 0 to replace, 0 to adopt, 0 to forget; 3 unchanged. 0 billed create calls.\n"
            )

            let refs = try await w.run(["refs", w.manifest])
            #expect(refs.stdout == "chars/front  asset://\(front)  Active\nchars/side   asset://\(side)  Active\n")
            let env = try await w.run(["refs", w.manifest, "--format", "env"])
            #expect(env.stdout == "ASSETFORM_REF_CHARS_FRONT='asset://\(front)'\nASSETFORM_REF_CHARS_SIDE='asset://\(side)'\n")
            let json = try await w.run(["refs", w.manifest, "--format", "json"])
            #expect(json.stdout.contains(#""chars/front": {"#))

            let forget = try await w.run(["forget", w.manifest, "chars/side"])
            #expect(forget.status == 0)
            let again = try await w.run(["plan", w.manifest, "--detailed-exitcode"])
            #expect(again.status == 2)
            #expect(
                again.stdout.contains("=   chars/side  adopt: found by name in its group (\(side)"),
                "forgotten, and found again: \(again.stdout)")
        }
    }

    @Test func importRefusesWhatDoesNotFit() async throws {
        try await withWorld { w in
            let group = try await w.createGroup("Characters")
            let video = try await w.createAsset(in: group, name: "front", type: "Video", url: "https://cdn.example.com/f.mp4")
            let mismatch = try await w.run(["import", w.manifest, "chars/front", video])
            #expect(mismatch.status == 1)
            #expect(mismatch.stderr == "error: \(video) is video, but chars/front is image in \(w.manifest)\n")
            #expect(!FileManager.default.fileExists(atPath: w.lockPath), "nothing recorded")

            let missing = try await w.run(["import", w.manifest, "chars/front", "asset-20200101000000-nope0"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("GetAsset failed: HTTP 404: NotFound.asset_id"))

            let unknown = try await w.run(["import", w.manifest, "chars/nope", video])
            #expect(unknown.stderr == "error: chars/nope is not an asset of \(w.manifest)\n")

            #expect(try await w.run(["import", w.manifest, "chars", group]).status == 0)
            let other = try await w.run(["import", w.manifest, "chars", "group-20200101000000-other"])
            #expect(other.status == 1)
            #expect(other.stderr == "error: chars is already tracked as \(group); forget it first\n")

            let refs = try await w.run(["refs", w.manifest, "--lock", w.dir.appendingPathComponent("none.lock").path])
            #expect(refs.status == 1)
            #expect(refs.stderr.contains("there is no lockfile"))
            let usage = try await w.run(["import", "only-one"])
            #expect(usage.status == 64)
        }
    }

    @Test func verboseLogsEachCallAndNeverTheKey() async throws {
        try await withWorld { w in
            let key = "sk-E2E-DISTINCTIVE-93f1"
            let group = try await w.createGroup("Characters")
            _ = try await w.createAsset(in: group, name: "front", url: "https://cdn.example.com/front.png")
            let out = try await w.run(["plan", w.manifest, "--verbose"], env: ["E2E_KEY": key])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stderr.contains("POST /v1/seedance/asset/ListAssetGroups 200"), "\(out.stderr)")
            #expect(out.stderr.contains("attempt 1"))
            #expect(!out.stderr.contains(key) && !out.stdout.contains(key))
            #expect(!out.stderr.contains("DISTINCTIVE"))
            let quiet = try await w.run(["plan", w.manifest], env: ["E2E_KEY": key])
            #expect(!quiet.stderr.contains("ListAssetGroups"), "calls are logged only with --verbose")
        }
    }

    @Test func planMakesNoCallWithNoRefreshAndSavesADocument() async throws {
        try await withWorld { w in
            let before = try await w.readCalls()
            let out = w.dir.appendingPathComponent("plan.json").path
            let plan = try await w.run(["plan", w.manifest, "--no-refresh", "--out", out])
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(try await w.readCalls() == before, "--no-refresh makes no call")
            let saved = try String(contentsOfFile: out, encoding: .utf8)
            #expect(saved.contains(#""format_version": 1"#))
            #expect(saved.contains(#""manifest_sha256": ""#))
            #expect(saved.contains(#""billed_creates": 2"#))
            #expect(!saved.contains("e2e-secret-key"))
            let json = try await w.run(["plan", w.manifest, "--json"])
            #expect(json.stdout.hasPrefix("{\n  \"actions\": ["))
        }
    }

    @Test func refreshUpdatesStatusesInTheLockfile() async throws {
        // Long enough that the import sees it Processing (an import takes well under a second,
        // but a machine loaded by other work has stalled a process for seconds).
        try await withWorld(processingDelay: "15s") { w in
            let group = try await w.createGroup("Characters")
            let front = try await w.createAsset(in: group, name: "front", url: "https://cdn.example.com/front.png")
            #expect(try await w.run(["import", w.manifest, "chars/front", front]).status == 0)
            try #require(
                try String(contentsOfFile: w.lockPath, encoding: .utf8).contains(#""status": "Processing""#),
                "the import saw it Processing")
            // Refresh until the service says Active (after the delay), within a minute.
            let deadline = ContinuousClock.now + .seconds(60)
            var refresh = try await w.run(["refresh", w.manifest])
            while !refresh.stdout.contains("chars/front: Processing → Active") && ContinuousClock.now < deadline {
                #expect(refresh.status == 0, "\(refresh.stderr)")
                #expect(refresh.stdout.contains("0 statuses updated"), "nothing changes before: \(refresh.stdout)")
                try await Task.sleep(for: .milliseconds(500))
                refresh = try await w.run(["refresh", w.manifest])
            }
            #expect(refresh.status == 0, "\(refresh.stderr)")
            #expect(refresh.stdout.contains("chars/front: Processing → Active"))
            #expect(try String(contentsOfFile: w.lockPath, encoding: .utf8).contains(#""status": "Active""#))
        }
    }

    /// `refresh --json`: one document on stdout, whatever happened (no lockfile, drift, an error).
    @Test func refreshPrintsOneJSONDocument() async throws {
        try await withWorld { w in
            let none = try await w.run(["refresh", w.manifest, "--json"])
            #expect(none.status == 0, "\(none.stderr)")
            let nothing = try #require(JSONValue.parse(Array(none.stdout.utf8)), "\(none.stdout)")
            #expect(nothing["found"] == .bool(false) && nothing["written"] == .bool(false) && nothing["drift"] == .array([]))
            #expect(nothing["groups"] == .int(0) && nothing["assets"] == .int(0) && nothing["calls"] == .int(0))
            let group = try await w.createGroup("Characters")
            let front = try await w.createAsset(in: group, name: "front", url: "https://cdn.example.com/front.png")
            #expect(try await w.run(["import", w.manifest, "chars/front", front]).status == 0)
            _ = try await w.seedance("UpdateAsset", #"{"Id": "\#(front)", "Name": "renamed \u001b[2J"}"#)
            let refresh = try await w.run(["refresh", w.manifest, "--json"])
            #expect(refresh.status == 0, "\(refresh.stderr)")
            #expect(!refresh.stdout.contains("\u{1B}"), "no raw control character reaches the terminal")
            let document = try #require(JSONValue.parse(Array(refresh.stdout.utf8)), "\(refresh.stdout)")
            #expect(document["found"] == .bool(true) && document["assets"] == .int(1) && document["groups"] == .int(1))
            #expect((document["calls"]?.int ?? 0) > 0 && document["changed_remotely"] == .int(1))
            guard case .array(let items)? = document["drift"], let drift = items.first else {
                Issue.record("no drift listed: \(refresh.stdout)")
                return
            }
            #expect(drift["address"] == .string("chars/front") && drift["kind"] == .string("renamed"))
            #expect(drift["from"] == .string("front") && drift["to"] == .string("renamed \u{1B}[2J"))
            // A journal an interrupted apply left is written into the lockfile first: written.
            let lockText = try String(contentsOfFile: w.lockPath, encoding: .utf8)
            let lockDocument = try #require(JSONValue.parse(Array(lockText.utf8)))
            let provider = try #require(lockDocument["provider"])
            let begin = JSONValue.object(
                [("op", .string("begin")), ("lineage", lockDocument["lineage"] ?? .null)]
                    + [
                        ("api", provider["api"] ?? .null), ("base_url", provider["base_url"] ?? .null),
                        ("project_name", provider["project_name"] ?? .null),
                    ])
            try (begin.encoded + "\n").write(toFile: w.lockPath + ".journal", atomically: true, encoding: .utf8)
            let settled = try await w.run(["refresh", w.manifest, "--json"])
            #expect(settled.status == 0, "\(settled.stderr)")
            #expect(JSONValue.parse(Array(settled.stdout.utf8))?["written"] == .bool(true), "\(settled.stdout)")
            #expect(!FileManager.default.fileExists(atPath: w.lockPath + ".journal"))
            let failed = try await w.run(["refresh", w.manifest, "--json"], env: ["E2E_KEY": ""])
            #expect(failed.status == 1)
            #expect(JSONValue.parse(Array(failed.stdout.utf8))?["error"] != nil, "\(failed.stdout)")
        }
    }

    /// An interrupt after a command wrote an interrupted apply's journal into the lockfile says
    /// that what was completed is recorded (not "nothing was changed"), and lets the lock go.
    @Test func anInterruptedRefreshSaysWhatItRecordedAndLetsItsLockGo() async throws {
        let dir = try TemporaryDirectory()
        // Every call takes 60 s: the interrupt comes while refresh lists, however long this test's
        // own task waits for its turn on a loaded machine (it polls, then signals; with 4 s, a
        // full run of the suite once let the refresh end first).
        let server = try await EmulatorProcess(["--no-throttle", "--processing-delay", "0ms", "--latency", "60s"])
        let manifest = try dir.write("m.yaml", Self.manifest)
        let lockPath = dir.url.appendingPathComponent("m.lock").path
        let provider = #""api": "seedance", "base_url": "\#(server.baseURL)", "project_name": "default""#
        try #"{"groups": {}, "lineage": "l-1", "provider": {\#(provider)}, "serial": 1, "version": 1}"#
            .write(toFile: lockPath, atomically: true, encoding: .utf8)
        try (#"{"op": "begin", "lineage": "l-1", \#(provider)}"# + "\n")
            .write(toFile: lockPath + ".journal", atomically: true, encoding: .utf8)
        let out = dir.url.appendingPathComponent("out")
        let process = try BinaryRunner.started(
            ["refresh", manifest, "--json"],
            environment: ["E2E_KEY": "e2e-secret-key", "ASSETFORM_BASE_URL": server.baseURL], stdout: out)
        // Once its handler is in place and the journal is written into the lockfile.
        let deadline = ContinuousClock.now + .seconds(60)
        while !(PreflightTests.catches(SIGINT, pid: process.processIdentifier)
            && !FileManager.default.fileExists(atPath: lockPath + ".journal")) && ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(300))
        kill(process.processIdentifier, SIGINT)
        #expect(await exitStatus(of: process, limit: .seconds(60)) == 130)
        let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        let error = JSONValue.parse(Array(last.utf8))?["error"]
        #expect(error?["message"] == .string("interrupted; everything completed is recorded"), "\(text)")
        #expect(try String(contentsOfFile: lockPath, encoding: .utf8).contains(#""serial": 2"#), "the journal was written in")
        #expect(!FileManager.default.fileExists(atPath: lockPath + ".lck"), "the lock was let go")
    }

    @Test func errorsExitOne() async throws {
        try await withWorld { w in
            let noKey = try await w.run(["plan", w.manifest, "--detailed-exitcode"], env: ["E2E_KEY": ""])
            #expect(noKey.status == 1)
            #expect(
                noKey.stderr
                    == "error: the environment variable E2E_KEY is empty; it must hold the API key (the manifest's provider.api_key_env names it)\n"
            )

            try "{ not json".write(toFile: w.lockPath, atomically: true, encoding: .utf8)
            let corrupt = try await w.run(["plan", w.manifest, "--detailed-exitcode"])
            #expect(corrupt.status == 1)
            #expect(corrupt.stderr.contains("\(w.lockPath):1:3: error: the lockfile is not valid JSON; it was left as it is"))
            #expect(try String(contentsOfFile: w.lockPath, encoding: .utf8) == "{ not json")
            try FileManager.default.removeItem(atPath: w.lockPath)

            let target = try await w.run(["plan", w.manifest, "--target", "nope"])
            #expect(target.status == 1)
            #expect(target.stderr.contains("--target nope names nothing"))

            let denied = try await w.run(["plan", w.manifest], env: ["E2E_KEY": "x"])
            #expect(denied.status == 0, "any key works on this emulator")

            let invalid = try w.write("bad.yaml", "version: 1\nprovider: {api: nope}\n")
            let bad = try await w.run(["plan", invalid, "--detailed-exitcode"])
            #expect(bad.status == 1)
            #expect(bad.stderr.contains("provider.api must be"))
        }
    }

    @Test func emulatePlansAgainstAnInProcessEmulatorAndKeepsItsFilesApart() async throws {
        let dir = try TemporaryDirectory()
        let manifest = try dir.write("m.yaml", Self.manifest)
        let out = try await BinaryRunner.run(
            ["plan", manifest, "--emulate", "--detailed-exitcode"], environment: ["E2E_KEY": ""])
        #expect(out.status == 2, "\(out.stderr)")
        #expect(out.stdout.contains("+   chars        create group \"Characters\""))
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("m.lock").path), "nothing tracked changes")
    }
}
