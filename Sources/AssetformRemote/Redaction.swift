import Foundation
import JSON
import Synchronization

/// Keeps secrets out of every text that comes from the service or from a library, before it
/// reaches output, a log, the lockfile, a plan file or the journal (SPEC §3, §8). It is applied
/// where such text enters the program: to each answer's JSON (`scrub`), to transport and library
/// error texts, and to every `RemoteError`'s message.
///
/// What it removes, every occurrence, in any case:
/// - the secrets of this process (the API key, registered when the settings are resolved), bare
///   or quoted;
/// - the credential after `Bearer` (any case: `bearer`, `BEARER`);
/// - the query string of every URL (a signed link's signature).
public enum Redaction {
    public static let placeholder = "<redacted>"

    /// Secrets shorter than this are not searched for: they would blank ordinary words, and are
    /// not secrets anyone could rely on.
    static let shortestSecret = 4

    private static let secrets = Mutex<[String]>([])

    /// Adds a secret (an API key) that no text may carry from now on.
    public static func register(secret: String) {
        guard secret.count >= shortestSecret else { return }
        secrets.withLock { if !$0.contains(secret) { $0.append(secret) } }
    }

    /// `text` without any secret, bearer credential or URL query.
    public static func redact(_ text: String) -> String {
        var out = withoutSecrets(text)
        if out.contains("://") { out = withoutQueries(out) }
        if out.range(of: "bearer", options: .caseInsensitive) != nil { out = withoutBearerCredentials(out) }
        return out
    }

    /// `text` without the registered secrets (and nothing else changed).
    public static func withoutSecrets(_ text: String) -> String {
        var out = text
        for secret in secrets.withLock({ $0 }) where out.range(of: secret, options: .caseInsensitive) != nil {
            out = out.replacingOccurrences(of: secret, with: placeholder, options: .caseInsensitive)
        }
        return out
    }

    /// Every string of an answer (keys and values) redacted. Names and descriptions lose only the
    /// secrets: they are the manifest's own text read back (a description may hold a link with a
    /// query, a name the word "Bearer"), and changing them would look like drift on every run.
    public static func scrub(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): .string(redact(s))
        case .array(let items): .array(items.map(scrub))
        case .object(let fields):
            .object(
                fields.map { field in
                    if case .string(let s) = field.1, ["name", "description"].contains(field.0.lowercased()) {
                        return (field.0, .string(withoutSecrets(s)))
                    }
                    return (redact(field.0), scrub(field.1))
                })
        default: value
        }
    }

    /// Whether an answer's bytes may carry something `scrub` would change: a URL, the word
    /// bearer, a registered secret, or a JSON escape (behind which any of them may hide). Most
    /// answers (a create's `{"Id": …}`) do not, and are not walked.
    public static func mayHoldSecret(_ bytes: [UInt8]) -> Bool {
        if bytes.contains(UInt8(ascii: "\\")) { return true }
        if contains(bytes, Array("://".utf8)) || contains(bytes, Array("bearer".utf8)) { return true }
        for secret in secrets.withLock({ $0 }) where contains(bytes, Array(secret.utf8)) { return true }
        return false
    }

    // MARK: - The pieces

    /// Characters that end a URL or a credential inside a message.
    private static func isBoundary(_ c: Character) -> Bool {
        c.isWhitespace || c == "\"" || c == "'" || c == "<" || c == ">" || c == "`" || c == ","
    }

    private static func withoutQueries(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let scheme = rest.firstRange(of: "://") {
            let urlEnd = rest[scheme.upperBound...].firstIndex(where: isBoundary) ?? rest.endIndex
            let url = rest[..<urlEnd]
            if let q = url[scheme.upperBound...].firstIndex(where: { $0 == "?" || $0 == "#" }) {
                out += url[..<q] + "?" + placeholder
            } else {
                out += url
            }
            rest = rest[urlEnd...]
        }
        return out + rest
    }

    private static func withoutBearerCredentials(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let word = rest.range(of: "bearer", options: .caseInsensitive) {
            out += rest[..<word.upperBound]
            rest = rest[word.upperBound...]
            // The separator (spaces, `:` or `=`), then the credential up to the next boundary.
            let separator = rest.prefix { $0 == " " || $0 == ":" || $0 == "=" || $0 == "\t" }
            guard !separator.isEmpty else { continue }
            out += separator
            rest = rest[separator.endIndex...]
            let credential = rest.prefix { !isBoundary($0) }
            if !credential.isEmpty && credential != Substring(placeholder) { out += placeholder } else { out += credential }
            rest = rest[credential.endIndex...]
        }
        return out + rest
    }

    /// ASCII-case-insensitive search of `needle` in `haystack`.
    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let lowered = needle.map(lower)
        let first = lowered[0]
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if lower(haystack[i]) == first {
                var j = 1
                while j < lowered.count && lower(haystack[i + j]) == lowered[j] { j += 1 }
                if j == lowered.count { return true }
            }
            i += 1
        }
        return false
    }

    private static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }
}
