import AssetformCore

/// An `https` URL split into what a request needs: host, port, and the request target (path and
/// query; a fragment is never sent). Redirects are resolved against it.
public struct SourceLocation: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// `/path?query`.
    public var target: String

    /// The URL as the manifest would write it.
    public var url: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "https://\(shownHost)\(port == 443 ? "" : ":\(port)")\(target)"
    }

    /// An absolute `https` URL with a host; nil for anything else.
    public init?(_ text: String) {
        guard text.count <= SourceURL.maxLength, let colon = text.firstIndex(of: ":"),
            text[..<colon].lowercased() == "https", text[colon...].hasPrefix("://")
        else { return nil }
        let rest = text[text.index(colon, offsetBy: 3)...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host: Substring
        var port = 443
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()), (1...65535).contains(p) else { return nil }
                port = p
            }
        } else if let c = authority.lastIndex(of: ":") {
            host = authority[..<c]
            let digits = authority[authority.index(after: c)...]
            if !digits.isEmpty {
                guard let p = Int(digits), (1...65535).contains(p) else { return nil }
                port = p
            }
        } else {
            host = authority
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "/" }) else { return nil }
        var target = rest[authorityEnd...]
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        guard host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        self.host = host.lowercased()
        self.port = port
        let path = target.isEmpty ? "/" : (target.hasPrefix("?") ? "/" + target : String(target))
        // A path of other scripts (`/角色/正面.png`) goes out percent-encoded, as browsers send it.
        guard path.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { return nil }
        var encoded = ""
        for byte in path.utf8 {
            if byte < 0x80 {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF")
                encoded += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
            }
        }
        self.target = Self.removingDotSegments(encoded)
    }

    /// RFC 3986 §5.2.4 on the path (the query left as it is): `/a/../c.png` is `/c.png`.
    static func removingDotSegments(_ target: String) -> String {
        let query = target.firstIndex(of: "?")
        let path = query.map { target[..<$0] } ?? target[...]
        guard path.contains("/.") else { return target }
        var out: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (i, segment) in segments.enumerated() {
            let last = i == segments.count - 1
            switch segment {
            case ".":
                if last { out.append("") }
            case "..":
                if !out.isEmpty { out.removeLast() }
                if last { out.append("") }
            default: out.append(segment)
            }
        }
        return "/" + out.joined(separator: "/") + (query.map { String(target[$0...]) } ?? "")
    }

    /// A `Location` header's value resolved against this URL (RFC 3986 §5.2, the common cases:
    /// absolute, scheme-relative, absolute path, relative path). The text is returned as
    /// resolved, for the caller to check: it may well not be https.
    public func resolve(_ location: String) -> String {
        let l = location.trimmingSpaces
        // An absolute reference starts with a scheme: a letter, then letters, digits, + - ., then `:`.
        if let colon = l.firstIndex(of: ":"), let first = l.first, first.isASCII, first.isLetter,
            l[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        {
            return l
        }
        let origin = url.dropLast(target.count)
        if l.hasPrefix("//") { return "https:" + l }
        if l.hasPrefix("/") { return origin + l }
        let path = target.prefix { $0 != "?" }
        let folder = path.lastIndex(of: "/").map { path[...$0] } ?? "/"
        if l.hasPrefix("?") { return origin + path + l }
        return origin + folder + l
    }
}
