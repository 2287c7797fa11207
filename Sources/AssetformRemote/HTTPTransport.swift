import AssetformCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Timing

/// One HTTP exchange, as the clients need it.
public struct HTTPReply: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// Why an exchange produced no usable reply, in the ways that matter to the caller. Every text
/// here is written for people: what failed (host and port), why, and what to do; redacted.
public enum TransportFailure: Error, Sendable {
    /// It was never sent: the connection could not be made. Safe to resend.
    case notSent(String)
    /// It may have been sent: the answer timed out or the connection dropped.
    case noAnswer(String)
    /// The answer was larger than this call can need: refused, not retried.
    case tooLarge(String)
    /// The service answered with a redirect that is not followed (to another origin, or one
    /// that would change the method).
    case redirected(status: Int, location: String, reason: String)
}

/// The one HTTP client a run shares (connection reuse). Each exchange has one deadline for its
/// headers and its body together, a bound on the answer's size, and follows redirects only
/// within the origin it was sent to, so the key never travels elsewhere.
public final class HTTPTransport: Sendable {
    private let client: HTTPClient
    /// Each exchange's deadline.
    private let deadlines: DeadlineWatch
    /// Redirects followed at most within one exchange.
    static let maximumRedirects = 5

    /// `idleRead` bounds the silence between two reads of an answer (the whole exchange is bounded
    /// by each call's timeout as well); it is a second guard that does not depend on cancellation.
    public init(maximumConnections: Int = 64, idleRead: Duration = .seconds(30)) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maximumConnections)
        // A connection that cannot be made fails the request at once; the call policy retries it
        // with its own backoff and budget, rather than the pool waiting out the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10), read: .nanoseconds(idleRead.inNanoseconds))
        configuration.decompression = .disabled
        // Redirects are followed here, where the origin is checked, never by the client.
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        deadlines = DeadlineWatch(on: client.eventLoopGroup.next())
    }

    public func shutdown() async throws {
        deadlines.stop()
        try await client.shutdown()
    }

    /// Sends a request and reads its whole answer, up to `maxAnswer` bytes, within `timeout`.
    /// `followRedirects` false: a signed request (its signature covers its path and query) is
    /// never sent on to another address.
    public func send(
        method: String, url: String, headers: [(String, String)], body: [UInt8]?, timeout: Duration,
        maxAnswer: Int = 1 << 20, followRedirects: Bool = true
    ) async -> Result<HTTPReply, TransportFailure> {
        let deadline = ContinuousClock.now + timeout
        var current = url
        var hops = 0
        while true {
            let origin = Origin(current)
            let target = current
            let outcome = await withDeadline(deadline, origin: origin, timeout: timeout) {
                await self.once(method: method, url: target, headers: headers, body: body, maxAnswer: maxAnswer)
            }
            guard case .success(let reply) = outcome, (300..<400).contains(reply.status),
                let location = reply.header("Location")
            else { return outcome }
            let next = Origin.resolve(location, against: current)
            let shown = Redaction.redact(next ?? location).visible
            guard followRedirects else {
                return .failure(
                    .redirected(
                        status: reply.status, location: shown,
                        reason: "and a signed request is not sent on elsewhere (its signature covers its address)"))
            }
            guard let next, Origin(next) == origin else {
                return .failure(
                    .redirected(
                        status: reply.status, location: shown,
                        reason:
                            "to another origin than \(origin.display); assetform does not follow it, so the key is not sent there"
                    ))
            }
            guard reply.status == 307 || reply.status == 308 || method == "GET" else {
                return .failure(
                    .redirected(
                        status: reply.status, location: shown,
                        reason: "which would turn this \(method) into a GET; assetform does not follow it"))
            }
            hops += 1
            guard hops <= Self.maximumRedirects else {
                return .failure(
                    .redirected(status: reply.status, location: shown, reason: "after \(Self.maximumRedirects) redirects already")
                )
            }
            current = next
        }
    }

    /// Runs `exchange` until `deadline`; past it, the exchange is cancelled (AsyncHTTPClient
    /// closes its connection) and the answer is a timeout, whatever stage it was at.
    ///
    /// The deadline is an entry in the transport's `DeadlineWatch`, removed when the exchange
    /// ends: a sleeping task per exchange would stay (with its timer) until its deadline passed,
    /// and 100,000 fast calls would leave 100,000 of them waiting; a timer per exchange on an
    /// event loop would wake it twice per call.
    private func withDeadline(
        _ deadline: ContinuousClock.Instant, origin: Origin, timeout: Duration,
        _ exchange: @escaping @Sendable () async -> Result<HTTPReply, TransportFailure>
    ) async -> Result<HTTPReply, TransportFailure> {
        // Whichever comes first, the exchange's end or its deadline, decides: an exchange that
        // ended (with any answer or failure) is never turned into a timeout by a late watchdog.
        enum Race { case running, finished, expired }
        let race = Mutex(Race.running)
        let work = Task {
            let outcome = await exchange()
            race.withLock { if $0 == .running { $0 = .finished } }
            return outcome
        }
        let watched = deadlines.watch(until: deadline) {
            let expired = race.withLock { state -> Bool in
                guard state == .running else { return false }
                state = .expired
                return true
            }
            if expired { work.cancel() }
        }
        // A caller cancelled (the run stops) cancels the exchange too.
        let outcome = await withTaskCancellationHandler {
            await work.value
        } onCancel: {
            work.cancel()
        }
        deadlines.unwatch(watched)
        // Past the deadline, what the cancelled exchange says is a timeout (an answer that
        // arrived all the same is kept).
        if race.withLock({ $0 }) == .expired, case .failure = outcome {
            return .failure(
                .noAnswer("no complete answer from \(origin.display) within \(DurationText.format(timeout)) (limits.timeout)"))
        }
        return outcome
    }

    private func once(method: String, url: String, headers: [(String, String)], body: [UInt8]?, maxAnswer: Int) async
        -> Result<HTTPReply, TransportFailure>
    {
        let origin = Origin(url)
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            // The deadline given to the client is only a backstop: `withDeadline` bounds the body too.
            let response = try await client.execute(request, timeout: .hours(24))
            let status = Int(response.status.code)
            if let declared = response.headers.first(name: "Content-Length").flatMap(Int.init), declared > maxAnswer {
                return .failure(.tooLarge(Self.tooLarge(origin, status: status, size: "\(declared) bytes", limit: maxAnswer)))
            }
            var bytes: [UInt8] = []
            for try await chunk in response.body {
                if Task.isCancelled { break }
                guard bytes.count + chunk.readableBytes <= maxAnswer else {
                    return .failure(
                        .tooLarge(Self.tooLarge(origin, status: status, size: "more than \(maxAnswer) bytes", limit: maxAnswer)))
                }
                bytes += chunk.readableBytesView
            }
            // A cancelled body ends early without an error: it is not an answer.
            if Task.isCancelled { return .failure(.noAnswer("the exchange with \(origin.display) was cancelled")) }
            return .success(HTTPReply(status: status, headers: response.headers.map { ($0.name, $0.value) }, body: bytes))
        } catch {
            return .failure(Self.classify(error, origin: origin))
        }
    }

    private static func tooLarge(_ origin: Origin, status: Int, size: String, limit: Int) -> String {
        "\(origin.display) answered HTTP \(status) with \(size), over the \(limit / 1024) KiB this call can need; "
            + "refused without retrying (is base_url the asset service?)"
    }

    /// Only failures to connect are certain not to have sent anything; everything else may
    /// have reached the service. The texts say what failed, why, and what to do.
    static func classify(_ error: any Error, origin: Origin) -> TransportFailure {
        let at = origin.display
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout:
                return .notSent("cannot connect to \(at): no connection within 10 s (is the host reachable from here?)")
            case .deadlineExceeded, .readTimeout:
                return .noAnswer("no complete answer from \(at) within the timeout (limits.timeout)")
            case .remoteConnectionClosed:
                return .noAnswer("\(at) closed the connection before a complete answer")
            case .cancelled:
                return .noAnswer("the exchange with \(at) was cancelled")
            default:
                return .noAnswer("the exchange with \(at) failed (\(Redaction.redact(e.shortDescription).visible))")
            }
        }
        if let e = error as? NIOConnectionError {
            if e.dnsAError != nil || e.dnsAAAAError != nil {
                return .notSent("cannot resolve the host of \(at) (check base_url, and this machine's DNS)")
            }
            let causes = e.connectionErrors.map { $0.error }
            if let io = causes.lazy.compactMap({ $0 as? IOError }).first {
                return .notSent("cannot connect to \(at): \(why(io.errnoCode))")
            }
            return .notSent("cannot connect to \(at)")
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED, ENETUNREACH, EHOSTUNREACH: return .notSent("cannot connect to \(at): \(why(io.errnoCode))")
            default: return .noAnswer("the exchange with \(at) failed: \(why(io.errnoCode))")
            }
        }
        let type = String(reflecting: Swift.type(of: error))
        if type.contains("SSL") || type.contains("TLS") {
            return .notSent(
                "the TLS handshake with \(at) failed (\(Redaction.redact(String(describing: error)).visible.prefix(200))); "
                    + "check base_url's scheme and the service's certificate")
        }
        if error is ChannelError {
            return .noAnswer(
                "the connection to \(at) failed (\(Redaction.redact(String(describing: error)).visible.prefix(120)))")
        }
        return .noAnswer("the exchange with \(at) failed (\(type.split(separator: ".").last ?? "error"))")
    }

    /// An errno, for people.
    static func why(_ code: Int32) -> String {
        switch code {
        case ECONNREFUSED: "connection refused (nothing listens there: is base_url right, and the service up?)"
        case ECONNRESET: "the connection was reset by the other side"
        case ENETUNREACH: "the network is unreachable from here"
        case EHOSTUNREACH: "the host is unreachable from here"
        case ETIMEDOUT: "the connection timed out"
        case EPIPE: "the other side closed the connection while the request was being sent"
        default: String(cString: strerror(code)).lowercased()
        }
    }
}

extension HTTPClientError {
    /// The error's name without its module.
    fileprivate var shortDescription: String {
        let text = description
        return text.hasPrefix("HTTPClientError.") ? String(text.dropFirst("HTTPClientError.".count)) : text
    }
}
