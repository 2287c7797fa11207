/// The one rule for a URL's query inside a text: everything from its first `?` or `#` up to
/// the end of the URL is replaced by `?<redacted>`, because a presigned link's query is its
/// signature. The service's texts take it through `Redaction`; the manifest's own text takes it
/// wherever it is shown (a diagnostic's source line and message), so a CI log never holds a
/// presigned link that a manifest registers.
public enum URLQuery {
    /// What stands where a secret was.
    public static let placeholder = "<redacted>"

    /// `text` with the query of every URL in it (from `://` to a boundary) redacted.
    public static func redacted(in text: String) -> String {
        guard text.contains("://") else { return text }
        var out = ""
        var rest = Substring(text)
        while let scheme = rest.firstRange(of: "://") {
            let urlEnd = rest[scheme.upperBound...].firstIndex(where: isBoundary) ?? rest.endIndex
            let url = rest[..<urlEnd]
            // (An empty query holds nothing: a text redacted already stays as it is.)
            if let q = url[scheme.upperBound...].firstIndex(where: { $0 == "?" || $0 == "#" }), url.index(after: q) < url.endIndex
            {
                out += url[..<q] + "?" + placeholder
            } else {
                out += url
            }
            rest = rest[urlEnd...]
        }
        return out + rest
    }

    /// Characters that end a URL (or a credential) inside a message: white space, quotes, angle
    /// brackets, a backtick and a comma.
    public static func isBoundary(_ c: Character) -> Bool {
        c.isWhitespace || c == "\"" || c == "'" || c == "<" || c == ">" || c == "`" || c == ","
    }
}
