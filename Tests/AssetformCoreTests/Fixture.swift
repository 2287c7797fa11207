import Testing
import YAML

@testable import AssetformCore

/// A manifest with position markers (1️⃣ 2️⃣ …) written where findings are expected, in the
/// manner of swift-format's tests. The markers are removed before parsing and their positions
/// (1-based line, column counted in Unicode scalars, as libyaml counts) remembered.
struct Fixture {
    static let markers: [Character] = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣"]

    let text: String
    let marks: [Character: Mark]

    init(_ marked: String) {
        var text = ""
        var marks: [Character: Mark] = [:]
        var line = 1
        var column = 1
        for c in marked {
            if Self.markers.contains(c) {
                marks[c] = Mark(line: line, column: column)
                continue
            }
            text.append(c)
            if c == "\n" {
                line += 1
                column = 1
            } else {
                column += c.unicodeScalars.count
            }
        }
        self.text = text
        self.marks = marks
    }

    /// Loads the text, and checks that decoding the assets as they are parsed (as the tool
    /// does) finds exactly what decoding the whole tree finds.
    func load(sourceLocation: SourceLocation = #_sourceLocation) -> LoadedManifest {
        loadBothWays(text, sourceLocation: sourceLocation)
    }
}

/// `text` loaded as the tool loads it (the groups' assets decoded as they are parsed), after a
/// check that decoding the whole tree instead finds exactly the same.
@discardableResult
func loadBothWays(
    _ text: String, path: String = "test.yaml", context: String = "", sourceLocation: SourceLocation = #_sourceLocation
) -> LoadedManifest {
    let source = SourceFile(path: path, bytes: Array(text.utf8))
    let loaded = ManifestLoader.decode(source)
    let tree = ManifestLoader.decode(source, limits: YAMLLimits(), streaming: false)
    #expect(loaded.manifest == tree.manifest, "streamed assets differ \(context)", sourceLocation: sourceLocation)
    #expect(loaded.diagnostics == tree.diagnostics, "streamed diagnostics differ \(context)", sourceLocation: sourceLocation)
    return loaded
}

/// Checks that loading `marked` finds exactly `expected`: (marker, severity, problem) triples.
func expectFindings(
    _ marked: String, _ expected: [(Character, Diagnostic.Severity, ManifestProblem)],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let fixture = Fixture(marked)
    let loaded = fixture.load()
    var want: [Diagnostic] = []
    for (marker, severity, problem) in expected {
        guard let mark = fixture.marks[marker] else {
            Issue.record("marker \(marker) is not in the fixture", sourceLocation: sourceLocation)
            return
        }
        want.append(Diagnostic(severity, problem, at: mark))
    }
    let got = loaded.diagnostics
    #expect(Set(got) == Set(want), "\n got: \(got.map(describe))\nwant: \(want.map(describe))", sourceLocation: sourceLocation)
    #expect(got.count == want.count, sourceLocation: sourceLocation)
    #expect((loaded.manifest == nil) == want.hasErrors, sourceLocation: sourceLocation)
}

func describe(_ d: Diagnostic) -> String {
    "\(d.mark.map { "\($0)" } ?? "-") \(d.severity): \(d.message)"
}

/// The header most fixtures start with.
let header = """
    version: 1
    provider:
      api: seedance

    """
