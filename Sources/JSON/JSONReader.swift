#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A pull reader over JSON text: the caller walks objects and arrays and takes values as it goes,
/// so that a large document becomes the caller's own types without a tree in between.
public struct JSONReader: ~Copyable {
    private var parser: JSONParser

    public struct Failure: Error, Sendable {
        /// The byte offset where the text stops being what the caller expected.
        public let offset: Int
        public let expected: String
    }

    /// Reads `bytes` with `body`, which must consume the whole document.
    public static func read<T>(_ bytes: [UInt8], _ body: (inout JSONReader) throws(Failure) -> T) throws(Failure) -> T {
        try bytes.withUnsafeBufferPointer { (buffer) throws(Failure) -> T in try read(buffer, body) }
    }

    /// `read` of bytes the caller holds (a mapped file).
    public static func read<T>(_ buffer: UnsafeBufferPointer<UInt8>, _ body: (inout JSONReader) throws(Failure) -> T)
        throws(Failure) -> T
    {
        var reader = JSONReader(parser: JSONParser(bytes: buffer))
        let value = try body(&reader)
        reader.parser.skipSpace()
        guard reader.parser.position == buffer.count else {
            throw Failure(offset: reader.parser.position, expected: "the end of the document")
        }
        return value
    }

    private init(parser: JSONParser) {
        self.parser = parser
    }

    public var offset: Int { parser.position }

    /// Calls `body` for each key of the object that starts here, with the index of the key in
    /// `keys` (nil for any other key), without making a String of it; `body` must consume the value.
    public mutating func object(matching keys: [StaticString], _ body: (inout JSONReader, Int?) throws(Failure) -> Void)
        throws(Failure)
    {
        try members(body) { (parser: inout JSONParser) throws(Failure) -> Int? in
            let start = parser.position + 1
            var end = start
            while end < parser.bytes.count, parser.bytes[end] != UInt8(ascii: "\""), parser.bytes[end] != UInt8(ascii: "\\") {
                end += 1
            }
            guard end < parser.bytes.count, parser.bytes[end] == UInt8(ascii: "\"") else {
                // A key with escapes: read it properly; it is none of the expected ones.
                guard parser.string() != nil else { throw Failure(offset: parser.position, expected: "a key") }
                return nil
            }
            let n = end - start
            parser.position = end + 1
            let key = parser.bytes.baseAddress! + start
            for (i, k) in keys.enumerated() where k.utf8CodeUnitCount == n && memcmp(key, k.utf8Start, n) == 0 {
                return i
            }
            return nil
        }
    }

    /// Calls `body` with each key of the object that starts here; `body` must consume the value.
    public mutating func object(_ body: (inout JSONReader, String) throws(Failure) -> Void) throws(Failure) {
        try members(body) { (parser: inout JSONParser) throws(Failure) -> String in
            guard let key = parser.string() else { throw Failure(offset: parser.position, expected: "a key") }
            return key
        }
    }

    /// The walk over an object's members that both `object` forms share: `readKey` reads a key
    /// at its opening quote.
    private mutating func members<Key>(
        _ body: (inout JSONReader, Key) throws(Failure) -> Void, readKey: (inout JSONParser) throws(Failure) -> Key
    ) throws(Failure) {
        try expect(UInt8(ascii: "{"), "an object")
        parser.skipSpace()
        if parser.peek == UInt8(ascii: "}") {
            parser.position += 1
            return
        }
        while true {
            parser.skipSpace()
            guard parser.peek == UInt8(ascii: "\"") else { throw Failure(offset: parser.position, expected: "a key") }
            let key = try readKey(&parser)
            parser.skipSpace()
            try expect(UInt8(ascii: ":"), "a colon")
            try body(&self, key)
            parser.skipSpace()
            if parser.peek == UInt8(ascii: ",") {
                parser.position += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "a comma or the end of the object")
            return
        }
    }

    /// A string's text as the document holds it (no escape in it), and whether every byte is ASCII.
    public struct PlainText {
        public let bytes: UnsafeBufferPointer<UInt8>
        public let isASCII: Bool
        /// The offset of its opening quote.
        public let offset: Int
    }

