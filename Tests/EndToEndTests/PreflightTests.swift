import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `check`, and `plan`/`apply --check-urls`, against a local HTTPS server of good and bad media
/// (SPEC §10): real TLS with a CA made at test time, reached only on 127.0.0.1 through the
/// `ASSETFORM_RESOLVE` hook.
@Suite("preflight of source URLs, against a local HTTPS media server", .serialized)
struct PreflightTests {
    /// One asset per line, from line 6: (key, URL or mapping, what its finding must say; nil: none).
    static func manifest(_ server: MediaServer, _ entries: [(String, String, String?)], extra: String = "") -> String {
        var text = "version: 1\nprovider: {api: seedance, api_key_env: PREFLIGHT_KEY}\n\(extra)groups:\n  g:\n    assets:\n"
        for (key, source, _) in entries {
            text += source.hasPrefix("{") ? "      \(key): \(source)\n" : "      \(key): \(server.url(source))\n"
        }
        return text
    }

    static func line(of key: String, in entries: [(String, String, String?)], extraLines: Int = 0) -> Int {
        6 + extraLines + (entries.firstIndex { $0.0 == key } ?? -100)
    }

    static let cases: [(String, String, String?)] = [
        ("ok-png", "ok.png", nil),
        ("ok-jpg", "ok.jpg", nil),
        ("big-exif", "big-exif.jpg", nil),
        ("ok-webp", "ok.webp", nil),
        ("lossless", "lossless.webp", nil),
        ("ok-gif", "ok.gif", nil),
        ("ok-bmp", "ok.bmp", nil),
        ("ok-mp4", "ok.mp4", nil),
        ("ok-mov", "ok.mov", nil),
        ("mdat-first", "mdat-first.mp4", nil),
        ("ok-wav", "ok.wav", nil),
        ("ok-mp3", "ok.mp3", nil),
        ("redirected", "redirect/2/ok.png", nil),
        ("no-ranges", "ignore-range.png", nil),
        ("endless", "endless.png", nil),
        ("small-png", "small.png", "is 200×200 px; each side must be at least 300 px"),
        ("small-jpg", "small.jpg", "is 120×90 px; each side must be at least 300 px"),
        ("small-webp", "small.webp", "is 64×64 px; each side must be at least 300 px"),
        ("small-gif", "small.gif", "is 16×16 px; each side must be at least 300 px"),
        ("wide", "wide.png", "aspect ratio (width/height) of 4; the most is 2.5"),
        ("long-mp4", "long.mp4", "lasts 40 s; it may last at most 15 s"),
        ("short-mp4", "short.mp4", "lasts 1 s; it must last at least 2 s"),
        ("long-wav", "long.wav", "lasts 40 s; it may last at most 15 s"),
        ("page", "html-as-image.png", "is a web page (HTML), not an image"),
        ("mislabelled", "mislabelled.png", "is a web page (HTML), not an image"),
        ("missing", "missing.png", "answers HTTP 404"),
        // A presigned link's query is never shown, neither in the finding nor in its source line.
        ("signed", "missing.png?X-Amz-Signature=SECRETSIG", "answers HTTP 404"),
        ("broken", "status/500/x.png", "answers HTTP 500"),
        ("huge", "huge.png", "(40000000 bytes); an image must be under 30 MiB"),
        ("hang", "hang.png", "no complete answer within 1s"),
        ("loop", "redirect/9/ok.png", "redirects more than 5 times"),
        (
            "to-private", "{url: https://\(MediaServer.host)/redirect-to?url=https%3A%2F%2F10.0.0.1%2Fx.png, type: image}",
            "redirects to https://10.0.0.1/x.png; the target points at a private address"
        ),
        (
            "to-http", "{url: https://\(MediaServer.host)/redirect-to?url=http%3A%2F%2Fexample.com%2Fx.png, type: image}",
            "redirects to http://example.com/x.png; the target must use https"
        ),
        (
            // The media server's credentials in its redirect are not shown.
            "to-creds",
            "{url: https://\(MediaServer.host)/redirect-to?url=https%3A%2F%2Fuser%3ApwSECRET%40example.com%2Fx.png, type: image}",
            "redirects to https://<redacted>@example.com/x.png; the target must not hold credentials"
        ),
        ("png-as-video", "{url: https://\(MediaServer.host)/ok.png, type: video}", "is a PNG image, not a video"),
    ]

