/// The rules for an asset's source URL (SPEC §2): the service downloads it itself, from the
/// public internet, so it must be an https URL with a public host.
public struct SourceURL: Sendable {
    public static let maxLength = 2048

    public let text: String
    /// The host, lower-cased, without brackets or port.
    public let host: Substring
    /// From the first `/` after the host to before `?` or `#`; may be empty.
    public let path: Substring

    /// Parses `text`, or says, in words for an error message, why it cannot be used.
    public static func parse(_ text: String) -> Result<SourceURL, Failure> {
        if text.utf8.count > maxLength, text.unicodeScalars.count > maxLength {
            return .failure(Failure("is longer than \(maxLength) characters"))
        }
        if let bad = text.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            let what = bad == " " ? "a space (write it as %20)" : "the character U+\(String(bad.value, radix: 16, uppercase: true))"
            return .failure(Failure("must not contain \(what)"))
        }
        guard let schemeEnd = text.firstRange(of: "://") else {
            if text.lowercased().hasPrefix("data:") {
                return .failure(Failure("must be an https URL, not a data: URL; host the file and give its URL"))
            }
            return .failure(Failure("must be an absolute https URL (https://host/path)"))
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "https": break
        case "http": return .failure(Failure("must use https, not http"))
        case "file": return .failure(Failure("must be an https URL, not a file: URL; the service downloads it from the internet"))
        default: return .failure(Failure("must be an https URL, not \(scheme):"))
        }
        let afterScheme = text[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: Self.endsAuthority) ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        if authority.contains("@") {
            return .failure(Failure("must not hold credentials (user:password@host)"))
        }
        let rest = afterScheme[authorityEnd...]
        let pathEnd = rest.firstIndex(where: Self.endsPath) ?? rest.endIndex
        let path = rest[..<pathEnd]

        let host: Substring
        var port: Substring = ""
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                return .failure(Failure("has an unclosed [ in its host"))
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return .failure(Failure("has text after its host's ]")) }
                port = after.dropFirst()
            }
            guard let address = IPAddress.parseV6(host) else {
                return .failure(Failure("has an invalid IPv6 address [\(host)]"))
            }
            if let why = address.nonPublicReason {
                return .failure(Failure("points at \(why) address [\(host)]; the service downloads from the public internet"))
            }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                port = authority[authority.index(after: colon)...]
            } else {
                host = authority
            }
            if let problem = checkHostName(host) { return .failure(problem) }
        }
        if !port.isEmpty || authority.hasSuffix(":") {
            guard let p = Int(port), (1...65535).contains(p) else {
                return .failure(Failure("has an invalid port \"\(port)\""))
            }
        }
        return .success(SourceURL(text: text, host: host, path: path))
    }

    private static func endsAuthority(_ c: Character) -> Bool { c == "/" || c == "?" || c == "#" }
    private static func endsPath(_ c: Character) -> Bool { c == "?" || c == "#" }

    public struct Failure: Error, Sendable, Equatable {
        public let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private static func checkHostName(_ rawHost: Substring) -> Failure? {
        guard !rawHost.isEmpty else { return Failure("has no host") }
        let host = rawHost.lowercased()
        if let bad = host.unicodeScalars.first(where: {
            $0.isASCII && !(("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." || $0 == "_")
        }) {
            return Failure("has an invalid character \"\(bad)\" in its host")
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let trimmed = labels.last == "" ? labels.dropLast() : labels[...]
        if trimmed.contains("") { return Failure("has an empty label in its host \"\(host)\"") }
        guard let last = trimmed.last else { return Failure("has no host") }
        // An all-numeric last label makes the host an IP address to most resolvers
        // (127.1 and 2130706433 both mean 127.0.0.1): accept only a plain dotted quad.
        if last.allSatisfy(\.isNumber) || host.hasPrefix("0x") {
            guard let address = IPAddress.parseV4(host) else {
                return Failure("has a host \"\(host)\" that is neither a name nor a dotted IPv4 address")
            }
            if let why = address.nonPublicReason {
                return Failure("points at \(why) address \(host); the service downloads from the public internet")
            }
            return nil
        }
        let joined = trimmed.joined(separator: ".")
        for local in ["localhost", "local", "internal", "home.arpa"] {
            if joined == local || joined.hasSuffix("." + local) {
                return Failure("points at \"\(joined)\", which is not on the public internet")
            }
        }
        if trimmed.count < 2 {
            return Failure("has the host \"\(joined)\", which is not a public internet name (it has no dot)")
        }
        return nil
    }

    // MARK: - What the URL says about the asset

    /// The last path segment, percent-decoded; empty when the path ends in `/` or is empty.
    public var fileName: String {
        let segment = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        return Self.percentDecoded(segment)
    }

    /// The type the file name's extension implies, if it is one SPEC §2 lists.
    public var inferredType: AssetType? {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let dot = name.lastIndex(of: ".") else { return nil }
        return Self.types[name[name.index(after: dot)...].lowercased()]
    }

    private static let types: [String: AssetType] = [
        "jpg": .image, "jpeg": .image, "png": .image, "webp": .image, "bmp": .image, "tif": .image,
        "tiff": .image, "gif": .image, "heic": .image, "mp4": .video, "mov": .video, "wav": .audio,
        "mp3": .audio,
    ]

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

    static func percentDecoded(_ s: Substring) -> String {
        guard s.contains("%") else { return String(s) }
        var bytes: [UInt8] = []
        var utf8 = s.utf8[...]
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
        for scalar in key.unicodeScalars where !isAllowed(scalar) {
            return "holds \"\(scalar)\"; keys use only A–Z a–z 0–9 . _ -"
        }
        let isAlnum = (first >= 0x30 && first <= 0x39) || (first | 0x20 >= 0x61 && first | 0x20 <= 0x7A)
        return isAlnum ? nil : "must start with a letter or a digit"
    }
}
