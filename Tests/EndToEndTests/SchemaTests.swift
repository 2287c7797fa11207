import Foundation
import Testing

/// The manifest's JSON Schema: what `assetform schema` prints is the shipped file, and an
/// independent validator (python3-jsonschema) accepts every shipped manifest and refuses
/// invalid ones.
@Suite("The manifest's JSON Schema")
struct SchemaTests {
    static let root = manifestsFolder.deletingLastPathComponent()

    @Test func theShippedSchemaIsWhatTheToolPrints() async throws {
        let out = try await BinaryRunner.run(["schema"])
        #expect(out.status == 0)
        let shipped = try String(contentsOf: Self.root.appendingPathComponent("schema/assetform.schema.json"), encoding: .utf8)
        #expect(out.stdout == shipped, "schema/assetform.schema.json is `assetform schema > schema/assetform.schema.json`")
    }

    @Test func anIndependentValidatorAcceptsTheShippedManifestsAndRefusesBadOnes() async throws {
        let dir = try TemporaryDirectory()
        let head = "version: 1\nprovider: {api: seedance}\n"
        let bad = [
            try dir.write("unknown-key.yaml", head + "colour: red\n"),
            try dir.write("bad-version.yaml", "version: 2\nprovider: {api: seedance}\n"),
            try dir.write("bad-api.yaml", "version: 1\nprovider: {api: seedanse}\n"),
            try dir.write("http-url.yaml", head + "groups:\n  g:\n    assets:\n      a: http://cdn.example.com/a.png\n"),
            try dir.write("bad-key.yaml", head + "groups:\n  g:\n    assets:\n      -a: https://cdn.example.com/a.png\n"),
            try dir.write(
                "bad-type.yaml", head + "groups:\n  g:\n    assets:\n      a: {url: https://c.example.com/a, type: picture}\n"),
            try dir.write("bad-rate.yaml", head + "limits: {rate: {create_asset: fast}}\n"),
            try dir.write("bad-move.yaml", head + "moved:\n  - {from: a/b/c, to: a}\n"),
            try dir.write("long-name.yaml", head + "groups:\n  g: {name: \(String(repeating: "n", count: 65))}\n"),
        ]
        let rates = try dir.write(
            "rates.yaml", head + "limits: {rate: {create_asset: 120/min, write: auto, read: unlimited}, processing: 5, wait: 0}\n"
        )
        let spelled = try dir.write(
            "spelled.yaml",
            "version: \"1\"\nprovider: {api: seedance, base_url: HTTPS://gogogotoken.com}\nlimits: {wait: .5s, timeout: 1m30s}\n"
                + "groups:\n  g:\n    assets:\n      a: HTTPS://cdn.example.com/a.png\n")
        let good =
            ["demo.yaml", "characters.yaml", "zero-zero.yaml"].map { manifestsFolder.appendingPathComponent($0).path }
            + [rates, spelled]
        let out = try await BinaryRunner.run(
            [
                "python3", Self.root.appendingPathComponent("scripts/check-schema.py").path,
                Self.root.appendingPathComponent("schema/assetform.schema.json").path, "--valid",
            ] + good + ["--invalid"] + bad,
            executable: "/usr/bin/env")
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        // And the tool agrees with it on each.
        for path in good { #expect(try await BinaryRunner.run(["validate", path]).status == 0, "\(path)") }
        for path in bad { #expect(try await BinaryRunner.run(["validate", path]).status == 1, "\(path)") }
    }
}