    @Test("check reports every bad source at its asset's line, reads a few KiB of each, and ends within its timeout")
    func checkReportsEveryBadSourceAtItsLine() async throws {
        let dir = try TemporaryDirectory()
        let server = try await MediaServer(in: dir.url)
        let path = try dir.write("m.yaml", Self.manifest(server, Self.cases))
        // No key and no service: check never calls the asset service.
        let out = try await BinaryRunner.run(
            ["check", path, "--timeout", "1s"], environment: server.environment.merging(["PREFLIGHT_KEY": ""]) { $1 },
            limit: .seconds(120))
        #expect(out.status == 1, "\(out.all)")
        #expect(!out.signalled)
        #expect(!out.all.contains("SECRETSIG") && !out.all.contains("pwSECRET"), "\(out.all)")
        #expect(out.stderr.contains("missing.png?<redacted>"), "\(out.stderr)")
        for (key, _, finding) in Self.cases {
            let place = "/m.yaml:\(Self.line(of: key, in: Self.cases)):7: error: g/\(key): "
            if let finding {
                #expect(out.stderr.contains(place), "\(key) is reported at its line: \(out.stderr)")
                let line = out.stderr.split(separator: "\n").first { $0.contains(place) } ?? ""
                #expect(line.contains(finding), "\(key): \(line)")
            } else {
                #expect(!out.stderr.contains("g/\(key): "), "\(key) passes: \(out.stderr)")
            }
        }
        let failing = Self.cases.filter { $0.2 != nil }.count
        #expect(out.stdout.contains("Checked \(Self.cases.count) sources"), "\(out.stdout)")
        #expect(out.stdout.contains("\(failing) failed"), "\(out.stdout)")

        // The JSON document: what was read of each, within a few KiB.
        let json = try await BinaryRunner.run(
            ["check", path, "--timeout", "1s", "--json"], environment: server.environment, limit: .seconds(120))
        #expect(json.status == 1)
        #expect(!json.all.contains("SECRETSIG"), "\(json.all)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        // Problems found: the document is the failing command's error object too (SPEC §4).
        let error = try #require(document["error"] as? [String: Any], "\(json.stdout)")
        #expect(error["kind"] as? String == "check" && error["exit_status"] as? Int == 1, "\(error)")
        let sources = try #require(document["sources"] as? [[String: Any]])
        #expect(sources.count == Self.cases.count)
        var byAddress: [String: [String: Any]] = [:]
        for s in sources { byAddress[s["address"] as? String ?? ""] = s }
        for s in sources {
            let read = s["bytes_read"] as? Int ?? -1
            // 8 KiB, and two follow-up reads of 2 KiB at most (README), whatever the server sends.
            #expect((0...(12 << 10)).contains(read), "\(s["address"] ?? ""): \(read) bytes read")
        }
        #expect(byAddress["g/ok-png"]?["width"] as? Int == 1024 && byAddress["g/ok-png"]?["height"] as? Int == 768)
        // Its frame header lies past a 60 KB EXIF block: found by a second small read.
        #expect(byAddress["g/big-exif"]?["width"] as? Int == 1600, "\(byAddress["g/big-exif"] ?? [:])")
        #expect(byAddress["g/ok-mp4"]?["duration_seconds"] as? Double == 10)
        #expect(byAddress["g/ok-mov"]?["width"] as? Int == 1920)
        #expect(abs((byAddress["g/ok-mp3"]?["duration_seconds"] as? Double ?? 0) - 6.008) < 0.01)
        #expect(byAddress["g/huge"]?["length"] as? Int == 40_000_000)
        #expect(byAddress["g/redirected"]?["redirects"] as? Int == 3)
        #expect(byAddress["g/ok-png"]?["ok"] as? Bool == true && byAddress["g/missing"]?["ok"] as? Bool == false)
        let diagnostics = try #require(document["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.contains { $0["line"] as? Int == Self.line(of: "huge", in: Self.cases) && $0["column"] as? Int == 7 })
        // Only the first bytes were asked for, and the endless body was let go.
        let (written, _) = try await server.stats()
        #expect((written["/huge.png"] ?? 0) < 1 << 20, "huge.png: \(written["/huge.png"] ?? 0) bytes written")
    }

