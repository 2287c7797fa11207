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

    /// Words of a key that say its value may be a secret (`secret_key`, `accessToken`,
    /// `password`): such a value is never shown back, whatever the key (API.md §5).
    static let secretWords: Set<String> = [
        "key", "apikey", "secret", "token", "password", "passwd", "credential", "credentials", "auth", "authorization",
        "bearer", "signature",
    ]

    /// Whether a key's value may be a secret, and is not to be shown: one of its words (split at
    /// `_`, `-` and lower-to-upper case) is a secret's, and none is `env` (a key naming an
    /// environment variable, as `api_key_env` does, holds a name).
    public static func mayHoldSecret(_ key: String) -> Bool {
        let words = words(of: key)
        return !words.contains("env") && words.contains { secretWords.contains($0) }
    }

    /// Whether a line of a manifest writes a key that may hold a secret (`mayHoldSecret`), in
    /// block or flow style: the word before any colon.
    public static func lineMayHoldSecret(_ line: String) -> Bool {
        let scalars = Array(line.unicodeScalars)
        for (i, c) in scalars.enumerated() where c == ":" {
            var start = i
            while start > 0,
                scalars[start - 1].properties.isAlphabetic || ("0"..."9").contains(scalars[start - 1])
                    || scalars[start - 1] == "_" || scalars[start - 1] == "-"
            {
                start -= 1
            }
            var word = ""
            word.unicodeScalars.append(contentsOf: scalars[start..<i])
            if !word.isEmpty, mayHoldSecret(word) { return true }
        }
        return false
    }

    /// `secret_key` → secret, key; `accessKeyID` → access, key, id.
    static func words(of key: String) -> [String] {
        var words: [String] = []
        var current = ""
        var previousWasLower = false
        for c in key.unicodeScalars {
            let isLetterOrDigit = c.properties.isAlphabetic || ("0"..."9").contains(c)
            if !isLetterOrDigit {
                if !current.isEmpty { words.append(current.lowercased()) }
                current = ""
                previousWasLower = false
                continue
            }
            if c.properties.isUppercase && previousWasLower {
                words.append(current.lowercased())
                current = ""
            }
            current.unicodeScalars.append(c)
            previousWasLower = c.properties.isLowercase || ("0"..."9").contains(c)
        }
        if !current.isEmpty { words.append(current.lowercased()) }
        return words
    }
}
