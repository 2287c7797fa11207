import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An `assetform emulator` process: started with the address it prints read within a bound,
/// its output read on threads of its own, and stopped without blocking the cooperative pool.
final class EmulatorProcess: Sendable {
    private let box: ProcessBox
    private let printed = Printed()
    let baseURL: String

    var process: Process { box.process }

    /// Starts it and waits (up to `limit`) for the address it prints.
    init(_ arguments: [String], limit: Duration = .seconds(30)) async throws {
        let process = Process()
        process.executableURL = BinaryRunner.executable
        process.arguments = ["emulator"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        box = ProcessBox(process)
        let found = try await printed.await(process, reading: [output, errors], limit: limit) { text in
            text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression).map { String(text[$0]) }
        }
        guard let found else { throw Failure(message: "no address within \(limit): \(printed.text)") }
        baseURL = found
    }

    struct Failure: Error { let message: String }

    /// What a child has printed so far (stdout and stderr).
    final class Printed: Sendable {
        let data = Mutex(Data())

        var text: String { String(decoding: data.withLock { $0 }, as: UTF8.self) }

        /// Reads `pipes` on threads of their own (never the cooperative pool), and waits, polled
        /// and bounded by `limit`, until `find` finds what it looks for in what was printed; nil
        /// (and the child killed) when it does not, or the child ends first.
        func await(
            _ process: Process, reading pipes: [Pipe], limit: Duration, find: (String) -> String?
        ) async throws -> String? {
            for pipe in pipes {
                Thread.detachNewThread { [self] in
                    while true {
                        let chunk = pipe.fileHandleForReading.availableData
                        if chunk.isEmpty { return }
                        data.withLock { $0 += chunk }
                    }
                }
            }
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                if let found = find(text) { return found }
                if !process.isRunning { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
    }

    /// Sends `signal` and returns the exit status, waiting (polled, bounded) for the exit.
    func stop(_ signal: Int32 = SIGTERM, limit: Duration = .seconds(30)) async -> Int32 {
        kill(process.processIdentifier, signal)
        return await exitStatus(of: process, limit: limit)
    }

    deinit {
        if box.process.isRunning { kill(box.process.processIdentifier, SIGKILL) }
    }
}

/// A started process, handed between tasks. Process is not Sendable; its reads here are of
/// its exit state, which Foundation keeps behind a lock.
final class ProcessBox: @unchecked Sendable {
    let process: Process
    init(_ process: Process) { self.process = process }
}

/// The exit status of a started process, polled without blocking a thread; past `limit` it is
/// killed.
func exitStatus(of process: Process, limit: Duration = .seconds(120)) async -> Int32 {
    let deadline = ContinuousClock.now + limit
    while process.isRunning {
        if ContinuousClock.now >= deadline { kill(process.processIdentifier, SIGKILL) }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return process.terminationStatus
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
