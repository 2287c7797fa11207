import AssetformEmulator
import JSON
import NIOHTTP1
import Testing

@Suite("seedance errors, with their codes and HTTP statuses")
struct ErrorTests {
    @Test(arguments: [
        (
            "CreateAsset", #"{"GroupID": "g", "Name": "n", "AssetType": "Image", "URL": "https://c.example.com/a.png"}"#,
            "InvalidParameter", "GroupID"
        ),
        (
            "CreateAsset", #"{"group_id": "g", "Name": "n", "AssetType": "Image", "URL": "https://c.example.com/a.png"}"#,
            "InvalidParameter", "group_id"
        ),
        (
            "CreateAsset", #"{"GroupId": "g", "AssetType": "Image", "URL": "https://c.example.com/a.png"}"#, "MissingParameter",
            "Name"
        ),
        (
            "CreateAsset", #"{"GroupId": "g", "Name": "n", "AssetType": "image", "URL": "https://c.example.com/a.png"}"#,
            "InvalidParameter", "AssetType"
        ),
        (
            "CreateAsset", #"{"GroupId": "g", "Name": "n", "AssetType": "Image", "URL": "http://c.example.com/a.png"}"#,
            "InvalidParameter", "URL"
        ),
        (
            "CreateAsset", #"{"GroupId": "g", "Name": "n", "AssetType": "Image", "URL": "https://127.0.0.1/a.png"}"#,
            "InvalidParameter", "URL"
        ),
        (
            "CreateAsset", #"{"GroupId": "g", "Name": "", "AssetType": "Image", "URL": "https://c.example.com/a.png"}"#,
            "InvalidParameter", "Name"
        ),
        (
            "CreateAssetGroup", #"{"Name": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#,
            "InvalidParameter", "Name"
        ),
        ("CreateAssetGroup", #"{"Name": 5}"#, "InvalidParameter", "Name"),
        ("CreateAssetGroup", #"{"Name": "n", "GroupType": "OTHER"}"#, "InvalidParameter", "GroupType"),
        ("CreateAssetGroup", #"{"Name": "n", "Name": "m"}"#, "InvalidParameter", "Name"),
        ("CreateAssetGroup", #"[1]"#, "InvalidParameter", "JSON object"),
        ("CreateAssetGroup", #"{"Name": "n""#, "InvalidParameter", "not valid JSON"),
        ("GetAsset", #"{"ID": "x"}"#, "InvalidParameter", "ID"),
        ("GetAsset", #"{}"#, "MissingParameter", "Id"),
    ])
    func badRequests(action: String, body: String, code: String, names: String) async throws {
        try await withEmulator { h in
            let r = try await h.seedance(action, body)
            #expect(r.status == 400)
            #expect(r.errorCode == code)
            #expect(r.errorMessage?.contains(names) == true, "\(r.errorMessage ?? "")")
            #expect(r.json["Result"] == nil)
            #expect(r.json["ResponseMetadata"]?["Action"]?.string == action)
        }
    }

    @Test func unknownActionIsInvalidAction() async throws {
        try await withEmulator { h in
            let r = try await h.seedance("DeleteAsset", "{}")
            #expect(r.status == 400)
            #expect(r.errorCode == "InvalidAction")
            let lower = try await h.seedance("createAsset", "{}")
            #expect(lower.errorCode == "InvalidAction")
        }
    }

    @Test func notFound() async throws {
        try await withEmulator { h in
            let a = try await h.seedance("GetAsset", #"{"Id": "asset-20260101000000-abcde"}"#)
            #expect(a.status == 404)
            #expect(a.errorCode == "NotFound.asset_id")
            let g = try await h.seedance("GetAssetGroup", #"{"Id": "group-20260101000000-abcde"}"#)
            #expect(g.errorCode == "NotFound.group_id")
            let c = try await h.seedance(
                "CreateAsset", #"{"GroupId": "group-x", "Name": "n", "AssetType": "Image", "URL": "https://c.example.com/a.png"}"#
            )
            #expect(c.status == 404)
            #expect(c.errorCode == "NotFound.group_id")
        }
    }

    /// A path or method no dialect serves is a 404 in the shape of the dialect its path is
    /// under, naming the call asked for, never an empty answer.
    @Test func unknownPathsAreAnsweredInTheirDialectsShape() async throws {
        try await withEmulator { h in
            let gateway = try await h.request(.GET, "/v1/seedance/asset/ListAssets")
            #expect(gateway.status == 404)
            #expect(gateway.json["error"]?["code"]?.string == "not_found", "\(gateway.json.encoded)")
            #expect(gateway.json["error"]?["message"]?.string?.contains("GET /v1/seedance/asset/ListAssets") == true)
            for (method, path) in [(HTTPMethod.GET, "/v1/assets"), (.POST, "/v1/nope"), (.DELETE, "/v1/assets/Asset-1")] {
                let r = try await h.request(method, path)
                #expect(r.status == 404, "\(method) \(path)")
                #expect(r.json["code"]?.int == 404, "\(r.json.encoded)")
                #expect(r.json["data"] == .null)
                #expect(r.errorMessage?.contains("\(method.rawValue) \(path)") == true, "\(r.json.encoded)")
            }
            for (method, path) in [(HTTPMethod.GET, "/"), (.GET, "/nope"), (.PUT, "/_emulator/stats")] {
                let r = try await h.request(method, path, key: nil)
                #expect(r.status == 404, "\(method) \(path)")
                #expect(r.errorCode == "InvalidActionOrVersion", "\(r.json.encoded)")
                #expect(r.errorMessage?.contains("\(method.rawValue) \(path);") == true, "\(r.json.encoded)")
            }
            // A control character in the path is not echoed raw.
            let odd = try await h.request(.GET, "/v1/a%01b\u{7F}")
            #expect(odd.status == 404)
            #expect(odd.errorMessage?.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } == false)
        }
    }

    @Test func projectsScopeObjects() async throws {
        try await withEmulator({ $0.projects = ["default", "film"] }) { h in
            let g = try await h.group("in-film", project: "film")
            let elsewhere = try await h.seedance("GetAssetGroup", #"{"Id": "\#(g)"}"#)
            #expect(elsewhere.errorCode == "NotFound.group_id", "another project does not see it")
            let there = try await h.seedance("GetAssetGroup", #"{"Id": "\#(g)", "ProjectName": "film"}"#)
            #expect(there.result?["ProjectName"]?.string == "film")
            let unknown = try await h.seedance("GetAssetGroup", #"{"Id": "\#(g)", "ProjectName": "nope"}"#)
            #expect(unknown.status == 404)
            #expect(unknown.errorCode == "NotFound.ProjectName")
        }
    }

    @Test func authentication() async throws {
        try await withEmulator({ $0.allowedKeys = ["good-key"] }) { h in
            let none = try await h.seedance("ListAssetGroups", #"{"Filter": {"GroupType": "AIGC"}}"#, key: nil)
            #expect(none.status == 401)
            #expect(none.json["error"]?["type"]?.string == "authentication_error", "the gateway's error shape")
            let bad = try await h.seedance("ListAssetGroups", #"{"Filter": {"GroupType": "AIGC"}}"#, key: "other")
            #expect(bad.status == 401)
            let good = try await h.seedance("ListAssetGroups", #"{"Filter": {"GroupType": "AIGC"}}"#, key: "good-key")
            #expect(good.status == 200)
        }
    }

    @Test func accountStanding() async throws {
        try await withEmulator({
            $0.deniedKeys = ["denied"]
            $0.unsubscribedKeys = ["unsubscribed"]
        }) { h in
            let denied = try await h.seedance("CreateAssetGroup", #"{"Name": "n"}"#, key: "denied")
            #expect(denied.status == 403)
            #expect(denied.errorCode == "AccessDenied")
            let unsub = try await h.seedance("CreateAssetGroup", #"{"Name": "n"}"#, key: "unsubscribed")
            #expect(unsub.status == 403)
            #expect(unsub.errorCode == "SubscriptionRequired")
        }
    }

    @Test func quotas() async throws {
        try await withEmulator({
            $0.maxGroupsPerKey = 1
            $0.maxAssetsPerKey = 2
            $0.throttle = false
        }) { h in
            let g = try await h.group()
            let second = try await h.seedance("CreateAssetGroup", #"{"Name": "n2"}"#)
            #expect(second.status == 403)
            #expect(second.errorCode == "QuotaExceeded")
            _ = try await h.asset(in: g, name: "a")
            _ = try await h.asset(in: g, name: "b")
            let third = try await h.seedance(
                "CreateAsset", #"{"GroupId": "\#(g)", "Name": "c", "AssetType": "Image", "URL": "https://c.example.com/a.png"}"#)
            #expect(third.errorCode == "QuotaExceeded")
            var other = h
            other.key = "another-key"
            #expect(try await other.seedance("CreateAssetGroup", #"{"Name": "n"}"#).status == 200, "quotas are per key")
        }
    }

    @Test func keysAreIsolated() async throws {
        try await withEmulator { h in
            let g = try await h.group("mine")
            var other = h
            other.key = "test-key-beta"
            #expect(try await other.seedance("GetAssetGroup", #"{"Id": "\#(g)"}"#).errorCode == "NotFound.group_id")
            let list = try await other.seedance("ListAssetGroups", #"{"Filter": {"GroupType": "AIGC"}}"#)
            #expect(list.result?["TotalCount"]?.int == 0)
            let asset = try await other.seedance(
                "CreateAsset", #"{"GroupId": "\#(g)", "Name": "n", "AssetType": "Image", "URL": "https://c.example.com/a.png"}"#)
            #expect(asset.errorCode == "NotFound.group_id")
        }
    }
}
