import AssetformEmulator
import AsyncHTTPClient
import Foundation
import JSON
import Testing

@Suite("Throttling and faults")
struct FaultTests {
    static let create = #"{"GroupId": "GROUP", "Name": "NAME", "AssetType": "Image", "URL": "https://c.example.com/a.png"}"#

    @Test func throttlingAnswers429WithRetryAfter() async throws {
        // CreateAsset at 0.2 a second with a burst of 2: however slow the machine, the third and
        // fourth calls come well within the five seconds a token takes.
        try await withEmulator({
            $0.throttle = true
            $0.rates["CreateAsset"] = 0.2
        }) { h in
            let g = try await h.group()
            var statuses: [Int] = []
            var throttled: Reply?
            for i in 0..<4 {
                let r = try await h.seedance(
                    "CreateAsset",
                    Self.create.replacingOccurrences(of: "GROUP", with: g).replacingOccurrences(of: "NAME", with: "n\(i)"))
                statuses.append(r.status)
                if r.status == 429 { throttled = r }
            }
            #expect(statuses == [200, 200, 429, 429])
            let t = try #require(throttled)
            #expect(t.errorCode == "AccountFlowLimitExceeded")
            // Whole seconds until a token is back: at most the 5 s a token takes, at least 1 (how
            // many depends on how long the four calls took on this machine, so no more is said).
            let retryAfter = t.headers.first(name: "Retry-After").flatMap { Int($0) }
            #expect(retryAfter.map { (1...5).contains($0) } == true, "\(String(describing: retryAfter))")
            var other = h
            other.key = "test-key-beta"
            #expect(try await other.seedance("CreateAssetGroup", #"{"Name": "n"}"#).status == 200, "buckets are per key")
            let stats = try await h.stats()
            #expect(stats["throttled"]?["seedance"]?.int == 2)
            #expect(stats["calls"]?["seedance"]?["CreateAsset"]?.int == 4)
            #expect(stats["committed_creates"]?["seedance"]?["assets"]?.int == 2)
        }
    }