    @Test("checks: in the manifest changes the limits; a clean check exits 0")
    func manifestLimitsApply() async throws {
        let dir = try TemporaryDirectory()
        let server = try await MediaServer(in: dir.url)
        let entries: [(String, String, String?)] = [
            ("small", "small.png", nil), ("long", "long.mp4", nil), ("wav", "long.wav", nil), ("ok", "ok.jpg", nil),
        ]
        let extra = "checks:\n  image: {min_side: 100}\n  video: {max_duration: 60s}\n  audio: {max_duration: ~}\n"
        let path = try dir.write("m.yaml", Self.manifest(server, entries, extra: extra))
        let out = try await BinaryRunner.run(["check", path], environment: server.environment)
        #expect(out.status == 0, "\(out.all)")
        #expect(out.stdout.contains("Checked 4 sources") && out.stdout.contains("all passed"), "\(out.stdout)")
        // A limit of the wrong kind is an error at its place, before anything is fetched.
        let bad = try dir.write("bad.yaml", Self.manifest(server, entries, extra: "checks:\n  audio: {min_side: 3}\n"))
        let refused = try await BinaryRunner.run(["check", bad], environment: server.environment)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("bad.yaml:4:11: error:") && refused.stderr.contains("min_side"), "\(refused.stderr)")
        // With --json, the check's document either way: not ok, the findings, and the error.
        let document = try await BinaryRunner.run(["check", bad, "--json"], environment: server.environment)
        #expect(document.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(document.stdout.utf8)) as? [String: Any])
        #expect(json["ok"] as? Bool == false, "\(document.stdout)")
        #expect((json["diagnostics"] as? [[String: Any]])?.first?["line"] as? Int == 4, "\(document.stdout)")
        #expect((json["error"] as? [String: Any])?["kind"] as? String == "manifest", "\(document.stdout)")
        #expect(((json["error"] as? [String: Any])?["message"] as? String)?.hasSuffix("is not valid: 1 error") == true)
        // Whatever stops it: a lockfile that does not read is not ok either.
        let lock = try dir.write("m.lock", "{bad")
        let unread = try await BinaryRunner.run(["check", path, "--json", "--lock", lock], environment: server.environment)
        #expect(unread.status == 1)
        let stopped = try #require(try JSONSerialization.jsonObject(with: Data(unread.stdout.utf8)) as? [String: Any])
        #expect(stopped["ok"] as? Bool == false, "\(unread.stdout)")
        #expect((stopped["error"] as? [String: Any])?["kind"] as? String == "state", "\(unread.stdout)")
    }

    @Test(
        "apply --check-urls refuses before any billed call; --skip-failed-checks leaves out what failed and records the rest's source"
    )
    func applyChecksBeforeAnyBilledCall() async throws {
        let media = try TemporaryDirectory()
        let server = try await MediaServer(in: media.url)
        // A source the test can change: a PNG header of 800×600 served from the folder.
        try Self.png(width: 800, height: 600, text: "one").write(to: server.files.appendingPathComponent("a.png"))
        let entries: [(String, String, String?)] = [
            ("a", "files/a.png", nil), ("b", "ok.jpg", nil), ("bad", "small.png", "each side must be at least 300 px"),
        ]
        let head = manifestHead(wait: "30s").replacingOccurrences(of: "groups:\n", with: "")
        let body = Self.manifest(server, entries).split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2)
            .joined(separator: "\n")
        let world = try await ApplyWorld(emulator: ["--no-throttle", "--processing-delay", "200ms"], manifest: head + body)
        var env = world.env
        for (k, v) in server.environment { env[k] = v }

        let refused = try await BinaryRunner.run(["apply", world.manifest, "--auto-approve", "--check-urls"], environment: env)
        #expect(refused.status == 1, "\(refused.all)")
        #expect(refused.stderr.contains("g/bad: is 200×200 px"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was created"), "\(refused.stderr)")
        #expect(try await world.writeCalls() == 0, "no call that changes anything, billed or not")
        #expect(!FileManager.default.fileExists(atPath: world.lockPath))

        let skipped = try await BinaryRunner.run(
            ["apply", world.manifest, "--auto-approve", "--skip-failed-checks"], environment: env)
        #expect(skipped.status == 4, "not converged: an asset was left out\n\(skipped.all)")
        #expect(skipped.stdout.contains("1 asset was left out"), "\(skipped.stdout)")
        #expect(try await world.calls("CreateAsset") == 2)
        let locked = try world.lockedAssets()
        #expect(locked["g/bad"] == nil)
        let source = try #require(locked["g/a"]?["source"] as? [String: Any])
        #expect(source["content_length"] as? Int == Self.png(width: 800, height: 600, text: "one").count)
        #expect((source["etag"] as? String)?.isEmpty == false)
        #expect(locked["g/b"]?["source"] != nil)

        // Without the bad asset, everything passes; a changed source is reported, and costs nothing.
        let fixed = head + body.replacingOccurrences(of: "      bad: \(server.url("small.png"))\n", with: "")
        try world.write(fixed)
        let clean = try await BinaryRunner.run(["check", world.manifest], environment: env)
        #expect(clean.status == 0, "\(clean.all)")
        try Self.png(width: 800, height: 600, text: "two, longer").write(to: server.files.appendingPathComponent("a.png"))
        let changed = try await BinaryRunner.run(["check", world.manifest], environment: env)
        #expect(changed.status == 0, "a changed source is a warning\n\(changed.all)")
        #expect(changed.stderr.contains("warning: g/a: the source changed since it was registered"), "\(changed.stderr)")
        #expect(changed.stderr.contains("--replace g/a"), "\(changed.stderr)")
        let plan = try await BinaryRunner.run(
            ["plan", world.manifest, "--check-urls", "--detailed-exitcode"], environment: env)
        #expect(plan.status == 0, "nothing to create, so nothing to check\n\(plan.all)")
        #expect(try await world.calls("CreateAsset") == 2)
    }

    @Test("plan --check-urls --json: a failed check is one JSON error object with the findings")
    func planJSONCarriesTheFindings() async throws {
        let dir = try TemporaryDirectory()
        let server = try await MediaServer(in: dir.url)
        let entries: [(String, String, String?)] = [("ok", "ok.png", nil), ("gone", "missing.png", "HTTP 404")]
        let path = try dir.write("m.yaml", Self.manifest(server, entries))
        let failed = try await BinaryRunner.run(
            ["plan", path, "--no-refresh", "--check-urls", "--json"], environment: server.environment)
        #expect(failed.status == 1)
        let error = try #require(
            (try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [String: Any])?["error"] as? [String: Any])
        #expect(error["kind"] as? String == "check")
        let diagnostics = try #require(error["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 1 && diagnostics[0]["line"] as? Int == 7, "\(diagnostics)")
        let passed = try await BinaryRunner.run(
            ["plan", path, "--no-refresh", "--skip-failed-checks", "--json"], environment: server.environment)
        #expect(passed.status == 0, "\(passed.all)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(passed.stdout.utf8)) as? [String: Any])
        let checks = try #require(document["checks"] as? [String: Any])
        #expect(checks["checked"] as? Int == 2 && checks["failed"] as? Int == 1)
        let actions = try #require(document["actions"] as? [[String: Any]])
        #expect(actions.map { $0["address"] as? String } == ["g", "g/ok"], "the failed one is left out")
        #expect(actions.last?["source"] != nil, "what was seen is carried to apply --plan")
    }

    @Test("TLS is verified, the hook is validated, and a signed URL's query never reaches output")
    func trustAndSecrets() async throws {
        let dir = try TemporaryDirectory()
        let server = try await MediaServer(in: dir.url)
        let secret = "SIGNATURE-0123456789abcdef"
        let entries: [(String, String, String?)] = [
            ("signed", "missing.png?X-Amz-Signature=\(secret)", "HTTP 404"),
            (
                "redirect",
                "{url: https://\(MediaServer.host)/redirect-to?url=http%3A%2F%2Fexample.com%2Fx.png%3Fsig%3D\(secret), type: image}",
                "must use https"
            ),
        ]
        let path = try dir.write("m.yaml", Self.manifest(server, entries))
        // Neither the findings, nor the manifest's lines shown under them, nor the JSON carry a
        // query, the manifest's or a server's (a CI log keeps what it is shown).
        let text = try await BinaryRunner.run(["check", path], environment: server.environment)
        #expect(text.status == 1)
        let findings = text.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(findings.count == 2 && !text.all.contains(secret), "\(text.stderr)")
        let json = try await BinaryRunner.run(["check", path, "--json"], environment: server.environment)
        #expect(json.status == 1)
        #expect(!json.stdout.contains(secret), "\(json.stdout)")
        // Without the test CA, the server's certificate is not trusted.
        var untrusted = server.environment
        untrusted["SSL_CERT_FILE"] = nil
        let ok = try dir.write("ok.yaml", Self.manifest(server, [("ok", "ok.png", nil)]))
        let refused = try await BinaryRunner.run(["check", ok], environment: untrusted.merging(["SSL_CERT_FILE": ""]) { $1 })
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("g/ok: cannot be fetched: TLS failed: the server's certificate is not trusted"),
            "in words, not the library's dump: \(refused.stderr)")
        #expect(!refused.stderr.contains(".cc:"), "\(refused.stderr)")
        // A host the certificate does not name is refused, though it reaches the same server.
        let other = "media.other-name.example"
        let named = try dir.write("other.yaml", Self.manifest(server, []) + "      x: https://\(other)/ok.png\n")
        var env = server.environment
        env["ASSETFORM_RESOLVE"] = "\(other):443:127.0.0.1:\(server.port)"
        let mismatch = try await BinaryRunner.run(["check", named], environment: env)
        #expect(mismatch.status == 1)
        #expect(mismatch.stderr.contains("g/x: cannot be fetched: TLS failed"), "\(mismatch.stderr)")
        // A malformed hook is an error naming it.
        env["ASSETFORM_RESOLVE"] = "no-port-here"
        let malformed = try await BinaryRunner.run(["check", named], environment: env)
        #expect(malformed.status == 1)
        #expect(malformed.stderr.contains("ASSETFORM_RESOLVE"), "\(malformed.stderr)")
    }

    @Test("SIGTERM or SIGINT during a check with --json: exit 130 and the JSON error object on stdout")
    func aSignalDuringACheckPrintsTheJSONErrorObject() async throws {
        for signal in [SIGTERM, SIGINT] {
            let dir = try TemporaryDirectory()
            let server = try await MediaServer(in: dir.url)
            let path = try dir.write("m.yaml", Self.manifest(server, [("hang", "hang.png", nil)]))
            let out = dir.url.appendingPathComponent("out")
            let process = try BinaryRunner.started(
                ["check", path, "--json", "--timeout", "60s"], environment: server.environment, stdout: out)
            // Once its handler is in place (the kernel shows the signals a process catches).
            let deadline = ContinuousClock.now + .seconds(60)
            while !Self.catches(signal, pid: process.processIdentifier) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(300))
            kill(process.processIdentifier, signal)
            #expect(await exitStatus(of: process, limit: .seconds(60)) == 130, "signal \(signal)")
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            let last = text.split(separator: "\n").last.map(String.init) ?? ""
            let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "\(text)")
            let error = try #require(object["error"] as? [String: Any], "\(text)")
            #expect(error["kind"] as? String == "interrupted" && error["exit_status"] as? Int == 130, "\(error)")
        }
    }

    /// Whether process `pid` has a handler for `signal` (`SigCgt` in /proc/PID/status).
    static func catches(_ signal: Int32, pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
            let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << UInt64(signal - 1)) != 0
    }

    /// A PNG's signature and IHDR (and a text chunk, to vary its bytes).
    static func png(width: Int, height: Int, text: String) -> Data {
        func be32(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] { be32(data.count) + Array(type.utf8) + data + [0, 0, 0, 0] }
        let ihdr = be32(width) + be32(height) + [8, 2, 0, 0, 0]
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("tEXt", Array(text.utf8)))
    }
}
