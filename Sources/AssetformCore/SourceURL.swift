import JSON

/// The rules for an asset's source URL (SPEC §2): the service downloads it itself, from the
/// public internet, so it must be an https URL with a public host.
public struct SourceURL: Sendable {
    public static let maxLength = 2048

    public let text: String
    /// The last path segment, as UTF-8 offsets into `text`: after the path's last `/`, up to
    /// before `?` or `#`; empty when the path ends in `/` or the URL has no path.
    private let lastSegmentRange: Range<Int>
    /// The type the file name's extension implies, if it is one SPEC §2 lists (worked out once,
    /// from the bytes, when the URL is parsed).
    public let inferredType: AssetType?

    /// Parses `text`, or says, in words for an error message, why it cannot be used.
    ///
    /// This runs once per asset, so it works on UTF-8 bytes: a manifest of 100,000 assets
    /// spends most of its validation time here otherwise.
    public static func parse(_ text: String) -> Result<SourceURL, Failure> {
        var memo = HostMemo()
        return parse(text, hosts: &memo)
    }

    /// `parse`, skipping the host's check where the host is the one `hosts` last found good (and
    /// keeping a host that passes it: the check looks at the host's bytes alone).
    public static func parse(_ text: String, hosts: inout HostMemo) -> Result<SourceURL, Failure> {
        if let result = text.utf8.withContiguousStorageIfAvailable({ parse(text, bytes: $0, hosts: &hosts) }) {
            return result
        }
        var copy = text
        return copy.withUTF8 { parse(text, bytes: $0, hosts: &hosts) }
    }

