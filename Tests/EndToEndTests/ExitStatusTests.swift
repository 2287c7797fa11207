import Foundation
import Testing

/// SPEC §4's one exit-status table, each status provoked with the real binary.
@Suite("Every exit status of the table")
struct ExitStatusTests {
    static let manifest =
        manifestHead() + """
              g:
                assets:
                  ok: https://cdn.example.com/x/ok.png
                  bad: https://cdn.example.com/x/bad.png

            """

    @Test func eachStatusOfTheTable() async throws {
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "300ms", "--fail-url", "*bad*"], manifest: Self.manifest)
        // 64: bad usage, before anything is read.
        #expect(try await w.run(["apply", w.manifest, "--no-such-flag"]).status == 64)
        let short = try await w.run(["import", w.manifest, "g/ok"])
        #expect(short.status == 64 && short.stderr.contains("ID is missing"), "\(short.stderr)")
        // 2: changes to apply.
        #expect(try await w.run(["plan", w.manifest, "--detailed-exitcode"]).status == 2)
        // 3: an action of this run failed (the bad URL, seen once it settles).
        let failed = try await w.apply()
        #expect(failed.status == 3, "\(failed.stdout)\(failed.stderr)")
        // 4: the failed asset is left alone; plan agrees with apply.
        #expect(try await w.apply().status == 4)
        #expect(try await w.run(["plan", w.manifest, "--detailed-exitcode"]).status == 4)
        // 4: applied with --no-wait, so an asset is still Processing.
        let good = Self.manifest.replacingOccurrences(
            of: "      bad: https://cdn.example.com/x/bad.png\n", with: "      late: https://cdn.example.com/x/late.png\n")
        try w.write(good)
        let early = try await w.apply(["--no-wait"])
        #expect(early.status == 4, "\(early.stdout)\(early.stderr)")
        #expect(early.stdout.contains("still Processing"))
        // 0: converged once it is Active.
        #expect(try await w.apply().status == 0)
        #expect(try await w.run(["plan", w.manifest, "--detailed-exitcode"]).status == 0)
        // 1: an error before any change (an invalid manifest).
        try w.write(Self.manifest + "colour: red\n")
        #expect(try await w.apply().status == 1)
        // 75: the service cannot be reached (a closed port on this machine).
        try w.write(Self.manifest)
        let closed = try await BinaryRunner.run(
            ["plan", w.manifest, "--lock", w.dir.url.appendingPathComponent("closed.lock").path],
            environment: [w.keyVariable: w.key, "ASSETFORM_BASE_URL": "http://127.0.0.1:9"])
        #expect(closed.status == 75, "\(closed.stderr)")
    }
}

