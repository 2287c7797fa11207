import AssetformCore
import AssetformRemote
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#endif

/// One ranged GET of an `https` source, on SwiftNIO with TLS: the connection is made here (not by
/// a general client) so that the bytes read are bounded exactly, the test hook can send a host
/// to a local address and port, and the address connected to can be checked. Connections whose
/// answer was read to its end are kept for the next request to the same host (`idle`).
///
/// Bounds: each request by the deadline it is given (the caller's, for a whole URL with its
/// redirects); the body by the range asked for, after which the connection is closed (the
/// receive buffer is small, so little more arrives); the response head by NIO's decoder limit.
struct SourceFetcher: Sendable {
    let context: NIOSSLContext
    let overrides: ResolveOverrides
    let group: any EventLoopGroup
    /// Connections kept open between requests to one host.
    let idle: IdleConnections

    /// The answer to one request, as far as it was read.
    struct Response: Sendable {
        var status: Int
        var reason: String
        /// Lower-cased names; the first value of each.
        var headers: [String: String]
        var body: [UInt8]
        /// Body bytes read into the check: at most the range asked for. (TLS may have decrypted up
        /// to one record more before the connection closed; those bytes are never looked at.)
        var bytesRead: Int
        /// The address connected to (for the check that it is a public one).
        var remote: String?
        /// Read to its end, on a connection the server keeps open: the connection can serve again.
        var complete = false
    }

    enum Failure: Error, Sendable, CustomStringConvertible {
        case timeout(Duration)
        case connect(String)
        case tls(String)
        case closedEarly
        case protocolError(String)
        case nonPublic(address: String, reason: String)
        case cancelled

        var description: String {
            switch self {
            case .timeout(let d): "no complete answer within \(DurationText.format(d)) (the per-URL timeout)"
            case .connect(let why): "cannot connect: \(why)"
            case .tls(let why): "TLS failed: \(why)"
            case .closedEarly: "the server closed the connection without answering"
            case .protocolError(let why): "the answer is not valid HTTP: \(why)"
            case .nonPublic(let address, let reason):
                "the host resolves to \(address), \(reason) address: the service downloads from the public internet"
            case .cancelled: "cancelled"
            }
        }
    }

    /// The time a URL may take, its redirects and follow-up reads included.
    struct Deadline: Sendable {
        let at: ContinuousClock.Instant
        let timeout: Duration

        init(_ timeout: Duration) {
            self.timeout = timeout
            at = .now + timeout
        }

        var left: TimeAmount {
            let d = at - .now
            return .nanoseconds(max(0, d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000))
        }
    }

