/// Searches on the UTF-8 bytes of texts, for `Redaction`: it redacts every string of every
/// answer (100,000 assets in a refresh), and most of them hold nothing to redact. Case is ASCII
/// case here; where that differs from Unicode's, `Redaction` says why it is enough.
enum TextBytes {
    /// Whether every byte of `text` is ASCII.
    static func isASCII(_ text: String) -> Bool {
        withBytes(text) { bytes in
            // Eight bytes at a time: ASCII has no high bit.
            let raw = UnsafeRawBufferPointer(bytes)
            var i = 0
            while i + 8 <= raw.count {
                if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
                i += 8
            }
            while i < raw.count {
                if raw[i] >= 0x80 { return false }
                i += 1
            }
            return true
        }
    }

    /// Whether `needle` occurs in `text`; with `ignoringCase`, in any ASCII case (`needle` is
    /// then lowercase).
    static func contains(_ text: String, _ needle: [UInt8], ignoringCase: Bool = false) -> Bool {
        withBytes(text) { first(of: needle, in: UnsafeRawBufferPointer($0), from: 0, ignoringCase: ignoringCase) != nil }
    }

    /// Whether `text` is `lowered` (lowercase ASCII) in some ASCII case.
    static func equalsIgnoringCase(_ text: String, _ lowered: String) -> Bool {
        guard text.utf8.count == lowered.utf8.count else { return false }
        return zip(text.utf8, lowered.utf8).allSatisfy { lower($0) == $1 }
    }

    /// `Redaction`'s query removal for an ASCII text (where each character is one byte, a CR LF
    /// pair aside, whose CR ends a URL as the pair does): every URL (from `://` to a boundary)
    /// loses what follows its first `?` or `#`, replaced by `?<redacted>`.
    static func withoutQueries(_ text: String) -> String {
        withBytes(text) { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            // Most URLs have no query: the text as it is.
            guard raw.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) else { return text }
            let scheme = RedactionNeedles.scheme
            var out: [UInt8] = []
            out.reserveCapacity(raw.count + Redaction.placeholder.utf8.count)
            var rest = 0
            var changed = false
            while let s = first(of: scheme, in: raw, from: rest, ignoringCase: false) {
                let host = s + scheme.count
                var end = host
                while end < raw.count && !isBoundary(raw[end]) { end += 1 }
                // (An empty query holds nothing: a text redacted already stays as it is.)
                if let q = (host..<end).first(where: { raw[$0] == UInt8(ascii: "?") || raw[$0] == UInt8(ascii: "#") }),
                    q + 1 < end
                {
                    out.append(contentsOf: raw[rest..<q])
                    out.append(UInt8(ascii: "?"))
                    out.append(contentsOf: Redaction.placeholder.utf8)
                    changed = true
                } else {
                    out.append(contentsOf: raw[rest..<end])
                }
                rest = end
            }
            // Most URLs have no query: the text as it is.
            if !changed { return text }
            out.append(contentsOf: raw[rest...])
            return String(decoding: out, as: UTF8.self)
        }
    }

    // MARK: - The pieces

    /// Whitespace (as `Character.isWhitespace` has it in ASCII), quotes, angle brackets and
    /// commas: what ends a URL inside a message.
    private static func isBoundary(_ b: UInt8) -> Bool {
        switch b {
        case 0x09...0x0D, 0x20, UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "<"), UInt8(ascii: ">"),
            UInt8(ascii: "`"), UInt8(ascii: ","):
            true
        default: false
        }
    }

    private static func first(of needle: [UInt8], in raw: UnsafeRawBufferPointer, from start: Int, ignoringCase: Bool)
        -> Int?
    {
        guard !needle.isEmpty, raw.count >= needle.count else { return nil }
        var i = start
        while i <= raw.count - needle.count {
            if matches(needle, in: raw, at: i, ignoringCase: ignoringCase) { return i }
            i += 1
        }
        return nil
    }

    /// Whether `needle` (lowercase, when `ignoringCase`) starts at `i`.
    static func matches(_ needle: [UInt8], in raw: UnsafeRawBufferPointer, at i: Int, ignoringCase: Bool) -> Bool {
        guard i + needle.count <= raw.count else { return false }
        for j in 0..<needle.count {
            let b = raw[i + j]
            if (ignoringCase ? lower(b) : b) != needle[j] { return false }
        }
        return true
    }

    static func withBytes<T>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }

    static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }
    static func upper(_ b: UInt8) -> UInt8 { b >= 97 && b <= 122 ? b - 32 : b }
}
