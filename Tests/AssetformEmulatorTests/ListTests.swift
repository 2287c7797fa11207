import AssetformEmulator
import Foundation
import JSON
import Testing
import Timing

@Suite("seedance lists: pages, filters, sort order")
struct ListTests {
    @Test func pagesFiltersAndOrder() async throws {
        try await withEmulator({
            $0.throttle = false
            $0.processingDelay = .zero
            $0.failingURLPatterns = ["bad"]
        }) { h in
            let g1 = try await h.group("one")
            let g2 = try await h.group("two")
            var first: [String] = []
            for i in 0..<150 { first.append(try await h.asset(in: g1, name: "a-\(i)")) }
            for i in 0..<100 {
                _ = try await h.asset(
                    in: g2, name: "b-\(i)", url: i < 10 ? "https://cdn.example.com/bad.png" : "https://cdn.example.com/ok.png")
            }

            let filter = #""Filter": {"GroupType": "AIGC", "GroupIds": ["\#(g1)"]}"#
            var seen: [String] = []
            for page in 1...2 {
                let r = try await h.seedance(
                    "ListAssets", #"{\#(filter), "PageNumber": \#(page), "PageSize": 100, "SortOrder": "Asc"}"#)
                #expect(r.status == 200)
                #expect(r.result?["TotalCount"]?.int == 150)
                #expect(r.result?["PageNumber"]?.int == page)
                #expect(r.result?["PageSize"]?.int == 100)
                guard case .array(let items) = r.result?["Items"] else { Issue.record("no Items"); return }
                seen += items.compactMap { $0["Id"]?.string }
            }
            #expect(seen == first, "ascending creation order across pages")
            let desc = try await h.seedance("ListAssets", #"{\#(filter), "PageSize": 5}"#)
            guard case .array(let newest) = desc.result?["Items"] else { Issue.record("no Items"); return }
            #expect(newest.compactMap { $0["Id"]?.string } == Array(first.reversed().prefix(5)), "Desc by default")
            #expect(desc.result?["PageSize"]?.int == 5)

            let all = try await h.seedance("ListAssets", #"{"Filter": {"GroupType": "AIGC"}}"#)
            #expect(all.result?["TotalCount"]?.int == 250)
            #expect(all.result?["PageSize"]?.int == 10, "the upstream's default page size")

            let failed = try await h.seedance("ListAssets", #"{"Filter": {"GroupType": "AIGC", "Statuses": ["Failed"]}}"#)
            #expect(failed.result?["TotalCount"]?.int == 10)

            let named = try await h.seedance("ListAssets", #"{"Filter": {"GroupType": "AIGC", "Name": "a-14"}}"#)
            #expect(named.result?["TotalCount"]?.int == 11, "substring: a-14 and a-140 … a-149")

            let empty = try await h.seedance("ListAssets", #"{\#(filter), "PageNumber": 9, "PageSize": 100}"#)
            #expect(empty.result?["Items"] == .array([]))

            let groups = try await h.seedance("ListAssetGroups", #"{"Filter": {"GroupType": "AIGC"}, "SortOrder": "Asc"}"#)
            #expect(groups.result?["TotalCount"]?.int == 2)
            guard case .array(let gs) = groups.result?["Items"] else { Issue.record("no Items"); return }
            #expect(gs.compactMap { $0["Name"]?.string } == ["one", "two"])
            let byName = try await h.seedance("ListAssetGroups", #"{"Filter": {"GroupType": "AIGC", "Name": "tw"}}"#)
            #expect(byName.result?["TotalCount"]?.int == 1)
        }
    }

    @Test func hiddenNamesDoNotMatchANameFilter() async throws {
        try await withEmulator({ $0.processingDelay = .seconds(3600) }) { h in
            let g = try await h.group()
            _ = try await h.asset(in: g, name: "front")
            let r = try await h.seedance(
                "ListAssets", #"{"Filter": {"GroupType": "AIGC", "GroupIds": ["\#(g)"], "Name": "front"}}"#)
            #expect(r.result?["TotalCount"]?.int == 0)
            let all = try await h.seedance("ListAssets", #"{"Filter": {"GroupType": "AIGC", "GroupIds": ["\#(g)"]}}"#)
            #expect(all.result?["TotalCount"]?.int == 1)
        }
    }

    @Test(arguments: [
        (#"{"Filter": {"GroupType": "AIGC"}, "PageSize": 101}"#, "InvalidParameter", "PageSize"),
        (#"{"Filter": {"GroupType": "AIGC"}, "PageSize": 0}"#, "InvalidParameter", "PageSize"),
        (#"{"Filter": {"GroupType": "AIGC"}, "PageNumber": 0}"#, "InvalidParameter", "PageNumber"),
        (#"{"Filter": {"GroupType": "AIGC"}, "Page": 1}"#, "InvalidParameter", "Page"),
        (#"{"Filter": {"GroupType": "AIGC"}, "SortBy": "Name"}"#, "InvalidParameter", "SortBy"),
        (#"{"Filter": {"GroupType": "AIGC"}, "SortOrder": "asc"}"#, "InvalidParameter", "SortOrder"),
        (#"{"Filter": {"GroupType": "AIGC", "Statuses": ["Done"]}}"#, "InvalidParameter", "Statuses"),
        (#"{"Filter": {"GroupType": "OTHER"}}"#, "InvalidParameter", "GroupType"),
        (#"{"Filter": {}}"#, "MissingParameter", "Filter.GroupType"),
        (#"{}"#, "MissingParameter", "Filter"),
        (#"{"Filter": {"GroupType": "AIGC", "GroupIDs": []}}"#, "InvalidParameter", "Filter.GroupIDs"),
        (#"{"Filter": {"GroupType": "AIGC"}, "PageSize": "10"}"#, "InvalidParameter", "PageSize"),
    ])
    func badListRequests(body: String, code: String, names: String) async throws {
        try await withEmulator { h in
            let r = try await h.seedance("ListAssets", body)
            #expect(r.status == 400)
            #expect(r.errorCode == code)
            #expect(r.errorMessage?.contains(names) == true, "\(r.errorMessage ?? "")")
            #expect(r.result == nil)
        }
    }
}

@Suite("The upstream's account limits and shapes (API.md §3, last bullet)")
struct UpstreamFidelityTests {
    @Test func idsCarryUTCPlusEightAndTheAccountLimitsHold() async throws {
        try await withEmulator({
            $0.throttle = false
            $0.processingDelay = .seconds(30)
            $0.processingLimit = 2
            $0.poolSize = 3
        }) { h in
            let g = try await h.group("g")
            let before = UTCDate.now()
            let a = try await h.asset(in: g, name: "a")
            // asset-YYYYMMDDhhmmss-xxxxx in UTC+8.
            let stamp = String(a.split(separator: "-")[1])
            let utc8 = UTCDate.compact(before, offset: 8 * 3600)
            let later = UTCDate.compact(before + 2, offset: 8 * 3600)
            #expect(stamp >= utc8 && stamp <= later, "\(stamp) is UTC+8 (\(utc8))")
            _ = try await h.asset(in: g, name: "b")
            let third = try await h.seedance(
                "CreateAsset", #"{"GroupId": "\#(g)", "Name": "c", "AssetType": "Image", "URL": "https://cdn.example.com/c.png"}"#
            )
            #expect(third.status == 429)
            #expect(third.errorCode == "AccountFlowLimitExceeded", "two Processing: the most at once")
            let wait = try #require(third.headers.first(name: "Retry-After").flatMap { Int($0) })
            #expect((1...30).contains(wait), "until the first of them settles: \(wait)")
            // A group that is not there is answered as such, window or not.
            let nowhere = try await h.seedance(
                "CreateAsset",
                #"{"GroupId": "group-nope", "Name": "c", "AssetType": "Image", "URL": "https://cdn.example.com/c.png"}"#)
            #expect(nowhere.status == 404 && nowhere.errorCode == "NotFound.group_id")
        }
        try await withEmulator({
            $0.throttle = false
            $0.processingDelay = .zero
            $0.poolSize = 1
            $0.balance = 5
        }) { h in
            let g = try await h.group("g")
            _ = try await h.asset(in: g, name: "a")
            let full = try await h.seedance(
                "CreateAsset", #"{"GroupId": "\#(g)", "Name": "b", "AssetType": "Image", "URL": "https://cdn.example.com/b.png"}"#
            )
            #expect(full.status == 429 && full.errorCode == "QuotaSharedPoolExceeded")
        }
        try await withEmulator({
            $0.throttle = false
            $0.processingDelay = .zero
            $0.balance = 1
        }) { h in
            let g = try await h.group("g")
            _ = try await h.asset(in: g, name: "a")
            let broke = try await h.seedance(
                "CreateAsset", #"{"GroupId": "\#(g)", "Name": "b", "AssetType": "Image", "URL": "https://cdn.example.com/b.png"}"#
            )
            #expect(broke.status == 402)
        }
    }

    @Test func theBalanceAndTheProcessingWindowSurviveARestart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assetform-emu-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.json").path
        let create = #"{"GroupId": "GROUP", "Name": "NAME", "AssetType": "Image", "URL": "https://cdn.example.com/x.png"}"#
        let group = LockedBox<String?>(nil)
        func configure(_ c: inout EmulatorConfiguration) {
            c.statePath = path
            c.processingDelay = .seconds(60)
            c.processingLimit = 1
            c.balance = 2
        }
        try await withEmulator(configure) { h in
            let g = try await h.group("g")
            group.value = g
            let first = try await h.seedance("CreateAsset", create.replacing("GROUP", with: g).replacing("NAME", with: "a"))
            #expect(first.status == 200)
        }
        let g = try #require(group.value)
        try await withEmulator(configure) { h in
            // The first asset is still Processing: the window holds it across the restart.
            let refused = try await h.seedance("CreateAsset", create.replacing("GROUP", with: g).replacing("NAME", with: "b"))
            #expect(refused.status == 429 && refused.errorCode == "AccountFlowLimitExceeded")
        }
        try await withEmulator({
            configure(&$0); $0.processingLimit = nil
        }) { h in
            let second = try await h.seedance("CreateAsset", create.replacing("GROUP", with: g).replacing("NAME", with: "b"))
            #expect(second.status == 200)
        }
        try await withEmulator({
            configure(&$0); $0.processingLimit = nil
        }) { h in
            // Two billed creates before this restart: the balance of 2 is spent.
            let broke = try await h.seedance("CreateAsset", create.replacing("GROUP", with: g).replacing("NAME", with: "c"))
            #expect(broke.status == 402)
        }
    }

    @Test func aBodyTooLargeGetsItsDialectsErrorAndRealPersonGroupsListEmpty() async throws {
        try await withEmulator { h in
            let big = #"{"Name": "g", "Description": ""# + String(repeating: "x", count: 1 << 20) + #""}"#
            let seedance = try await h.seedance("CreateAssetGroup", big)
            #expect(seedance.status == 413 && seedance.errorCode == "InvalidParameter")
            let zeroZero = try await h.request(.POST, "/v1/asset-groups", body: big)
            #expect(zeroZero.status == 413 && zeroZero.json["code"]?.int == 413 && zeroZero.json["data"] == .null)
            _ = try await h.group("g")
            for action in ["ListAssetGroups", "ListAssets"] {
                let faces = try await h.seedance(action, #"{"Filter": {"GroupType": "LivenessFace"}, "PageSize": 10}"#)
                #expect(faces.status == 200 && faces.result?["TotalCount"]?.int == 0, "\(action)")
                let other = try await h.seedance(action, #"{"Filter": {"GroupType": "Other"}}"#)
                #expect(other.status == 400 && other.errorCode == "InvalidParameter", "\(action)")
            }
        }
    }
}
