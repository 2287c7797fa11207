import AssetformEmulator
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the built `assetform` (or `executable`) without blocking Swift's cooperative pool: the child's stdout and
/// stderr are read on threads of their own, its exit is awaited there too, and a child that
/// outlives `limit` is killed (its output then says so).
enum ChildProcess {
    struct Output: Sendable {
        var status: Int32
        /// True when the child ended by a signal (a crash, or the kill after `limit`).
        var signalled: Bool
        var stdout: String
        var stderr: String
        var elapsed: Duration
        var all: String { stdout + stderr }
    }

    static func run(
        _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil, stdin: String? = nil,
        executable: String? = nil, limit: Duration = .seconds(120)
    ) async throws -> Output {
        let process = Process()
        process.executableURL = executable.map(URL.init(fileURLWithPath:)) ?? BinaryRunner.executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NO_COLOR")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        let began = ContinuousClock.now
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try? input.fileHandleForWriting.close()
        }
        let box = ProcessBox(process)
        return await withCheckedContinuation { (continuation: CheckedContinuation<Output, Never>) in
            Thread.detachNewThread {
                let outData = Mutex(Data())
                let errData = Mutex(Data())
                let readers = DispatchGroup()
                readers.enter()
                Thread.detachNewThread {
                    let d = out.fileHandleForReading.readDataToEndOfFile()
                    outData.withLock { $0 = d }
                    readers.leave()
                }
                readers.enter()
                Thread.detachNewThread {
                    let d = err.fileHandleForReading.readDataToEndOfFile()
                    errData.withLock { $0 = d }
                    readers.leave()
                }
                let pid = box.process.processIdentifier
                let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
                if readers.wait(timeout: .now() + seconds) == .timedOut {
                    kill(pid, SIGKILL)
                    readers.wait()
                }
                box.process.waitUntilExit()
                continuation.resume(
                    returning: Output(
                        status: box.process.terminationStatus,
                        signalled: box.process.terminationReason == .uncaughtSignal,
                        stdout: String(decoding: outData.withLock { $0 }, as: UTF8.self),
                        stderr: String(decoding: errData.withLock { $0 }, as: UTF8.self),
                        elapsed: ContinuousClock.now - began))
            }
        }
    }

}

/// Repeatable randomness in tests: the emulator's SplitMix64.
typealias SeededRandom = SplitMix64
