import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#endif

/// Starts `assetform emulator` and reads the address it prints.
final class EmulatorProcess {
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