    /// Reads the object that starts here when its members are exactly `keys`, in that order,
    /// each a string with no escape (any whitespace between tokens): their texts go to `texts`
    /// (emptied first), and the reader moves past the object. Otherwise false, and the reader
    /// stays where it was, for the caller to read the object the general way. For records a
    /// program writes in one fixed shape, read many at a time: no String, no closure per member.
    public mutating func plainStrings(exactly keys: [StaticString], into texts: inout [PlainText]) -> Bool {
        texts.removeAll(keepingCapacity: true)
        let start = parser.position
        guard let base = parser.bytes.baseAddress else { return false }
        let count = parser.bytes.count
        let quote = UInt8(ascii: "\"")
        func next(_ byte: UInt8) -> Bool {
            parser.skipSpace()
            guard parser.position < count, base[parser.position] == byte else { return false }
            parser.position += 1
            return true
        }
        var shaped = next(UInt8(ascii: "{")) && (!keys.isEmpty || next(UInt8(ascii: "}")))
        for (i, key) in keys.enumerated() where shaped {
            parser.skipSpace()
            let n = key.utf8CodeUnitCount
            let p = parser.position
            guard p + n + 2 <= count, base[p] == quote, base[p + n + 1] == quote, memcmp(base + p + 1, key.utf8Start, n) == 0
            else {
                shaped = false
                break
            }
            parser.position = p + n + 2
            guard next(UInt8(ascii: ":")) else {
                shaped = false
                break
            }
            parser.skipSpace()
            let at = parser.position
            guard parser.peek == quote, case .plain(let text, let ascii) = parser.plainString() else {
                shaped = false
                break
            }
            texts.append(PlainText(bytes: text, isASCII: ascii, offset: at))
            shaped = next(UInt8(ascii: i == keys.count - 1 ? "}" : ","))
        }
        if !shaped {
            parser.position = start
            texts.removeAll(keepingCapacity: true)
        }
        return shaped
    }

    /// Where the next value starts: the space before it is skipped (a position said in an
    /// error is the value's own, not the space after the colon before it).
    public mutating func startOfValue() -> Int {
        parser.skipSpace()
        return parser.position
    }

    /// Goes back to `offset` (where this reader was before), to read again from there: after
    /// `plainStrings` gave texts the caller will not take as they are.
    public mutating func rewind(to offset: Int) {
        precondition(offset >= 0 && offset <= parser.position, "rewind only goes back")
        parser.position = offset
    }

    /// The string that starts at `offset` of `buffer`, after any space (where a reader found one
    /// before); nil when none starts there.
    public static func string(at offset: Int, in buffer: UnsafeBufferPointer<UInt8>) -> String? {
        guard offset >= 0 && offset < buffer.count else { return nil }
        var parser = JSONParser(bytes: buffer)
        parser.position = offset
        parser.skipSpace()
        guard parser.peek == UInt8(ascii: "\"") else { return nil }
        return parser.string()
    }

    /// A text `plainStrings` gave, as a String; nil when it is not UTF-8.
    public static func string(_ text: PlainText) -> String? {
        JSONParser.text(text.bytes, ascii: text.isASCII)
    }

    public mutating func string() throws(Failure) -> String {
        parser.skipSpace()
        guard parser.peek == UInt8(ascii: "\""), let s = parser.string() else {
            throw Failure(offset: parser.position, expected: "a string")
        }
        return s
    }

    /// Calls `body` with the UTF-8 bytes of the string that starts here, without making a String
    /// of them where the document holds them as they are (no escape, all ASCII).
    public mutating func withString(_ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(Failure) {
        parser.skipSpace()
        guard parser.peek == UInt8(ascii: "\"") else { throw Failure(offset: parser.position, expected: "a string") }
        let start = parser.position
        if case .plain(let text, ascii: true) = parser.plainString() { return body(text) }
        // Escapes or other bytes than ASCII: read (and check) as a String.
        parser.position = start
        guard var s = parser.string() else { throw Failure(offset: parser.position, expected: "a string") }
        s.withUTF8(body)
    }

    /// The index in `texts` of the string that starts here (nil for any other string), without
    /// making a String of it.
    public mutating func string(oneOf texts: [[UInt8]]) throws(Failure) -> Int? {
        var found: Int?
        try withString { found = Self.index(of: $0, in: texts) }
        return found
    }

    /// The index of `text` among `texts`, byte for byte (nil for none of them).
    public static func index(of text: UnsafeBufferPointer<UInt8>, in texts: [[UInt8]]) -> Int? {
        // By index, each text read in place (a loop over the texts' values retained each one).
        for i in texts.indices where texts[i].count == text.count {
            if texts[i].withUnsafeBufferPointer({ text.isEmpty || memcmp($0.baseAddress!, text.baseAddress!, text.count) == 0 }) {
                return i
            }
        }
        return nil
    }

    public mutating func int() throws(Failure) -> Int {
        guard case .int(let i) = try value() else { throw Failure(offset: parser.position, expected: "an integer") }
        return i
    }

    /// Any value, as a tree (for the small parts of a document).
    public mutating func value() throws(Failure) -> JSONValue {
        guard let v = parser.value(depth: 0) else { throw Failure(offset: parser.position, expected: "a value") }
        return v
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
        parser.skipSpace()
        guard parser.peek == byte else { throw Failure(offset: parser.position, expected: what) }
        parser.position += 1
    }
}