/// `--json` on a failure: one JSON error object on stdout, whatever failed.
@Suite("JSON error objects and validate --json")
struct JSONErrorTests {
    func errorObject(_ out: BinaryRunner.Output) throws -> [String: Any] {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out.stdout)")
        return try #require(object["error"] as? [String: Any])
    }

    @Test func threeFailurePathsEachPrintOneErrorObject() async throws {
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "50ms"], manifest: ExitStatusTests.manifest)
        // An invalid manifest: its diagnostics, with their places.
        try w.write(ExitStatusTests.manifest + "colour: red\n")
        let invalid = try await w.run(["plan", w.manifest, "--json"])
        #expect(invalid.status == 1)
        let manifestError = try errorObject(invalid)
        #expect(manifestError["kind"] as? String == "manifest")
        let diagnostics = try #require(manifestError["diagnostics"] as? [[String: Any]])
        let colourLine = ExitStatusTests.manifest.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(diagnostics.first?["line"] as? Int == colourLine && diagnostics.first?["column"] as? Int == 1, "\(diagnostics)")
        // A service that cannot be reached: temporary, naming the call.
        try w.write(ExitStatusTests.manifest)
        let closed = try await BinaryRunner.run(
            ["apply", w.manifest, "--json", "--auto-approve", "--lock", w.dir.url.appendingPathComponent("closed.lock").path],
            environment: [w.keyVariable: w.key, "ASSETFORM_BASE_URL": "http://127.0.0.1:9"])
        #expect(closed.status == 75)
        let remote = try errorObject(closed)
        #expect(remote["kind"] as? String == "temporary" && remote["call"] as? String == "ListAssetGroups", "\(remote)")
        #expect(remote["exit_status"] as? Int == 75)
        // An address the lockfile does not track.
        let unknown = try await w.run(["plan", w.manifest, "--json", "--replace", "g/nothing"])
        #expect(unknown.status == 1)
        let address = try errorObject(unknown)
        #expect(address["kind"] as? String == "address" && address["address"] as? String == "g/nothing", "\(address)")
    }

    @Test func aUsageErrorWithJSONIsAnErrorObjectToo() async throws {
        for arguments in [
            ["apply", "m.yaml", "--json", "--wait", "5x"], ["plan", "m.yaml", "--format", "json", "-auto-approve"],
            // A replace the targets leave out would silently not happen.
            ["plan", "m.yaml", "--json", "--replace", "g/a", "--target", "h"],
        ] {
            let out = try await BinaryRunner.run(arguments)
            #expect(out.status == 64, "\(arguments)")
            let error = try errorObject(out)
            #expect(error["kind"] as? String == "usage" && error["exit_status"] as? Int == 64, "\(error)")
        }
        // A message of several lines keeps its line breaks (JSON escapes them), not "\\n" as text.
        let bogus = try await BinaryRunner.run(["plan", "m.yaml", "--bogus", "--json"])
        let message = try #require(try errorObject(bogus)["message"] as? String)
        #expect(message.contains("Unknown option '--bogus'") && message.contains("\nUsage:"), "\(message)")
        #expect(!message.contains("\\n"), "\(message)")
        let help = try await BinaryRunner.run(["plan", "--help", "--json"])
        #expect(help.status == 0 && help.stdout.contains("USAGE"), "help is not an error")
        // No command: a missing argument (64), with the help on stderr; asked for, help is not an error.
        for arguments in [[], ["--quiet"]] {
            let bare = try await BinaryRunner.run(arguments)
            #expect(bare.status == 64 && bare.stderr.contains("SUBCOMMANDS") && bare.stdout.isEmpty, "\(bare.all)")
        }
        let asked = try await BinaryRunner.run(["--help"])
        #expect(asked.status == 0 && asked.stdout.contains("SUBCOMMANDS"), "\(asked.all)")
    }

    @Test func validateJSONListsEveryDiagnostic() async throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(
            "m.yaml",
            "version: 1\nprovider: {api: seedance, api_key: sk-live-123}\ngroups:\n  g:\n    assets:\n      a: http://x.example.com/a.png\n"
        )
        let out = try await BinaryRunner.run(["validate", path, "--json"])
        #expect(out.status == 1)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(doc["valid"] as? Bool == false)
        let diagnostics = try #require(doc["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 2, "\(diagnostics)")
        #expect(diagnostics.allSatisfy { $0["file"] as? String == path && $0["severity"] as? String == "error" })
        #expect(Set(diagnostics.compactMap { $0["line"] as? Int }) == [2, 6])
        #expect(!out.stdout.contains("sk-live-123") && !out.stderr.contains("sk-live-123"), "the refused key is never shown")
        let plain = try await BinaryRunner.run(["validate", path])
        #expect(!plain.stderr.contains("sk-live-123"), "nor in the caret snippet: \(plain.stderr)")
    }
}

