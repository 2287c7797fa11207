import Foundation
import Testing
import YAML

@testable import AssetformCore

/// Groups' assets are decoded as the parser hands over each entry (`StreamedAssets`); these
/// check that every way a manifest can be written gives what decoding the whole tree gives.
@Suite("Assets decoded as they are parsed")
struct StreamedAssetsTests {
    static let head = "version: 1\nprovider:\n  api: seedance\n"

    /// Both decodings of `yaml`; they must agree.
    @discardableResult
    static func both(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> LoadedManifest {
        loadBothWays(yaml, sourceLocation: sourceLocation)
    }

    @Test func duplicateAssetKeysAreFoundWhileStreaming() {
        let loaded = Self.both(
            Self.head
                + "groups:\n  g:\n    assets:\n      a: https://c.example.com/a.png\n      b: https://c.example.com/b.png\n"
                + "      a: https://c.example.com/c.png\n")
        #expect(loaded.manifest == nil)
        #expect(loaded.diagnostics.map(\.mark) == [Mark(line: 9, column: 7)])
        #expect(loaded.diagnostics.first?.message.contains("duplicate key \"a\"") == true)
    }

    @Test func aMergeKeyAmongAssetsStartsTheParseAgainWithoutStreaming() throws {
        let loaded = Self.both(
            Self.head + "x-common: &common\n  shared: https://c.example.com/shared.png\n  a: https://c.example.com/old.png\n"
                + "groups:\n  g:\n    assets:\n      a: https://c.example.com/a.png\n      <<: *common\n"
                + "      b: https://c.example.com/b.png\n")
        let assets = try #require(loaded.manifest).groups[0].assets
        #expect(assets.map(\.key) == ["a", "shared", "b"])
        #expect(assets[0].url == "https://c.example.com/a.png", "a key written wins over a merged one")
    }

    @Test func anAliasedGroupAndAnAnchoredAssetsMappingKeepTheirAssets() throws {
        let loaded = Self.both(
            Self.head + "groups:\n  g1: &g1\n    assets:\n      a: https://c.example.com/a.png\n"
                + "  g2:\n    name: other\n    assets: &shared\n      b: https://c.example.com/b.png\n"
                + "  g3:\n    name: third\n    assets: *shared\n")
        let m = try #require(loaded.manifest)
        #expect(m.groups.map(\.key) == ["g1", "g2", "g3"])
        #expect(m.groups.map { $0.assets.map(\.key) } == [["a"], ["b"], ["b"]])
        // A whole group written again by alias: its name collides, as in the tree.
        Self.both(Self.head + "groups:\n  g1: &g1\n    assets:\n      a: https://c.example.com/a.png\n  g2: *g1\n")
    }

    @Test func aGroupWrittenTwiceKeepsOnlyTheFirstAndItsFindings() throws {
        let loaded = Self.both(
            Self.head + "groups:\n  g:\n    assets:\n      a: https://c.example.com/a.png\n"
                + "  g:\n    assets:\n      bad: http://c.example.com/b.png\n")
        #expect(loaded.diagnostics.count == 1, "the second group's bad URL is not decoded, as in the tree")
        #expect(loaded.diagnostics.first?.message.contains("duplicate key \"g\"") == true)
    }

    @Test func findingsInsideStreamedAssetsKeepTheirPositions() {
        let loaded = Self.both(
            Self.head + "groups:\n  g:\n    assets:\n      a:\n        url: https://c.example.com/a.png\n        colour: red\n"
                + "      b: https://localhost/b.png\n      c:\n        url: https://c.example.com/c.bin\n      \"bad key\": https://c.example.com/d.png\n"
                + "      e: [1]\n      f:\n        name: x\n")
        #expect(
            loaded.diagnostics.compactMap(\.mark).map(\.line) == [9, 10, 12, 13, 14, 15],
            "\(loaded.diagnostics.map(\.message))")
    }

    @Test func emptyAndNullAssetsAndURLLists() {
        Self.both(
            Self.head
                + "groups:\n  g:\n    assets: {}\n  h:\n    assets:\n  i:\n    assets:\n      - https://c.example.com/i.png\n")
        Self.both(
            Self.head + "groups:\n  g:\n    assets: {a: https://c.example.com/a.png, b: {url: https://c.example.com/b.mp4}}\n")
    }

    /// Seeded random manifests with every feature above mixed in: both decodings agree.
    @Test func randomManifestsDecodeAlikeBothWays() {
        let seed: UInt64 = 0x18_5EED
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: (state >> 33) % UInt64(n))
        }
        let values = [
            "https://c.example.com/p/{k}.png", "https://c.example.com/p/{k}.mp4", "http://c.example.com/{k}.png",
            "{url: https://c.example.com/{k}.wav, name: n{k}}", "{url: https://c.example.com/{k}.bin, type: image}",
            "{url: https://c.example.com/{k}.png, name: same}", "{url: https://c.example.com/{k}.png, extra: 1}",
            "[https://c.example.com/{k}.png]", "~", "*anchor", "&a{k} {url: https://c.example.com/{k}.gif}",
        ]
        for round in 0..<60 {
            var yaml = Self.head + "x-defs:\n  anchor: &anchor https://c.example.com/anchored.png\ngroups:\n"
            for g in 0..<(1 + next(3)) {
                yaml += "  g\(next(3)):\n    assets:\n"
                for _ in 0..<(next(6)) {
                    let key = ["a", "b", "c", "d", "e"][next(5)] + "\(g)"
                    var value = values[next(values.count)].replacingOccurrences(of: "{k}", with: key)
                    if value.hasPrefix("&a") { value = value.replacingOccurrences(of: "&a", with: "&a\(round)x\(next(1000)) ") }
                    yaml += "      \(key): \(value)\n"
                }
                if next(8) == 0 { yaml += "      <<: {m\(g): https://c.example.com/m.png}\n" }
            }
            loadBothWays(yaml, context: "seed \(seed), round \(round):\n\(yaml)")
        }
    }
}
