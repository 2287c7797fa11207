/// The keys each mapping of a manifest allows (SPEC §2): the one list the decoder checks against
/// and the JSON Schema (`ManifestSchema`) is generated from.
public enum ManifestKeys {
    public static let top = ["version", "provider", "limits", "groups", "moved", "checks"]
    public static let provider = [
        "api", "base_url", "api_key_env", "project_name", "platform", "region", "access_key_env", "secret_key_env",
    ]
    public static let limits = ["concurrency", "rate", "attempts", "timeout", "wait", "processing"]
    public static let rate = ["create_asset", "write", "read"]
    public static let group = ["name", "description", "assets"]
    public static let asset = ["url", "type", "name", "revision"]
    public static let move = ["from", "to"]
    /// `checks:` is keyed by asset type; each type's limits are `CheckLimits.keys(for:)`.
    public static let checks = AssetType.allCases.map(\.rawValue)
    /// Top-level keys starting with this are ignored: a place for anchors.
    public static let extensionPrefix = "x-"

    /// Words in a key that say its value may be a secret (`secret_key`, `access_token`,
    /// `password`): such a value is never shown back, whatever the key (API.md §5).
    static let secretWords = ["key", "secret", "token", "password", "passwd", "credential", "auth", "bearer", "signature"]

    /// Whether an unknown key's value may be a secret, and is not to be shown.
    public static func mayHoldSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return secretWords.contains { lowered.contains($0) }
    }
}
