import NIOCore
import Synchronization

/// Connections kept open between preflight requests (HTTP/1.1 keep-alive): most manifests hold
/// many URLs of one CDN, and a TLS handshake costs more than the request. At most `perHost` a
/// host and `total` in all (the oldest is closed for a new one), so that a manifest of many
/// hosts cannot run out of file descriptors.
final class IdleConnections: Sendable {
    private struct Kept {
        var key: String
        var channel: any Channel
    }

    /// Oldest first.
    private let kept = Mutex<[Kept]>([])
    private let perHost: Int
    private let total: Int

    init(perHost: Int, total: Int = 64) {
        self.perHost = perHost
        self.total = max(1, total)
    }

    /// An open connection to `key` (host:port), if one is kept: the newest.
    func take(_ key: String) -> (any Channel)? {
        kept.withLock { kept in
            while let i = kept.lastIndex(where: { $0.key == key }) {
                let channel = kept.remove(at: i).channel
                if channel.isActive { return channel }
                channel.close(promise: nil)
            }
            return nil
        }
    }

    /// Keeps `channel` for `key`; false when enough are kept for that host (the caller closes it).
    func put(_ key: String, _ channel: any Channel) -> Bool {
        let evicted: (any Channel)? = kept.withLock { kept in
            guard kept.count(where: { $0.key == key }) < perHost else { return channel }
            kept.append(Kept(key: key, channel: channel))
            return kept.count > total ? kept.removeFirst().channel : nil
        }
        if let evicted, evicted !== channel { evicted.close(promise: nil) }
        return evicted !== channel
    }

    func closeAll() {
        let all = kept.withLock { kept in
            defer { kept = [] }
            return kept.map(\.channel)
        }
        for channel in all { channel.close(promise: nil) }
    }
}
