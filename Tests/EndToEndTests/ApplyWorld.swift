import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// An `assetform emulator` process with fault options, a folder with a manifest, and the
/// built binary run against them over 127.0.0.1: the world apply's end-to-end tests live in.
final class ApplyWorld {
    let dir: TemporaryDirectory
    let server: EmulatorProcess
    let manifest: String
    let key = "apply-e2e-secret-key"
    let keyVariable: String

    init(emulator options: [String], manifest text: String, keyVariable: String = "E2E_KEY") async throws {
        dir = try TemporaryDirectory()
        server = try await EmulatorProcess(options)
        manifest = try dir.write("m.yaml", text)
        self.keyVariable = keyVariable
    }

    var lockPath: String { dir.url.appendingPathComponent("m.lock").path }
    var env: [String: String] { [keyVariable: key, "ASSETFORM_BASE_URL": server.baseURL] }

    func write(_ text: String) throws {
        try text.write(toFile: manifest, atomically: true, encoding: .utf8)
    }

    func run(_ args: [String]) async throws -> BinaryRunner.Output {
        let out = try await BinaryRunner.run(args, environment: env)
        #expect(!out.stdout.contains(key) && !out.stderr.contains(key), "the key never reaches output")
        return out
    }

    func apply(_ extra: [String] = []) async throws -> BinaryRunner.Output {
        try await run(["apply", manifest, "--auto-approve"] + extra)
    }

    /// Starts `assetform apply` without waiting for it; its output goes to files in the folder.
    func startApply(_ extra: [String] = [], tag: String) throws -> Process {
        let process = Process()
        process.executableURL = BinaryRunner.executable
        process.arguments = ["apply", manifest, "--auto-approve"] + extra
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        _ = FileManager.default.createFile(atPath: dir.url.appendingPathComponent("\(tag).out").path, contents: nil)
        _ = FileManager.default.createFile(atPath: dir.url.appendingPathComponent("\(tag).err").path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: dir.url.appendingPathComponent("\(tag).out"))
        process.standardError = try FileHandle(forWritingTo: dir.url.appendingPathComponent("\(tag).err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    func output(_ tag: String) -> String {
        ((try? String(contentsOf: dir.url.appendingPathComponent("\(tag).out"), encoding: .utf8)) ?? "")
            + ((try? String(contentsOf: dir.url.appendingPathComponent("\(tag).err"), encoding: .utf8)) ?? "")
    }

    /// Until the output of the run started with `tag` holds `text`, for a minute at most (the
    /// assertions that follow say what went wrong, if anything did).
    func waitForOutput(_ tag: String, containing text: String) async {
        let deadline = ContinuousClock.now + .seconds(60)
        while !output(tag).contains(text) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The emulator's counters.
    func stats() async throws -> [String: Any] {
        let text = try await call(server.baseURL + "/_emulator/stats", key: nil).1
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Calls of one action so far (`CreateAsset`, `POST /v1/assets`, …).
    func calls(_ action: String, dialect: String = "seedance") async throws -> Int {
        let s = try await stats()
        return ((s["calls"] as? [String: Any])?[dialect] as? [String: Any])?[action] as? Int ?? 0
    }

    /// Write calls so far on seedance: creates and updates.
    func writeCalls() async throws -> Int {
        var n = 0
        for a in ["CreateAsset", "CreateAssetGroup", "UpdateAsset", "UpdateAssetGroup"] { n += try await calls(a) }
        return n
    }

    /// Objects the service holds for the key: (groups, assets).
    func objects(dialect: String = "seedance") async throws -> (Int, Int) {
        let s = try await stats()
        let perKey = ((s["objects"] as? [String: Any])?[dialect] as? [String: Any]) ?? [:]
        let counts = perKey.values.first as? [String: Any] ?? [:]
        return (counts["groups"] as? Int ?? 0, counts["assets"] as? Int ?? 0)
    }

    /// Asset names on seedance per group id, to find duplicates.
    func seedanceAssetNames() async throws -> [String] {
        var names: [String] = []
        var page = 1
        while true {
            let body = #"{"Filter": {"GroupType": "AIGC"}, "PageNumber": \#(page), "PageSize": 100}"#
            let text = try await call(
                server.baseURL + "/v1/seedance/asset/ListAssets", method: .POST, body: body, key: key
            ).1
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let result = (object["Result"] as? [String: Any]) ?? object
            let items = result["Items"] as? [[String: Any]] ?? []
            names += items.map { "\($0["GroupId"] ?? "")/\($0["Name"] ?? "")" }
            if items.count < 100 { return names }
            page += 1
        }
    }

    /// The lockfile, parsed (it must be valid JSON).
    func lockfile() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: lockPath))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func lockedAssets() throws -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        for (g, group) in (try lockfile()["groups"] as? [String: [String: Any]]) ?? [:] {
            for (a, asset) in (group["assets"] as? [String: [String: Any]]) ?? [:] { out[g + "/" + a] = asset }
        }
        return out
    }
}

/// A manifest's start, up to `groups:`, on the E2E_KEY variable.
func manifestHead(api: String = "seedance", rate: String = "unlimited", wait: String = "1m", extra: String = "") -> String {
    """
    version: 1
    provider:
      api: \(api)
      api_key_env: E2E_KEY
    limits:
      concurrency: 16
      rate: {create_asset: \(rate), write: unlimited, read: unlimited}
      wait: \(wait)
    \(extra)groups:

    """
}

/// A manifest of `count` assets in `groups` groups, all with distinct names and URLs.
func generatedManifest(
    _ count: Int, groups: Int = 3, api: String = "seedance", rate: String = "unlimited", wait: String = "1m",
    extra: String = ""
) -> String {
    var text = manifestHead(api: api, rate: rate, wait: wait, extra: extra)
    for g in 0..<groups {
        text += "  g\(g):\n    name: group \(g)\n    assets:\n"
        for i in stride(from: g, to: count, by: groups) {
            text += "      a\(i):\n        url: https://cdn.example.com/refs/\(i).png\n        name: asset \(i)\n"
        }
    }
    return text
}
