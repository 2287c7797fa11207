import NIOCore

/// Watches a connection kept open between requests: anything the server sends then (a stray
/// answer, an error, a close) ends it, so the next request never reads what was left over.
final class IdleGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    static let name = "assetform-preflight-idle"

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
