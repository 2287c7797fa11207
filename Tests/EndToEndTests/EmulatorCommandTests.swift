import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("assetform emulator, run as a process")
struct EmulatorCommandTests {
    @Test func servesPrintsItsAddressAndStopsOnSIGTERM() async throws {
        let server = try await EmulatorProcess(["--port", "0", "--no-throttle"])
        let (status, body) = try await call(
            server.baseURL + "/v1/seedance/asset/CreateAssetGroup", method: .POST, body: #"{"Name": "g"}"#)
        #expect(status == 200, "\(body)")
        #expect(body.contains(#""Id":"group-"#))
        let (statsStatus, stats) = try await call(server.baseURL + "/_emulator/stats", key: nil)
        #expect(statsStatus == 200)
        #expect(stats.contains(#""CreateAssetGroup":1"#))
        #expect(await server.stop() == 0)
    }

    @Test func stateFilePersistsAcrossRestarts() async throws {
        let dir = try TemporaryDirectory()
        let state = dir.url.appendingPathComponent("state.json").path
        let first = try await EmulatorProcess(["--state", state])
        let (_, created) = try await call(
            first.baseURL + "/v1/seedance/asset/CreateAssetGroup", method: .POST, body: #"{"Name": "kept"}"#)
        #expect(await first.stop(SIGINT) == 0)
        let id = try #require(created.firstMatch(of: /group-\d{14}-[a-z0-9]{5}/).map { String($0.output) })
        let second = try await EmulatorProcess(["--state", state])
        let (status, body) = try await call(
            second.baseURL + "/v1/seedance/asset/GetAssetGroup", method: .POST, body: #"{"Id": "\#(id)"}"#)
        #expect(status == 200)
        #expect(body.contains(#""Name":"kept""#))
    }

    /// A change the emulator answered is never lost, even when it is killed (SIGKILL) before its
    /// state file is written again: each is logged before the answer, and replayed at start.
    @Test func answeredChangesSurviveASIGKILL() async throws {
        let dir = try TemporaryDirectory()
        let state = dir.url.appendingPathComponent("state.json").path
        let first = try await EmulatorProcess(["--state", state, "--no-throttle"])
        var ids: [String] = []
        for i in 0..<12 {
            let (status, created) = try await call(
                first.baseURL + "/v1/seedance/asset/CreateAssetGroup", method: .POST, body: #"{"Name": "g\#(i)"}"#)
            #expect(status == 200, "\(created)")
            ids += created.firstMatch(of: /group-\d{14}-[a-z0-9]{5}/).map { [String($0.output)] } ?? []
        }
        let (_, renamed) = try await call(
            first.baseURL + "/v1/seedance/asset/UpdateAssetGroup", method: .POST,
            body: #"{"Id": "\#(ids[0])", "Name": "renamed"}"#)
        #expect(renamed.contains("ResponseMetadata"))
        // At once: within the quarter of a second before the state file is written again.
        _ = await first.stop(SIGKILL)
        #expect(first.process.terminationReason == .uncaughtSignal)
        #expect(ids.count == 12)
        let second = try await EmulatorProcess(["--state", state, "--no-throttle"])
        for (i, id) in ids.enumerated() {
            let (status, body) = try await call(
                second.baseURL + "/v1/seedance/asset/GetAssetGroup", method: .POST, body: #"{"Id": "\#(id)"}"#)
            #expect(status == 200, "\(id): \(body)")
            #expect(body.contains(i == 0 ? #""Name":"renamed""# : #""Name":"g\#(i)""#), "\(body)")
        }
        #expect(await second.stop(SIGINT) == 0)
        // Written whole at the stop: no change is left to replay.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.contains(".log.") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func corruptStateFileFailsClearly() async throws {
        let dir = try TemporaryDirectory()
        let state = try dir.write("state.json", "garbage")
        let out = try await BinaryRunner.run(["emulator", "--state", state])
        #expect(out.status == 1)
        #expect(out.stderr.contains("error: the emulator state file \(state) cannot be read"))
        #expect(try String(contentsOfFile: state, encoding: .utf8) == "garbage")
    }

    @Test func aPortInUseFailsClearly() async throws {
        let first = try await EmulatorProcess(["--port", "0"])
        let port = String(first.baseURL.split(separator: ":").last!)
        let out = try await BinaryRunner.run(["emulator", "--port", port])
        #expect(out.status == 1)
        #expect(out.stderr.contains("error: the emulator could not serve on 127.0.0.1:\(port)"), "\(out.stderr)")
        #expect(out.stderr.contains("Address already in use"))
    }

    @Test func badOptionsAreUsageErrors() async throws {
        let rate = try await BinaryRunner.run(["emulator", "--rate", "Frobnicate=3"])
        #expect(rate.status == 64)
        #expect(rate.stderr.contains("--rate takes ACTION=N"))
        let latency = try await BinaryRunner.run(["emulator", "--latency", "soon"])
        #expect(latency.status == 64)
        let share = try await BinaryRunner.run(["emulator", "--error-rate", "2"])
        #expect(share.status == 64)
        // Options that once trapped or wrapped: each is a usage error, never a crash.
        for options in [
            ["--latency=-"], ["--latency=--"], ["--latency", "-5ms-"], ["--port", "70000"], ["--port", "-1"],
            ["--rate", "GetAsset=1e-20"],
        ] {
            let out = try await BinaryRunner.run(["emulator"] + options)
            #expect(out.status == 64 && !out.signalled, "\(options): \(out.all)")
        }
    }

    /// A hand-edited state file whose times or counters no emulator writes is refused at start,
    /// as a corrupt one is; never a trap on the first request.
    @Test(arguments: [
        (#""readyTime":1e300"#, "asset"), (#""readyTime":-1e300"#, "asset"),
        (#""nextSequence":9223372036854775807"#, "nextSequence"),
    ])
    func aStateFileOutOfRangeIsRefusedAtStart(edit: String, says: String) async throws {
        let dir = try TemporaryDirectory()
        let state = dir.url.appendingPathComponent("state.json").path
        let first = try await EmulatorProcess(["--state", state, "--processing-delay", "1s"])
        let (_, created) = try await call(
            first.baseURL + "/v1/seedance/asset/CreateAssetGroup", method: .POST, body: #"{"Name": "kept"}"#)
        let id = try #require(created.firstMatch(of: /group-\d{14}-[a-z0-9]{5}/).map { String($0.output) })
        let (status, _) = try await call(
            first.baseURL + "/v1/seedance/asset/CreateAsset", method: .POST,
            body: #"{"GroupId": "\#(id)", "Name": "a", "AssetType": "Image", "URL": "https://cdn.example.com/a.png"}"#)
        #expect(status == 200)
        #expect(await first.stop(SIGINT) == 0)
        var text = try String(contentsOfFile: state, encoding: .utf8)
        let field = edit.split(separator: ":")[0]
        let pattern = try Regex("\(field):[-0-9.e+]+")
        text = text.replacing(pattern, with: edit)
        try text.write(toFile: state, atomically: true, encoding: .utf8)
        let out = try await BinaryRunner.run(["emulator", "--state", state])
        #expect(out.status == 1 && !out.signalled, "\(out.all)")
        #expect(out.stderr.contains("cannot be read") && out.stderr.contains(says), "\(out.stderr)")
    }
}
