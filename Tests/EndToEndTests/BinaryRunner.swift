import Foundation
import Testing

/// Runs the built `assetform` executable and captures what it prints.
enum BinaryRunner {
    /// The executable beside the test bundle (both are products of the same build), or
    /// `ASSETFORM_BIN` when set.
    static let executable: URL = {
        if let path = ProcessInfo.processInfo.environment["ASSETFORM_BIN"] { return URL(fileURLWithPath: path) }
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("assetform")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/assetform")
    }()

    /// Runs the binary (or `executable`) to its end, off the cooperative pool, bounded by `limit`.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil, executable: String? = nil,
        limit: Duration = .seconds(300)
    ) async throws -> Output {
        try await ChildProcess.run(
            arguments, environment: environment, in: directory, executable: executable, limit: limit)
    }

    typealias Output = ChildProcess.Output

    /// Starts the binary with `environment` added to this one's, its stdout into the file `out`
    /// (made empty), stderr and stdin closed off: for a test that signals it while it runs.
    static func started(_ arguments: [String], environment extra: [String: String], stdout out: URL) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, b in b }
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// A temporary folder, removed when the test ends.
struct TemporaryDirectory: ~Copyable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("assetform-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The repository's own manifests folder.
let manifestsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("manifests")
