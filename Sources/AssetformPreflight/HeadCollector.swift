import NIOCore
import NIOHTTP1

/// Collects one answer: its head and at most `limit` bytes of body. An answer read to its end
/// (its length at most the limit) on a connection the server keeps open is `complete`, and the
/// connection may serve again; any other is cut off: nothing more is read and it is closed.
final class HeadCollector: ChannelInboundHandler, RemovableChannelHandler {
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
            // A body of exactly the limit is read to its end (a moment later) when its length
            // says so: the connection then serves again.
            if received > limit || (body.count >= limit && !lengthWithinLimit) { finish(context) }
        case .end:
            let close = head?.headers["connection"].contains { $0.lowercased() == "close" } ?? true
            finish(context, complete: head?.version == .http1_1 && !close && received <= limit)
        }
    }

    /// The answer says how long its body is, and that is no more than the limit.
    private var lengthWithinLimit: Bool {
        guard let text = head?.headers.first(name: "content-length"), let n = Int(text) else { return false }
        return n <= limit
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

    private func finish(_ context: ChannelHandlerContext, complete: Bool = false) {
        guard !done, let head else { return }
        done = true
        var headers: [String: String] = [:]
        for (name, value) in head.headers where headers[name.lowercased()] == nil { headers[name.lowercased()] = value }
        promise.succeed(
            SourceFetcher.Response(
                status: Int(head.status.code), reason: head.status.reasonPhrase, headers: headers, body: body,
                bytesRead: body.count, remote: nil, complete: complete))
        if !complete {
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
            context.close(promise: nil)
        }
    }
}
