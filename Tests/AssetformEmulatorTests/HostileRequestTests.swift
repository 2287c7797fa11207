import Foundation
import JSON
import Testing

@testable import AssetformEmulator

@Suite("The emulator against hostile or odd requests")
struct HostileRequestTests {
    /// A CreateAsset body with `url` written as JSON (control characters escaped, so that the
    /// emulator reads them back as they are).
    static func createBody(group: String, name: String = "x", url: String) -> String {
        JSONValue.object([
            ("GroupId", .string(group)), ("Name", .string(name)), ("AssetType", .string("Image")), ("URL", .string(url)),
        ]).encoded
    }

    // MARK: - Pages

    @Test("A page number far past the last page is refused, and the emulator answers after it")
    func hugePageNumbersAreRefused() async throws {
        try await withEmulator({ $0.processingDelay = .zero }) { h in
            let g = try await h.group("one")
            _ = try await h.asset(in: g, name: "a")
            for action in ["ListAssetGroups", "ListAssets"] {
                let r = try await h.seedance(
                    action, #"{"Filter": {"GroupType": "AIGC"}, "PageNumber": 9223372036854775807, "PageSize": 100}"#)
                #expect(r.status == 400, "\(action)")
                #expect(r.errorCode == "InvalidParameter", "\(action)")
                #expect(r.errorMessage?.contains("PageNumber") == true, "\(action): \(r.errorMessage ?? "")")
                #expect(r.result == nil, "\(action)")
                let lowest = try await h.seedance(
                    action, #"{"Filter": {"GroupType": "AIGC"}, "PageNumber": -9223372036854775808, "PageSize": 100}"#)
                #expect(lowest.status == 400 && lowest.errorCode == "InvalidParameter", "\(action)")
                // One past Int.max is no integer at all: refused as well.
                let beyond = try await h.seedance(
                    action, #"{"Filter": {"GroupType": "AIGC"}, "PageNumber": 9223372036854775808, "PageSize": 100}"#)
                #expect(beyond.status == 400 && beyond.errorCode == "InvalidParameter", "\(action)")
            }
            let after = try await h.seedance("ListAssetGroups", #"{"Filter": {"GroupType": "AIGC"}}"#)
            #expect(after.status == 200, "the emulator still answers")
            #expect(after.result?["TotalCount"]?.int == 1)
        }
    }

    @Test("Page 10,000,000 of 100 is the last one served (empty); the next is refused")
    func theLastPageIsServedAndTheNextRefused() async throws {
        try await withEmulator({ $0.processingDelay = .zero }) { h in
            let g = try await h.group("one")
            _ = try await h.asset(in: g, name: "a")
            for action in ["ListAssetGroups", "ListAssets"] {
                let last = try await h.seedance(
                    action, #"{"Filter": {"GroupType": "AIGC"}, "PageNumber": 10000000, "PageSize": 100}"#)
                #expect(last.status == 200, "\(action): \(last.json.encoded)")
                #expect(last.result?["Items"] == .array([]), "\(action)")
                #expect(last.result?["TotalCount"]?.int == 1, "\(action)")
                #expect(last.result?["PageNumber"]?.int == 10_000_000, "\(action)")
                let past = try await h.seedance(
                    action, #"{"Filter": {"GroupType": "AIGC"}, "PageNumber": 10000001, "PageSize": 100}"#)
                #expect(past.status == 400, "\(action)")
                #expect(past.errorCode == "InvalidParameter", "\(action)")
                #expect(past.errorMessage?.contains("PageNumber") == true, "\(action): \(past.errorMessage ?? "")")
            }
        }
    }

    @Test("A NextToken for a page past the last is refused, and the emulator answers after it")
    func aHugeNextTokenIsRefused() async throws {
        try await withEmulator({
            $0.nextToken = true
            $0.processingDelay = .zero
        }) { h in
            let g = try await h.group("one")
            _ = try await h.asset(in: g, name: "a")
            for token in ["p99999999999999999-1", "p10000001-1", "p99999999999999999999999-1"] {
                let r = try await h.seedance(
                    "ListAssets", #"{"Filter": {"GroupType": "AIGC"}, "NextToken": "\#(token)"}"#)
                #expect(r.status == 400, "\(token)")
                #expect(r.errorCode == "InvalidParameter", "\(token)")
                #expect(r.errorMessage?.contains("NextToken") == true, "\(token): \(r.errorMessage ?? "")")
                #expect(r.result == nil, "\(token)")
            }
            let last = try await h.seedance("ListAssets", #"{"Filter": {"GroupType": "AIGC"}, "NextToken": "p10000000-10"}"#)
            #expect(last.status == 200, "\(last.json.encoded)")
            #expect(last.result?["Items"] == .array([]))
            #expect(last.result?["NextToken"]?.string == "", "nothing after the last page")
            let after = try await h.seedance("ListAssets", #"{"Filter": {"GroupType": "AIGC"}}"#)
            #expect(after.status == 200, "the emulator still answers")
            #expect(after.result?["TotalCount"]?.int == 1)
            #expect(after.result?["NextToken"]?.string == "")
        }
    }

    // MARK: - Filters

    @Test("An empty Name filter is no filter: every group, every asset (hidden names too)")
    func anEmptyNameFilterMatchesEverything() async throws {
        try await withEmulator({ $0.processingDelay = .seconds(3600) }) { h in
            let g = try await h.group("one")
            _ = try await h.group("two")
            let groups = try await h.seedance("ListAssetGroups", #"{"Filter": {"GroupType": "AIGC", "Name": ""}}"#)
            #expect(groups.status == 200)
            #expect(groups.result?["TotalCount"]?.int == 2)
            guard case .array(let items) = groups.result?["Items"] else {
                Issue.record("no Items: \(groups.json.encoded)")
                return
            }
            #expect(Set(items.compactMap { $0["Name"]?.string }) == ["one", "two"])
            // Processing, so its name is shown as "": an empty filter still matches it.
            _ = try await h.asset(in: g, name: "front")
            let assets = try await h.seedance(
                "ListAssets", #"{"Filter": {"GroupType": "AIGC", "GroupIds": ["\#(g)"], "Name": ""}}"#)
            #expect(assets.status == 200)
            #expect(assets.result?["TotalCount"]?.int == 1)
        }
    }

    // MARK: - Account limits

    @Test("A processing limit of 0 refuses the very first create with 429 AccountFlowLimitExceeded")
    func aProcessingLimitOfZeroRefusesTheFirstCreate() async throws {
        try await withEmulator({
            $0.processingLimit = 0
            $0.processingDelay = .seconds(30)
        }) { h in
            let g = try await h.group("g")
            let r = try await h.seedance("CreateAsset", Self.createBody(group: g, url: "https://cdn.example.com/x.png"))
            #expect(r.status == 429)
            #expect(r.errorCode == "AccountFlowLimitExceeded")
            #expect(r.result == nil)
            let wait = try #require(r.headers.first(name: "Retry-After").flatMap { Int($0) })
            #expect((1...30).contains(wait), "\(wait)")
            #expect(try await h.stats()["committed_creates"]?["seedance"]?["assets"]?.int == 0, "nothing was created")
        }
    }

    @Test("With errors answered 200, a create refused for the balance still answers 402")
    func anExhaustedBalanceKeepsItsStatusWhenErrorsComeWith200() async throws {
        try await withEmulator({
            $0.errorsWithStatus200 = true
            $0.balance = 1
            $0.processingDelay = .zero
        }) { h in
            let g = try await h.group("g")
            let first = try await h.seedance(
                "CreateAsset", Self.createBody(group: g, name: "a", url: "https://cdn.example.com/a.png"))
            #expect(first.status == 200)
            #expect(first.result?["Id"]?.string?.hasPrefix("asset-") == true, "\(first.json.encoded)")
            let broke = try await h.seedance(
                "CreateAsset", Self.createBody(group: g, name: "b", url: "https://cdn.example.com/b.png"))
            #expect(broke.status == 402, "the gateway's own status, not 200")
            #expect(broke.errorCode == "InsufficientBalance")
            #expect(broke.result == nil)
            // The service's own errors still come with 200 on such a deployment.
            let missing = try await h.seedance("GetAsset", #"{"Id": "asset-x"}"#)
            #expect(missing.status == 200)
            #expect(missing.errorCode == "NotFound.asset_id")
        }
        try await withEmulator({
            $0.errorsWithStatus200 = true
            $0.balance = 0
        }) { h in
            let g = try await h.group("g")
            let broke = try await h.seedance("CreateAsset", Self.createBody(group: g, url: "https://cdn.example.com/x.png"))
            #expect(broke.status == 402)
            #expect(broke.errorCode == "InsufficientBalance")
        }
    }

    // MARK: - URLs

    @Test(
        "CreateAsset refuses a URL that is not public https",
        arguments: [
            "https://172.16.0.1/x.png",
            "https://100.64.0.1/x.png",
            "https://[fd00::1]/x.png",
            "https://[fe80::1]/x.png",
            "https://[::ffff:127.0.0.1]/x.png",
            "https://2130706433/x.png",
            "https://0x7f000001/x.png",
            "https://localhost./x.png",
            "https://cdn.example.com/a\nb.png",
            "https://cdn.example.com/a\tb.png",
            "https://nodot/x.png",
        ])
    func nonPublicURLsAreRefused(url: String) async throws {
        try await withEmulator { h in
            let g = try await h.group("g")
            let r = try await h.seedance("CreateAsset", Self.createBody(group: g, url: url))
            #expect(r.status == 400, "\(r.json.encoded)")
            #expect(r.errorCode == "InvalidParameter")
            #expect(r.errorMessage?.contains("URL") == true, "\(r.errorMessage ?? "")")
            #expect(r.result == nil)
            #expect(try await h.stats()["committed_creates"]?["seedance"]?["assets"]?.int == 0, "nothing was created")
        }
    }

    @Test(
        "CreateAsset accepts a public https URL",
        arguments: [
            "https://cdn.example.com/x.png?sig=1",
            "https://8.8.8.8/x.png",
            "https://[2606:4700::1]/x.png",
        ])
    func publicURLsAreAccepted(url: String) async throws {
        try await withEmulator { h in
            let g = try await h.group("g")
            let r = try await h.seedance("CreateAsset", Self.createBody(group: g, url: url))
            #expect(r.status == 200, "\(r.json.encoded)")
            #expect(r.errorCode == nil)
            #expect(r.result?["Id"]?.string?.hasPrefix("asset-") == true, "\(r.json.encoded)")
        }
    }

    // MARK: - Token buckets

    @Test("A bucket of nearly no rate answers a wait of at most a day, and does not trap")
    func aNearlyZeroRateWaitsAtMostADay() throws {
        let t0 = ContinuousClock.now
        var bucket = TokenBucket(rate: 1e-20, burst: 1, now: t0)
        #expect(bucket.take(now: t0) == nil, "the burst's one token")
        let second = bucket.take(now: t0)
        let wait = try #require(second)
        #expect(wait > .zero)
        #expect(wait <= .seconds(86_400), "\(wait)")
        // A year on, still next to nothing has come back: still at most a day.
        let third = bucket.take(now: t0 + .seconds(365 * 86_400))
        let later = try #require(third)
        #expect(later > .zero && later <= .seconds(86_400), "\(later)")
    }

    @Test("A new bucket is full; one just taken from (burst 1) is not, until it refills")
    func bucketsKnowWhenTheyAreFull() {
        let t0 = ContinuousClock.now
        let fresh = TokenBucket(rate: 1, burst: 1, now: t0)
        #expect(fresh.isFull(at: t0))
        var used = fresh
        #expect(used.take(now: t0) == nil)
        #expect(!used.isFull(at: t0))
        #expect(used.isFull(at: t0 + .seconds(2)), "refilled at one a second")
        var slow = TokenBucket(rate: 1e-20, burst: 1, now: t0)
        #expect(slow.isFull(at: t0))
        #expect(slow.take(now: t0) == nil)
        #expect(!slow.isFull(at: t0 + .seconds(86_400)))
    }

    // MARK: - State file

    @Test("A state file in a folder that does not exist stops the start before the body runs")
    func aStateFileThatCannotBeWrittenStopsTheStart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assetform-emu-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/missing/state.json"
        var configuration = EmulatorConfiguration()
        configuration.statePath = path
        configuration.throttle = false
        let called = LockedBox(false)
        do {
            try await Emulator.withRunning(configuration) { _ in called.value = true }
            Issue.record("expected an error")
        } catch let error as EmulatorError {
            if case .cannotWriteState(let named, _) = error {
                #expect(named == path)
            } else {
                Issue.record("\(error)")
            }
        }
        #expect(!called.value, "the body was never called")
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