    private static func parse(_ text: String, bytes b: UnsafeBufferPointer<UInt8>, hosts: inout HostMemo) -> Result<
        SourceURL, Failure
    > {
        let n = b.count
        if n > maxLength, text.unicodeScalars.count > maxLength {
            return .failure(Failure("is longer than \(maxLength) characters"))
        }
        var nonASCII = false
        // Eight bytes at a time while none is a space, a control character or DEL (the usual
        // URL); the byte that is, and the rest, one at a time.
        var start = 0
        var high: UInt64 = 0
        if let base = b.baseAddress {
            while start + 8 <= n {
                let w = UnsafeRawPointer(base + start).loadUnaligned(as: UInt64.self)
                if ByteWord.holdsBelow(w, 0x21) | ByteWord.holds(w, 0x7F) != 0 { break }
                high |= w
                start += 8
            }
        }
        nonASCII = high & ByteWord.highs != 0
        for byte in b[start...] {
            if byte <= 0x20 || byte == 0x7F {
                let what = byte == 0x20 ? "a space (write it as %20)" : "the character U+\(hex(UInt32(byte)))"
                return .failure(Failure("must not contain \(what)"))
            }
            nonASCII = nonASCII || byte >= 0x80
        }
        if nonASCII,
            let bad = text.unicodeScalars.first(where: { $0.properties.isWhitespace || (0x80...0x9F).contains($0.value) })
        {
            return .failure(Failure("must not contain the character U+\(hex(bad.value))"))
        }
        // The scheme: everything before the first "://".
        var schemeEnd = -1
        var i = 0
        while i + 2 < n {
            if b[i] == UInt8(ascii: ":") {
                if b[i + 1] == UInt8(ascii: "/") && b[i + 2] == UInt8(ascii: "/") { schemeEnd = i }
                break
            }
            i += 1
        }
        guard schemeEnd >= 0 else {
            if hasPrefix(b, "data:") {
                return .failure(Failure("must be an https URL, not a data: URL; host the file and give its URL"))
            }
            return .failure(Failure("must be an absolute https URL (https://host/path)"))
        }
        let scheme = UnsafeBufferPointer(rebasing: b[0..<schemeEnd])
        if !equalsLowercased(scheme, "https") {
            if equalsLowercased(scheme, "http") { return .failure(Failure("must use https, not http")) }
            if equalsLowercased(scheme, "file") {
                return .failure(Failure("must be an https URL, not a file: URL; the service downloads it from the internet"))
            }
            return .failure(Failure("must be an https URL, not \(String(decoding: scheme, as: UTF8.self).lowercased()):"))
        }
        let authorityStart = schemeEnd + 3
        var authorityEnd = authorityStart
        while authorityEnd < n, b[authorityEnd] != UInt8(ascii: "/"), b[authorityEnd] != UInt8(ascii: "?"),
            b[authorityEnd] != UInt8(ascii: "#")
        {
            if b[authorityEnd] == UInt8(ascii: "@") { return .failure(Failure("must not hold credentials (user:password@host)")) }
            authorityEnd += 1
        }
        var pathEnd = authorityEnd
        while pathEnd < n, b[pathEnd] != UInt8(ascii: "?"), b[pathEnd] != UInt8(ascii: "#") { pathEnd += 1 }

        let authority = UnsafeBufferPointer(rebasing: b[authorityStart..<authorityEnd])
        var hostRange = 0..<authority.count
        var portRange: Range<Int>?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else {
                return .failure(Failure("has an unclosed [ in its host"))
            }
            hostRange = 1..<close
            if close + 1 < authority.count {
                guard authority[close + 1] == UInt8(ascii: ":") else { return .failure(Failure("has text after its host's ]")) }
                portRange = (close + 2)..<authority.count
            }
            let host = String(decoding: authority[hostRange], as: UTF8.self)
            guard let address = IPAddress.parseV6(host) else {
                return .failure(Failure("has an invalid IPv6 address [\(host)]"))
            }
            if let why = address.nonPublicReason {
                return .failure(Failure("points at \(why) address [\(host)]; the service downloads from the public internet"))
            }
        } else {
            if let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
                hostRange = 0..<colon
                portRange = (colon + 1)..<authority.count
            }
            let host = UnsafeBufferPointer(rebasing: authority[hostRange])
            if !hosts.holds(host) {
                if let problem = checkHostName(host) { return .failure(problem) }
                hosts.keep(host)
            }
        }
        if let portRange {
            let port = String(decoding: authority[portRange], as: UTF8.self)
            // Digits only, as the provider's base URL (`Int` alone takes "+443").
            guard (1...5).contains(port.utf8.count), port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let p = Int(port),
                (1...65535).contains(p)
            else {
                return .failure(Failure("has an invalid port \"\(port)\""))
            }
        }
        var segmentStart = pathEnd
        while segmentStart > authorityEnd, b[segmentStart - 1] != UInt8(ascii: "/") { segmentStart -= 1 }
        let segment = UnsafeBufferPointer(rebasing: b[segmentStart..<pathEnd])
        return .success(
            SourceURL(text: text, lastSegmentRange: segmentStart..<pathEnd, inferredType: inferredType(segment)))
    }

    public struct Failure: Error, Sendable, Equatable {
        public let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private static func hex(_ v: UInt32) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    private static func equalsLowercased(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for k in 0..<bytes.count where lower(bytes[k]) != w[k] { return false }
        return true
    }

    private static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        bytes.count >= word.utf8CodeUnitCount
            && equalsLowercased(UnsafeBufferPointer(rebasing: bytes[0..<word.utf8CodeUnitCount]), word)
    }

    private static func checkHostName(_ h: UnsafeBufferPointer<UInt8>) -> Failure? {
        guard !h.isEmpty else { return Failure("has no host") }
        var end = h.count
        if h[end - 1] == UInt8(ascii: ".") { end -= 1 }  // a fully qualified name's final dot
        var labels = 1
        var lastLabelStart = 0
        var previousWasDot = true
        for k in 0..<end {
            let c = h[k]
            if c == UInt8(ascii: ".") {
                if previousWasDot { return Failure("has an empty label in its host \"\(lowered(h))\"") }
                labels += 1
                lastLabelStart = k + 1
                previousWasDot = true
                continue
            }
            previousWasDot = false
            let l = lower(c)
            let ok =
                c >= 0x80 || (l >= 0x61 && l <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-")
                || c == UInt8(ascii: "_")
            if !ok { return Failure("has an invalid character \"\(Unicode.Scalar(c))\" in its host") }
        }
        if previousWasDot {
            return end == 0 ? Failure("has no host") : Failure("has an empty label in its host \"\(lowered(h))\"")
        }
        let name = UnsafeBufferPointer(rebasing: h[0..<end])
        // An all-numeric last label makes the host an IP address to most resolvers
        // (127.1 and 2130706433 both mean 127.0.0.1): accept only a plain dotted quad.
        let lastLabel = name[lastLabelStart...]
        if lastLabel.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) || hasPrefix(name, "0x") {
            let host = lowered(name)
            guard let address = IPAddress.parseV4(host) else {
                return Failure("has a host \"\(host)\" that is neither a name nor a dotted IPv4 address")
            }
            if let why = address.nonPublicReason {
                return Failure("points at \(why) address \(host); the service downloads from the public internet")
            }
            return nil
        }
        // (Only a last label as long as one of theirs can end one of them.)
        let lastLength = name.count - lastLabelStart
        for local in localSuffixes where lastLength < 64 && (localLastLabelLengths >> lastLength) & 1 != 0 {
            let count = local.utf8CodeUnitCount
            guard name.count >= count,
                equalsLowercased(UnsafeBufferPointer(rebasing: name[(name.count - count)...]), local),
                name.count == count || name[name.count - count - 1] == UInt8(ascii: ".")
            else { continue }
            return Failure("points at \"\(lowered(name))\", which is not on the public internet")
        }
        if labels < 2 {
            return Failure("has the host \"\(lowered(name))\", which is not a public internet name (it has no dot)")
        }
        return nil
    }

    /// Host names, and the suffixes of host names, that are never on the public internet.
    private static let localSuffixes: [StaticString] = ["localhost", "local", "internal", "home.arpa"]
    /// The lengths of their last labels (`localhost`, `local`, `internal`, `arpa`), one bit each.
    private static let localLastLabelLengths: UInt64 = localSuffixes.reduce(0) { mask, suffix in
        let text = suffix.description
        let last = text.split(separator: ".").last ?? Substring(text)
        return mask | 1 << UInt64(last.utf8.count)
    }

    private static func lowered(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self).lowercased()
    }

    /// The last path segment (UTF-8), empty when the path ends in `/` or is empty.
    private var lastSegment: Substring.UTF8View {
        let u = text.utf8
        return Substring(text).utf8[
            u.index(
                u.startIndex, offsetBy: lastSegmentRange.lowerBound)..<u.index(
                    u.startIndex, offsetBy: lastSegmentRange.upperBound)]
    }

    /// The last path segment, percent-decoded; empty when the path ends in `/` or is empty.
    public var fileName: String {
        Self.percentDecoded(lastSegment)
    }

    /// The type a file name's extension implies, if it is one SPEC §2 lists.
    private static func inferredType(_ name: UnsafeBufferPointer<UInt8>) -> AssetType? {
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        let length = name.count - dot - 1
        guard length == 3 || length == 4 else { return nil }
        // The extension's lower-cased bytes packed into one integer: no String, no hashing.
        var packed: UInt32 = 0
        for k in (dot + 1)..<name.count { packed = packed << 8 | UInt32(lower(name[k])) }
        switch packed {
        case 0x6A_7067, 0x6A70_6567, 0x70_6E67, 0x7765_6270, 0x62_6D70, 0x74_6966, 0x7469_6666, 0x67_6966, 0x6865_6963:
            return .image  // jpg jpeg png webp bmp tif tiff gif heic
        case 0x6D_7034, 0x6D_6F76:
            return .video  // mp4 mov
        case 0x77_6176, 0x6D_7033:
            return .audio  // wav mp3
        default:
            return nil
        }
    }

    /// The asset key a URL list gives this URL: the file name without its extension,
    /// lower-cased, with every character a key may not hold mapped to `-`.
    public var derivedKey: String {
        var name = fileName
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
        var key = ""
        for scalar in name.lowercased().unicodeScalars {
            key.unicodeScalars.append(AssetKey.isAllowed(scalar) ? scalar : "-")
        }
        return key
    }

    static func percentDecoded(_ s: Substring.UTF8View) -> String {
        guard s.contains(UInt8(ascii: "%")) else { return String(decoding: s, as: UTF8.self) }
        var bytes: [UInt8] = []
        var utf8 = s[...]
        while let b = utf8.popFirst() {
            if b == UInt8(ascii: "%"), utf8.count >= 2,
                let v = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(v)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The rule for group and asset keys: 1–64 characters of `A–Z a–z 0–9 . _ -`, starting with a
/// letter or digit.
public enum AssetKey {
    public static func isAllowed(_ s: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s) || s == "." || s == "_" || s == "-"
    }

    /// Why `key` is not a valid key, in words that follow "key "x" "; nil when it is valid.
    public static func problem(_ key: String) -> String? {
        let utf8 = key.utf8
        guard let first = utf8.first else { return "is empty" }
        guard utf8.count <= 64 else { return "is longer than 64 characters" }
        // Every allowed character is one ASCII byte: check bytes, and name the scalar only when
        // one is not allowed (this runs for every key).
        var bytes = key
        let allowedBytes = bytes.withUTF8 {
            $0.allSatisfy { byte in
                let l = byte | 0x20
                return (l >= 0x61 && l <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || byte == 0x5F
                    || byte == 0x2D
            }
        }
        if !allowedBytes {
            for scalar in key.unicodeScalars where !isAllowed(scalar) {
                return "holds \"\(scalar)\"; keys use only A–Z a–z 0–9 . _ -"
            }
        }
        let isAlnum = (first >= 0x30 && first <= 0x39) || (first | 0x20 >= 0x61 && first | 0x20 <= 0x7A)
        return isAlnum ? nil : "must start with a letter or a digit"
    }
}
