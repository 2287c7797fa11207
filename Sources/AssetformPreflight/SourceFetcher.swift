import AssetformCore
import AssetformRemote
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One GET of the first bytes of an `https` source, on SwiftNIO with TLS: the connection is made
/// here (not by a pooled client) so that the bytes read are bounded exactly, the test hook can
/// send a host to a local address and port, and the address connected to can be checked.
///
/// Bounds: the whole exchange (connect, handshake, head, body) by `timeout`; the body by
/// `bodyLimit` bytes, after which the connection is closed (the receive buffer is small, so
/// little more arrives); the response head by NIO's decoder limit.
struct SourceFetcher: Sendable {
    let context: NIOSSLContext
    let overrides: ResolveOverrides
    let timeout: Duration
    let bodyLimit: Int
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
        /// Body bytes received, the ones not kept included.
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
            case .timeout(let d): "no answer within \(DurationText.format(d)) (the per-URL timeout)"
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

    /// The TLS context preflight uses: the system's roots, or the file `SSL_CERT_FILE` names.
    static func makeContext(certificateFile: String?) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let certificateFile, !certificateFile.isEmpty { tls.trustRoots = .file(certificateFile) }
        // Once the first bytes are in, the connection is dropped: waiting for the server's
        // close_notify would mean reading the rest of an endless body.
        tls.shutdownTimeout = .zero
        return try NIOSSLContext(configuration: tls)
    }

    func get(_ location: SourceLocation) async throws(Failure) -> Response {
        do { return try await exchange(location) } catch { throw Self.failure(error) }
    }

    private func exchange(_ location: SourceLocation) async throws -> Response {
        let key = "\(location.host):\(location.port)"
        // A connection the last answer from this host left open: its TLS handshake is saved.
        // One that the server closed meanwhile is given up for a new one.
        while let channel = idle.take(key) {
            do {
                return try await request(location, on: channel, key: key)
            } catch Failure.closedEarly {
                continue
            } catch let error as ChannelError where error == .ioOnClosedChannel || error == .alreadyClosed {
                continue
            }
        }
        return try await connectAndRequest(location, key: key)
    }

    /// A new connection (the collector of the first answer in place before the handshake, so
    /// that a TLS failure is reported as one), then the request on it.
    private func connectAndRequest(_ location: SourceLocation, key: String) async throws -> Response {
        let loop = group.next()
        let promise = loop.makePromise(of: Response.self)
        let override = overrides.target(host: location.host, port: location.port)
        let connectHost = override?.address ?? location.host
        let connectPort = override?.port ?? location.port
        let isIP = IPAddress.parseV4(location.host) != nil || IPAddress.parseV6(location.host) != nil
        let context = self.context
        let limit = bodyLimit
        let timer = startTimer(loop, promise)
        defer { timer.cancel() }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(timeAmount)
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
                // The timer may have fired first: its failure is the one to report.
                return try await promise.futureResult.get()
            }
            promise.futureResult.whenFailure { _ in channel.close(promise: nil) }
            let remote = channel.remoteAddress?.ipAddress
            if override == nil, let remote, let ip = IPAddress.parseV4(remote) ?? IPAddress.parseV6(remote),
                let reason = ip.nonPublicReason
            {
                promise.fail(Failure.nonPublic(address: remote, reason: reason))
            }
            send(location, on: channel)
            var response = try await promise.futureResult.get()
            response.remote = remote
            await keepOrClose(channel, response, key: key)
            return response
        } onCancel: {
            promise.fail(Failure.cancelled)
        }
    }

    /// The request on a connection kept from an earlier answer.
    private func request(_ location: SourceLocation, on channel: any Channel, key: String) async throws -> Response {
        let promise = channel.eventLoop.makePromise(of: Response.self)
        let limit = bodyLimit
        let timer = startTimer(channel.eventLoop, promise)
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            promise.futureResult.whenFailure { _ in channel.close(promise: nil) }
            do {
                try await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(
                        HeadCollector(promise: promise, limit: limit), name: HeadCollector.name)
                }.get()
            } catch {
                promise.fail(Failure.closedEarly)
                throw Failure.closedEarly
            }
            send(location, on: channel)
            let response = try await promise.futureResult.get()
            await keepOrClose(channel, response, key: key)
            return response
        } onCancel: {
            promise.fail(Failure.cancelled)
        }
    }

    private var timeAmount: TimeAmount {
        .nanoseconds(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
    }

    /// The whole exchange's bound: past it, the answer fails (and its connection is closed).
    private func startTimer(_ loop: any EventLoop, _ promise: EventLoopPromise<Response>) -> Scheduled<Void> {
        let timeout = self.timeout
        return loop.scheduleTask(in: timeAmount) { promise.fail(Failure.timeout(timeout)) }
    }

    private func send(_ location: SourceLocation, on channel: any Channel) {
        var headers = HTTPHeaders()
        headers.add(
            name: "Host", value: location.port == 443 ? location.hostForHeader : "\(location.hostForHeader):\(location.port)")
        headers.add(name: "User-Agent", value: "assetform-preflight")
        headers.add(name: "Accept", value: "*/*")
        headers.add(name: "Accept-Encoding", value: "identity")
        headers.add(name: "Range", value: "bytes=0-\(bodyLimit - 1)")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: location.target, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    /// A connection whose answer was read to its end is kept for the next request to that
    /// host; any other is closed (its body was cut off, or the server said so).
    private func keepOrClose(_ channel: any Channel, _ response: Response, key: String) async {
        guard response.complete, channel.isActive,
            (try? await channel.pipeline.removeHandler(name: HeadCollector.name).get()) != nil,
            idle.put(key, channel)
        else {
            channel.close(promise: nil)
            return
        }
    }

    private static func failure(_ error: any Error) -> Failure {
        if let f = error as? Failure { return f }
        if let e = error as? NIOSSLError { return .tls(Redaction.redact("\(e)")) }
        if let e = error as? BoringSSLError { return .tls(Redaction.redact("\(e)")) }
        if let e = error as? NIOSSLExtraError {
            if e == .failedToValidateHostname { return .tls("the server's certificate does not name this host") }
            return .tls(Redaction.redact("\(e)"))
        }
        if let e = error as? ChannelError, case .connectTimeout = e { return .connect("connection timed out") }
        if let e = error as? HTTPParserError { return .protocolError("\(e)") }
        if let e = error as? NIOConnectionError {
            let dns = [e.dnsAError, e.dnsAAAAError].compactMap { $0 }
            if e.connectionErrors.isEmpty, !dns.isEmpty { return .connect("the host name does not resolve") }
            return .connect(e.connectionErrors.first.map { "\($0.error)" } ?? "\(e)")
        }
        return .connect(Redaction.redact("\(error)"))
    }
}

extension SourceLocation {
    /// The host as a Host header writes it (an IPv6 address in brackets).
    var hostForHeader: String { host.contains(":") ? "[\(host)]" : host }
}

/// Collects the response head and at most `limit` bytes of body, then closes.
private final class HeadCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    static let name = "assetform-preflight-collector"

    private let promise: EventLoopPromise<SourceFetcher.Response>
    private let limit: Int
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []
    private var received = 0
    private var done = false

    init(promise: EventLoopPromise<SourceFetcher.Response>, limit: Int) {
        self.promise = promise
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            // A redirect or an error page: its body is not needed.
            if !(200..<300).contains(Int(h.status.code)) { finish(context) }
        case .body(var buffer):
            received += buffer.readableBytes
            let take = min(limit - body.count, buffer.readableBytes)
            if take > 0, let bytes = buffer.readBytes(length: take) { body += bytes }
            if body.count >= limit { finish(context) }
        case .end:
            let close = head?.headers["connection"].contains { $0.lowercased() == "close" } ?? true
            finish(context, complete: head?.version == .http1_1 && !close)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if head != nil {
            finish(context)
        } else if !done {
            done = true
            promise.fail(SourceFetcher.Failure.closedEarly)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done {
            // After the head, a cut-off body is still an answer (its first bytes are what is needed).
            if head != nil {
                finish(context)
            } else {
                done = true
                promise.fail(error)
            }
        }
        context.close(promise: nil)
    }

    /// The answer as read; unless it is `complete` (read to its end, the connection kept open),
    /// nothing more is read and the connection is closed.
    private func finish(_ context: ChannelHandlerContext, complete: Bool = false) {
        guard !done, let head else { return }
        done = true
        var headers: [String: String] = [:]
        for (name, value) in head.headers where headers[name.lowercased()] == nil { headers[name.lowercased()] = value }
        promise.succeed(
            SourceFetcher.Response(
                status: Int(head.status.code), reason: head.status.reasonPhrase, headers: headers, body: body,
                bytesRead: received, remote: nil, complete: complete))
        if !complete {
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
            context.close(promise: nil)
        }
    }
}
