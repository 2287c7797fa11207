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
    /// Starts `assetform emulator` and reads the address it prints.
    final class Server {
        let process = Process()
        let output = Pipe()
        let errors = Pipe()
        var baseURL = ""

        init(_ arguments: [String]) throws {
            process.executableURL = BinaryRunner.executable
            process.arguments = ["emulator"] + arguments
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line += chunk
            }
            let text = String(decoding: line, as: UTF8.self)
            guard let range = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) else {
                let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                throw Failure(message: "no address in \(text.debugDescription); stderr: \(err)")
            }
            baseURL = String(text[range])
        }

        struct Failure: Error { let message: String }

        func stop(_ signal: Int32 = SIGTERM) -> Int32 {
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    /// One request with the real HTTP client, on loopback only.
    func call(_ url: String, method: HTTPMethod = .GET, body: String? = nil, key: String? = "k1") async throws -> (Int, String) {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            var request = HTTPClientRequest(url: url)
            request.method = method
            if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await client.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            try await client.shutdown()
            return (Int(response.status.code), String(buffer: bytes))
        } catch {
            try await client.shutdown()
            throw error
        }
    }

    @Test func servesPrintsItsAddressAndStopsOnSIGTERM() async throws {
        let server = try Server(["--port", "0", "--no-throttle"])
        defer { if server.process.isRunning { _ = server.stop(SIGKILL) } }
        let (status, body) = try await call(
            server.baseURL + "/v1/seedance/asset/CreateAssetGroup", method: .POST, body: #"{"Name": "g"}"#)
        #expect(status == 200, "\(body)")
        #expect(body.contains(#""Id":"group-"#))
        let (statsStatus, stats) = try await call(server.baseURL + "/_emulator/stats", key: nil)
        #expect(statsStatus == 200)
        #expect(stats.contains(#""CreateAssetGroup":1"#))
        #expect(server.stop() == 0)
    }

    @Test func stateFilePersistsAcrossRestarts() async throws {
        let dir = try TemporaryDirectory()
        let state = dir.url.appendingPathComponent("state.json").path
        let first = try Server(["--state", state])
        let (_, created) = try await call(
            first.baseURL + "/v1/seedance/asset/CreateAssetGroup", method: .POST, body: #"{"Name": "kept"}"#)
        #expect(first.stop(SIGINT) == 0)
        let id = try #require(created.firstMatch(of: /group-\d{14}-[a-z0-9]{5}/).map { String($0.output) })
        let second = try Server(["--state", state])
        defer { _ = second.stop() }
        let (status, body) = try await call(
            second.baseURL + "/v1/seedance/asset/GetAssetGroup", method: .POST, body: #"{"Id": "\#(id)"}"#)
        #expect(status == 200)
        #expect(body.contains(#""Name":"kept""#))
    }

    @Test func corruptStateFileFailsClearly() throws {
        let dir = try TemporaryDirectory()
        let state = try dir.write("state.json", "garbage")
        let out = try BinaryRunner.run(["emulator", "--state", state])
        #expect(out.status == 1)
        #expect(out.stderr.contains("error: the emulator state file \(state) cannot be read"))
        #expect(try String(contentsOfFile: state, encoding: .utf8) == "garbage")
    }

    @Test func aPortInUseFailsClearly() throws {
        let first = try Server(["--port", "0"])
        defer { _ = first.stop() }
        let port = String(first.baseURL.split(separator: ":").last!)
        let out = try BinaryRunner.run(["emulator", "--port", port])
        #expect(out.status == 1)
        #expect(out.stderr.contains("error: the emulator could not serve on 127.0.0.1:\(port)"), "\(out.stderr)")
        #expect(out.stderr.contains("Address already in use"))
    }

    @Test func badOptionsAreUsageErrors() throws {
        let rate = try BinaryRunner.run(["emulator", "--rate", "Frobnicate=3"])
        #expect(rate.status == 64)
        #expect(rate.stderr.contains("--rate takes ACTION=N"))
        let latency = try BinaryRunner.run(["emulator", "--latency", "soon"])
        #expect(latency.status == 64)
        let share = try BinaryRunner.run(["emulator", "--error-rate", "2"])
        #expect(share.status == 64)
    }
}
