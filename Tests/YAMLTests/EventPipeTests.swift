import Testing

@testable import YAML

/// Large sources are parsed by libyaml on a thread of its own while the events are composed
/// (`EventPipe`): the same tree, the same problems and the same errors as in line, wherever in
/// the source they are, and nothing left waiting.
@Suite("libyaml on a thread of its own for large sources")
struct EventPipeTests {
    /// A manifest-like document far larger than a batch of events, with `tail` at its end.
    static func large(groups: Int = 40, assets: Int = 300, tail: String = "") -> [UInt8] {
        var text = "version: 1\ngroups:\n"
        for g in 0..<groups {
            text += "  g\(g):\n    name: 组 \(g)\n    assets:\n"
            for a in 0..<assets {
                text += "      a\(a): {url: 'https://c.example.com/\(g)/\(a).png', name: \"素材 \(a)\"}\n"
            }
        }
        return Array((text + tail).utf8)
    }

    @Test func aLargeDocumentIsTheSameEitherWay() throws {
        let bytes = Self.large()
        #expect(bytes.count > YAMLParser.pipelinedBytes, "large enough to be pipelined by default")
        let document = try parseBothWays(bytes)
        #expect(document.root?["groups"]?["g39"]?["assets"]?["a299"]?["name"]?.text == "素材 299")
        // The public entry point takes the pipe for it, and gives the same.
        #expect(try YAMLParser.parse(bytes).root == document.root)
    }

    @Test(arguments: [
        "bad: [unclosed\n",  // libyaml's error at the very end
        "---\nsecond: document\n",  // the composer's error at the end
        "x: *nowhere\n",  // an undefined alias
        "\tbad: tab\n",  // a tab where indentation is
    ])
    func errorsAtTheEndAreTheSameEitherWay(tail: String) {
        #expect(parseError(Self.large(tail: tail)) != nil)
    }

    @Test func problemsAreTheSameEitherWay() throws {
        let document = try parseBothWays(Self.large(tail: "groups: again\nversion: 2\n"))
        #expect(document.problems.count == 2, "two duplicate keys")
    }

    /// An error the composer finds early, while libyaml is far ahead with a full queue: the
    /// producer is stopped and every event deleted (no hang; run many times for races).
    @Test func anEarlyErrorStopsTheProducer() {
        let bytes = Array("a: *undefined\n".utf8) + Self.large()
        for _ in 0..<50 {
            let error = parseError(bytes)
            #expect(error?.kind == .undefinedAlias("undefined"))
        }
        var limits = YAMLLimits()
        limits.maxNodes = 1000
        #expect(parseError(Self.large(), limits: limits)?.kind == .tooManyNodes(limit: 1000))
    }

    @Test func manyParsesInARowAgree() throws {
        let bytes = Self.large(groups: 10, assets: 200)
        let first = try YAMLParser.parse(bytes, limits: YAMLLimits(), stream: nil, pipelined: true)
        for _ in 0..<30 {
            #expect(try YAMLParser.parse(bytes, limits: YAMLLimits(), stream: nil, pipelined: true).root == first.root)
        }
    }
}
