import Foundation
import JSON
import Testing

@testable import AssetformRemote

/// Redaction looks for what it removes in the bytes first, and skips what it would not change.
/// These tests hold it to the text-based redaction it replaced (kept below as the reference),
/// on seeded random texts made of the pieces that matter: schemes, queries, boundaries, the word
/// bearer and a secret in any case, CR LF, and characters that combine or fold.
@Suite("Redaction on bytes against the text-based reference")
struct RedactionEquivalenceTests {
    static let secret = "sk-Unit-Equivalence-0045"

    static let pieces: [String] = [
        "://", "https://", "http://x.example/p", "?", "#", "=", ":", "/", "a", "Z", " ", "\t", "\n", "\r\n", "\r",
        "\u{0B}", "\u{0C}", "\u{1C}", "\u{1F}", "\u{85}", "\u{A0}", "\u{2028}", ",", "\"", "'", "<", ">", "`", "bearer",
        "BeArEr", "Bearer ", "bearer:", "BEARER=", "bear", "é", "e\u{301}", "中文", "\u{0600}", "\u{301}", "\u{200D}",
        "\u{212A}", "<redacted>", secret, secret.uppercased(), secret.lowercased(), String(secret.dropFirst(3)),
        "\\u0073", "\\", "{", "}", "s", "-", "s\u{212A}-Unit-Equivalence-0045", "\u{17F}k-Unit-Equivalence-0045",
        nonASCIISecret, nonASCIISecret.uppercased(), "cl\u{E9}", "cle\u{301}-Unit-0046",
    ]

    /// A secret that is not ASCII, for the needles alone (registered, it would send every text
    /// of this test process the slow way).
    static let nonASCIISecret = "cl\u{E9}-Unit-0046"

