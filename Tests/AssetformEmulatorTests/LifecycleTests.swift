import AssetformEmulator
import AsyncHTTPClient
import Foundation
import JSON
import Testing

@Suite("Stats, reset, persistence, start and stop")
struct LifecycleTests {
    @Test func statsCountCallsAndObjectsPerKey() async throws {
        try await withEmulator({ $0.throttle = false }) { h in
            let g = try await h.group()
            _ = try await h.asset(in: g, name: "a")
            _ = try await h.seedance("GetAssetGroup", #"{"Id": "\#(g)"}"#)
            _ = try await h.request(.POST, "/v1/asset-groups", body: #"{"platform": "JIMENG", "name": "x"}"#)
            let stats = try await h.stats()
            #expect(stats["calls"]?["seedance"]?["CreateAssetGroup"]?.int == 1)
            #expect(stats["calls"]?["seedance"]?["CreateAsset"]?.int == 1)
            #expect(stats["calls"]?["seedance"]?["GetAssetGroup"]?.int == 1)
            #expect(stats["calls"]?["0-0"]?["POST /v1/asset-groups"]?.int == 1)
            let keyID = Emulator.keyID(h.key)
            #expect(stats["objects"]?["seedance"]?[keyID] == .object([("groups", .int(1)), ("assets", .int(1))]))
            #expect(stats["objects"]?["0-0"]?[keyID]?["groups"]?.int == 1)
            #expect(!stats.encoded.contains(h.key), "keys appear only as digests")
        }
    }

    @Test func resetEmptiesEverything() async throws {
        try await withEmulator { h in
            let g = try await h.group()
            let r = try await h.request(.POST, "/_emulator/reset", key: nil)
            #expect(r.status == 200)
            #expect(try await h.seedance("GetAssetGroup", #"{"Id": "\#(g)"}"#).errorCode == "NotFound.group_id")
            let stats = try await h.stats()
            #expect(stats["objects"]?["seedance"] == .object([]))
            #expect(stats["calls"]?["seedance"]?["CreateAssetGroup"] == nil)
        }
    }

    @Test func stateSurvivesARestart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assetform-emu-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.json").path
        let ids = LockedBox<(String, String)?>(nil)
        try await withEmulator({ $0.statePath = path }) { h in
            let g = try await h.group("kept")
            ids.value = (g, try await h.asset(in: g, name: "a"))
        }
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!saved.contains("test-key-alpha"), "the key is stored only as a digest")
        let (g, a) = try #require(ids.value)
        try await withEmulator({ $0.statePath = path }) { h in
            #expect(try await h.seedance("GetAssetGroup", #"{"Id": "\#(g)"}"#).result?["Name"]?.string == "kept")
            #expect(try await h.seedance("GetAsset", #"{"Id": "\#(a)"}"#).status == 200)
            let list = try await h.seedance("ListAssets", #"{"Filter": {"GroupType": "AIGC", "GroupIds": ["\#(g)"]}}"#)
            #expect(list.result?["TotalCount"]?.int == 1)
        }
    }

    @Test func corruptStateIsAnErrorAndLeftAlone() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assetform-emu-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.json").path
        try "{not json".write(toFile: path, atomically: true, encoding: .utf8)
        var configuration = EmulatorConfiguration()
        configuration.statePath = path
        do {
            _ = try await Emulator.withRunning(configuration) { _ in Issue.record("it should not start") }
            Issue.record("expected an error")
        } catch let error as EmulatorError {
            #expect("\(error)".contains(path))
            #expect("\(error)".contains("left as it is"))
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{not json")
    }

    @Test func oneWriterOfAStateFileAtATime() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assetform-emu-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.json").path
        var configuration = EmulatorConfiguration()
        configuration.statePath = path
        let writer = configuration
        configuration.stateReadOnly = true
        let reader = configuration
        try await Emulator.withRunning(writer) { _ in
            // A second writer is refused before it serves (and before it touches the file)…
            do {
                _ = try await Emulator.withRunning(writer) { _ in Issue.record("a second writer should not start") }
                Issue.record("expected the state file to be in use")
            } catch let error as EmulatorError {
                guard case .stateInUse(let p, let holder) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(p == path)
                #expect(holder.contains("pid \(ProcessInfo.processInfo.processIdentifier)"))
                #expect(error.isTemporary)
            }
            // …and one that only reads it is not.
            try await Emulator.withRunning(reader) { _ in }
        }
        // Let go when the first stops: the next writer starts, and no lock file is left.
        try await Emulator.withRunning(writer) { _ in }
        #expect(!FileManager.default.fileExists(atPath: path + ".lck"))
    }

    @Test func stopsWhenTheBodyThrows() async throws {
        struct Boom: Error {}
        let url = LockedBox<String?>(nil)
        do {
            try await Emulator.withRunning(EmulatorConfiguration()) { running in
                url.value = running.baseURL
                throw Boom()
            }
            Issue.record("expected the error to pass through")
        } catch is Boom {}
        let base = try #require(url.value)
        #expect(base.hasPrefix("http://127.0.0.1:"))
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        await #expect(throws: (any Error).self, "nothing listens any more") {
            _ = try await client.execute(HTTPClientRequest(url: base + "/_emulator/stats"), timeout: .seconds(2))
        }
        try await client.shutdown()
    }

    @Test func twoEmulatorsGetTwoPorts() async throws {
        try await withEmulator { a in
            try await withEmulator { b in
                #expect(a.baseURL != b.baseURL)
            }
        }
    }
}

/// A value tests set from inside a @Sendable closure and read after it.
final class LockedBox<T: Sendable>: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var stored: T

    init(_ value: T) {
        stored = value
    }

    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
