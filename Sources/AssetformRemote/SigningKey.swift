import AssetformCore

/// The upstream's credentials (API.md §5): an access key and a secret key, with the region and
/// service they sign for. Both keys are registered with `Redaction` at once, so that no text the
/// program prints, logs or writes can carry them; where it helps, the access key is shown by its
/// last four characters only.
public struct SigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let accessKey: String
    let secretKey: String
    public let region: String
    public let service: String

    public init(accessKey: String, secretKey: String, region: String, service: String = "ark") {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.region = region
        self.service = service
        Redaction.register(secret: secretKey)
        Redaction.register(secret: accessKey)
    }

    /// `…WXYZ`: enough to tell two keys apart, never the key.
    public var shownAccessKey: String { accessKey.count > 8 ? "…" + String(accessKey.suffix(4)) : "…" }

    public var description: String { "access key \(shownAccessKey)" }
    public var debugDescription: String { description }
    /// `dump` and mirrors show nothing of the keys.
    public var customMirror: Mirror { Mirror(self, children: []) }
}
