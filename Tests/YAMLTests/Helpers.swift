import Testing

@testable import YAML

func parse(_ text: String, limits: YAMLLimits = YAMLLimits()) throws -> YAMLDocument {
    try parseBothWays(Array(text.utf8), limits: limits)
}

/// Parses `bytes` in line and with libyaml on a thread of its own (`EventPipe`, which large
/// sources take), and checks that both give the same document, or the same error.
func parseBothWays(_ bytes: [UInt8], limits: YAMLLimits = YAMLLimits(), sourceLocation: SourceLocation = #_sourceLocation)
    throws(YAMLError) -> YAMLDocument
{
    let inLine = Result { () throws(YAMLError) in
        try YAMLParser.parse(bytes, limits: limits, stream: nil, pipelined: false)
    }
    let piped = Result { () throws(YAMLError) in
        try YAMLParser.parse(bytes, limits: limits, stream: nil, pipelined: true)
    }
    switch (inLine, piped) {
    case (.success(let a), .success(let b)):
        #expect(a.root == b.root, "the pipelined parse gives another tree", sourceLocation: sourceLocation)
        #expect(a.root?.mark == b.root?.mark, sourceLocation: sourceLocation)
        #expect(a.problems == b.problems, "the pipelined parse finds other problems", sourceLocation: sourceLocation)
    case (.failure(let a), .failure(let b)):
        #expect(a == b, "the pipelined parse fails otherwise", sourceLocation: sourceLocation)
    default:
        Issue.record("one way parses and the other does not: \(inLine) / \(piped)", sourceLocation: sourceLocation)
    }
    return try inLine.get()
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
        _ = try parseBothWays(bytes, limits: limits)
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
