import AssetformCore
import Foundation
import JSON
import Testing

@testable import AssetformRemote

/// The defensive readers of what a service sends: Retry-After, secrets in its texts, ids, and
/// lists that would never end.
@Suite("Retry-After, redaction, ids and paging against hostile input")
struct HostileTextTests {
    static let now = 1_800_000_000.0  // 2027-01-15T08:00:00Z

    @Test(arguments: [
        ("0", RetryAfter.Value.wait(.zero)),
        ("3", .wait(.seconds(3))),
        ("  7  ", .wait(.seconds(7))),
        ("1.5", .wait(.milliseconds(1500))),
        ("60", .wait(.seconds(60))),
        ("61", .beyondCap("61 s")),
        ("999999999", .beyondCap("999999999 s")),
        ("99999999999999999999999999999999999999", .beyondCap("99999999999999999999999999999999999999 s")),
        ("1e300", .unreadable), ("Infinity", .unreadable), ("inf", .unreadable), ("NaN", .unreadable),
        ("-5", .unreadable), ("+5", .unreadable), (".5", .unreadable), ("5.", .unreadable), ("1.2.3", .unreadable),
        ("", .unreadable), ("soon", .unreadable), (String(repeating: "9", count: 65), .unreadable),
    ])
    func delaySeconds(_ header: String, _ expected: RetryAfter.Value) {
        #expect(RetryAfter.parse(header, now: Self.now) == expected)
    }

