/// What `Redaction` looks for in the bytes of a text before it walks the text: the registered
/// secrets, and the bytes a match can start with. Most texts (an id, a status, a name) hold
/// none of it, and one pass over their bytes shows it.
struct RedactionNeedles: Sendable {
    /// The secrets, as registered.
    private(set) var secrets: [String] = []
    /// The secrets' bytes, ASCII letters in lowercase (the ASCII ones are searched for).
    private var lowered: [[UInt8]] = []
    /// False when a secret is not ASCII: the byte search cannot vouch for a text then (Unicode
    /// case-insensitive matching is not on bytes), and every text is walked.
    private var asciiOnly = true
    /// The bytes that may start something a text's redaction changes: `:` (of `://`), `b` and
    /// `B` (of bearer), `s` and `S` (of signature), each secret's first byte in both cases, and every byte above ASCII
    /// (a text that is not ASCII is walked).
    private var textStarts = [Bool](repeating: false, count: 256)
    /// The same for an answer's bytes, where a backslash (a JSON escape) may hide any of them,
    /// and so may a character that Unicode's case-insensitive matching takes for an ASCII letter
    /// (K KELVIN SIGN for k, ſ LONG S for s, İ, ẞ, the ligatures ﬀ to ﬆ): the lead bytes of the
    /// blocks that hold them (C4, C5, E1, E2, EF) are stops too.
    private var answerStarts = [Bool](repeating: false, count: 256)
    private static let answerStops: Set<UInt8> = [UInt8(ascii: "\\"), 0xC4, 0xC5, 0xE1, 0xE2, 0xEF]

    static let scheme = Array("://".utf8)
    static let bearer = Array("bearer".utf8)
    static let signature = Array("signature".utf8)

    init() {
        for b in 0x80...0xFF { textStarts[b] = true }
        for b in Self.answerStops { answerStarts[Int(b)] = true }
        for needle in [Self.scheme, Self.bearer, Self.signature] { mark(needle[0]) }
    }

    mutating func add(_ secret: String) {
        guard !secrets.contains(secret), let first = secret.utf8.first else { return }
        secrets.append(secret)
        guard !secret.utf8.contains(where: { $0 >= 0x80 }) else {
            asciiOnly = false
            return
        }
        lowered.append(secret.utf8.map(TextBytes.lower))
        mark(first)
    }

    private mutating func mark(_ b: UInt8) {
        for c in [TextBytes.lower(b), TextBytes.upper(b)] {
            textStarts[Int(c)] = true
            answerStarts[Int(c)] = true
        }
    }

    /// Whether `redact` would give `text` back as it is, as its bytes show: it is ASCII, and
    /// holds neither `://`, nor the words bearer or signature, nor a secret in any case. (False: it may.)
    func leavesAlone(_ text: String) -> Bool {
        guard asciiOnly else { return false }
        return TextBytes.withBytes(text) { !holdsAny(UnsafeRawBufferPointer($0), inAnswer: false, fixed: true) }
    }

    /// Whether `text` is ASCII and holds no secret in any case: `withoutSecrets` gives it back
    /// as it is. (False: it may not.)
    func holdsNoSecret(_ text: String) -> Bool {
        guard asciiOnly else { return false }
        return TextBytes.withBytes(text) { !holdsAny(UnsafeRawBufferPointer($0), inAnswer: false, fixed: false) }
    }

    /// Whether an answer's bytes may hold something `scrub` changes: a backslash, `://`, the word
    /// bearer or a secret in any ASCII case, or a character another case of which is ASCII.
    /// With a secret that is not ASCII, every answer may.
    func mayHoldSecret(_ bytes: [UInt8]) -> Bool {
        guard asciiOnly else { return true }
        return bytes.withUnsafeBytes { holdsAny($0, inAnswer: true, fixed: true) }
    }

    /// One pass: at each byte the table marks, whether a needle begins there, or the byte is
    /// one to stop at by itself (above ASCII in a text, a backslash in an answer). `fixed`:
    /// `://` and bearer are needles too, beside the secrets.
    private func holdsAny(_ raw: UnsafeRawBufferPointer, inAnswer: Bool, fixed: Bool) -> Bool {
        (inAnswer ? answerStarts : textStarts).withUnsafeBufferPointer { starts in
            for i in raw.indices where starts[Int(raw[i])] {
                let b = raw[i]
                if inAnswer ? Self.answerStops.contains(b) : b >= 0x80 { return true }
                let low = TextBytes.lower(b)
                if fixed {
                    if b == UInt8(ascii: ":") && TextBytes.matches(Self.scheme, in: raw, at: i, ignoringCase: false) {
                        return true
                    }
                    if low == UInt8(ascii: "b") && TextBytes.matches(Self.bearer, in: raw, at: i, ignoringCase: true) {
                        return true
                    }
                    if low == UInt8(ascii: "s") && TextBytes.matches(Self.signature, in: raw, at: i, ignoringCase: true) {
                        return true
                    }
                }
                for secret in lowered where secret[0] == low && TextBytes.matches(secret, in: raw, at: i, ignoringCase: true) {
                    return true
                }
            }
            return false
        }
    }
}
