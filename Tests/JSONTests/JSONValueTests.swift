import JSON
import Testing

@Suite("JSON: round trips, number kinds and hostile input")
struct JSONValueTests {
    static let sample: JSONValue = .object([
        ("s", .string("角色 \"quoted\" back\\slash\n\t\u{1B}\u{7F}\u{85} 😀")), ("i", .int(-42)), ("big", .int(Int.max)),
        ("d", .double(1.5)), ("t", .bool(true)), ("n", .null),
        ("a", .array([.int(1), .array([]), .object([])])), ("order", .object([("z", .int(1)), ("a", .int(2))])),
    ])

    @Test func roundTripsCompactAndPretty() throws {
        #expect(JSONValue.parse(Self.sample.encodedBytes) == Self.sample, "compact keeps keys in their order")
        // Pretty sorts keys (the lockfile's form): the same values, and the same text again.
        let pretty = try #require(JSONValue.parse(Array(Self.sample.pretty.utf8)))
        #expect(pretty["order"] == .object([("a", .int(2)), ("z", .int(1))]))
        #expect(pretty["s"] == Self.sample["s"] && pretty["big"] == .int(Int.max))
        #expect(pretty.pretty == Self.sample.pretty)
    }

    @Test func controlCharactersAreEscapedEvenC1AndDEL() {
        let text = JSONValue.string("\u{1B}[2J\u{7F}\u{9B}").encoded
        #expect(text == #""\u001b[2J\u007f\u009b""#)
    }

    @Test func numbersKeepTheirKind() {
        #expect(JSONValue.parse(Array("1".utf8)) == .int(1))
        #expect(JSONValue.parse(Array("-0".utf8)) == .int(0))
        #expect(JSONValue.parse(Array("1.0".utf8)) == .double(1.0))
        #expect(JSONValue.parse(Array("2e3".utf8)) == .double(2000))
    }

    @Test(arguments: [
        "", "   ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "NaN", "Infinity", "\"\\x\"", "\"\\ud800\"",
        "\"a\nb\"", "[1] 2", "{\"a\" 1}", "tru", "nul",
    ])
    func malformedDocumentsAreRefused(_ text: String) {
        #expect(JSONValue.parse(Array(text.utf8)) == nil, "\(text.debugDescription)")
    }