    @Test func httpDatesInTheirThreeForms() {
        // 30 s after `now`, in IMF-fixdate, RFC 850 and asctime.
        #expect(RetryAfter.parse("Fri, 15 Jan 2027 08:00:30 GMT", now: Self.now) == .wait(.seconds(30)))
        #expect(RetryAfter.parse("Friday, 15-Jan-27 08:00:30 GMT", now: Self.now) == .wait(.seconds(30)))
        #expect(RetryAfter.parse("Fri Jan 15 08:00:30 2027", now: Self.now) == .wait(.seconds(30)))
        // In the past: no wait. A year ahead: beyond the cap. Nonsense: unreadable.
        #expect(RetryAfter.parse("Thu, 01 Jan 1970 00:00:00 GMT", now: Self.now) == .wait(.zero))
        #expect(
            RetryAfter.parse("Sat, 15 Jan 2028 08:00:00 GMT", now: Self.now)
                == .beyondCap("until Sat, 15 Jan 2028 08:00:00 GMT"))
        #expect(RetryAfter.parse("Fri, 45 Jan 2027 08:00:30 GMT", now: Self.now) == .unreadable)
        #expect(RetryAfter.parse("Fri, 15 Foo 2027 08:00:30 GMT", now: Self.now) == .unreadable)
        #expect(RetryAfter.parse("Fri, 15 Jan 99999999999 08:00:30 GMT", now: Self.now) != .wait(.seconds(30)))
        #expect(RetryAfter.parse(nil, now: Self.now) == .absent)
    }

    @Test func aThrottleBeyondTheCapStopsTheRunAndOneWithinItPausesTheClass() {
        let call = RemoteCall("ListAssets", .read)
        func kind(_ value: String) -> RemoteError.Kind? {
            let reply = HTTPReply(
                status: 429, headers: [("Retry-After", value)],
                body: Array(#"{"ResponseMetadata": {"Error": {"Code": "AccountFlowLimitExceeded", "Message": "slow"}}}"#.utf8))
            guard case .failure(let e) = Envelope.seedance(reply, call: call) else { return nil }
            return e.kind
        }
        #expect(kind("2") == .throttled(retryAfter: .seconds(2)))
        #expect(kind("Infinity") == .throttled(retryAfter: nil))
        #expect(kind("3600") == .fatalForRun)
    }

    // MARK: - Redaction

    @Test func everyOccurrenceOfTheKeyInAnyCaseAndEveryBearerCredential() {
        let key = "sk-Unit-Redaction-0042"
        Redaction.register(secret: key)
        let text = "key \(key) again \"\(key)\" upper \(key.uppercased()) Bearer \(key) bearer abc BEARER:xyz,"
        let out = Redaction.redact(text)
        #expect(!out.lowercased().contains(key.lowercased()), "\(out)")
        #expect(!out.contains("abc") && !out.contains("xyz"), "\(out)")
        #expect(out.contains("bearer <redacted>") && out.contains("BEARER:<redacted>,"), "\(out)")
    }

    @Test func everyURLQueryIsDroppedAndPlainTextIsLeftAlone() {
        let out = Redaction.redact("a https://x.example/p?sig=1 b http://y.example/q#frag?s=2 c 'https://z.example/?k=3'")
        #expect(out == "a https://x.example/p?<redacted> b http://y.example/q?<redacted> c 'https://z.example/?<redacted>'")
        #expect(Redaction.redact("nothing to see here") == "nothing to see here")
    }

    @Test func answersAreScrubbedWhereTheyEnterEvenBehindJSONEscapes() {
        let key = "sk-Unit-Escaped-0043"
        Redaction.register(secret: key)
        // The key written with JSON escapes (\u0073 is "s"): invisible to a byte search.
        let escaped = "\\u0073" + key.dropFirst()
        let body = Array(#"{"Result": {"Message": "you sent \#(escaped)", "Name": "ok"}}"#.utf8)
        #expect(Redaction.mayHoldSecret(body))
        let json = Exchange.parse(body)
        #expect(json?["Result"]?["Message"]?.string == "you sent <redacted>")
        #expect(!Redaction.mayHoldSecret(Array(#"{"Result": {"Id": "asset-1"}}"#.utf8)), "plain answers are not walked")
    }

    // MARK: - Ids

    @Test func idsOutsideTheShapeAreRefused() throws {
        #expect(
            try Exchange.checkedID("asset-20260318072044-n8bcl", field: "Id", call: "GetAsset") == "asset-20260318072044-n8bcl")
        for bad in ["", "asset-1$(touch x)", "a b", "a\u{1B}[2J", "../etc", "a;b", String(repeating: "a", count: 129)] {
            #expect(throws: RemoteError.self) { try Exchange.checkedID(bad, field: "Id", call: "GetAsset") }
        }
    }

    // MARK: - Paging

    @Test func pagingStopsAtTheTotalAtARepeatAndAtAnAbsurdTotal() async throws {
        // Ends at the total; a shifted list's repeats are kept once.
        let pages = [["a", "b"], ["b", "c"]]
        let listed = try await Paging.all("ListAssets", id: { $0 }) { (n, _) async throws(RemoteError) in
            Page(items: pages[n - 1], total: 3)
        }
        #expect(listed == ["a", "b", "c"])
        // The same page forever.
        await #expect(throws: RemoteError.self) {
            _ = try await Paging.all("ListAssets", id: { $0 }) { (_, _) async throws(RemoteError) in
                Page(items: ["a"], total: 500)
            }
        }
        // A total no account holds.
        await #expect(throws: RemoteError.self) {
            _ = try await Paging.all("ListAssets", id: { $0 }) { (_, _) async throws(RemoteError) in
                Page(items: ["a"], total: 1_000_000_000_000_000_000)
            }
        }
        // A first page of 100, then a fresh id a page: stopped by the bound the total gives
        // (2 pages of the first page's length, + 2).
        let calls = Calls()
        await #expect(throws: RemoteError.self) {
            _ = try await Paging.all("ListAssets", id: { $0 }) { (n, _) async throws(RemoteError) in
                await calls.add()
                return Page(items: n == 1 ? (0..<100).map { "first\($0)" } : ["p\(n)"], total: 150)
            }
        }
        #expect(await calls.count == 4)
        // No total announced: a short page is not the end (a gateway may serve fewer than asked
        // for); an empty page is.
        let untold = [["a", "b"], ["c"], []]
        let all = try await Paging.all("ListAssets", id: { $0 }) { (n, _) async throws(RemoteError) in
            Page(items: untold[n - 1], total: nil)
        }
        #expect(all == ["a", "b", "c"])
    }

    /// A fresh object a page, with no total (by page number or by ever-new tokens): a walk
    /// that would take a call per object, stopped after `Paging.shortPages` pages.
    @Test(arguments: [false, true])
    func pagesOfOneObjectWithNoTotalEnd(byToken: Bool) async throws {
        let calls = Calls()
        await #expect(throws: RemoteError.self) {
            _ = try await Paging.all("ListAssets", id: { $0 }) { (_, _) async throws(RemoteError) in
                let at = await calls.add()
                return Page(items: ["fresh\(at)"], total: nil, nextToken: byToken ? "t\(at)" : nil)
            }
        }
        #expect(await calls.count == Paging.shortPages)
        // Pages of ten (the upstream's default page) with no total are walked to their end.
        let listed = try await Paging.all("ListAssets", id: { $0 }) { (n, _) async throws(RemoteError) in
            Page(items: n <= 150 ? (0..<10).map { "p\(n)-\($0)" } : [], total: nil)
        }
        #expect(listed.count == 1500)
    }

    @Test func pagingFollowsNextTokenAndRefusesOneGivenTwice() async throws {
        // Pages by token: the token is sent back; no token on a page ends the walk, whatever the count.
        let byToken: [String?: Page<String>] = [
            nil: Page(items: ["a", "b"], total: nil, nextToken: "t2"),
            "t2": Page(items: ["b", "c"], total: nil, nextToken: "t3"),
            "t3": Page(items: ["d"], total: nil, nextToken: ""),
        ]
        let asked = Calls()
        let listed = try await Paging.all("ListAssets", id: { $0 }) { (_, token) async throws(RemoteError) in
            await asked.add()
            return byToken[token] ?? Page(items: ["never"], total: nil)
        }
        #expect(listed == ["a", "b", "c", "d"], "de-duplicated by id")
        #expect(await asked.count == 3)
        // A token the service gave before: it pages without end.
        await #expect(throws: RemoteError.self) {
            var n = 0
            _ = try await Paging.all("ListAssets", id: { $0 }) { (_, _) async throws(RemoteError) in
                n += 1
                return Page(items: ["x\(n)"], total: nil, nextToken: "same")
            }
        }
    }

    /// A key echoed as a URL or a form carries it (`/`, `+`, `=` percent-encoded, in either
    /// case of hex digits) is redacted like the key itself.
    @Test func aKeyEchoedPercentEncodedIsRedacted() {
        let key = "sk/Unit+Percent=0045"
        Redaction.register(secret: key)
        let echoed = "you sent key=sk%2FUnit%2BPercent%3D0045 (or sk%2funit%2bpercent%3d0045) and \(key)"
        let redacted = Redaction.redact(echoed)
        #expect(!redacted.lowercased().contains("unit"), "\(redacted)")
        #expect(redacted.contains("you sent key="))
        let scrubbed = Redaction.scrub(.object([("Message", .string(echoed))]))
        let message = scrubbed["Message"]?.string ?? "unit"
        #expect(!message.lowercased().contains("unit"), "\(message)")
    }

    /// A key echoed in base64 (standard or URL-safe, padded or not) is redacted too.
    @Test func aKeyEchoedInBase64IsRedacted() {
        let key = "sk-Unit-Base64?>>0046"
        Redaction.register(secret: key)
        var standard = Data(key.utf8).base64EncodedString()
        #expect(standard.contains("+") || standard.contains("/") || standard.hasSuffix("="), "the key exercises them")
        let urlSafe = String(standard.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }).replacingOccurrences(of: "=", with: "")
        let echoed = "b64=\(standard) and \(urlSafe) as Basic \(standard)"
        let redacted = Redaction.redact(echoed)
        while standard.last == "=" { standard.removeLast() }
        #expect(!redacted.contains(standard) && !redacted.contains(urlSafe), "\(redacted)")
        #expect(redacted.hasPrefix("b64="))
        let message = Redaction.scrub(.object([("Message", .string(echoed))]))["Message"]?.string ?? standard
        #expect(!message.contains(standard) && !message.contains(urlSafe), "\(message)")
        // Wherever it falls in the encoded bytes: a Basic credential `user:key`, with more after it.
        for user in ["u", "us", "use", "user"] {
            let basic = Data("\(user):\(key):more".utf8).base64EncodedString()
            let shown = Redaction.redact("Authorization: Basic \(basic)")
            // Decoding what is left gives no run of the key's characters.
            #expect(shown.contains(Redaction.placeholder), "\(user): \(shown)")
            let left = shown.components(separatedBy: Redaction.placeholder).joined(separator: "")
            #expect(!left.contains(String(basic.dropFirst(8).prefix(12))), "\(user): \(shown)")
        }
    }

    @Test func namesAndDescriptionsLoseOnlyTheSecrets() {
        let key = "sk-Unit-Names-0044"
        Redaction.register(secret: key)
        let answer: JSONValue = .object([
            ("Name", .string("Bearer of light \(key)")), ("Description", .string("see https://x.example/a?b=1")),
            ("Message", .string("see https://x.example/a?b=1")),
        ])
        let scrubbed = Redaction.scrub(answer)
        #expect(scrubbed["Name"]?.string == "Bearer of light <redacted>")
        #expect(scrubbed["Description"]?.string == "see https://x.example/a?b=1")
        #expect(scrubbed["Message"]?.string == "see https://x.example/a?<redacted>")
    }

    actor Calls {
        var count = 0
        @discardableResult func add() -> Int {
            count += 1
            return count
        }
    }
}
