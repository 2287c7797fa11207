import Testing
import YAML

@testable import AssetformCore

@Suite("Diagnostics render as FILE:LINE:COLUMN with the source line and a caret")
struct RendererTests {
    @Test func plainRendering() {
        let loaded = Fixture(header + "groups:\n  g:\n    assets:\n      a: http://c.example.com/a.png\n").load()
        let text = DiagnosticRenderer(color: false).render(loaded.diagnostics, in: loaded.source)
        #expect(
            text == """
                test.yaml:7:10: error: url must use https, not http
                        a: http://c.example.com/a.png
                           ^

                """)
    }

    @Test func caretUnderWideCharactersAndTabs() {
        let renderer = DiagnosticRenderer(color: false)
        #expect(renderer.caretPadding("名前: x", column: 5) == "      ")
        #expect(renderer.caretPadding("#\tx", column: 3) == " \t")
    }

    /// A lone CR (or NEL, or a bidirectional override) in the source line is shown escaped, never
    /// raw, and the caret stays under the character the finding is at.
    @Test func controlCharactersInTheLineAreShownEscaped() {
        let block = Fixture(header + "groups:\n  g:\n    name: \"A\rB\u{202E}C\"\n    nmae: x\n").load()
        let text = DiagnosticRenderer(color: false).render(block.diagnostics, in: block.source)
        #expect(!text.unicodeScalars.contains { $0 == "\r" || $0.value == 0x202E }, "\(text.debugDescription)")
        let flow = Fixture(header + "groups:\n  g: {name: \"A\rB\u{85}C\", nmae: x}\n").load()
        let shown = DiagnosticRenderer(color: false).render(flow.diagnostics, in: flow.source)
        // Two spaces of the excerpt's own, then the line: the caret under the n of nmae.
        let expected = "    g: {name: \"A\\rB\\u{85}C\", nmae: x}\n" + String(repeating: " ", count: 29) + "^\n"
        #expect(shown.hasSuffix(expected), "\(shown)")
    }

    @Test func colourOnlyWhenAsked() {
        let loaded = Fixture("version: 3\nprovider: {api: seedance}\n").load()
        #expect(DiagnosticRenderer(color: true).render(loaded.diagnostics, in: loaded.source).contains("\u{1B}["))
        #expect(!DiagnosticRenderer(color: false).render(loaded.diagnostics, in: loaded.source).contains("\u{1B}["))
    }

    @Test func wholeFileProblemsHaveNoPosition() {
        let loaded = ManifestLoader.load(path: "/nonexistent/assetform.yaml")
        let text = DiagnosticRenderer(color: false).render(loaded.diagnostics, in: loaded.source)
        #expect(
            text == "/nonexistent/assetform.yaml: error: cannot read /nonexistent/assetform.yaml: No such file or directory\n")
    }
}

@Suite("Text from outside, made visible")
struct VisibleTextTests {
    @Test func controlCharactersBecomeVisibleEscapes() {
        #expect(VisibleText.escape("plain 角色 text") == "plain 角色 text")
        #expect("a\u{1B}[2Jb\nc\rd\te\u{07}f\u{7F}g\u{9B}h\u{202E}i".visible == #"a\e[2Jb\nc\rd\te\x07f\x7fg\u{9b}h\u{202e}i"#)
        // The line and paragraph separators and the isolates too; the characters beside them not.
        #expect(
            "a\u{2028}b\u{2029}c\u{2066}d\u{2027}e\u{202F}f→".visible == #"a\u{2028}b\u{2029}c\u{2066}d"# + "\u{2027}e\u{202F}f→")
        #expect("\u{0}".visible == #"\x00"#)
    }

    /// The byte-level check agrees with the rule on scalars: every scalar near a boundary, alone
    /// and between others, and seeded random strings of them.
    @Test func theByteCheckAgreesWithTheScalarRule() {
        var scalars: [Unicode.Scalar] = []
        for range in [0x00...0xFF, 0x2020...0x2070, 0xFFF0...0xFFFF, 0x1F600...0x1F610] {
            scalars += range.compactMap(Unicode.Scalar.init)
        }
        for s in scalars {
            for text in [String(s), "a\(s)b", "角\(s)", "\(s)\u{80}"] {
                let expected = text.unicodeScalars.contains(where: VisibleText.needsEscape)
                #expect(VisibleText.needsAnyEscape(text) == expected, "U+\(String(s.value, radix: 16))")
            }
        }
        let seed: UInt64 = 0x5EED_0018
        var state = seed
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        for _ in 0..<2000 {
            var text = ""
            for _ in 0..<(next() % 8) { text.unicodeScalars.append(scalars[next() % scalars.count]) }
            let expected = text.unicodeScalars.contains(where: VisibleText.needsEscape)
            #expect(VisibleText.needsAnyEscape(text) == expected, "seed \(seed): \(text.debugDescription)")
        }
    }

    @Test func labelsAreCheckedOnTheirBytes() {
        #expect(ManifestDecoder.labelProblem("参考图 0000001", max: 12, allowEmpty: false) == nil)
        #expect(
            ManifestDecoder.labelProblem("参考图 0000001", max: 10, allowEmpty: false) == "is 11 characters long; the most is 10")
        #expect(ManifestDecoder.labelProblem("a\nb", max: 12, allowEmpty: false) == "must be one line")
        #expect(ManifestDecoder.labelProblem("a\u{85}b", max: 12, allowEmpty: false) == "must not hold control characters")
        #expect(ManifestDecoder.labelProblem("a\u{7F}", max: 12, allowEmpty: false) == "must not hold control characters")
        #expect(ManifestDecoder.labelProblem("a\u{A0}\u{100}", max: 12, allowEmpty: false) == nil)
        #expect(ManifestDecoder.labelProblem("", max: 12, allowEmpty: true) == nil)
    }

    @Test(arguments: [
        "https://c.example.com/a.pngx", "https://c.example.com/png", "https://c.example.com/dir.png/",
        "https://c.example.com", "https://c.example.com/a.p", "https://c.example.com/.mp4x?.mp4",
    ])
    func noTypeWithoutAKnownExtension(url: String) throws {
        #expect(try SourceURL.parse(url).get().inferredType == nil)
    }
}
