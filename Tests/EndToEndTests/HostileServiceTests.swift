import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SPEC §6 ("every wait is bounded") and §8: the built binary against servers on 127.0.0.1 that
/// misbehave on purpose. Each test checks the exit status, that the run ended well within a
/// generous multiple of its bounds, and that no key and no raw control character reached stdout,
/// stderr or any file written.
@Suite("a hostile or broken service cannot hang, crash, leak or misdirect assetform", .serialized)
struct HostileServiceTests {
    static let key = "hostile-KEY-7f3a9c1e5b"
    /// limits.timeout is 1 s and attempts 2: every run here should end within a few seconds. The
    /// bound asserted is generous (this machine is shared), and still far below "forever".
    static let bound = Duration.seconds(40)

    static func manifest(api: String = "seedance", extraGroups: String = "") -> String {
        """
        version: 1
        provider:
          api: \(api)
          api_key_env: HOSTILE_KEY
        limits:
          timeout: 1s
          attempts: 2
          rate: {create_asset: unlimited, write: unlimited, read: unlimited}
          wait: 5s
        groups:
          g1:
            name: group one
            assets:
              a1:
                url: https://cdn.example.com/a1.png
                name: asset one
        \(extraGroups)
        """
    }

    /// A folder with the manifest, and the binary run against `server`.
    final class World: Sendable {
        let dir: String
        let server: HostileServer

