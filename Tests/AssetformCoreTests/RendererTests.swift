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
        #expect("\u{0}".visible == #"\x00"#)
    }
}
