import Testing

@testable import YAML

/// libyaml (YAML 1.1) also ends lines at a lone CR, NEL, LS and PS; positions are given as the
/// file counts them (LF alone, CRLF as one), so a name holding one does not move every later
/// diagnostic down a line.
@Suite("Positions: lines as the file counts them")
struct LineCorrectionTests {
    /// The breaks libyaml counts and the file does not, and text around them.
    static let extraBreaks = ["\u{2028}", "\u{2029}", "\u{85}", "\r"]
    static let pieces = ["a", "é", "参", "🙂", " ", "x y"]

    /// Seeded documents of flow mappings whose quoted values hold random text with those breaks;
    /// every key's mark is the file's position of its first byte.
    @Test(arguments: 0..<60)
    func keysAreWhereTheFileHasThem(seed: Int) throws {
        var g = SeededGenerator(seed: UInt64(seed))
        var bytes: [UInt8] = []
        var expected: [String: Int] = [:]  // key → byte offset
        func text() -> String {
            (0..<Int.random(in: 0...4, using: &g)).map { _ in
                Bool.random(using: &g)
                    ? Self.extraBreaks.randomElement(using: &g)! : Self.pieces.randomElement(using: &g)!
            }.joined()
        }
        if seed % 5 == 0 { bytes += [0xEF, 0xBB, 0xBF] }  // a BOM, which libyaml does not count
        for line in 0..<Int.random(in: 1...12, using: &g) {
            let outer = "k\(line)"
            expected[outer] = bytes.count
            bytes += Array("\(outer): {".utf8)
            for inner in 0..<Int.random(in: 1...3, using: &g) {
                if inner > 0 { bytes += Array(", ".utf8) }
                let key = "k\(line)i\(inner)"
                expected[key] = bytes.count
                bytes += Array("\(key): \"\(text())\"".utf8)
            }
            bytes += Array("}".utf8)
            bytes += Bool.random(using: &g) ? [0x0D, 0x0A] : [0x0A]
        }
        let document = try parseBothWays(bytes)
        guard case .mapping(let m) = try #require(document.root) else {
            Issue.record("seed \(seed): not a mapping")
            return
        }
        var found = 0
        let want = bytes.withUnsafeBufferPointer { source in
            expected.mapValues { SourceLines.mark(atByteOffset: $0, in: source) }
        }
        for e in m.entries {
            let key = try #require(e.key.scalar).value
            #expect(e.key.mark == want[key], "seed \(seed): \(key)")
            found += 1
            guard case .mapping(let inner) = e.value else { continue }
            for f in inner.entries {
                let key = try #require(f.key.scalar).value
                #expect(f.key.mark == want[key], "seed \(seed): \(key)")
                found += 1
            }
        }
        #expect(found == expected.count, "seed \(seed)")
    }

    /// libyaml's own errors, and the position they name in their message, too.
    @Test func aSyntaxErrorAfterABreakIsAtTheFilesLine() throws {
        let source = "a: \"x\u{2028}y\"\nb: \"z\u{85}\"\nc: [1, 2\n"
        let error = try #require(throws: YAMLError.self) { try parseBothWays(Array(source.utf8)) }
        // The unclosed flow sequence at line 3 ends at the end of the file.
        #expect(error.mark?.line == 4, "\(String(describing: error.mark))")
        #expect(error.message.contains("at line 3, column 4"), "\(error.message)")
    }

    /// A source without such breaks is looked at once and its marks taken as libyaml gives them.
    @Test func aSourceWithoutThemNeedsNoCorrection() {
        for text in ["a: 1\nb: 2\n", "a: 1\r\nb: \"—→…\u{2027}\u{202F}\"\r\n", "a: \"\u{A9}\u{A0}\"\n", ""] {
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBufferPointer { LineCorrection($0) } == nil, "\(text.debugDescription)")
        }
        for text in ["a: \"\u{2028}\"\n", "a: 1\rb: 2\n", "a: \"\u{85}\"", "a: 1\r"] {
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBufferPointer { LineCorrection($0) } != nil, "\(text.debugDescription)")
        }
    }
}

/// A seeded generator (xorshift64), so a failing seed is replayed exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
