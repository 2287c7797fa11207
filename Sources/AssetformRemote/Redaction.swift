import AssetformCore
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
/// - the value after `Signature=` or `Signature:` (any case): a signed request's signature;
/// - the query string of every URL (a signed link's signature).
public enum Redaction {
    public static let placeholder = URLQuery.placeholder

    /// Secrets shorter than this are not searched for: they would blank ordinary words, and are
    /// not secrets anyone could rely on.
    static let shortestSecret = 4

    private static let needles = Mutex(RedactionNeedles())

    /// The secrets registered so far.
    static var registered: [String] { needles.withLock { $0.secrets } }

    /// Adds a secret (an API key) that no text may carry from now on.
    public static func register(secret: String) {
        guard secret.count >= shortestSecret else { return }
        needles.withLock { needles in
            needles.add(secret)
            for form in percentForms(secret) + base64Forms(secret) where form != secret && !needles.secrets.contains(form) {
                needles.add(form)
            }
        }
    }

    /// `secret` as a URL or a form may carry it, a service echoing it so: each of its characters
    /// that is not unreserved (`/`, `+`, `=`) percent-encoded or not, as libraries differ in which
    /// they encode (Python's `quote` keeps `/`, Go's `PathEscape` keeps `+` and `=`). Every
    /// choice per character, up to 6 such characters; past that, all encoded or none.
    static func percentForms(_ secret: String) -> [String] {
        let special = Array(Set(secret.unicodeScalars.filter { RequestSigner.encode(String($0)) != String($0) }))
            .sorted { $0.value < $1.value }
        guard !special.isEmpty else { return [] }
        guard special.count <= 6 else { return [RequestSigner.encode(secret)] }
        return (1..<(1 << special.count)).map { mask in
            var out = ""
            for scalar in secret.unicodeScalars {
                if let i = special.firstIndex(of: scalar), mask & (1 << i) != 0 {
                    out += RequestSigner.encode(String(scalar))
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            return out
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

    /// `text` without any secret, bearer credential, signature or URL query.
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
        if !ascii || TextBytes.contains(out, RedactionNeedles.signature, ignoringCase: true) {
            out = withoutSignatures(out)
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

    static func withoutQueries(_ text: String) -> String { URLQuery.redacted(in: text) }

    /// The credential after the word bearer, in any case, past spaces, `:` or `=`.
    static func withoutBearerCredentials(_ text: String) -> String {
        withoutCredentials(after: "bearer", in: text, needsSign: false)
    }

    /// The value after the word signature, in any case, past `=` or `:` (and spaces): a request
    /// signature (`Authorization: HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`, which a
    /// service may echo in an error) can be replayed while its time is valid.
    static func withoutSignatures(_ text: String) -> String {
        withoutCredentials(after: "signature", in: text, needsSign: true)
    }

    /// `needsSign`: only where the separator holds `=` or `:` (a signature named in a sentence
    /// is not followed by one).
    private static func withoutCredentials(after word: String, in text: String, needsSign: Bool) -> String {
        var out = ""
        var rest = Substring(text)
        while let found = rest.range(of: word, options: .caseInsensitive) {
            out += rest[..<found.upperBound]
            rest = rest[found.upperBound...]
            // The separator (spaces, `:` or `=`; for a signature also quotes, as JSON writes
            // `"Signature":"…"`), then the credential up to the next boundary.
            let separator = rest.prefix {
                $0 == " " || $0 == ":" || $0 == "=" || $0 == "\t" || (needsSign && $0 == "\"")
            }
            guard !separator.isEmpty, !needsSign || separator.contains(where: { $0 == ":" || $0 == "=" }) else { continue }
            out += separator
            rest = rest[separator.endIndex...]
            let credential = rest.prefix { !URLQuery.isBoundary($0) }
            if !credential.isEmpty && credential != Substring(placeholder) { out += placeholder } else { out += credential }
            rest = rest[credential.endIndex...]
        }
        return out + rest
    }
}
