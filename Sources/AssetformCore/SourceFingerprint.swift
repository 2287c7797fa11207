import JSON

/// What an asset's source looked like when it was registered (SPEC §10): its length, and the
/// `ETag` or `Last-Modified` its server gave. Recorded in the lockfile by an apply that checked
/// its URLs; `check` compares it with what the server says now.
public struct SourceFingerprint: Sendable, Equatable {
    public var contentLength: Int?
    public var etag: String?
    public var lastModified: String?

    /// Header values longer than this, or holding anything but printable ASCII, are not kept:
    /// they come from any server on the internet and end up in a reviewed file.
    public static let maxValueLength = 200

    public init(contentLength: Int? = nil, etag: String? = nil, lastModified: String? = nil) {
        self.contentLength = contentLength.flatMap { $0 >= 0 ? $0 : nil }
        self.etag = etag.flatMap(Self.kept)
        self.lastModified = lastModified.flatMap(Self.kept)
    }

    private static func kept(_ value: String) -> String? {
        guard !value.isEmpty, value.utf8.count <= maxValueLength,
            value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
        else { return nil }
        return value
    }

    public var isEmpty: Bool { contentLength == nil && etag == nil && lastModified == nil }

    /// `{"content_length", "etag", "last_modified"}`, the fields it has, keys sorted.
    public var json: JSONValue {
        var fields: [(String, JSONValue)] = []
        if let contentLength { fields.append(("content_length", .int(contentLength))) }
        if let etag { fields.append(("etag", .string(etag))) }
        if let lastModified { fields.append(("last_modified", .string(lastModified))) }
        return .object(fields)
    }

    public init?(json: JSONValue) {
        guard case .object = json else { return nil }
        self.init(
            contentLength: json["content_length"]?.int, etag: json["etag"]?.string,
            lastModified: json["last_modified"]?.string)
        if isEmpty { return nil }
    }

    /// How the source differs now, in words, or nil when nothing it has in common with `now`
    /// differs. The validator that both carry decides: the `ETag` (a weak and a strong one of the
    /// same value agree), else `Last-Modified`; the length is compared when both have it.
    public func change(to now: SourceFingerprint) -> String? {
        var changes: [String] = []
        if let a = etag, let b = now.etag {
            if Self.opaque(a) != Self.opaque(b) { changes.append("ETag \(a) → \(b)") }
        } else if let a = lastModified, let b = now.lastModified, a != b {
            changes.append("Last-Modified \(a) → \(b)")
        }
        if let a = contentLength, let b = now.contentLength, a != b {
            changes.append("length \(a) → \(b) bytes")
        }
        return changes.isEmpty ? nil : changes.joined(separator: ", ")
    }

    private static func opaque(_ etag: String) -> Substring {
        etag.hasPrefix("W/") ? etag.dropFirst(2) : Substring(etag)
    }
}
