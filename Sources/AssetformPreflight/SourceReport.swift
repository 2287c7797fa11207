import AssetformCore
import AssetformRemote
import JSON

/// What preflight found about one asset's source.
public struct SourceReport: Sendable {
    public var address: String
    /// The source URL as shown: its query (a presigned link's signature) redacted.
    public var url: String
    public var type: AssetType
    /// Why a create of it would fail; empty when it looks fine.
    public var problems: [String] = []
    /// How it differs from what the lockfile recorded when it was registered.
    public var changed: String?
    /// The last answer's status, after redirects.
    public var status: Int?
    public var contentType: String?
    /// The whole file's size, when the answer said it.
    public var length: Int?
    public var media: MediaInfo?
    /// Body bytes read, over every request made for it.
    public var bytesRead = 0
    public var redirects = 0
    /// What it looks like now (recorded by an apply that creates it).
    public var fingerprint: SourceFingerprint?

    public var passed: Bool { problems.isEmpty }

    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("address", .string(address)), ("url", .string(url)), ("type", .string(type.rawValue)),
            ("ok", .bool(problems.isEmpty)), ("problems", .array(problems.map(JSONValue.string))),
        ]
        if let changed { fields.append(("changed", .string(changed))) }
        if let status { fields.append(("status", .int(status))) }
        if let contentType { fields.append(("content_type", .string(contentType))) }
        if let length { fields.append(("length", .int(length))) }
        if let media, media.format != .unknown { fields.append(("format", .string(media.format.rawValue))) }
        if let w = media?.width, let h = media?.height { fields += [("width", .int(w)), ("height", .int(h))] }
        if let d = media?.duration { fields.append(("duration_seconds", .double((d * 1000).rounded() / 1000))) }
        if let f = media?.frameRate { fields.append(("frames_per_second", .double((f * 1000).rounded() / 1000))) }
        fields += [("bytes_read", .int(bytesRead)), ("redirects", .int(redirects))]
        return .object(fields)
    }
}
