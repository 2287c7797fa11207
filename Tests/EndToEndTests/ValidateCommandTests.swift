import Foundation
import Testing

@Suite("assetform validate, run as a process")
struct ValidateCommandTests {
    @Test(arguments: ["demo.yaml", "characters.yaml", "zero-zero.yaml"])
    func shippedManifestsAreValid(name: String) async throws {
        let path = manifestsFolder.appendingPathComponent(name).path
        let out = try await BinaryRunner.run(["validate", path])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("\(path): valid; "))
        #expect(out.stderr.isEmpty)
    }

    @Test func demoSummary() async throws {
        let out = try await BinaryRunner.run(
            ["validate", "manifests/demo.yaml"], in: manifestsFolder.deletingLastPathComponent())
        #expect(out.stdout == "manifests/demo.yaml: valid; 3 groups, 12 assets, provider seedance\n")
    }

    @Test func invalidManifestExitsOneWithEveryError() async throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(
            "bad.yaml",
            """
            version: 1
            provider:
              api: seedance
            groups:
              g:
                assets:
                  a: http://c.example.com/a.png
                  b: https://c.example.com/b.png
                  c: https://c.example.com/b.png
              h:
                nmae: x

            """)
        let out = try await BinaryRunner.run(["validate", path])
        #expect(out.status == 1)
        #expect(out.stdout.isEmpty)
        #expect(
            out.stderr == """
                \(path):7:10: error: url must use https, not http
                        a: http://c.example.com/a.png
                           ^
                \(path):9:10: warning: the URL "https://c.example.com/b.png" is already registered in this group at line 8, column 10; it will be created (and billed) twice
                        c: https://c.example.com/b.png
                           ^
                \(path):11:5: error: unknown key "nmae" in group "h"; did you mean "name"?
                      nmae: x
                      ^
                2 errors, 1 warning

                """)
    }

    @Test func aPresignedQueryIsNeverShownAndTheCaretStaysUnderItsCharacter() async throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(
            "q.yaml",
            """
            version: 1
            provider: {api: seedance}
            groups:
              g:
                assets:
                  a: {url: "https://c.example.com/a.png?X-Amz-Signature=SECRETSIG", nmae: x}
                  b: https://c.example.com/b.png?X-Amz-Signature=SECRETSIG
                  c: https://c.example.com/b.png?X-Amz-Signature=SECRETSIG

            """)
        let out = try await BinaryRunner.run(["validate", path])
        #expect(out.status == 1)
        #expect(!out.all.contains("SECRETSIG"), "\(out.stderr)")
        // The caret under a key past the URL moves with the redaction; the duplicate's message
        // names the URL without its query.
        let lines = out.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let shown = try #require(lines.firstIndex { $0.contains("nmae: x}") }, "\(out.stderr)")
        #expect(lines[shown] == #"        a: {url: "https://c.example.com/a.png?<redacted>", nmae: x}"#, "\(out.stderr)")
        #expect(lines[shown - 1].hasPrefix("\(path):6:73: error: "), "\(out.stderr)")
        let caret = try #require(lines[shown + 1].firstIndex(of: "^"))
        let key = try #require(lines[shown].range(of: "nmae")?.lowerBound)
        #expect(
            lines[shown + 1].distance(from: lines[shown + 1].startIndex, to: caret)
                == lines[shown].distance(from: lines[shown].startIndex, to: key))
        #expect(
            out.stderr.contains(
                #"warning: the URL "https://c.example.com/b.png?<redacted>" is already registered in this group at line 7"#),
            "\(out.stderr)")
        let json = try await BinaryRunner.run(["validate", path, "--json"])
        #expect(json.status == 1 && !json.all.contains("SECRETSIG"), "\(json.all)")
        // Invalid: the document is the failing command's error object too (SPEC §4).
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let error = try #require(document["error"] as? [String: Any], "\(json.stdout)")
        #expect(error["kind"] as? String == "manifest" && error["exit_status"] as? Int == 1, "\(error)")
        #expect(document["valid"] as? Bool == false)
    }

    @Test func warningsAloneExitZero() async throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("w.yaml", "version: 1\nprovider: {api: seedance}\ngroups:\n  empty: {}\n")
        let out = try await BinaryRunner.run(["validate", path])
        #expect(out.status == 0)
        #expect(out.stderr.contains("\(path):4:3: warning: group \"empty\" has no assets"))
        #expect(out.stdout.contains("valid"))
    }

    @Test func defaultManifestPathIsAssetformYaml() async throws {
        let dir = try TemporaryDirectory()
        let missing = try await BinaryRunner.run(["validate"], in: dir.url)
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("assetform.yaml: error: cannot read assetform.yaml: No such file or directory"))
        _ = try dir.write("assetform.yaml", "version: 1\nprovider: {api: 0-0}\n")
        let found = try await BinaryRunner.run(["validate"], in: dir.url)
        #expect(found.status == 0, "\(found.stderr)")
    }

    @Test func quietPrintsNothingWhenValid() async throws {
        let out = try await BinaryRunner.run(["--quiet", "validate", manifestsFolder.appendingPathComponent("demo.yaml").path])
        #expect(out.status == 0)
        #expect(out.stdout.isEmpty)
    }

    @Test func noColourWithoutATerminalOrWithNoColor() async throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("bad.yaml", "version: 2\nprovider: {api: seedance}\n")
        for env in [[:], ["NO_COLOR": "1"]] {
            let out = try await BinaryRunner.run(["validate", path], environment: env)
            #expect(out.status == 1)
            #expect(!out.stderr.contains("\u{1B}["))
        }
    }

    @Test func hostileFileFailsWithAClearMessage() async throws {
        let dir = try TemporaryDirectory()
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]\n" }
        let path = try dir.write("bomb.yaml", bomb)
        let out = try await BinaryRunner.run(["validate", path])
        #expect(out.status == 1)
        #expect(out.stderr.contains("alias bomb"))
        #expect(out.stderr.hasPrefix("\(path):"))
    }

    @Test func usageErrorsExit64() async throws {
        let out = try await BinaryRunner.run(["validate", "--bogus"])
        #expect(out.status == 64)
        #expect(out.stderr.contains("Unknown option '--bogus'"))
        let none = try await BinaryRunner.run(["frobnicate"])
        #expect(none.status == 64)
    }

    @Test func versionAndHelp() async throws {
        let version = try await BinaryRunner.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout == "0.1.0\n")
        let help = try await BinaryRunner.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("validate"))
        #expect(help.stdout.contains("--no-color"))
    }

    @Test func globalFlagsWorkAfterTheCommandToo() async throws {
        let path = manifestsFolder.appendingPathComponent("demo.yaml").path
        let out = try await BinaryRunner.run(["validate", path, "--quiet", "--no-color"])
        #expect(out.status == 0)
        #expect(out.stdout.isEmpty)
    }
}

