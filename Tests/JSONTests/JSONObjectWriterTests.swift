import JSON
import Testing

@Suite("JSON objects written a field at a time")
struct JSONObjectWriterTests {
    /// The writer's bytes are `JSONValue.object(fields).encodedBytes`'s, field for field: texts
    /// that need escapes (quotes, controls, C1, DEL), UTF-8, numbers of both kinds, nested values.
    @Test func writesWhatTheTreeEncodes() throws {
        let texts = [
            "", "plain", "角色 \"quoted\" back\\slash\n\t\u{1B}\u{7F}\u{85} 😀", "https://cdn.example.com/a.png?x=1&y=\"2\"",
            "e\u{301}",
        ]
        let values: [JSONValue] = [
            .null, .bool(true), .int(-42), .int(Int.max), .double(1.5), .double(1_780_000_000.125),
            .array([.int(1), .string("a")]), .object([("z", .int(1)), ("a", .object([]))]),
        ]
        for n in 0..<texts.count {
            var fields: [(String, JSONValue)] = []
            var w = JSONObjectWriter(capacity: 8)
            for i in 0...n {
                let key = i % 2 == 0 ? "key\(i)" : texts[i]
                w.string(key, texts[n - i])
                fields.append((key, .string(texts[n - i])))
                w.int("n\(i)", i * 1000 - 7)
                fields.append(("n\(i)", .int(i * 1000 - 7)))
                w.value("v\(i)", values[(n + i) % values.count])
                fields.append(("v\(i)", values[(n + i) % values.count]))
            }
            let written = w.finished()
            #expect(written == JSONValue.object(fields).encodedBytes)
            #expect(JSONValue.parse(written) == JSONValue.object(fields))
        }
        #expect(JSONObjectWriter().finished() == Array("{}".utf8))
    }
}
