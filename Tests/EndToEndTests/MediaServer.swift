import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `scripts/media-server.py` on 127.0.0.1 with a certificate made for this test by
/// `scripts/test-cert` (openssl): the "public" sources preflight fetches, reached through the
/// `ASSETFORM_RESOLVE` hook and trusted through `SSL_CERT_FILE`. It stops when the test lets
/// it go (its stdin closes), or is killed.
final class MediaServer: Sendable {
    static let host = "media.assetform.test"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    let port: Int
    /// Served under `/files/`, read again on every request.
    let files: URL
    let certificates: URL
    private let box: ProcessBox
    private let stdin: Pipe
    private let printed = EmulatorProcess.Printed()

    /// The environment that sends `host` (port 443) to this server and trusts its CA.
    var environment: [String: String] {
        [
            "ASSETFORM_RESOLVE": "\(Self.host):443:127.0.0.1:\(port)",
            "SSL_CERT_FILE": certificates.appendingPathComponent("ca.pem").path,
        ]
    }

    func url(_ path: String) -> String { "https://\(Self.host)/\(path)" }

    init(in folder: URL, latencyMS: Int = 0, limit: Duration = .seconds(30)) async throws {
        certificates = folder.appendingPathComponent("certs")
        files = folder.appendingPathComponent("files")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        let made = try await ChildProcess.run(
            [certificates.path], executable: Self.repository.appendingPathComponent("scripts/test-cert").path,
            limit: .seconds(60))
        guard made.status == 0 else { throw Failure(message: "scripts/test-cert failed: \(made.all)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Self.repository.appendingPathComponent("scripts/media-server.py").path,
            "--cert", certificates.appendingPathComponent("server.pem").path,
            "--key", certificates.appendingPathComponent("server.key").path,
            "--port", "0", "--dir", files.path, "--latency-ms", String(latencyMS),
        ]
        let output = Pipe()
        let errors = Pipe()
        stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try process.run()
        box = ProcessBox(process)
        let found = try await printed.await(process, reading: [output, errors], limit: limit) { text in
            text.split(separator: "\n").first { $0.hasPrefix("PORT ") }
                .flatMap { Int($0.dropFirst(5).trimmingCharacters(in: .whitespaces)) }.map(String.init)
        }
        guard let found, let port = Int(found) else { throw Failure(message: "no port within \(limit): \(printed.text)") }
        self.port = port
    }

    struct Failure: Error { let message: String }

    /// Body bytes the server wrote per path, and requests per path.
    func stats() async throws -> (bodyBytes: [String: Int], requests: [String: Int]) {
        let out = try await ChildProcess.run(
            [
                "python3", "-c",
                """
                import ssl, sys, urllib.request
                ctx = ssl.create_default_context(cafile=sys.argv[1])
                ctx.check_hostname = False
                print(urllib.request.urlopen("https://127.0.0.1:" + sys.argv[2] + "/_stats", context=ctx).read().decode())
                """,
                certificates.appendingPathComponent("ca.pem").path, String(port),
            ], executable: "/usr/bin/env", limit: .seconds(30))
        let object = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any] ?? [:]
        return (object["body_bytes"] as? [String: Int] ?? [:], object["requests"] as? [String: Int] ?? [:])
    }

    deinit {
        try? stdin.fileHandleForWriting.close()
        if box.process.isRunning { kill(box.process.processIdentifier, SIGTERM) }
    }
}