    @Test func aSlowActionRefusesABurstBeyondItsBucket() async throws {
        // 0.2 a second with a burst of 2: five calls at once get two through, whatever the
        // machine's speed (a token takes five seconds to come back).
        try await withEmulator({
            $0.throttle = true
            $0.rates["GetAssetGroup"] = 0.2
        }) { h in
            let g = try await h.group()
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(try await h.seedance("GetAssetGroup", #"{"Id": "\#(g)"}"#).status) }
            #expect(statuses == [200, 200, 429, 429, 429])
        }
    }

    @Test func throttlingSwitchesOff() async throws {
        try await withEmulator({ $0.throttle = false }) { h in
            #expect(EmulatorConfiguration().throttle, "on by default")
            let g = try await h.group()
            for i in 0..<20 {
                let r = try await h.seedance(
                    "CreateAsset",
                    Self.create.replacingOccurrences(of: "GROUP", with: g).replacingOccurrences(of: "NAME", with: "n\(i)"))
                #expect(r.status == 200)
            }
        }
    }

    @Test func internalErrors() async throws {
        try await withEmulator({ $0.errorRate = 1 }) { h in
            let r = try await h.seedance("CreateAssetGroup", #"{"Name": "n"}"#)
            #expect(r.status == 500)
            #expect(r.errorCode == "InternalError")
            #expect(try await h.stats()["internal_errors"]?.int == 1)
            #expect(try await h.stats()["committed_creates"]?["seedance"]?["groups"]?.int == 0, "nothing was created")
        }
    }

    @Test func aShareOfInternalErrors() async throws {
        try await withEmulator({
            $0.errorRate = 0.3
            $0.throttle = false
        }) { h in
            var failures = 0
            for _ in 0..<200 where try await h.seedance("ListAssetGroups", #"{"Filter": {"GroupType": "AIGC"}}"#).status == 500 {
                failures += 1
            }
            #expect((30...90).contains(failures), "\(failures) of 200 at a rate of 0.3")
        }
    }

    @Test func droppedResponseAfterCommit() async throws {
        try await withEmulator({
            $0.dropRate = 1
            $0.throttle = false
        }) { h in
            await #expect(throws: (any Error).self, "the connection closes with no answer") {
                _ = try await h.seedance("CreateAssetGroup", #"{"Name": "n"}"#)
            }
            let list = try await h.seedance("ListAssetGroups", #"{"Filter": {"GroupType": "AIGC"}}"#)
            #expect(list.result?["TotalCount"]?.int == 1, "the create was committed all the same")
            let stats = try await h.stats()
            #expect(stats["dropped_responses"]?.int == 1)
            #expect(stats["committed_creates"]?["seedance"]?["groups"]?.int == 1)
            // 0-0 creates lose their answers the same way.
            await #expect(throws: (any Error).self) {
                _ = try await h.request(.POST, "/v1/asset-groups", body: #"{"platform": "JIMENG", "name": "x"}"#)
            }
            #expect(try await h.stats()["committed_creates"]?["0-0"]?["groups"]?.int == 1)
        }
    }

    @Test func latencyIsAdded() async throws {
        try await withEmulator({ $0.latency = .milliseconds(200) ... .milliseconds(200) }) { h in
            let start = ContinuousClock.now
            _ = try await h.seedance("ListAssetGroups", #"{"Filter": {"GroupType": "AIGC"}}"#)
            #expect(ContinuousClock.now - start >= .milliseconds(200))
        }
    }
}

@Suite("Gateway shapes: wrapped envelopes, errors with HTTP 200, the other throttling code")
struct GatewayShapeTests {
    @Test func dataEnvelope() async throws {
        try await withEmulator({ $0.envelope = .data }) { h in
            let r = try await h.seedance("CreateAssetGroup", #"{"Name": "g"}"#)
            #expect(r.status == 200)
            #expect(r.json["data"]?["Id"]?.string?.hasPrefix("group-") == true)
            #expect(r.json["ResponseMetadata"] == nil)
            let e = try await h.seedance("GetAsset", #"{"Id": "asset-x"}"#)
            #expect(e.status == 404)
            #expect(e.json["error"]?["code"]?.string == "NotFound.asset_id")
            #expect(e.json["error"]?["message"]?.string?.isEmpty == false)
        }
    }

    @Test func codeMsgDataEnvelope() async throws {
        try await withEmulator({ $0.envelope = .codeMsgData }) { h in
            let r = try await h.seedance("CreateAssetGroup", #"{"Name": "g"}"#)
            #expect(r.json["code"]?.int == 0)
            #expect(r.json["msg"]?.string == "success")
            #expect(r.json["data"]?["Id"]?.string?.hasPrefix("group-") == true)
        }
    }

    @Test func errorsWithStatus200() async throws {
        try await withEmulator({ $0.errorsWithStatus200 = true }) { h in
            let e = try await h.seedance("GetAsset", #"{"Id": "asset-x"}"#)
            #expect(e.status == 200)
            #expect(e.errorCode == "NotFound.asset_id")
            #expect(e.result == nil)
        }
    }

    @Test func otherThrottlingCode() async throws {
        try await withEmulator({
            $0.throttle = true
            $0.rates["CreateAssetGroup"] = 0.2
            $0.throttleCode = "QuotaWriteQPMExceeded"
        }) { h in
            var throttled: Reply?
            // 0.2 a second with a burst of 2: the third of three calls is refused.
            for _ in 0..<3 where throttled == nil {
                let r = try await h.seedance("CreateAssetGroup", #"{"Name": "g"}"#)
                if r.status == 429 { throttled = r }
            }
            let t = try #require(throttled)
            #expect(t.errorCode == "QuotaWriteQPMExceeded")
            #expect(t.headers.first(name: "Retry-After") != nil)
        }
    }
}
