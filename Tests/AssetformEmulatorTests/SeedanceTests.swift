import AssetformEmulator
import Foundation
import JSON
import Testing

@Suite("seedance dialect: every action")
struct SeedanceTests {
    @Test func createAndGetGroup() async throws {
        try await withEmulator { h in
            let r = try await h.seedance("CreateAssetGroup", #"{"Name": "角色素材组", "Description": "refs", "GroupType": "AIGC"}"#)
            #expect(r.status == 200)
            let meta = r.json["ResponseMetadata"]
            #expect(meta?["Action"]?.string == "CreateAssetGroup")
            #expect(meta?["Version"]?.string == "2024-01-01")
            #expect(meta?["Service"]?.string == "ark")
            #expect(meta?["RequestId"]?.string?.isEmpty == false)
            let id = try #require(r.result?["Id"]?.string)
            #expect(matches(id, #"group-\d{14}-[a-z0-9]{5}"#), "\(id)")
            let g = try await h.seedance("GetAssetGroup", #"{"Id": "\#(id)"}"#).result
            #expect(g?["Name"]?.string == "角色素材组")
            #expect(g?["Description"]?.string == "refs")
            #expect(g?["GroupType"]?.string == "AIGC")
            #expect(g?["ProjectName"]?.string == "default")
            #expect(matches(g?["CreateTime"]?.string, #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#))
            #expect(matches(g?["UpdateTime"]?.string, #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#))
        }
    }

    @Test func assetHidesNameAndURLWhileProcessing() async throws {
        try await withEmulator({ $0.processingDelay = .seconds(3600) }) { h in
            let g = try await h.group()
            let id = try await h.asset(in: g, name: "front")
            #expect(matches(id, #"asset-\d{14}-[a-z0-9]{5}"#), "\(id)")
            let a = try #require(try await h.seedance("GetAsset", #"{"Id": "\#(id)"}"#).result)
            #expect(a["Status"]?.string == "Processing")
            #expect(a["Name"]?.string == "")
            #expect(a["URL"]?.string == "")
            #expect(a["AssetType"]?.string == "Image")
            #expect(a["GroupId"]?.string == g)
            #expect(a["Error"] == nil)
        }
        try await withEmulator({
            $0.processingDelay = .seconds(3600)
            $0.hideWhileProcessing = false
        }) { h in
            let id = try await h.asset(in: try await h.group(), name: "front")
            let a = try await h.seedance("GetAsset", #"{"Id": "\#(id)"}"#).result
            #expect(a?["Name"]?.string == "front")
            #expect(a?["URL"]?.string == "https://cdn.example.com/a.png")
        }
    }

    @Test func activeAssetShowsASignedLink() async throws {
        try await withEmulator({ $0.processingDelay = .zero }) { h in
            let id = try await h.asset(in: try await h.group(), name: "front", url: "https://cdn.example.com/hero/front.png?v=2")
            let a = try #require(try await h.seedance("GetAsset", #"{"Id": "\#(id)"}"#).result)
            #expect(a["Status"]?.string == "Active")
            #expect(a["Name"]?.string == "front")
            let url = try #require(a["URL"]?.string)
            #expect(url.hasPrefix("https://emulator-storage.invalid/\(id)/front.png?"))
            #expect(url.contains("X-Signature="))
        }
    }

    @Test func processingBecomesActiveAfterTheDelay() async throws {
        try await withEmulator({ $0.processingDelay = .seconds(1) }) { h in
            let g = try await h.group()
            let created = ContinuousClock.now
            let id = try await h.asset(in: g, name: "front")
            let answered = ContinuousClock.now
            let status = try await h.seedance("GetAsset", #"{"Id": "\#(id)"}"#).result?["Status"]?.string
            // Only meaningful if the machine answered within the delay (a loaded one may not).
            if ContinuousClock.now - created < .milliseconds(900) { #expect(status == "Processing") }
            // The delay runs from when the service made it: before its answer came back.
            try await Task.sleep(until: answered + .milliseconds(1200))
            #expect(try await h.seedance("GetAsset", #"{"Id": "\#(id)"}"#).result?["Status"]?.string == "Active")
        }
    }

    @Test func failingURLsEndFailedWithTheServicesCode() async throws {
        try await withEmulator({
            $0.processingDelay = .zero
            $0.failingURLPatterns = ["*/broken/*"]
        }) { h in
            let id = try await h.asset(in: try await h.group(), name: "x", url: "https://cdn.example.com/broken/x.png")
            let a = try await h.seedance("GetAsset", #"{"Id": "\#(id)"}"#).result
            #expect(a?["Status"]?.string == "Failed")
            #expect(a?["Error"]?["Code"]?.string == "InvalidParameter.DownloadFailed")
            #expect(a?["Error"]?["Message"]?.string?.isEmpty == false)
        }
    }

    @Test func updates() async throws {
        try await withEmulator({
            $0.processingDelay = .zero
            $0.throttle = false
        }) { h in
            let g = try await h.group("old")
            let u = try await h.seedance("UpdateAssetGroup", #"{"Id": "\#(g)", "Name": "new", "Description": "d2"}"#)
            #expect(u.status == 200)
            #expect(u.result?["Id"]?.string == g)
            let got = try await h.seedance("GetAssetGroup", #"{"Id": "\#(g)"}"#).result
            #expect(got?["Name"]?.string == "new")
            #expect(got?["Description"]?.string == "d2")
            let a = try await h.asset(in: g, name: "before")
            #expect(try await h.seedance("UpdateAsset", #"{"Id": "\#(a)", "Name": "after"}"#).status == 200)
            #expect(try await h.seedance("GetAsset", #"{"Id": "\#(a)"}"#).result?["Name"]?.string == "after")
            let url = try await h.seedance("UpdateAsset", #"{"Id": "\#(a)", "URL": "https://cdn.example.com/b.png"}"#)
            #expect(url.status == 400)
            #expect(url.errorCode == "InvalidParameter")
            #expect(url.errorMessage?.contains("URL cannot be changed") == true)
            let gone = try await h.seedance("UpdateAsset", #"{"Id": "asset-20260101000000-zzzzz", "Name": "x"}"#)
            #expect(gone.status == 404)
            #expect(gone.errorCode == "NotFound.asset_id")
        }
    }
}
