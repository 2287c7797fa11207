/// What `Redaction` looks for in the bytes of a text before it walks the text: the registered
/// secrets, and the bytes a match can start with. Most texts (an id, a status, a name) hold
/// none of it, and one pass over their bytes shows it.
struct RedactionNeedles: Sendable {
    /// The secrets, as registered.
    private(set) var secrets: [String] = []
    /// The secrets in lowercase ASCII; `asciiOnly` false when one of them is not ASCII (then
    /// the byte search cannot vouch for a text: every text is walked).
    private var lowered: [[UInt8]] = []
    private var asciiOnly = true
    /// The bytes that may start something a text's redaction changes: `:` (of `://`), `b` and
    /// `B` (of bearer), each secret's first byte in both cases, and every byte above ASCII
    /// (a text that is not ASCII is walked).
    private var textStarts = [Bool](repeating: false, count: 256)
    /// The same for an answer's bytes, where a backslash (a JSON escape) may hide any of them,
    /// and bytes above ASCII are not searched for.
    private var answerStarts = [Bool](repeating: false, count: 256)

    static let scheme = Array("://".utf8)
    static let bearer = Array("bearer".utf8)

    init() {
        for b in 0x80...0xFF { textStarts[b] = true }
        answerStarts[Int(UInt8(ascii: "\\"))] = true
        for needle in [Self.scheme, Self.bearer] { mark(needle[0]) }
    }

    mutating func add(_ secret: String) {
        guard !secrets.contains(secret) else { return }
        secrets.append(secret)
        let bytes = Array(secret.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }), let first = bytes.first else {
            asciiOnly = false
            return
        }
        lowered.append(bytes.map(TextBytes.lower))
        mark(first)
    }

    private mutating func mark(_ b: UInt8) {
        for c in [TextBytes.lower(b), TextBytes.upper(b)] {
            textStarts[Int(c)] = true
            answerStarts[Int(c)] = true
        }
    }

    /// Whether `redact` would give `text` back as it is, as its bytes show: it is ASCII, and
    /// holds neither `://`, nor the word bearer nor a secret in any case. (False: it may.)
    func leavesAlone(_ text: String) -> Bool {
        guard asciiOnly else { return false }
        return TextBytes.withBytes(text) { !holdsAny(UnsafeRawBufferPointer($0), textStarts, fixed: true) }
    }

    /// Whether `text` is ASCII and holds no secret in any case: `withoutSecrets` gives it back
    /// as it is. (False: it may not.)
    func holdsNoSecret(_ text: String) -> Bool {
        guard asciiOnly else { return false }
        return TextBytes.withBytes(text) { !holdsAny(UnsafeRawBufferPointer($0), textStarts, fixed: false) }
    }

    /// Whether an answer's bytes hold a backslash, `://`, the word bearer or a secret (in any
    /// ASCII case); always true when a secret is not ASCII.
    func mayHoldSecret(_ bytes: [UInt8]) -> Bool {
        guard asciiOnly else { return true }
        return bytes.withUnsafeBytes { holdsAny($0, answerStarts, fixed: true) }
    }

    /// One pass: at each byte `starts` marks, whether a needle begins there (or the byte is
    /// one to stop at by itself: above ASCII, or a backslash). `fixed`: `://` and bearer are
    /// needles too, beside the secrets.
    private func holdsAny(_ raw: UnsafeRawBufferPointer, _ starts: [Bool], fixed: Bool) -> Bool {
        starts.withUnsafeBufferPointer { starts in
            for i in raw.indices where starts[Int(raw[i])] {
                let b = raw[i]
                if b >= 0x80 || b == UInt8(ascii: "\\") { return true }
                let low = TextBytes.lower(b)
                if fixed {
                    if b == UInt8(ascii: ":") && TextBytes.matches(Self.scheme, in: raw, at: i, ignoringCase: false) {
                        return true
                    }
                    if low == UInt8(ascii: "b") && TextBytes.matches(Self.bearer, in: raw, at: i, ignoringCase: true) {
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
