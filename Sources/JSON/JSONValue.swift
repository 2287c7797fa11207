/// A JSON document as the emulator sees it: every field by its exact name, every number with its
/// exact kind, so that wrongly named, cased or typed fields can be refused as the service does.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Keys keep the order they were written in, for stable output.
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.double(let x), .double(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public subscript(key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields.first { $0.0 == key }?.1
    }

    public var string: String? {
        if case .string(let s) = self { s } else { nil }
    }

    public var int: Int? {
        if case .int(let i) = self { i } else { nil }
    }

    /// What a person would call this kind of value in an error message.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    // MARK: - Parsing and encoding

    /// Parses a JSON document (RFC 8259); nil when it is not valid JSON.
    public static func parse(_ bytes: some Collection<UInt8>) -> JSONValue? {
        try? parseOrFail(bytes).get()
    }

    /// Where a document stops being valid JSON.
    public struct ParseError: Error, Sendable, Equatable {
        /// The byte offset at which parsing failed.
        public let offset: Int
    }

    public static func parseOrFail(_ bytes: some Collection<UInt8>) -> Result<JSONValue, ParseError> {
        let array = Array(bytes)
        return array.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            guard let value = parser.value(depth: 0) else {
                return .failure(ParseError(offset: min(parser.position, buffer.count)))
            }
            parser.skipSpace()
            return parser.position == buffer.count ? .success(value) : .failure(ParseError(offset: parser.position))
        }
    }

    /// Compact JSON text.
    public var encoded: String { String(decoding: encodedBytes, as: UTF8.self) }

    /// Compact JSON, as UTF-8 bytes.
    public var encodedBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        write(to: &out)
        return out
    }

    /// JSON for people and diffs: keys sorted at every level, two-space indent, `": "` between a
    /// key and its value, text as UTF-8 (not escaped), no trailing newline.
    public var pretty: String {
        var out: [UInt8] = []
        writePretty(to: &out, indent: 0)
        return String(decoding: out, as: UTF8.self)
    }

    private static func indent(_ n: Int, to out: inout [UInt8]) {
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: n))
    }

    private func writePretty(to out: inout [UInt8], indent: Int) {
        switch self {
        case .array(let items) where !items.isEmpty:
            out.append(contentsOf: "[\n".utf8)
            for (i, item) in items.enumerated() {
                Self.indent(indent + 2, to: &out)
                item.writePretty(to: &out, indent: indent + 2)
                out.append(contentsOf: (i == items.count - 1 ? "\n" : ",\n").utf8)
            }
            Self.indent(indent, to: &out)
            out.append(UInt8(ascii: "]"))
        case .object(let fields) where !fields.isEmpty:
            out.append(contentsOf: "{\n".utf8)
            let sorted = fields.sorted { $0.0.precedesByUTF8($1.0) }
            for (i, (k, v)) in sorted.enumerated() {
                Self.indent(indent + 2, to: &out)
                Self.writeString(k, to: &out)
                out.append(contentsOf: ": ".utf8)
                v.writePretty(to: &out, indent: indent + 2)
                out.append(contentsOf: (i == sorted.count - 1 ? "\n" : ",\n").utf8)
            }
            Self.indent(indent, to: &out)
            out.append(UInt8(ascii: "}"))
        default:
            write(to: &out)
        }
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): Self.writeInt(i, to: &out)
        case .double(let d): out.append(contentsOf: (d.isFinite ? "\(d)" : "null").utf8)
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(k, to: &out)
                out.append(UInt8(ascii: ":"))
                v.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `i` in decimal, as `String(i)` writes it, without making the String.
    private static func writeInt(_ i: Int, to out: inout [UInt8]) {
        if i < 0 { out.append(UInt8(ascii: "-")) }
        // The magnitude, as unsigned (Int.min has none as an Int).
        var rest = i.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 20 digits, last first
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            for k in stride(from: count - 1, through: 0, by: -1) { out.append(d[k]) }
        }
    }

    /// Appends this value as compact JSON (`encodedBytes`), for writers that build a large
    /// document a part at a time.
    public func appendEncoded(to out: inout [UInt8]) {
        write(to: &out)
    }

    /// Appends `s` as a JSON string, for writers that do without a tree (the lockfile).
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        writeString(s, to: &out)
    }

    /// A string with `"`, `\\` and control characters escaped (C0, DEL and the C1 controls, so
    /// that a document printed on a terminal cannot drive it, and the `FormatControls`, so that
    /// it cannot break or reorder what is shown); everything else (UTF-8 included) as it is.
    private static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            // Most strings need no escape: copy them whole. (0xC2 leads the C1 controls in UTF-8,
            // 0xE2 the format controls.)
            guard let first = firstSpecial(bytes) else {
                out.append(contentsOf: bytes)
                return
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<first]))
            let hex = Array("0123456789abcdef".utf8)
            func escaped(_ value: UInt8) {
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(value >> 4)])
                out.append(hex[Int(value & 15)])
            }
            var i = first
            while i < bytes.count {
                let b = bytes[i]
                switch b {
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case UInt8(ascii: "\n"): out.append(contentsOf: "\\n".utf8)
                case UInt8(ascii: "\r"): out.append(contentsOf: "\\r".utf8)
                case UInt8(ascii: "\t"): out.append(contentsOf: "\\t".utf8)
                case 0..<0x20, 0x7F: escaped(b)
                case 0xC2 where i + 1 < bytes.count && (0x80...0x9F).contains(bytes[i + 1]):
                    escaped(bytes[i + 1])
                    i += 1
                case 0xE2 where i + 2 < bytes.count && FormatControls.contains(afterE2: bytes[i + 1], bytes[i + 2]):
                    // U+20XX: 0xE2, then 10xxxxxx (its bits 6–11), then 10xxxxxx (its bits 0–5).
                    let value = (UInt16(bytes[i + 1] & 0x3F) << 6) | UInt16(bytes[i + 2] & 0x3F)
                    out.append(contentsOf: "\\u20".utf8)
                    out.append(hex[Int(value >> 4) & 15])
                    out.append(hex[Int(value & 15)])
                    i += 2
                default: out.append(b)
                }
                i += 1
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Where the first byte that `writeString` may escape is (a control byte, a quote, a
    /// backslash, DEL, 0xC2, which leads the C1 controls, or 0xE2, which leads the format
    /// controls); nil when there is none. Eight bytes at a time (`ByteWord`), then byte by byte
    /// from the word that holds one.
    static func firstSpecial(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        if let base = bytes.baseAddress {
            while i + 8 <= bytes.count {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                let special =
                    ByteWord.holds(w, UInt8(ascii: "\"")) | ByteWord.holds(w, UInt8(ascii: "\\")) | ByteWord.holds(w, 0x7F)
                    | ByteWord.holds(w, 0xC2) | ByteWord.holds(w, 0xE2) | ByteWord.holdsBelow(w, 0x20)
                if special != 0 { break }
                i += 8
            }
        }
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b == 0x7F || b == 0xC2 || b == 0xE2 {
                return i
            }
            i += 1
        }
        return nil
    }
}
