/// The emulator's `--fail-url` patterns: sources that end Failed (`InvalidParameter.DownloadFailed`).
enum URLPattern {
    /// `*` matches any run of characters; a pattern without `*` matches as a substring.
    static func matches(_ pattern: String, _ text: String) -> Bool {
        guard pattern.contains("*") else { return text.contains(pattern) }
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false)
        var rest = Substring(text)
        for (i, part) in parts.enumerated() {
            if part.isEmpty { continue }
            if i == 0 {
                guard rest.hasPrefix(part) else { return false }
                rest = rest.dropFirst(part.count)
            } else if i == parts.count - 1 {
                return rest.hasSuffix(part)
            } else {
                guard let r = rest.firstRange(of: part) else { return false }
                rest = rest[r.upperBound...]
            }
        }
        return true
    }
}