/// Small things a new user of the CLI trips on.
@Suite("The command line, as a new user types it")
struct CommandLineTests {
    @Test func mistypedCommandsAndSingleDashFlagsSayWhatWasMeant() async throws {
        let typo = try await BinaryRunner.run(["valdiate", "m.yaml"])
        #expect(typo.status == 64 && typo.stderr.contains("did you mean \"validate\""), "\(typo.stderr)")
        let helpTypo = try await BinaryRunner.run(["help", "aply"])
        #expect(helpTypo.status == 64 && helpTypo.stderr.contains("did you mean \"apply\""), "\(helpTypo.stderr)")
        let applyHelp = try await BinaryRunner.run(["help", "apply"])
        #expect(applyHelp.status == 0 && applyHelp.stdout.contains("--auto-approve"), "\(applyHelp.all)")
        let dash = try await BinaryRunner.run(["apply", "m.yaml", "-auto-approve"])
        #expect(dash.status == 64 && dash.stderr.contains("--auto-approve"), "\(dash.stderr)")
        // Arguments echoed in a usage error never carry a control character raw.
        for arguments in [
            ["forget", "m.yaml", "a\u{07}b"], ["import", "m.yaml", "chars/\u{1B}[31m", "asset-1"],
            ["plan", "--replace", "a/b\u{1B}c"], ["mv", "m.yaml", "a/\u{1B}", "b/c"],
        ] {
            let out = try await BinaryRunner.run(arguments)
            #expect(out.status == 64, "\(arguments): \(out.stderr)")
            #expect(
                !out.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" } && out.stderr.contains("\\"),
                "\(arguments): \(out.stderr.debugDescription)")
        }
        let help = try await BinaryRunner.run(["--help"])
        let words = help.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        #expect(words.contains("Exit statuses: 0 done") && words.contains("75 temporary"), "\(help.stdout)")
    }

    @Test func emulateKeepsItsOwnKeyAndTheSavedPlanHintKeepsEmulate() async throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(
            "m.yaml",
            "version: 1\nprovider: {api: seedance}\ngroups:\n  g:\n    assets:\n      a: https://cdn.example.com/a.png\n")
        let first = try await BinaryRunner.run(
            ["apply", path, "--emulate", "--auto-approve"], environment: ["ASSETFORM_API_KEY": "one-real-key"])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let other = try await BinaryRunner.run(
            ["plan", path, "--emulate", "--detailed-exitcode", "--out", dir.url.appendingPathComponent("p.json").path],
            environment: ["ASSETFORM_API_KEY": "another-key"])
        #expect(other.status == 0, "the same emulator data, whatever key is exported: \(other.stdout)")
        #expect(other.stdout.contains("--plan \(dir.url.appendingPathComponent("p.json").path) --emulate"), "\(other.stdout)")
        let quiet = try await BinaryRunner.run(["--quiet", "plan", path, "--emulate"])
        #expect(
            quiet.stdout
                == "No changes. Plan: 0 to create, 0 to update, 0 to replace, 0 to adopt, 0 to forget; 2 unchanged. 0 billed create calls.\n",
            "\(quiet.stdout)")
        let verbose = try await BinaryRunner.run(["--verbose", "plan", path, "--emulate"])
        #expect(verbose.stdout.contains("    g/a  unchanged\n"), "\(verbose.stdout)")
        let refresh = try await BinaryRunner.run(["refresh", path, "--emulate", "--lock-timeout", "5s"])
        #expect(refresh.status == 0, "refresh takes --lock-timeout: \(refresh.stderr)")
        // Only apply's emulator writes its state: another command's reads it (with the changes
        // a running apply has logged) and leaves the file and the logs as they are.
        let state = dir.url.appendingPathComponent(".assetform/emulator-state.json").path
        let before = try Data(contentsOf: URL(fileURLWithPath: state))
        let logged = try dir.write(".assetform/emulator-state.json.log.1000", "")
        for command in [["plan", path, "--emulate"], ["refresh", path, "--emulate"]] {
            let out = try await BinaryRunner.run(command)
            #expect(out.status == 0, "\(out.all)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: state)) == before)
        #expect(FileManager.default.fileExists(atPath: logged))
    }
}

/// The live progress line in a narrow terminal (a pseudo-terminal of 50 columns, made by
/// `script`): every redraw stays within the width, so none wraps into a new line.
@Suite("The progress line fits the terminal")
struct ProgressLineTests {
    @Test func fiftyColumnsStayOneLine() async throws {
        let w = try await ApplyWorld(
            emulator: ["--no-throttle", "--processing-delay", "1s"], manifest: generatedManifest(40, rate: "20"))
        let command =
            "stty cols 50; \(w.keyVariable)=\(w.key) ASSETFORM_BASE_URL=\(w.server.baseURL) "
            + "\(BinaryRunner.executable.path) apply \(w.manifest) --auto-approve"
        let out = try await BinaryRunner.run(["-qfec", command, "/dev/null"], executable: "/usr/bin/script")
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        let redraws = out.stdout.components(separatedBy: "\r\u{1B}[K").dropFirst().compactMap { segment -> String? in
            let line = segment.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            return line.hasPrefix("Applying:") ? line : nil
        }
        #expect(redraws.count > 3, "the live line was drawn: \(out.stdout.prefix(400))")
        for line in redraws {
            #expect(line.count < 50, "\"\(line)\" is \(line.count) columns")
            #expect(!line.contains("\n"))
        }
    }
}
