import NIOCore
import Synchronization

/// Connections to each host kept open between preflight requests (HTTP/1.1 keep-alive): most
/// manifests hold many URLs of one CDN, and a TLS handshake costs more than the request.
final class IdleConnections: Sendable {
    private let idle = Mutex<[String: [any Channel]]>([:])
    private let perHost: Int

    init(perHost: Int) {
        self.perHost = perHost
    }

    /// An open connection to `key` (host:port), if one is kept.
    func take(_ key: String) -> (any Channel)? {
        idle.withLock { idle in
            while let channel = idle[key]?.popLast() {
                if channel.isActive { return channel }
                channel.close(promise: nil)
            }
            return nil
        }
    }

    /// Keeps `channel` for `key`; false when enough are kept (the caller closes it).
    func put(_ key: String, _ channel: any Channel) -> Bool {
        idle.withLock { idle in
            guard idle[key, default: []].count < perHost else { return false }
            idle[key, default: []].append(channel)
            return true
        }
    }

    func closeAll() {
        let all = idle.withLock { idle in
            defer { idle = [:] }
            return idle.values.flatMap { $0 }
        }
        for channel in all { channel.close(promise: nil) }
    }
}
