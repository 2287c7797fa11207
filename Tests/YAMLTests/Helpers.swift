import Testing
import YAML

func parse(_ text: String, limits: YAMLLimits = YAMLLimits()) throws -> YAMLDocument {
    try YAMLParser.parse(Array(text.utf8), limits: limits)
}

/// The root of `text`, which must parse with no problem.
func root(_ text: String) throws -> Node {
    let doc = try parse(text)
    #expect(doc.problems.isEmpty, "unexpected problems: \(doc.problems)")
    return try #require(doc.root)
}

/// The error parsing `text` throws (a test failure when it parses).
func parseError(_ bytes: [UInt8], limits: YAMLLimits = YAMLLimits()) -> YAMLError? {
    do {
        _ = try YAMLParser.parse(bytes, limits: limits)
        Issue.record("expected an error")
        return nil
    } catch {
        return error
    }
}

func parseError(_ text: String, limits: YAMLLimits = YAMLLimits()) -> YAMLError? {
    parseError(Array(text.utf8), limits: limits)
}

extension Node {
    subscript(key: String) -> Node? {
        guard case .mapping(let m) = self else { return nil }
        return m[key]
    }

    subscript(index: Int) -> Node? {
        guard case .sequence(let s) = self, s.items.indices.contains(index) else { return nil }
        return s.items[index]
    }

    var text: String? { scalar?.value }
}
