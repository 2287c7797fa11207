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
        self.host = host.lowercased()
        self.port = port
        self.target = target.isEmpty ? "/" : (target.hasPrefix("?") ? "/" + target : String(target))
        guard self.target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
    }

    /// A `Location` header's value resolved against this URL (RFC 3986 §5.2, the common cases:
    /// absolute, scheme-relative, absolute path, relative path). The text is returned as
    /// resolved, for the caller to check: it may well not be https.
    public func resolve(_ location: String) -> String {
        let l = location.trimmingSpaces
        if l.contains("://") || l.lowercased().hasPrefix("http:") || l.lowercased().hasPrefix("https:") { return l }
        let origin = url.dropLast(target.count)
        if l.hasPrefix("//") { return "https:" + l }
        if l.hasPrefix("/") { return origin + l }
        let path = target.prefix { $0 != "?" }
        let folder = path.lastIndex(of: "/").map { path[...$0] } ?? "/"
        if l.hasPrefix("?") { return origin + path + l }
        return origin + folder + l
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