    /// The TLS context preflight uses: the system's roots, or the file `SSL_CERT_FILE` names.
    static func makeContext(certificateFile: String?) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let certificateFile, !certificateFile.isEmpty { tls.trustRoots = .file(certificateFile) }
        // A connection given up is dropped: waiting for the server's close_notify would mean
        // reading the rest of an endless body.
        tls.shutdownTimeout = .zero
        return try NIOSSLContext(configuration: tls)
    }

    /// The bytes `range` of `location`, as far as the server gives them.
    func get(_ location: SourceLocation, range: ClosedRange<Int>, deadline: Deadline) async throws(Failure) -> Response {
        do { return try await exchange(location, range: range, deadline: deadline) } catch { throw Self.failure(error) }
    }

    private func exchange(_ location: SourceLocation, range: ClosedRange<Int>, deadline: Deadline) async throws -> Response {
        let key = "\(location.host):\(location.port)"
        // A connection the last answer from this host left open saves a TLS handshake. One the
        // server closed meanwhile fails before any answer: a new one is made then.
        while let channel = idle.take(key) {
            do {
                return try await request(location, range: range, on: channel, key: key, deadline: deadline)
            } catch Failure.timeout(let d) {
                throw Failure.timeout(d)
            } catch Failure.cancelled {
                throw Failure.cancelled
            } catch {
                continue
            }
        }
        return try await connectAndRequest(location, range: range, key: key, deadline: deadline)
    }

    /// A new connection (the collector of its first answer in place before the handshake, so
    /// that a TLS failure is reported as one), then the request on it.
    private func connectAndRequest(
        _ location: SourceLocation, range: ClosedRange<Int>, key: String, deadline: Deadline
    ) async throws -> Response {
        let loop = group.next()
        let promise = loop.makePromise(of: Response.self)
        let override = overrides.target(host: location.host, port: location.port)
        let connectHost = override?.address ?? location.host
        let connectPort = override?.port ?? location.port
        let isIP = IPAddress.parseV4(location.host) != nil || IPAddress.parseV6(location.host) != nil
        let context = self.context
        let limit = range.count
        let timer = loop.scheduleTask(in: deadline.left) { promise.fail(Failure.timeout(deadline.timeout)) }
        defer { timer.cancel() }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(deadline.left)
            .channelOption(.maxMessagesPerRead, value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = try NIOSSLClientHandler(context: context, serverHostname: isIP ? nil : location.host)
                    try channel.pipeline.syncOperations.addHandler(tls)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        HeadCollector(promise: promise, limit: limit), name: HeadCollector.name)
                }
            }
        return try await withTaskCancellationHandler {
            let channel: any Channel
            do {
                channel = try await bootstrap.connect(host: connectHost, port: connectPort).get()
            } catch {
                promise.fail(error)
                // The timer (or a cancellation) may have come first: its failure is the one reported.
                return try await promise.futureResult.get()
            }
            promise.futureResult.whenFailure { _ in channel.close(promise: nil) }
            let remote = channel.remoteAddress?.ipAddress
            if override == nil, let remote, let ip = IPAddress.parseV4(remote) ?? IPAddress.parseV6(remote),
                let reason = ip.nonPublicReason
            {
                promise.fail(Failure.nonPublic(address: remote, reason: reason))
                return try await promise.futureResult.get()
            }
            send(location, range: range, on: channel)
            var response = try await promise.futureResult.get()
            response.remote = remote
            await keepOrClose(channel, response, key: key)
            return response
        } onCancel: {
            promise.fail(Failure.cancelled)
        }
    }

    /// The request on a connection kept from an earlier answer.
    private func request(
        _ location: SourceLocation, range: ClosedRange<Int>, on channel: any Channel, key: String, deadline: Deadline
    ) async throws -> Response {
        let promise = channel.eventLoop.makePromise(of: Response.self)
        let limit = range.count
        let timer = channel.eventLoop.scheduleTask(in: deadline.left) { promise.fail(Failure.timeout(deadline.timeout)) }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            promise.futureResult.whenFailure { _ in channel.close(promise: nil) }
            do {
                // The guard that watched the idle connection gives way to this answer's collector.
                try await channel.eventLoop.submit { () throws -> Void in
                    let pipeline = channel.pipeline.syncOperations
                    let guardContext = try pipeline.context(name: IdleGuard.name)
                    pipeline.removeHandler(context: guardContext, promise: nil)
                    try pipeline.addHandler(HeadCollector(promise: promise, limit: limit), name: HeadCollector.name)
                }.get()
            } catch {
                promise.fail(Failure.closedEarly)
                throw Failure.closedEarly
            }
            send(location, range: range, on: channel)
            let response = try await promise.futureResult.get()
            await keepOrClose(channel, response, key: key)
            return response
        } onCancel: {
            promise.fail(Failure.cancelled)
        }
    }

    private func send(_ location: SourceLocation, range: ClosedRange<Int>, on channel: any Channel) {
        var headers = HTTPHeaders()
        headers.add(
            name: "Host", value: location.port == 443 ? location.hostForHeader : "\(location.hostForHeader):\(location.port)")
        headers.add(name: "User-Agent", value: "assetform-preflight")
        headers.add(name: "Accept", value: "*/*")
        headers.add(name: "Accept-Encoding", value: "identity")
        headers.add(name: "Range", value: "bytes=\(range.lowerBound)-\(range.upperBound)")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: location.target, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    /// A connection whose answer was read to its end is kept, watched by a guard that closes it
    /// on anything the server sends while it waits; any other is closed.
    private func keepOrClose(_ channel: any Channel, _ response: Response, key: String) async {
        var kept = false
        if response.complete, channel.isActive {
            do {
                try await channel.eventLoop.submit { () throws -> Void in
                    let pipeline = channel.pipeline.syncOperations
                    let collector = try pipeline.context(name: HeadCollector.name)
                    pipeline.removeHandler(context: collector, promise: nil)
                    try pipeline.addHandler(IdleGuard(), name: IdleGuard.name)
                }.get()
                kept = idle.put(key, channel)
            } catch {
                kept = false
            }
        }
        if !kept { channel.close(promise: nil) }
    }

    /// A socket error in words: "connection refused", not its errno dump.
    private static func describe(_ error: any Error) -> String {
        guard let io = error as? IOError else { return Redaction.redact("\(error)") }
        switch io.errnoCode {
        case ECONNREFUSED: return "connection refused"
        case ECONNRESET: return "connection reset"
        case ETIMEDOUT: return "connection timed out"
        case EHOSTUNREACH: return "host unreachable"
        case ENETUNREACH: return "network unreachable"
        default: return "error \(io.errnoCode)"
        }
    }

    /// The usual reasons a TLS handshake fails, in words; otherwise the library's, without the
    /// paths of its source files.
    static func tlsReason(_ error: any Error) -> String {
        let text = "\(error)"
        let known: [(code: String, words: String)] = [
            (
                "CERTIFICATE_VERIFY_FAILED",
                "the server's certificate is not trusted (not issued by an authority this machine trusts, expired, "
                    + "or not valid yet)"
            ),
            ("WRONG_VERSION_NUMBER", "the server does not speak TLS there"),
            ("UNSUPPORTED_PROTOCOL", "the server and this machine have no TLS version in common"),
            ("PROTOCOL_VERSION", "the server and this machine have no TLS version in common"),
            ("HANDSHAKE_FAILURE", "the server refused the handshake (no TLS parameters in common)"),
            ("NO_SHARED_CIPHER", "the server and this machine have no cipher in common"),
            ("UNRECOGNIZED_NAME", "the server does not serve this host name"),
        ]
        if let k = known.first(where: { text.contains($0.code) }) { return k.words }
        return Redaction.redact(text.replacing(/\ at \/[^\s\]\)]*/, with: ""))
    }

    private static func failure(_ error: any Error) -> Failure {
        if let f = error as? Failure { return f }
        if error is NIOSSLError || error is BoringSSLError { return .tls(tlsReason(error)) }
        if let e = error as? NIOSSLExtraError {
            if e == .failedToValidateHostname { return .tls("the server's certificate does not name this host") }
            return .tls(tlsReason(e))
        }
        if let e = error as? ChannelError, case .connectTimeout = e { return .connect("connection timed out") }
        if let e = error as? HTTPParserError { return .protocolError("\(e)") }
        if let e = error as? NIOConnectionError {
            let dns = [e.dnsAError, e.dnsAAAAError].compactMap { $0 }
            if e.connectionErrors.isEmpty, !dns.isEmpty { return .connect("the host name does not resolve") }
            return .connect(e.connectionErrors.first.map { describe($0.error) } ?? Redaction.redact("\(e)"))
        }
        if error is IOError { return .connect(describe(error)) }
        return .connect(Redaction.redact("\(error)"))
    }
}

extension SourceLocation {
    /// The host as a Host header writes it (an IPv6 address in brackets).
    var hostForHeader: String { host.contains(":") ? "[\(host)]" : host }
}
