#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The last host name `SourceURL.parse` found good, so that the next URL with the very same host
/// (most of a manifest's URLs share a few) skips the host's check: its bytes are compared
/// instead. Only a name that passed the host's checks is kept.
public struct HostMemo: Sendable {
    private var good: [UInt8] = []

    public init() {}

    func holds(_ host: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !good.isEmpty, good.count == host.count else { return false }
        return good.withUnsafeBufferPointer { memcmp($0.baseAddress!, host.baseAddress!, host.count) == 0 }
    }

    mutating func keep(_ host: UnsafeBufferPointer<UInt8>) {
        good.removeAll(keepingCapacity: true)
        good.append(contentsOf: host)
    }
}
