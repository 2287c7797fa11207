import Testing
import YAML

@Suite("Scalars resolve by the YAML 1.2 core schema")
struct ScalarTests {
    @Test(arguments: [
        ("~", Scalar.Kind.null), ("null", .null), ("Null", .null), ("NULL", .null), ("", .null),
        ("true", .bool), ("False", .bool), ("TRUE", .bool),
        ("yes", .string), ("no", .string), ("on", .string), ("nULL", .string),
        ("0", .int), ("-17", .int), ("+3", .int), ("0o17", .int), ("0x1F", .int), ("99999999999999999999", .int),
        ("1.5", .float), ("-.5", .float), ("1e3", .float), ("1.", .float), (".inf", .float), ("-.Inf", .float), (".NaN", .float),
        ("1.2.3", .string), ("0-0", .string), ("1e", .string), ("12:30", .string), ("-x", .string), (".", .string),
        ("https://cdn.example.com/a.png", .string), ("seedance", .string),
    ])
    func plainScalars(text: String, kind: Scalar.Kind) throws {
        let node = try root("value: \(text)\n")
        #expect(node["value"]?.scalar?.kind == kind, "\(text)")
    }

    @Test(arguments: ["'true'", "\"1\"", "'null'", "\"~\"", "!!str 12", "! 12"])
    func quotedAndTaggedStayStrings(text: String) throws {
        let node = try root("value: \(text)\n")
        #expect(node["value"]?.scalar?.kind == .string)
    }

    @Test func values() throws {
        let node = try root("a: 0x10\nb: 0o10\nc: -12\nd: 2.5e1\ne: True\nf: .inf\ng: !!int 7\n")
        #expect(node["a"]?.scalar?.int == 16)
        #expect(node["b"]?.scalar?.int == 8)
        #expect(node["c"]?.scalar?.int == -12)
        #expect(node["d"]?.scalar?.double == 25)
        #expect(node["e"]?.scalar?.bool == true)
        #expect(node["f"]?.scalar?.double == .infinity)
        #expect(node["g"]?.scalar?.int == 7)
        #expect(node["a"]?.scalar?.bool == nil)
    }

    @Test func customTagIsReported() throws {
        let node = try root("value: !thing x\n")
        #expect(node["value"]?.scalar?.kind == .tagged("!thing"))
    }
}
