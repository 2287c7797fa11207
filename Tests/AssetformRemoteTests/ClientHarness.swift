import AssetformCore
import AssetformEmulator
import AssetformRemote
import Foundation
import JSON
import Logging
import Testing

/// The emulator on 127.0.0.1 (port 0), and a real client for one dialect against it, with every
/// log line the client writes kept for inspection.
struct ClientHarness: Sendable {
    let service: any AssetService
    let policy: CallPolicy
    let transport: HTTPTransport
    let baseURL: String
    let logs: LogCapture
    let events: EventLog

    func stats() async throws -> JSONValue {
        let reply = try await transport.send(
            method: "GET", url: baseURL + "/_emulator/stats", headers: [], body: nil, timeout: .seconds(5)
        ).get()
        return JSONValue.parse(reply.body) ?? .null
    }
}

/// Limits that keep the client from being the slow part of a test.
let fast = Limits(
    concurrency: 8, rates: Rates(createAsset: .unlimited, write: .unlimited, read: .unlimited), attempts: 3, timeout: .seconds(30)
)

func withClient(
    _ api: API = .seedance, key: String = "client-test-key", limits: Limits = fast, budget: RetryBudget = RetryBudget(),
    emulator configure: (inout EmulatorConfiguration) -> Void = { _ in },
    _ body: @Sendable (ClientHarness) async throws -> Void
) async throws {
    var configuration = EmulatorConfiguration()
    configuration.seed = 3
    configuration.throttle = false
    configuration.processingDelay = .zero
    configure(&configuration)
    let logs = LogCapture()
    let events = EventLog()
    let logger = Logger(label: "assetform.remote") { _ in CapturingHandler(capture: logs) }
    let transport = HTTPTransport()
    do {
        try await Emulator.withRunning(configuration) { running in
            let settings = RemoteSettings(api: api, baseURL: running.baseURL, key: APIKey(key), limits: limits)
            let policy = CallPolicy(
                limits: limits, backoff: Backoff(base: .milliseconds(20), cap: .milliseconds(200)), budget: budget,
                random: SeededRandom(seed: 9), logger: logger, observer: { events.append($0) })
            let service = RemoteClient.make(settings, transport: transport, policy: policy, logger: logger)
            try await body(
                ClientHarness(
                    service: service, policy: policy, transport: transport, baseURL: running.baseURL, logs: logs, events: events))
        }
    } catch {
        try await transport.shutdown()
        throw error
    }
    try await transport.shutdown()
}

/// Expects `body` to throw a RemoteError, and returns it.
func remoteError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> RemoteError? {
    do {
        try await body()
        Issue.record("expected a RemoteError", sourceLocation: sourceLocation)
        return nil
    } catch let error as RemoteError {
        return error
    } catch {
        Issue.record("expected a RemoteError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

final class LogCapture: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var stored: [String] = []

    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}

struct CapturingHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.append("\(event.level) \(event.message) \(event.metadata ?? [:]) \(metadata)")
    }
}

final class EventLog: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var stored: [CallEvent] = []

    func append(_ e: CallEvent) { lock.withLock { stored.append(e) } }
    var events: [CallEvent] { lock.withLock { stored } }

    /// When calls of a class started, in order.
    func starts(_ c: CallClass) -> [Duration] {
        events.compactMap { if case .started(let call, _, let at) = $0, call.callClass == c { at } else { nil } }
    }
}
