#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small, strict JSON parser: exact integers, keys in order, bounded nesting.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    static let maxDepth = 64

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func skipSpace() {
        guard let base = bytes.baseAddress else { return }
        while position < bytes.count {
            switch base[position] {
            case 0x20, 0x09, 0x0A, 0x0D:
                position += 1
                // A written lockfile is indented: runs of spaces go eight at a time.
                while position + 8 <= bytes.count,
                    UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self) == 0x2020_2020_2020_2020
                {
                    position += 8
                }
            default: return
            }
        }
    }

    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func expect(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard position + n <= bytes.count else { return false }
        for i in 0..<n where bytes[position + i] != word.utf8Start[i] { return false }
        position += n
        return true
    }

    mutating func value(depth: Int) -> JSONValue? {
        guard depth < Self.maxDepth else { return nil }
        skipSpace()
        guard let c = peek else { return nil }
        switch c {
        case UInt8(ascii: "{"):
            position += 1
            var fields: [(String, JSONValue)] = []
            skipSpace()
            if peek == UInt8(ascii: "}") {
                position += 1
                return .object(fields)
            }
            while true {
                skipSpace()
                guard peek == UInt8(ascii: "\""), let key = string() else { return nil }
                skipSpace()
                guard peek == UInt8(ascii: ":") else { return nil }
                position += 1
                guard let v = value(depth: depth + 1) else { return nil }
                fields.append((key, v))
                skipSpace()
                if peek == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard peek == UInt8(ascii: "}") else { return nil }
                position += 1
                return .object(fields)
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [JSONValue] = []
            skipSpace()
            if peek == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            while true {
                guard let v = value(depth: depth + 1) else { return nil }
                items.append(v)
                skipSpace()
                if peek == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard peek == UInt8(ascii: "]") else { return nil }
                position += 1
                return .array(items)
            }
        case UInt8(ascii: "\""):
            return string().map(JSONValue.string)
        case UInt8(ascii: "t"):
            return expect("true") ? .bool(true) : nil
        case UInt8(ascii: "f"):
            return expect("false") ? .bool(false) : nil
        case UInt8(ascii: "n"):
            return expect("null") ? .null : nil
        default:
            return number()
        }
    }

    private mutating func number() -> JSONValue? {
        let start = position
        if peek == UInt8(ascii: "-") { position += 1 }
        func digits() -> Int {
            let s = position
            while let c = peek, c >= 0x30, c <= 0x39 { position += 1 }
            return position - s
        }
        let intStart = position
        guard digits() > 0 else { return nil }
        if bytes[intStart] == UInt8(ascii: "0"), position - intStart > 1 { return nil }
        var isInteger = true
        if peek == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { return nil }
            isInteger = false
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { return nil }
            isInteger = false
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let i = Int(text) { return .int(i) }
        return Double(text).map(JSONValue.double)
    }

    /// The text of `bytes`, or nil when they are not UTF-8. ASCII (the most of a lockfile) is
    /// valid as it is. Otherwise the string is decoded with the standard library's fast path and
    /// kept only if it holds the very same bytes: decoding replaces any invalid sequence with
    /// U+FFFD, which changes them. (`String(validating:)` is generic and several times slower.)
    static func text(_ bytes: UnsafeBufferPointer<UInt8>, ascii: Bool) -> String? {
        var text = String(decoding: bytes, as: UTF8.self)
        if ascii { return text }
        let same = text.withUTF8 { decoded in
            decoded.count == bytes.count && (bytes.isEmpty || memcmp(decoded.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }
        return same ? text : nil
    }

    /// A string starting at the opening quote.
    mutating func string() -> String? {
        switch plainString() {
        case .plain(let text, let ascii):
            return Self.text(text, ascii: ascii)
        case .escaped:
            return escapedString()
        }
    }

    /// How a string's text lies in the document.
    enum Plain {
        /// Straight in the buffer (no escape), `ascii` when every byte is; the position is past
        /// its closing quote.
        case plain(UnsafeBufferPointer<UInt8>, ascii: Bool)
        /// It has an escape (or a byte a string cannot hold): the position is still at its
        /// opening quote.
        case escaped
    }

    /// A string starting at the opening quote, when its text is in the buffer as it is: most
    /// strings have no escape. The scan looks at eight bytes at a time for a quote, a backslash
    /// or a control byte.
    mutating func plainString() -> Plain {
        let start = position + 1
        var end = start
        var high: UInt64 = 0
        if let base = bytes.baseAddress {
            while end + 8 <= bytes.count {
                let w = UInt64(littleEndian: UnsafeRawPointer(base + end).loadUnaligned(as: UInt64.self))
                let special =
                    ByteWord.holds(w, UInt8(ascii: "\"")) | ByteWord.holds(w, UInt8(ascii: "\\")) | ByteWord.holdsBelow(w, 0x20)
                if special != 0 {
                    // Straight to the first special byte (the lowest flag is exact), past the
                    // bytes before it.
                    let k = ByteWord.firstFlagged(special)
                    high |= w & ((1 << (8 * UInt64(k))) &- 1)
                    end += k
                    break
                }
                high |= w
                end += 8
            }
        }
        while end < bytes.count {
            let c = bytes[end]
            if c == UInt8(ascii: "\"") {
                position = end + 1
                return .plain(UnsafeBufferPointer(rebasing: bytes[start..<end]), ascii: high & ByteWord.highs == 0)
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { break }
            high |= UInt64(c)
            end += 1
        }
        return .escaped
    }

    /// A string with an escape, starting at the opening quote.
    private mutating func escapedString() -> String? {
        position += 1
        var out: [UInt8] = []
        while let c = peek {
            position += 1
            switch c {
            case UInt8(ascii: "\""):
                return out.withUnsafeBufferPointer { Self.text($0, ascii: false) }
            case UInt8(ascii: "\\"):
                guard let e = peek else { return nil }
                position += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var code = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(code) {
                        guard expect("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: return nil
                }
            case 0..<0x20:
                return nil
            default:
                out.append(c)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<position + 4]), as: UTF8.self)
        position += 4
        return UInt32(text, radix: 16)
    }
}