    static func randomText(_ random: inout SeededRandom) -> String {
        let count = Int(random.next() % 12)
        return (0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
    }

    @Test(arguments: 0..<8)
    func redactAndWithoutSecretsMatchTheReference(seed: Int) {
        Redaction.register(secret: Self.secret)
        var random = SeededRandom(seed: UInt64(seed))
        for round in 0..<2_000 {
            let text = Self.randomText(&random)
            let (got, want) = (Redaction.redact(text), Reference.redact(text, Redaction.registered))
            #expect(
                Array(got.utf8) == Array(want.utf8),
                "seed \(seed), round \(round): \(text.debugDescription) → \(got.debugDescription), not \(want.debugDescription)")
            #expect(
                Array(Redaction.withoutSecrets(text).utf8) == Array(Reference.withoutSecrets(text, Redaction.registered).utf8),
                "seed \(seed), round \(round)")
            if Array(got.utf8) != Array(want.utf8) { return }
        }
    }

    @Test(arguments: 0..<4)
    func scrubAndTheByteFilterMatchTheReference(seed: Int) {
        Redaction.register(secret: Self.secret)
        var random = SeededRandom(seed: UInt64(100 + seed))
        let keys = ["Name", "NAME", "name", "Name ", "Description", "DESCRIPTION", "Message", "Url", "\u{212A}ey", "Bearer"]
        for round in 0..<500 {
            let fields = (0..<Int(random.next() % 5)).map { _ in
                (keys[Int(random.next() % UInt64(keys.count))], JSONValue.string(Self.randomText(&random)))
            }
            let value = JSONValue.object(fields + [("Items", .array([.object(fields)]))])
            #expect(
                Redaction.scrub(value).encodedBytes == Reference.scrub(value, Redaction.registered).encodedBytes,
                "seed \(100 + seed), round \(round)")
            let bytes = value.encodedBytes
            // The filter passes over no answer the one before it looked at.
            #expect(
                Redaction.mayHoldSecret(bytes) || !Reference.mayHoldSecret(bytes, Redaction.registered),
                "seed \(100 + seed), round \(round): \(value.encoded)")
            // What the filter passes over, scrubbing would not have changed.
            if !Redaction.mayHoldSecret(bytes), let parsed = JSONValue.parse(bytes) {
                #expect(Redaction.scrub(parsed).encodedBytes == bytes, "seed \(100 + seed), round \(round)")
            }
        }
    }

    /// The byte search on its own, with a secret that is not ASCII too: it vouches for a text
    /// only where the text-based redaction leaves it as it is, and passes over only answers
    /// that scrubbing leaves as they are (and none the filter before it looked at).
    @Test(arguments: 0..<4)
    func needlesVouchOnlyForWhatRedactionLeavesAlone(seed: Int) {
        for secrets in [[Self.secret], [Self.secret, Self.nonASCIISecret]] {
            var needles = RedactionNeedles()
            for secret in secrets { needles.add(secret) }
            var random = SeededRandom(seed: UInt64(200 + seed))
            for round in 0..<2_000 {
                let text = Self.randomText(&random)
                let context = "seed \(200 + seed), round \(round), \(secrets.count) secrets: \(text.debugDescription)"
                if needles.leavesAlone(text) {
                    #expect(Array(Reference.redact(text, secrets).utf8) == Array(text.utf8), "\(context)")
                }
                if needles.holdsNoSecret(text) {
                    #expect(Array(Reference.withoutSecrets(text, secrets).utf8) == Array(text.utf8), "\(context)")
                }
                let bytes = JSONValue.object([("Message", .string(text))]).encodedBytes
                #expect(needles.mayHoldSecret(bytes) || !Reference.mayHoldSecret(bytes, secrets), "\(context)")
                if !needles.mayHoldSecret(bytes) {
                    #expect(Reference.scrub(JSONValue.parse(bytes)!, secrets).encodedBytes == bytes, "\(context)")
                }
            }
        }
    }

    @Test func asciiQueriesAreRemovedAsBefore() {
        for text in [
            "a https://x.example/p?sig=1 b", "x://y", "://?", "u ftp://h/#f?x\r\nnext ?q", "s3://b/k?X-Amz=1,more",
            "'https://z.example/?k=3'", "https://a/b https://c/d?e",
        ] {
            #expect(TextBytes.withoutQueries(text) == Reference.withoutQueries(text), "\(text.debugDescription)")
        }
    }

    /// The redaction this replaced: Foundation's case-insensitive search and a walk of Characters
    /// for every text.
    enum Reference {
        static func redact(_ text: String, _ secrets: [String]) -> String {
            var out = withoutSecrets(text, secrets)
            if out.contains("://") { out = withoutQueries(out) }
            if out.range(of: "bearer", options: .caseInsensitive) != nil { out = withoutBearerCredentials(out) }
            return out
        }

        static func withoutSecrets(_ text: String, _ secrets: [String]) -> String {
            var out = text
            for secret in secrets where out.range(of: secret, options: .caseInsensitive) != nil {
                out = out.replacingOccurrences(of: secret, with: Redaction.placeholder, options: .caseInsensitive)
            }
            return out
        }

        static func scrub(_ value: JSONValue, _ secrets: [String]) -> JSONValue {
            switch value {
            case .string(let s): .string(redact(s, secrets))
            case .array(let items): .array(items.map { scrub($0, secrets) })
            case .object(let fields):
                .object(
                    fields.map { field in
                        if case .string(let s) = field.1, ["name", "description"].contains(field.0.lowercased()) {
                            return (field.0, .string(withoutSecrets(s, secrets)))
                        }
                        return (redact(field.0, secrets), scrub(field.1, secrets))
                    })
            default: value
            }
        }

        static func mayHoldSecret(_ bytes: [UInt8], _ secrets: [String]) -> Bool {
            if bytes.contains(UInt8(ascii: "\\")) { return true }
            if contains(bytes, Array("://".utf8)) || contains(bytes, Array("bearer".utf8)) { return true }
            for secret in secrets where contains(bytes, Array(secret.utf8)) { return true }
            return false
        }

        // Unchanged, and still what a text that is not ASCII goes through.
        static func withoutQueries(_ text: String) -> String { Redaction.withoutQueries(text) }
        static func withoutBearerCredentials(_ text: String) -> String { Redaction.withoutBearerCredentials(text) }

        static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
            guard !needle.isEmpty, haystack.count >= needle.count else { return false }
            let lowered = needle.map(lower)
            var i = 0
            while i <= haystack.count - needle.count {
                var j = 0
                while j < lowered.count && lower(haystack[i + j]) == lowered[j] { j += 1 }
                if j == lowered.count { return true }
                i += 1
            }
            return false
        }

        static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }
    }
}
