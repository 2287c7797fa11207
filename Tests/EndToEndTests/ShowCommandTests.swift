import Foundation
import Testing

/// `show PLANFILE` in its three formats, from a plan saved against the emulator.
@Suite("show: a saved plan as text, Markdown and JSON")
struct ShowCommandTests {
    @Test func threeFormatsOfOneSavedPlan() async throws {
        var manifest = manifestHead() + "  g:\n    name: \"G | pipes\"\n    assets:\n"
        for i in 0..<25 { manifest += "      a\(i): https://cdn.example.com/s/\(i).png\n" }
        let w = try await ApplyWorld(emulator: ["--no-throttle", "--processing-delay", "50ms"], manifest: manifest)
        let planFile = w.dir.url.appendingPathComponent("p.json").path
        let saved = try await w.run(["plan", w.manifest, "--out", planFile])
        #expect(saved.status == 0, "\(saved.stderr)")

        let text = try await w.run(["show", planFile])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("+   g/a0 "), "\(text.stdout)")
        #expect(
            text.stdout.contains(
                "Plan: 26 to create, 0 to update, 0 to replace, 0 to adopt, 0 to forget; 0 unchanged. 25 billed create calls."))

        let markdown = try await w.run(["show", planFile, "--format", "markdown"])
        #expect(markdown.status == 0)
        #expect(markdown.stdout.hasPrefix("### assetform plan\n\n**Plan: 26 to create"), "\(markdown.stdout)")
        for i in 0..<25 { #expect(markdown.stdout.contains("`g/a\(i)`"), "g/a\(i) is listed") }
        #expect(markdown.stdout.contains("<details><summary>Create: 26</summary>"), "a long table is folded")
        #expect(markdown.stdout.contains("G \\| pipes"), "a name's pipe cannot break the table")
        #expect(markdown.stdout.contains("25 billed create calls"))
        let direct = try await w.run(["plan", w.manifest, "--format", "markdown"])
        #expect(direct.stdout == markdown.stdout, "plan --format markdown prints the same")

        // A plan made with --no-refresh says so to its reviewer, as text and as Markdown.
        let reviewFile = w.dir.url.appendingPathComponent("review.json").path
        #expect(try await w.run(["plan", w.manifest, "--no-refresh", "--out", reviewFile]).status == 0)
        let reviewText = try await w.run(["show", reviewFile])
        #expect(reviewText.stdout.contains("made with --no-refresh"), "\(reviewText.stdout)")
        let reviewMarkdown = try await w.run(["show", reviewFile, "--format", "markdown"])
        #expect(reviewMarkdown.stdout.contains("_Plan made with --no-refresh"), "\(reviewMarkdown.stdout)")
        let reviewDirect = try await w.run(["plan", w.manifest, "--no-refresh", "--format", "markdown"])
        #expect(reviewDirect.stdout == reviewMarkdown.stdout, "\(reviewDirect.stdout)")

        let json = try await w.run(["show", planFile, "--format", "json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((doc["actions"] as? [Any])?.count == 26)

        let missing = try await w.run(["show", w.dir.url.appendingPathComponent("nope.json").path, "--format", "json"])
        #expect(missing.status == 1)
        let error = try #require(
            (try JSONSerialization.jsonObject(with: Data(missing.stdout.utf8)) as? [String: Any])?["error"] as? [String: Any])
        #expect(error["kind"] as? String == "state")

        // A plan cut short is refused where it stops being JSON, as `apply --plan` refuses it.
        let document = try String(contentsOfFile: planFile, encoding: .utf8)
        let cut = w.dir.url.appendingPathComponent("cut.json").path
        try String(document.prefix(200)).write(toFile: cut, atomically: true, encoding: .utf8)
        let shown = try await w.run(["show", cut])
        let applied = try await w.run(["apply", w.manifest, "--plan", cut])
        #expect(shown.status == 1 && applied.status == 1, "\(shown.all)\(applied.all)")
        let place = try #require(
            shown.stderr.firstMatch(of: #/cut\.json:\d+:\d+: /#).map { String($0.output) }, "\(shown.stderr)")
        #expect(applied.stderr.contains(place), "\(applied.stderr)")
    }
}