        init(_ server: HostileServer, manifest: String = HostileServiceTests.manifest()) throws {
            self.server = server
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("assetform-hostile-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try manifest.write(toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
        }

        deinit {
            server.stop()
            try? FileManager.default.removeItem(atPath: dir)
        }

        var manifest: String { dir + "/m.yaml" }
        var lockPath: String { dir + "/m.lock" }

        func run(_ arguments: [String], baseURL: String? = nil) async throws -> ChildProcess.Output {
            let out = try await ChildProcess.run(
                arguments,
                environment: ["HOSTILE_KEY": HostileServiceTests.key, "ASSETFORM_BASE_URL": baseURL ?? server.baseURL],
                limit: .seconds(120))
            #expect(!out.signalled, "assetform crashed or hung: \(out.all)")
            #expect(out.elapsed < HostileServiceTests.bound, "took \(out.elapsed)")
            try checkClean(out)
            return out
        }

        /// No key, no raw control character in what was printed; no key in any file the run
        /// wrote; the lockfile, where there is one, valid JSON.
        func checkClean(_ out: ChildProcess.Output) throws {
            for (name, text) in [("stdout", out.stdout), ("stderr", out.stderr)] {
                #expect(!text.lowercased().contains(HostileServiceTests.key.lowercased()), "the key in \(name): \(text)")
                let raw = text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F..<0xA0).contains($0.value) }
                #expect(raw.isEmpty, "raw control characters in \(name): \(text.debugDescription)")
            }
            for file in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                let text = (try? String(contentsOfFile: dir + "/" + file, encoding: .utf8)) ?? ""
                #expect(!text.lowercased().contains(HostileServiceTests.key.lowercased()), "the key in \(file)")
                #expect(!text.contains("secret-signature"), "a signed URL's query in \(file)")
            }
            if let data = FileManager.default.contents(atPath: lockPath) {
                #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "the lockfile is valid JSON")
            }
        }
    }

    static let emptyPage = HostileServer.result(#"{"Items": [], "TotalCount": 0, "PageNumber": 1, "PageSize": 100}"#)

    // MARK: - 1. One deadline for headers and body

    @Test func aTricklingBodyEndsAtTheTimeout() async throws {
        let world = try World(
            HostileServer { _ in
                let head = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{".utf8)
                return [.send(head)]
                    + Array(repeating: [.send(Array(" ".utf8)), .pause(.milliseconds(200))], count: 600).flatMap { $0 }
            })
        let out = try await world.run(["plan", world.manifest])
        #expect(out.status == 75, "temporary (SPEC §4): \(out.all)")
        #expect(out.stderr.contains("ListAssetGroups") && out.stderr.contains("within"), "\(out.stderr)")
        #expect(world.server.requests.count == 2, "two attempts (limits.attempts), then the error")
    }

    @Test func aBodyThatNeverComesEndsAtTheTimeout() async throws {
        let world = try World(
            HostileServer { _ in
                [.send(Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".utf8)), .stall(limit: .seconds(90))]
            })
        let out = try await world.run(["plan", world.manifest])
        #expect(out.status == 75, "temporary (SPEC §4): \(out.all)")
        #expect(out.stderr.contains("ListAssetGroups"), "\(out.stderr)")
    }

    @Test func anAnswerTooLargeIsRefusedOnceNamingTheCallAndTheSize() async throws {
        // Declared too large: refused before reading. Not declared: refused while reading.
        for declared in [true, false] {
            let world = try World(
                HostileServer { _ in
                    let head =
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + (declared ? "Content-Length: \(40 << 20)\r\n" : "Connection: close\r\n") + "\r\n"
                    return [.send(Array(head.utf8))]
                        + Array(repeating: HostileServer.Step.send([UInt8](repeating: 32, count: 1 << 20)), count: 40)
                })
            let out = try await world.run(["plan", world.manifest])
            #expect(out.status == 1, "\(out.all)")
            #expect(out.stderr.contains("ListAssetGroups") && out.stderr.contains("KiB"), "\(out.stderr)")
            #expect(!out.stderr.contains("NIOTooManyBytesError"))
            #expect(world.server.requests.count == 1, "refused once, not retried")
        }
    }

    // MARK: - 2. Retry-After

    /// `plan` against a service that throttles every call with this `Retry-After`.
    static func planThrottled(retryAfter value: String) async throws -> (World, ChildProcess.Output) {
        let world = try World(
            HostileServer { _ in
                HostileServer.error(
                    429, code: "AccountFlowLimitExceeded", message: "slow down", headers: [("Retry-After", value)])
            })
        return (world, try await world.run(["plan", world.manifest]))
    }

    @Test(arguments: ["999999999", "99999999999999999999999999999", "Fri, 31 Dec 2027 23:59:59 GMT"])
    func aRetryAfterBeyondTheCapStopsTheRunNamingIt(_ value: String) async throws {
        let (world, out) = try await Self.planThrottled(retryAfter: value)
        #expect(out.status == 75, "temporary (SPEC §4): \(out.all)")
        #expect(out.stderr.contains(value) && out.stderr.contains("60 s"), "\(out.stderr)")
        #expect(world.server.requests.count == 1)
    }

    @Test(arguments: ["1e300", "Infinity", "-5", "NaN", "nonsense", "2.5"])
    func anUnusableOrShortRetryAfterNeverCrashes(_ value: String) async throws {
        let (world, out) = try await Self.planThrottled(retryAfter: value)
        #expect(out.status == 75, "temporary (SPEC §4): \(out.all)")
        #expect(out.stderr.contains("AccountFlowLimitExceeded"), "\(out.stderr)")
        #expect(world.server.requests.count == 2, "retried once (limits.attempts 2) with a bounded pause")
    }

    /// A failing answer's `Retry-After` is waited out too (SPEC §6: retries on 5xx honour it).
    @Test func aFailingServicesRetryAfterIsWaitedFor() async throws {
        let times = Mutex<[ContinuousClock.Instant]>([])
        let world = try World(
            HostileServer { _ in
                let n = times.withLock {
                    $0.append(.now)
                    return $0.count
                }
                return n == 1
                    ? [.send(HostileServer.answer(503, "<html>down for a moment</html>", headers: [("Retry-After", "2")]))]
                    : HostileServiceTests.emptyPage
            })
        let out = try await world.run(["plan", world.manifest])
        #expect(out.status == 2 || out.status == 0, "\(out.all)")
        let t = times.withLock { $0 }
        #expect(t.count >= 2)
        if t.count >= 2 { #expect(t[1] - t[0] >= .milliseconds(1900), "the retry came \(t[1] - t[0]) after the 503") }
    }

    /// A failed create (5xx, so it may have been made) asking for a wait beyond the cap: it is
    /// settled by listing, then the run stops naming the value, instead of waiting it out or
    /// sending the billed create again (SPEC §6).
    @Test func aFailedCreatesRetryAfterBeyondTheCapStopsTheRunOnceItIsSettled() async throws {
        let world = try World(
            HostileServer { request in
                switch request.action {
                case "CreateAssetGroup": HostileServer.result(#"{"Id": "group-20260101000000-aaaaa"}"#)
                case "CreateAsset":
                    HostileServer.error(503, code: "InternalError", message: "down", headers: [("Retry-After", "100000")])
                default: HostileServiceTests.emptyPage
                }
            })
        let began = ContinuousClock.now
        let out = try await world.run(["apply", world.manifest, "--auto-approve"])
        #expect(ContinuousClock.now - began < .seconds(30), "not the cap's 60 s, nor the 100000 s asked")
        #expect(out.status == 3, "the group was made, the asset failed: \(out.all)")
        #expect(out.all.contains("100000 s"), "the value is named: \(out.all)")
        #expect(world.server.requests.filter { $0.action == "CreateAsset" }.count == 1, "never sent again")
        #expect(world.server.requests.filter { $0.action == "ListAssets" }.count >= 1, "settled by listing first")
        #expect(!FileManager.default.fileExists(atPath: world.lockPath + ".journal"), "settled: no intent left open")
    }

    /// The same when the listing finds the create made: it is recorded, and the run still stops.
    @Test func aFailedCreateFoundMadeStillStopsTheRunWhenItsRetryAfterIsBeyondTheCap() async throws {
        let now = ISO8601DateFormatter().string(from: Date())
        let manifest = Self.manifest(
            extraGroups: "  g2:\n    assets:\n      b1: https://cdn.example.com/b1.png\n      b2: https://cdn.example.com/b2.png"
        )
        .replacingOccurrences(of: "attempts: 2", with: "attempts: 2\n  concurrency: 1")
        let world = try World(
            HostileServer { request in
                switch request.action {
                case "CreateAssetGroup": HostileServer.result(#"{"Id": "group-20260101000000-ggggg"}"#)
                case "CreateAsset":
                    HostileServer.error(503, code: "InternalError", message: "down", headers: [("Retry-After", "100000")])
                case "ListAssets":
                    // Each asset the run may create first (the order of the groups' creates is not
                    // fixed), made: whichever create is sent, the listing finds it.
                    HostileServer.result(
                        #"{"Items": ["#
                            + [("aaaaa", "asset one"), ("bbbbb", "b1"), ("ccccc", "b2")].map { id, name in
                                #"{"Id": "asset-20260101000000-\#(id)", "Name": "\#(name)", "AssetType": "Image", "#
                                    + #""GroupId": "group-20260101000000-ggggg", "Status": "Processing", "URL": "", "#
                                    + #""CreateTime": "\#(now)"}"#
                            }.joined(separator: ", ") + #"], "TotalCount": 3}"#)
                default: HostileServiceTests.emptyPage
                }
            }, manifest: manifest)
        let out = try await world.run(["apply", world.manifest, "--auto-approve"])
        #expect(out.status == 3, "it stopped early, with changes made: \(out.all)")
        #expect(out.all.contains("100000 s"), "\(out.all)")
        #expect(world.server.requests.filter { $0.action == "CreateAsset" }.count == 1, "no create after the stop")
        let lock = (try? String(contentsOfFile: world.lockPath, encoding: .utf8)) ?? ""
        let recorded = ["aaaaa", "bbbbb", "ccccc"].filter { lock.contains("asset-20260101000000-\($0)") }
        #expect(recorded.count == 1, "the one found is recorded, and only it: \(lock)")
    }

    /// On 0-0, which cannot list, it is not sent again in this run: the run stops, says that it
    /// may have been made, and leaves its intent for the next run (never "before any change").
    @Test func aFailedCreateOnZeroZeroWithARetryAfterBeyondTheCapStaysUnsettled() async throws {
        let world = try World(
            HostileServer { request in
                switch request.action {
                case "asset-groups":
                    [
                        .send(
                            HostileServer.answer(
                                200,
                                #"{"code": 200, "msg": "OK", "data": {"group_id": "group-abcdef1234567890", "name": "group one", "#
                                    + #""description": "", "project_name": "default", "status": "Active", "created_at": 1767225600}}"#
                            ))
                    ]
                default:
                    [
                        .send(
                            HostileServer.answer(
                                503, #"{"code": 503, "msg": "down", "data": null}"#, headers: [("Retry-After", "100000")]))
                    ]
                }
            }, manifest: Self.manifest(api: "0-0"))
        let out = try await world.run(["apply", world.manifest, "--auto-approve"])
        #expect(out.status == 3, "not temporary: the create may have been made: \(out.all)")
        #expect(out.all.contains("may have been made") && out.all.contains("100000 s"), "\(out.all)")
        #expect(world.server.requests.filter { $0.action == "assets" }.count == 1, "not sent again in this run")
        #expect(FileManager.default.fileExists(atPath: world.lockPath + ".journal"), "its intent stays open")
    }

    /// A gateway that ignores `Filter.Statuses` lists Active assets among the Processing ones:
    /// each asset's own status decides, so apply does not wait out its whole `wait` for nothing.
    @Test func aListingThatIgnoresTheStatusFilterIsReadByEachAssetsStatus() async throws {
        let world = try World(
            HostileServer { request in
                switch request.action {
                case "CreateAssetGroup": return HostileServer.result(#"{"Id": "group-20260101000000-aaaaa"}"#)
                case "CreateAsset": return HostileServer.result(#"{"Id": "asset-20260101000000-bbbbb"}"#)
                case "ListAssets":
                    return HostileServer.result(
                        #"{"Items": [{"Id": "asset-20260101000000-bbbbb", "Name": "asset one", "URL": "https://x.invalid/s?sig=1", "#
                            + #""AssetType": "Image", "GroupId": "group-20260101000000-aaaaa", "Status": "Active"}], "#
                            + #""TotalCount": 1, "PageNumber": 1, "PageSize": 100}"#)
                default: return HostileServiceTests.emptyPage
                }
            })
        let out = try await world.run(["apply", world.manifest, "--auto-approve"])
        #expect(out.status == 0, "converged, not still Processing after its wait: \(out.all)")
        let lock = try String(contentsOfFile: world.lockPath, encoding: .utf8)
        #expect(lock.contains(#""status": "Active""#), "\(lock)")
    }

    /// An apply whose group create met only throttling, or a failing service (each 5xx create
    /// found not made by listing), changing nothing: temporary (75), not "some failed" (3).
    @Test(arguments: zip([429, 503], ["AccountFlowLimitExceeded", "InternalError"]))
    func anApplyThatMetOnlyFailuresThatPassIsTemporary(status: Int, code: String) async throws {
        let world = try World(
            HostileServer { request in
                request.action == "CreateAssetGroup"
                    ? HostileServer.error(status, code: code, message: "later") : HostileServiceTests.emptyPage
            })
        let out = try await world.run(["apply", world.manifest, "--auto-approve"])
        #expect(out.status == 75, "temporary (SPEC §4): \(out.all)")
        #expect(out.stdout.contains(code), "\(out.stdout)")
        #expect(!world.server.requests.contains { $0.action == "CreateAsset" }, "its asset waits for its group")
        #expect(world.server.requests.filter { $0.action == "CreateAssetGroup" }.count == 2, "limits.attempts 2")
    }

    /// A create whose outcome stays unknown (the connection dropped, and the listing that would
    /// settle it keeps failing) may have changed something: not temporary, though every failure
    /// was of a kind that passes.
    @Test func aCreateOfUnknownOutcomeIsNotTemporary() async throws {
        let listed = Atomic<Int>(0)
        let unknown = try World(
            HostileServer { request in
                if request.action == "CreateAssetGroup" { return [.stall(limit: .seconds(5))] }
                // The refresh's listing answers; the reconciliation's fails.
                return listed.add(1, ordering: .relaxed).newValue == 1
                    ? HostileServiceTests.emptyPage : HostileServer.error(503, code: "InternalError", message: "later")
            })
        let unsure = try await unknown.run(["apply", unknown.manifest, "--auto-approve"])
        #expect(unsure.status == 3, "\(unsure.all)")
        #expect(unsure.stdout.contains("its outcome is unknown"), "\(unsure.stdout)")
    }

    // MARK: - 3. Paging ends

    /// No total, and a new object a page: ended after a bounded number of pages, naming the call.
    @Test func aListOfOneNewObjectAPageWithNoTotalEnds() async throws {
        let served = Atomic<Int>(0)
        let world = try World(
            HostileServer { _ in
                let n = served.add(1, ordering: .relaxed).newValue
                return HostileServer.result(#"{"Items": [{"Id": "group-20260101000000-\#(n)", "Name": "other"}]}"#)
            })
        let out = try await world.run(["plan", world.manifest])
        #expect(out.status == 1, "\(out.all)")
        #expect(out.stderr.contains("ListAssetGroups") && out.stderr.contains("pages without end"), "\(out.stderr)")
        #expect(world.server.requests.count <= 101, "\(world.server.requests.count) pages")
    }

    @Test(arguments: [1_000_000_000_000_000_000, 5000])
    func aListThatPagesForeverIsAnError(_ total: Int) async throws {
        let world = try World(
            HostileServer { _ in
                HostileServer.result(
                    #"{"Items": [{"Id": "group-20260101000000-aaaaa", "Name": "other"}], "TotalCount": \#(total), "PageNumber": 1, "PageSize": 100}"#
                )
            })
        let out = try await world.run(["plan", world.manifest])
        #expect(out.status == 1, "\(out.all)")
        #expect(out.stderr.contains("ListAssetGroups"), "\(out.stderr)")
        #expect(world.server.requests.count <= 2, "stopped at the first repeated page")
    }

    // MARK: - 4. Secrets stay out

    @Test func aServiceThatEchoesTheKeyNeverPrintsIt() async throws {
        let key = Self.key
        let world = try World(
            HostileServer { _ in
                HostileServer.error(
                    401, code: "AccessDenied",
                    message: "bad key \(key); you sent Authorization: Bearer \(key), BEARER \(key.uppercased()) and \"\(key)\"")
            })
        let out = try await world.run(["plan", world.manifest])
        #expect(out.status == 1, "\(out.all)")
        #expect(out.stderr.contains("AccessDenied"), "\(out.stderr)")
    }

    @Test func zeroZeroMessagesThatEchoTheKeyNeverPrintIt() async throws {
        let key = Self.key
        let world = try World(
            HostileServer { _ in
                [.send(HostileServer.answer(401, #"{"code": 401, "msg": "invalid token \#(key)", "data": null}"#))]
            }, manifest: Self.manifest(api: "0-0"))
        let out = try await world.run(["import", world.manifest, "g1", "group-abcdef1234567890"])
        #expect(out.status == 1, "\(out.all)")
        #expect(out.stderr.contains("401"), "\(out.stderr)")
    }

    @Test func aFailedAssetsMessageWithTheKeyNeverReachesTheLockfileOrAPlanFile() async throws {
        let key = Self.key
        let group = #"{"Id": "group-20260101000000-ggggg", "Name": "group one", "Description": "", "GroupType": "AIGC"}"#
        let asset =
            #"{"Id": "asset-20260101000000-aaaaa", "Name": "asset one", "AssetType": "Image", "GroupId": "group-20260101000000-ggggg", "Status": "Failed", "URL": "", "Error": {"Code": "InvalidParameter.DownloadFailed", "Message": "cannot download https://cdn.example.com/a1.png?X-Signature=secret-signature with key \#(key)"}}"#
        let world = try World(
            HostileServer { request in
                switch request.action {
                case "GetAssetGroup": HostileServer.result(group)
                case "GetAsset": HostileServer.result(asset)
                case "ListAssetGroups": HostileServer.result(#"{"Items": [\#(group)], "TotalCount": 1}"#)
                case "ListAssets": HostileServer.result(#"{"Items": [\#(asset)], "TotalCount": 1}"#)
                default: HostileServer.error(400, code: "InvalidAction", message: "no")
                }
            })
        let imported = try await world.run(["import", world.manifest, "g1/a1", "asset-20260101000000-aaaaa"])
        #expect(imported.status == 0, "\(imported.all)")
        let planned = try await world.run(["plan", world.manifest, "--out", world.dir + "/plan.json"])
        #expect(planned.status == 0, "\(planned.all)")
        #expect(planned.stdout.contains("DownloadFailed"), "\(planned.stdout)")
        let refreshed = try await world.run(["refresh", world.manifest])
        #expect(refreshed.status == 0, "\(refreshed.all)")
        let lock = try String(contentsOfFile: world.lockPath, encoding: .utf8)
        #expect(lock.contains("cannot download https://cdn.example.com/a1.png?<redacted>"), "\(lock)")
    }

    // MARK: - 5. Terminal and shell safety

    @Test func remoteNamesCannotForgeOrHideLinesOfThePlan() async throws {
        let evil = "x\u{1B}[2J\u{1B}]0;pwned\u{07}\nPlan: 0 to create, 0 to update\r\u{9B}31m\u{202E}"
        let group =
            #"{"Id": "group-20260101000000-ggggg", "Name": \#(HostileServer.quoted(evil)), "Description": "", "GroupType": "AIGC"}"#
        let world = try World(
            HostileServer { request in
                switch request.action {
                case "GetAssetGroup": HostileServer.result(group)
                case "ListAssetGroups": HostileServer.result(#"{"Items": [\#(group)], "TotalCount": 1}"#)
                case "ListAssets": Self.emptyPage
                default: HostileServer.error(400, code: "InvalidAction", message: "no \u{1B}[31m red")
                }
            })
        let imported = try await world.run(["import", world.manifest, "g1", "group-20260101000000-ggggg"])
        #expect(imported.status == 0, "\(imported.all)")
        #expect(imported.stdout.contains(#"x\e[2J\e]0;pwned\x07\nPlan"#), "\(imported.stdout)")
        let planned = try await world.run(["plan", world.manifest])
        #expect(planned.status == 0, "\(planned.all)")
        #expect(!planned.stdout.split(separator: "\n").contains { $0.hasPrefix("Plan: 0 to create, 0 to update") })
        #expect(planned.stdout.contains(#"\u{202e}"#), "\(planned.stdout)")
        // JSON keeps the name exactly, escaped as JSON escapes it.
        let json = try await world.run(["plan", world.manifest, "--json"])
        #expect(json.stdout.contains(#"\u001b[2J"#), "\(json.stdout)")
        #expect(json.stdout.contains(#"31m\u202e"#) && !json.stdout.contains("\u{202E}"), "\(json.stdout)")
    }

    @Test func anIdWithShellSyntaxIsRefusedAndNotStored() async throws {
        let world = try World(
            HostileServer { request in
                switch request.action {
                case "GetAsset":
                    HostileServer.result(
                        #"{"Id": "asset-1$(touch pwned)", "Name": "a", "AssetType": "Image", "GroupId": "group-20260101000000-ggggg", "Status": "Active"}"#
                    )
                default: HostileServer.result(#"{"Id": "group-20260101000000-ggggg", "Name": "group one"}"#)
                }
            })
        let out = try await world.run(["import", world.manifest, "g1/a1", "asset-20260101000000-aaaaa"])
        #expect(out.status == 1, "\(out.all)")
        #expect(out.stderr.contains("is not an id"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: world.lockPath), "nothing was written")
    }

    // MARK: - 7. Redirects

    @Test func aRedirectToAnotherOriginIsNotFollowedAndSaysWhere() async throws {
        let other = try HostileServer { _ in Self.emptyPage }
        defer { other.stop() }
        let target = other.baseURL + "/v1/seedance/asset/ListAssetGroups"
        let world = try World(
            HostileServer { _ in [.send(HostileServer.answer(301, "", headers: [("Location", target)]))] })
        let out = try await world.run(["plan", world.manifest])
        #expect(out.status == 1, "\(out.all)")
        #expect(
            out.stderr.contains("301") && out.stderr.contains("127.0.0.1:\(other.port)") && out.stderr.contains("base_url"),
            "\(out.stderr)")
        #expect(other.requests.isEmpty, "nothing, and so no key, went to the other origin")
    }

    @Test func aRedirectWithinTheOriginIsFollowedWithTheKey() async throws {
        let world = try World(
            HostileServer { request in
                request.target.hasSuffix("?moved=1")
                    ? Self.emptyPage
                    : [.send(HostileServer.answer(307, "", headers: [("Location", request.target + "?moved=1")]))]
            })
        let out = try await world.run(["plan", world.manifest])
        #expect(out.status == 0, "\(out.all)")
        let followed = world.server.requests.filter { $0.target.hasSuffix("?moved=1") }
        #expect(followed.count == 1 && followed[0].headers["authorization"] == "Bearer \(Self.key)")
    }

    // MARK: - 8. Errors for people

    @Test func aRefusedConnectionSaysWhereAndWhatToDo() async throws {
        // A port that was free a moment ago, and is closed now.
        let closed = try HostileServer { _ in [] }
        let port = closed.port
        closed.stop()
        let world = try World(HostileServer { _ in [] })
        let out = try await world.run(["plan", world.manifest], baseURL: "http://127.0.0.1:\(port)")
        #expect(out.status == 75, "temporary (SPEC §4): \(out.all)")
        #expect(out.stderr.contains("127.0.0.1:\(port)") && out.stderr.contains("connection refused"), "\(out.stderr)")
        #expect(!out.stderr.contains("errno") && !out.stderr.contains("NIO"), "\(out.stderr)")
    }

    // MARK: - 9. Possible duplicates from every source

    @Test func aKilledRunsCreatesOfUnknownOutcomeOnZeroZeroAreCountedInTheSummary() async throws {
        let counters = Counters()
        let hanging = counters.hanging
        let made = counters.made
        @Sendable func ok(_ data: String) -> [HostileServer.Step] {
            [.send(HostileServer.answer(200, #"{"code": 200, "msg": "OK", "data": \#(data)}"#))]
        }
        let group =
            #"{"group_id": "group-abcdef1234567890", "name": "group one", "description": "", "status": "Active", "created_at": 1}"#
        let world = try World(
            HostileServer { request in
                switch (request.method, request.target.split(separator: "?")[0]) {
                case ("POST", "/v1/asset-groups"): return ok(group)
                case ("GET", "/v1/asset-groups/group-abcdef1234567890"): return ok(group)
                case ("POST", "/v1/assets"):
                    if hanging.value.load(ordering: .acquiring) { return [.stall(limit: .seconds(60))] }
                    let n = made.value.add(1, ordering: .relaxed).newValue
                    return ok(
                        #"{"asset_id": "Asset-abcdef12345678\#(n)0", "name": "asset one", "group_id": "group-abcdef1234567890", "asset_type": "Image", "status": "Processing", "url": "", "created_at": 2}"#
                    )
                case ("GET", let path) where path.hasPrefix("/v1/assets/"):
                    let id = path.split(separator: "/").last!
                    return ok(
                        #"{"asset_id": "\#(id)", "name": "asset one", "group_id": "group-abcdef1234567890", "asset_type": "Image", "status": "Active", "url": "", "created_at": 2}"#
                    )
                default: return [.send(HostileServer.answer(404, #"{"code": 404, "msg": "no", "data": null}"#))]
                }
            }, manifest: Self.manifest(api: "0-0").replacingOccurrences(of: "timeout: 1s", with: "timeout: 60s"))

        // A run killed while its create is in flight: the intent is in the journal, the outcome unknown.
        let process = Process()
        process.executableURL = BinaryRunner.executable
        process.arguments = ["apply", world.manifest, "--auto-approve"]
        var environment = ProcessInfo.processInfo.environment
        environment["HOSTILE_KEY"] = Self.key
        environment["ASSETFORM_BASE_URL"] = world.server.baseURL
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while !world.server.requests.contains(where: { $0.target == "/v1/assets" }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(FileManager.default.fileExists(atPath: world.lockPath + ".journal"), "the killed run left its journal")

        hanging.value.store(false, ordering: .releasing)
        let rerun = try await world.run(["apply", world.manifest, "--auto-approve", "--json"])
        #expect(rerun.status == 0, "\(rerun.all)")
        let summary = rerun.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let object = try #require(try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])
        #expect(object["event"] as? String == "summary")
        #expect(object["possible_duplicates"] as? [String] == ["g1/a1"], "\(summary)")
        #expect(object["possible_duplicate_count"] as? Int == 1, "\(summary)")
    }

    final class Flag: Sendable { let value = Atomic<Bool>(true) }
    final class Count: Sendable { let value = Atomic<Int>(0) }
    final class Counters: Sendable {
        let hanging = Flag()
        let made = Count()
    }
}
