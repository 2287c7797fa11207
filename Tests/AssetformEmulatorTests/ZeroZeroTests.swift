import AssetformEmulator
import JSON
import Testing

@Suite("0-0 dialect")
struct ZeroZeroTests {
    @Test func groupsAndAssets() async throws {
        try await withEmulator({ $0.processingDelay = .seconds(1) }) { h in
            let g = try await h.request(
                .POST, "/v1/asset-groups",
                body: #"{"platform": "JIMENG", "name": "Character references", "description": "d", "project_name": "default"}"#)
            #expect(g.status == 200)
            #expect(g.json["code"]?.int == 200)
            #expect(g.json["msg"]?.string == "OK")
            let groupID = try #require(g.data?["group_id"]?.string)
            #expect(matches(groupID, "group-[0-9a-f]{16}"), "\(groupID)")
            #expect(g.data?["status"]?.string == "Active")
            #expect(g.data?["created_at"]?.int ?? 0 > 1_700_000_000)
            let got = try await h.request(.GET, "/v1/asset-groups/\(groupID)?platform=JIMENG")
            #expect(got.data?["name"]?.string == "Character references")
            #expect(got.data?["project_name"]?.string == "default")

            let a = try await h.request(
                .POST, "/v1/assets",
                body:
                    #"{"platform": "JIMENG", "group_id": "\#(groupID)", "url": "https://cdn.example.com/f.png", "asset_type": "Image", "name": "front"}"#
            )
            #expect(a.status == 200)
            let answered = ContinuousClock.now
            let assetID = try #require(a.data?["asset_id"]?.string)
            #expect(matches(assetID, "Asset-[0-9a-f]{16}"), "\(assetID)")
            #expect(a.data?["status"]?.string == "Processing")
            #expect(a.data?["group_id"]?.string == groupID)
            #expect(a.data?["asset_type"]?.string == "Image")
            // The delay runs from when the service made it, before its answer came back.
            try await Task.sleep(until: answered + .milliseconds(1200))
            let active = try await h.request(.GET, "/v1/assets/\(assetID)?platform=JIMENG")
            #expect(active.data?["status"]?.string == "Active")
            #expect(active.data?["name"]?.string == "front")
        }
    }

    @Test func errors() async throws {
        try await withEmulator { h in
            let noPlatform = try await h.request(.GET, "/v1/assets/Asset-0000000000000000")
            #expect(noPlatform.status == 400)
            #expect(noPlatform.json["code"]?.int == 400)
            #expect(noPlatform.json["data"] == .null)
            #expect(noPlatform.errorMessage?.contains("platform") == true)
            let missing = try await h.request(.GET, "/v1/assets/Asset-0000000000000000?platform=JIMENG")
            #expect(missing.status == 404)
            #expect(missing.json["code"]?.int == 404)
            let wrongCase = try await h.request(.POST, "/v1/asset-groups", body: #"{"platform": "JIMENG", "Name": "x"}"#)
            #expect(wrongCase.status == 400)
            #expect(wrongCase.errorMessage?.contains("Name") == true)
            let camel = try await h.request(
                .POST, "/v1/assets",
                body: #"{"platform": "JIMENG", "groupId": "g", "url": "https://c.example.com/a.png", "asset_type": "Image"}"#)
            #expect(camel.status == 400)
            #expect(camel.errorMessage?.contains("groupId") == true)
            let noGroup = try await h.request(
                .POST, "/v1/assets",
                body:
                    #"{"platform": "JIMENG", "group_id": "group-0", "url": "https://c.example.com/a.png", "asset_type": "Image"}"#
            )
            #expect(noGroup.status == 404)
            let platform = try await h.request(.POST, "/v1/asset-groups", body: #"{"platform": "OTHER", "name": "x"}"#)
            #expect(platform.status == 400)
            let unauthorized = try await h.request(
                .POST, "/v1/asset-groups", body: #"{"platform": "JIMENG", "name": "x"}"#, key: nil)
            #expect(unauthorized.status == 401)
            #expect(unauthorized.json["code"]?.int == 401)
        }
    }

    @Test func dialectsKeepTheirDataApart() async throws {
        try await withEmulator { h in
            let seedanceGroup = try await h.group()
            let r = try await h.request(.GET, "/v1/asset-groups/\(seedanceGroup)?platform=JIMENG")
            #expect(r.status == 404)
        }
    }
}