    /// Strings are scanned eight bytes at a time: a quote, a backslash, a control byte or a byte
    /// above ASCII at every offset of the scan's words, and at the end of the buffer, reads the
    /// same as the byte-at-a-time reading says it must.
    @Test func stringsReadTheSameWhereverTheirBytesFallInTheScan() {
        let specials: [(text: [UInt8], means: String?)] = [
            (Array(#"\""#.utf8), "\""), (Array(#"\\"#.utf8), "\\"), (Array(#"\n"#.utf8), "\n"), ([0x01], nil),
            ([0x1F], nil), ([0x20], " "), ([0x7F], "\u{7F}"), (Array("图".utf8), "图"), ([0xFF], nil), ([0xE5, 0x8F], nil),
        ]
        for before in 0..<19 {
            for after in 0..<10 {
                for special in specials {
                    let lead = String(repeating: "a", count: before)
                    let tail = String(repeating: "b", count: after)
                    let bytes = [0x22] + Array(lead.utf8) + special.text + Array(tail.utf8) + [0x22]
                    let want = special.means.map { JSONValue.string(lead + $0 + tail) }
                    #expect(JSONValue.parse(bytes) == want, "\(before) + \(special.text) + \(after)")
                    // A string cut short (no closing quote) is refused, wherever it ends.
                    #expect(JSONValue.parse(Array(bytes.dropLast())) == nil)
                }
            }
        }
    }

    /// Strings are written after an eight-byte scan for what must be escaped: every byte that
    /// may be escaped (and its neighbours that must not be) at every offset of the scan's words
    /// writes what the byte-at-a-time writer wrote.
    @Test func stringsWriteTheSameWhereverTheirBytesFallInTheScan() {
        let specials = [
            "\"", "\\", "\n", "\r", "\t", "\u{01}", "\u{1F}", " ", "\u{7F}", "\u{80}", "\u{9F}", "\u{A0}", "\u{C2}",
            "é", "图", "\u{2028}", "\u{2029}", "\u{202A}", "\u{202E}", "\u{202F}", "\u{2027}", "\u{2066}", "\u{2069}",
            "\u{206A}", "\u{2065}", "→", "—", "~",
        ]
        for before in 0..<19 {
            for after in 0..<10 {
                for special in specials {
                    for text in [
                        String(repeating: "a", count: before) + special + String(repeating: "b", count: after),
                        String(repeating: special, count: before % 3 + 1) + String(repeating: "é", count: after),
                    ] {
                        #expect(
                            JSONValue.string(text).encodedBytes == Self.writtenAScalarAtATime(text), "\(text.debugDescription)")
                        #expect(JSONValue.parse(JSONValue.string(text).encodedBytes) == .string(text))
                    }
                }
            }
        }
        for i in [0, 1, -1, 9, 10, -10, 99, 100, 12345, Int.max, Int.min, Int.max - 1, Int.min + 1] {
            #expect(JSONValue.int(i).encoded == String(i))
        }
    }

    /// What a string must be written as, a scalar at a time: the reference. Quote, backslash
    /// and the three common controls by their short escapes; the other C0 controls, DEL and the
    /// C1 controls as \u00XX; the line separators and bidirectional controls as \u20XX;
    /// everything else as its UTF-8.
    static func writtenAScalarAtATime(_ s: String) -> [UInt8] {
        var out = Array("\"".utf8)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += Array("\\\"".utf8)
            case "\\": out += Array("\\\\".utf8)
            case "\n": out += Array("\\n".utf8)
            case "\r": out += Array("\\r".utf8)
            case "\t": out += Array("\\t".utf8)
            case "\u{00}"..."\u{1F}", "\u{7F}"..."\u{9F}", "\u{2028}"..."\u{202E}", "\u{2066}"..."\u{2069}":
                let hex = String(scalar.value, radix: 16)
                out += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: out += Array(String(scalar).utf8)
            }
        }
        return out + Array("\"".utf8)
    }

    @Test func aReaderMatchesStringsWithoutMakingThem() throws {
        let choices = [Array("Active".utf8), Array("Failed".utf8), []]
        // Each string alone: its index among the choices, with escapes decoded first.
        let cases: [(String, Int?)] = [
            (#""Active""#, 0), (#""Act""#, nil), (#""Activez""#, nil), (#""A\u0063tive""#, 0), (#""参考""#, nil),
            (#""""#, 2), (#" "Failed""#, 1),
        ]
        for (text, index) in cases {
            let got = try JSONReader.read(Array(text.utf8)) { (r: inout JSONReader) throws(JSONReader.Failure) -> Int? in
                try r.string(oneOf: choices)
            }
            #expect(got == index, "\(text)")
            var bytes: [UInt8] = []
            _ = try JSONReader.read(Array(text.utf8)) { (r: inout JSONReader) throws(JSONReader.Failure) in
                try r.withString { bytes = Array($0) }
            }
            #expect(bytes == Array((JSONValue.parse(Array(text.utf8))?.string ?? "?").utf8), "\(text)")
        }
        #expect(throws: JSONReader.Failure.self) {
            try JSONReader.read(Array("[1]".utf8)) { (r: inout JSONReader) throws(JSONReader.Failure) in
                _ = try r.string(oneOf: choices)
            }
        }
        #expect(throws: JSONReader.Failure.self, "invalid UTF-8 is refused, not matched") {
            try JSONReader.read([0x22, 0xFF, 0x22]) { (r: inout JSONReader) throws(JSONReader.Failure) in
                try r.withString { _ in }
            }
        }
    }

    /// An object of exactly the given keys, in order, each a string with no escape, is read in
    /// one go; anything else leaves the reader where it was, for the object to be read the
    /// general way.
    @Test func aFixedShapeIsReadInOneGoOrNotAtAll() throws {
        let keys: [StaticString] = ["id", "name"]
        func read(_ text: String) throws -> (texts: [String]?, rest: JSONValue) {
            try JSONReader.read(Array(text.utf8)) { (r: inout JSONReader) throws(JSONReader.Failure) in
                var texts: [JSONReader.PlainText] = []
                let start = r.offset
                let shaped = r.plainStrings(exactly: keys, into: &texts)
                let read = shaped ? texts.map { JSONReader.string($0) ?? "(not UTF-8)" } : nil
                if !shaped {
                    #expect(r.offset == start && texts.isEmpty, "\(text): left where it was")
                } else {
                    // What it read, read again the general way: the same.
                    r.rewind(to: start)
                }
                return (read, try r.value())
            }
        }
        for text in [#"{"id":"A1","name":"n"}"#, "{\n  \"id\" : \"A1\" ,\n\t\"name\": \"参考\"\r\n}", #"{"id": "", "name": "n"}"#] {
            let (texts, value) = try read(text)
            #expect(texts == [value["id"]?.string ?? "?", value["name"]?.string ?? "?"], "\(text)")
        }
        for text in [
            #"{"name": "n", "id": "A1"}"#, #"{"id": "A1"}"#, #"{"id": "A1", "name": "n", "x": "y"}"#,
            #"{"id": "A\u0031", "name": "n"}"#, #"{"id": 1, "name": "n"}"#, #"{"i\u0064": "A1", "name": "n"}"#,
            #"{"idx": "A1", "name": "n"}"#, #"{"id": "A1", "name": "n",}"#, #"{"id": "A1" "name": "n"}"#, "[]", "{}",
        ] {
            let parsed = JSONValue.parse(Array(text.utf8))
            if let parsed {
                let (texts, value) = try read(text)
                #expect(texts == nil && value == parsed, "\(text)")
            } else {
                #expect(throws: JSONReader.Failure.self, "\(text)") { _ = try read(text) }
            }
        }
        // Bytes that are not UTF-8 are found to be so, not taken as text.
        let bad: [UInt8] = Array(#"{"id": "A1", "name": ""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        var got: [String?] = []
        _ = try? JSONReader.read(bad) { (r: inout JSONReader) throws(JSONReader.Failure) in
            var texts: [JSONReader.PlainText] = []
            if r.plainStrings(exactly: keys, into: &texts) { got = texts.map(JSONReader.string) }
        }
        #expect(got.count == 2 && got[0] == "A1" && got[1] == nil)
    }

    @Test func hostileInputsAreRefusedWithoutCrashing() {
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000) + Array(repeating: UInt8(ascii: "]"), count: 100_000)
        #expect(JSONValue.parse(deep) == nil, "nesting is bounded")
        #expect(JSONValue.parse([0x22, 0xFF, 0xFE, 0x22]) == nil, "invalid UTF-8 in a string")
        // Non-ASCII strings: kept when valid, refused when not (an overlong form, a surrogate, a
        // truncated sequence), with and without escapes in them.
        #expect(JSONValue.parse(Array("\"参考图 1\"".utf8)) == .string("参考图 1"))
        #expect(JSONValue.parse(Array("\"参考\\n图\"".utf8)) == .string("参考\n图"))
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE5, 0x8F], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]] {
            #expect(JSONValue.parse([0x22] + bad + [0x22]) == nil, "\(bad)")
            #expect(JSONValue.parse([0x22, 0x5C, 0x6E] + bad + [0x22]) == nil, "escaped, \(bad)")
        }
        #expect(JSONValue.parse(Array("[\(String(repeating: "9", count: 400))]".utf8)) != .array([.int(0)]))
        if case .failure(let error) = JSONValue.parseOrFail(Array("{\"a\": x}".utf8)) {
            #expect(error.offset == 6, "the failure says where")
        } else {
            Issue.record("x is not a value")
        }
    }
}