@Suite("Colour on a terminal")
struct TerminalColourTests {
    /// Runs the binary on a real pseudo-terminal with util-linux `script` (Debian: bsdutils, an
    /// essential package), so isatty is true as for a person at a terminal.
    func runOnTerminal(_ arguments: String, environment: [String: String] = [:]) async throws -> BinaryRunner.Output {
        let command = "\(BinaryRunner.executable.path) \(arguments)"
        return try await BinaryRunner.run(
            ["-qec", command, "/dev/null"], environment: environment, executable: "/usr/bin/script")
    }

    @Test func colourOnATerminalUnlessDisabled() async throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("bad.yaml", "version: 2\nprovider: {api: seedance}\n")
        let coloured = try await runOnTerminal("validate \(path)", environment: ["TERM": "xterm"])
        #expect(coloured.status == 1)
        #expect(coloured.stdout.contains("\u{1B}[1;31merror:"), "\(coloured.stdout)")
        let flag = try await runOnTerminal("--no-color validate \(path)")
        #expect(flag.stdout.contains("error:") && !flag.stdout.contains("\u{1B}["))
        // NO_COLOR set, to any value (an empty one too): no colour.
        for value in ["1", ""] {
            let env = try await runOnTerminal("validate \(path)", environment: ["NO_COLOR": value])
            #expect(env.stdout.contains("error:") && !env.stdout.contains("\u{1B}["), "NO_COLOR=\"\(value)\"")
        }
    }
}

@Suite("--verbose")
struct VerboseTests {
    @Test func verboseListsTheGroups() async throws {
        let out = try await BinaryRunner.run(["validate", "--verbose", manifestsFolder.appendingPathComponent("demo.yaml").path])
        #expect(out.status == 0)
        #expect(out.stdout.contains("  characters (角色素材组): 5 assets"))
        #expect(out.stdout.contains("  plates: 4 assets"))
    }
}
