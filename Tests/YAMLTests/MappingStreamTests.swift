import Testing

@testable import YAML

@Suite("Mappings streamed entry by entry")
struct MappingStreamTests {
    final class Seen {
        var begun: [(Mark, [String])] = []
        var entries: [(Mark, String)] = []
    }

    static func parse(_ text: String, _ seen: Seen) throws -> YAMLDocument {
        let stream = MappingStream(
            path: ["groups", nil, "assets"],
            begin: { seen.begun.append(($0, $1)) },
            entry: { mark, key, _ in seen.entries.append((mark, key.scalar?.value ?? "?")) })
        return try YAMLParser.parse(Array(text.utf8), stream: stream)
    }

    @Test func entriesOfMatchingMappingsGoToTheStreamAndNotIntoTheTree() throws {
        let seen = Seen()
        let document = try Self.parse(
            "groups:\n  g:\n    assets:\n      a: 1\n      b: 2\n      a: 3\n  h:\n    assets: &x\n      c: 4\n"
                + "other:\n  g:\n    assets:\n      d: 5\n", seen)
        #expect(document.streamed)
        #expect(seen.begun.map(\.1) == [["groups", "g", "assets"]], "an anchored mapping is not streamed")
        #expect(seen.entries.map(\.1) == ["a", "b"], "the duplicate key is left out")
        #expect(document.problems.count == 1)
        let g = document.root?.mapping?["groups"]?.mapping?["g"]?.mapping?["assets"]?.mapping
        #expect(g?.entries.isEmpty == true)
        #expect(g?.mark == seen.begun.first?.0)
        #expect(document.root?.mapping?["groups"]?.mapping?["h"]?.mapping?["assets"]?.mapping?.entries.count == 1)
        #expect(document.root?.mapping?["other"]?.mapping?["g"]?.mapping?["assets"]?.mapping?.entries.count == 1)
    }

    @Test func aMergeKeyInAStreamedMappingGivesTheWholeTreeInstead() throws {
        let seen = Seen()
        let document = try Self.parse("groups:\n  g:\n    assets:\n      a: 1\n      <<: {b: 2}\n", seen)
        #expect(!document.streamed)
        #expect(document.root?.mapping?["groups"]?.mapping?["g"]?.mapping?["assets"]?.mapping?.entries.count == 2)
    }
}

extension Node {
    fileprivate var mapping: Mapping? {
        if case .mapping(let m) = self { m } else { nil }
    }
}
