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

    private static let needles = Mutex(RedactionNeedles())

    /// The secrets registered so far.
    static var registered: [String] { needles.withLock { $0.secrets } }

    /// Adds a secret (an API key) that no text may carry from now on.
    public static func register(secret: String) {
        guard secret.count >= shortestSecret else { return }
        // Also as a URL or a form carries it (`/`, `+`, `=` percent-encoded): a service may echo it so.
        let encoded = RequestSigner.encode(secret)
        needles.withLock { needles in
            needles.add(secret)
            for form in [encoded] + base64Forms(secret) where form != secret && !needles.secrets.contains(form) {
                needles.add(form)
            }
        }
    }

    /// What stays the same of `secret` in base64 wherever it falls in the encoded bytes (as a
    /// Basic credential `user:key` or a token echoes it): for each of the three alignments, the
    /// characters made of its bits alone, standard and URL-safe. Forms under 8 characters are
    /// left out (they would blank ordinary text).
    static func base64Forms(_ secret: String) -> [String] {
        let bytes = Array(secret.utf8)
        var forms: [String] = []
        for k in 0..<3 {
            let text = Array((Data(count: k) + Data(bytes)).base64EncodedString())
            let (start, end) = ((8 * k + 5) / 6, 8 * (k + bytes.count) / 6)
            guard end - start >= 8 else { continue }
            let core = String(text[start..<end])
            forms += [core, String(core.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })]
        }
        return forms
    }

    /// `text` without any secret, bearer credential or URL query.
    ///
    /// Each step is first looked for in the bytes (a refresh redacts every string of 100,000
    /// assets): a step whose search finds nothing would leave the text as it is, so it is skipped.
    /// The byte search is exact where the text is ASCII, and finds a superset elsewhere (a
    /// non-ASCII text always takes the steps whose matching is Unicode case-insensitive).
    public static func redact(_ text: String) -> String {
        redact(text, needles.withLock { $0 })
    }

    /// `text` without the registered secrets (and nothing else changed).
    public static func withoutSecrets(_ text: String) -> String {
        withoutSecrets(text, needles.withLock { $0 })
    }

    /// Every string of an answer (keys and values) redacted. Names and descriptions lose only the
    /// secrets: they are the manifest's own text read back (a description may hold a link with a
    /// query, a name the word "Bearer"), and changing them would look like drift on every run.
    public static func scrub(_ value: JSONValue) -> JSONValue {
        // The secrets as registered now, read once for the whole answer.
        scrub(value, needles.withLock { $0 })
    }

    private static func redact(_ text: String, _ needles: RedactionNeedles) -> String {
        if needles.leavesAlone(text) { return text }
        var out = withoutSecrets(text, needles)
        let ascii = TextBytes.isASCII(out)
        if TextBytes.contains(out, RedactionNeedles.scheme) {
            out = ascii ? TextBytes.withoutQueries(out) : withoutQueries(out)
        }
        if !ascii || TextBytes.contains(out, RedactionNeedles.bearer, ignoringCase: true) {
            out = withoutBearerCredentials(out)
        }
        return out
    }

    private static func withoutSecrets(_ text: String, _ needles: RedactionNeedles) -> String {
        // An ASCII text that holds no secret in any ASCII case holds none in any case.
        if needles.holdsNoSecret(text) { return text }
        var out = text
        for secret in needles.secrets where out.range(of: secret, options: .caseInsensitive) != nil {
            out = out.replacingOccurrences(of: secret, with: placeholder, options: .caseInsensitive)
        }
        return out
    }

    private static func scrub(_ value: JSONValue, _ needles: RedactionNeedles) -> JSONValue {
        switch value {
        case .string(let s): .string(redact(s, needles))
        case .array(let items): .array(items.map { scrub($0, needles) })
        case .object(let fields):
            .object(
                fields.map { field in
                    if case .string(let s) = field.1, isNameOrDescription(field.0) {
                        return (field.0, .string(withoutSecrets(s, needles)))
                    }
                    return (redact(field.0, needles), scrub(field.1, needles))
                })
        default: value
        }
    }

    /// `name` or `description` in any case: the keys `scrub` leaves all but the secrets in.
    /// (ASCII case is enough: no other character lowercases to one of their letters.)
    private static func isNameOrDescription(_ key: String) -> Bool {
        TextBytes.equalsIgnoringCase(key, "name") || TextBytes.equalsIgnoringCase(key, "description")
    }

    /// Whether an answer's bytes may carry something `scrub` would change: a URL, the word
    /// bearer (in any ASCII case), a registered secret (likewise), or a JSON escape (behind which
    /// any of them may hide). Most answers (a create's `{"Id": …}`) do not, and are not walked.
    /// A secret that is not ASCII is not searched for: every answer is walked.
    public static func mayHoldSecret(_ bytes: [UInt8]) -> Bool {
        needles.withLock { $0 }.mayHoldSecret(bytes)
    }

    // MARK: - The pieces

    /// Characters that end a URL or a credential inside a message.
    private static func isBoundary(_ c: Character) -> Bool {
        c.isWhitespace || c == "\"" || c == "'" || c == "<" || c == ">" || c == "`" || c == ","
    }

    static func withoutQueries(_ text: String) -> String {
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

    static func withoutBearerCredentials(_ text: String) -> String {
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
}
