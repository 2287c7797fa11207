import Hummingbird
import NIOCore

/// The request context: Hummingbird's own, plus the connection's channel, so that a fault can
/// drop the connection without an answer.
struct EmulatorContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    var maxUploadSize: Int { 1 << 20 }
}
