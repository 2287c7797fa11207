/// Literal IP addresses in URLs, and whether the service could reach them on the public internet.
public struct IPAddress: Sendable, Equatable {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// A strict dotted quad: four decimal parts 0–255, none with a leading zero (many resolvers
    /// read `0177` as octal, 127).
    public static func parseV4<S: StringProtocol>(_ text: S) -> IPAddress? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part.count == 1 || !part.hasPrefix("0"), let v = UInt8(part)
            else { return nil }
            bytes.append(v)
        }
        return IPAddress(bytes: bytes)
    }

    /// RFC 4291 text: eight groups of hex, one `::`, optionally a dotted quad at the end.
    public static func parseV6<S: StringProtocol>(_ text: S) -> IPAddress? {
        var text = Substring(text)
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        var tail: [UInt8] = []
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = parseV4(text[text.index(after: lastColon)...]) else { return nil }
            tail = v4.bytes
            text = text[...lastColon]
            if !text.hasSuffix("::") { text = text.dropLast() }
        }
        func groups(_ s: Substring) -> [UInt8]? {
            if s.isEmpty { return [] }
            var out: [UInt8] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(g.count), let v = UInt16(g, radix: 16) else { return nil }
                out += [UInt8(v >> 8), UInt8(v & 0xFF)]
            }
            return out
        }
        var bytes: [UInt8]
        if let gap = text.firstRange(of: "::") {
            guard let head = groups(text[..<gap.lowerBound]), let rest = groups(text[gap.upperBound...]),
                !text[gap.upperBound...].contains("::")
            else { return nil }
            let fill = 16 - head.count - rest.count - tail.count
            guard fill >= 2 else { return nil }
            bytes = head + [UInt8](repeating: 0, count: fill) + rest + tail
        } else {
            guard let all = groups(text) else { return nil }
            bytes = all + tail
        }
        return bytes.count == 16 ? IPAddress(bytes: bytes) : nil
    }

    /// Why the address is not a public one ("a loopback"), or nil when it is public.
    public var nonPublicReason: String? {
        let b = bytes
        if b.count == 4 {
            switch (b[0], b[1]) {
            case (0, _): return "an unspecified"
            case (127, _): return "a loopback"
            case (10, _), (172, 16...31), (192, 168): return "a private"
            case (169, 254): return "a link-local"
            case (100, 64...127): return "a shared (carrier-grade NAT)"
            case (224...255, _): return "a multicast or reserved"
            // IETF protocol assignments (192.0.0.0/24) and benchmarking (198.18.0.0/15). (The
            // documentation networks stay: examples use them as public addresses.)
            case (192, 0) where b[2] == 0, (198, 18...19):
                return "a reserved"
            default: return nil
            }
        }
        if b.allSatisfy({ $0 == 0 }) { return "an unspecified" }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return "a loopback" }
        // An IPv4 address inside an IPv6 one reaches that IPv4 address: mapped (::ffff:a.b.c.d),
        // compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::).
        let mapped = b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF
        let compatible = b[0..<12].allSatisfy({ $0 == 0 })
        let nat64 = b[0..<12] == [0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]
        if mapped || compatible || nat64 {
            return IPAddress(bytes: Array(b[12...])).nonPublicReason
        }
        if b[0] == 0x20 && b[1] == 0x02 { return IPAddress(bytes: Array(b[2..<6])).nonPublicReason }
        if b[0] & 0xFE == 0xFC { return "a private (unique local)" }
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return "a link-local" }
        if b[0] == 0xFE && b[1] & 0xC0 == 0xC0 { return "a site-local" }
        if b[0] == 0xFF { return "a multicast" }
        return nil
    }
}
