import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP exchange, as the clients need it.
public struct HTTPReply: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// Why an exchange produced no reply, in the one way that matters: could the request have
/// reached the service?
public enum TransportFailure: Error, Sendable {
    /// It was never sent: the connection could not be made. Safe to resend.
    case notSent(String)
    /// It may have been sent: the answer timed out or the connection dropped.
    case noAnswer(String)
}

/// The one HTTP client a run shares (connection reuse, per-request timeouts).
public final class HTTPTransport: Sendable {
    private let client: HTTPClient

    public init(maximumConnections: Int = 64) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maximumConnections)
        // A connection that cannot be made fails the request at once; the call policy retries it
        // with its own backoff and budget, rather than the pool waiting out the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10))
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    public func send(
        method: String, url: String, headers: [(String, String)], body: [UInt8]?, timeout: Duration
    ) async -> Result<HTTPReply, TransportFailure> {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let nanos = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(nanos))
            let bytes = try await response.body.collect(upTo: 32 << 20)
            return .success(
                HTTPReply(
                    status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                    body: Array(bytes.readableBytesView)))
        } catch {
            return .failure(Self.classify(error))
        }
    }

    /// Only failures to connect are certain not to have sent anything; everything else may
    /// have reached the service.
    static func classify(_ error: any Error) -> TransportFailure {
        let text = String(describing: error)
        if let e = error as? HTTPClientError, e == .connectTimeout {
            return .notSent("connection timed out")
        }
        if error is NIOConnectionError || error is ChannelError && text.contains("connectTimeout") {
            return .notSent("cannot connect: \(text)")
        }
        if let io = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(io.errnoCode) {
            return .notSent("cannot connect: \(io.description)")
        }
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout: return .noAnswer("no answer within the timeout")
            case .remoteConnectionClosed: return .noAnswer("the connection closed before an answer")
            default: return .noAnswer(e.description)
            }
        }
        return .noAnswer(text)
    }
}
