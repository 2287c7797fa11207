import AssetformCore
import AssetformEmulator
import AssetformRemote
import Foundation
import JSON
import Synchronization
import Testing

@Suite("The seedance client against the emulator")
struct SeedanceClientTests {
    @Test func everyCall() async throws {
        try await withClient(emulator: { $0.processingDelay = .seconds(1) }) { h in
            let s = h.service
            #expect(s.capabilities == .seedance)
            let g = try await s.createGroup(name: "角色素材组", description: "refs")
            #expect(g.id.hasPrefix("group-"))
            let fetched = try await s.getGroup(id: g.id)
            #expect(fetched.name == "角色素材组")
            #expect(fetched.description == "refs")
            #expect(fetched.createTime != nil)
            try await s.updateGroup(id: g.id, name: "renamed", description: nil)
            #expect(try await s.getGroup(id: g.id).name == "renamed")
            #expect(try await s.getGroup(id: g.id).description == "refs", "a nil description is left alone")

            let created = ContinuousClock.now
            let a = try await s.createAsset(groupID: g.id, name: "front", type: .image, url: "https://cdn.example.com/f.png")
            let answered = ContinuousClock.now
            #expect(a.id.hasPrefix("asset-"))
            let processing = try await s.getAsset(id: a.id)
            // Only meaningful if the machine answered within the delay (a loaded one may not).
            if ContinuousClock.now - created < .milliseconds(900) {
                #expect(processing.status == .processing)
                #expect(processing.name == "", "the emulator hides it while Processing, as the service may")
            }
            // The delay runs from when the service made it, before its answer came back.
            try await Task.sleep(until: answered + .milliseconds(1200))
            let active = try await s.getAsset(id: a.id)
            #expect(active.status == .active)
            #expect(active.name == "front")
            #expect(active.type == .image)
            #expect(active.groupID == g.id)
            try await s.updateAsset(id: a.id, name: "front-v2")
            #expect(try await s.getAsset(id: a.id).name == "front-v2")
        }
    }

    @Test func listsPageThroughEverything() async throws {
        try await withClient { h in
            let g1 = try await h.service.createGroup(name: "one", description: "")
            let g2 = try await h.service.createGroup(name: "two", description: "")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<230 {
                    group.addTask {
                        _ = try await h.service.createAsset(
                            groupID: i < 150 ? g1.id : g2.id, name: "a\(i)", type: .video, url: "https://cdn.example.com/\(i).mp4"
                        )
                    }
                }
                try await group.waitForAll()
            }
            let before = try await h.stats()["calls"]?["seedance"]?["ListAssets"]?.int ?? 0
            let all = try await h.service.allAssets(groupIDs: [g1.id, g2.id])
            #expect(all.count == 230)
            #expect(Set(all.map(\.id)).count == 230)
            let after = try await h.stats()["calls"]?["seedance"]?["ListAssets"]?.int ?? 0
            #expect(after - before == 3, "230 assets in pages of 100")
            #expect(try await h.service.allAssets(groupIDs: [g2.id]).count == 80)
            #expect(try await h.service.allGroups().map(\.name) == ["one", "two"])
        }
    }

    @Test func failedAssetsCarryTheServicesCode() async throws {
        try await withClient(emulator: { $0.failingURLPatterns = ["broken"] }) { h in
            let g = try await h.service.createGroup(name: "g", description: "")
            let a = try await h.service.createAsset(
                groupID: g.id, name: "x", type: .image, url: "https://cdn.example.com/broken.png?X-Signature=secret-sig")
            let got = try await h.service.getAsset(id: a.id)
            #expect(got.status == .failed)
            #expect(got.failure?.code == "InvalidParameter.DownloadFailed")
            // The service's message quotes the URL; its query (a signature) must not reach the lockfile.
            #expect(got.failure?.message == "could not download https://cdn.example.com/broken.png?<redacted>")
        }
        try await withClient(.zeroZero, emulator: { $0.failingURLPatterns = ["broken"] }) { h in
            let g = try await h.service.createGroup(name: "g", description: "")
            let a = try await h.service.createAsset(
                groupID: g.id, name: "x", type: .image, url: "https://cdn.example.com/broken.png?sig=secret")
            #expect(
                try await h.service.getAsset(id: a.id).failure?.message
                    == "could not download https://cdn.example.com/broken.png?<redacted>")
        }
    }

    @Test func errorsAreClassified() async throws {
        try await withClient { h in
            let notFound = await remoteError { _ = try await h.service.getAsset(id: "asset-20260101000000-zzzzz") }
            #expect(notFound?.kind == .notFound)
            #expect(
                notFound?.description
                    == "GetAsset failed: HTTP 404: NotFound.asset_id: the asset asset-20260101000000-zzzzz does not exist")
            let invalid = await remoteError {
                _ = try await h.service.createGroup(name: String(repeating: "x", count: 65), description: "")
            }
            #expect(invalid?.kind == .fatalForCall)
            #expect(invalid?.code == "InvalidParameter")
        }
    }

    @Test func errorsWithHTTP200AndWrappedEnvelopes() async throws {
        for envelope in EmulatorConfiguration.Envelope.allCases {
            try await withClient(emulator: {
                $0.envelope = envelope
                $0.errorsWithStatus200 = true
            }) { h in
                let g = try await h.service.createGroup(name: "g", description: "d")
                #expect(try await h.service.getGroup(id: g.id).name == "g", "\(envelope)")
                let missing = await remoteError { _ = try await h.service.getGroup(id: "group-x") }
                #expect(missing?.kind == .notFound, "\(envelope)")
                #expect(missing?.status == 200)
            }
        }
    }

    @Test func unauthorizedIsFatalForTheRun() async throws {
        try await withClient(key: "wrong-key", emulator: { $0.allowedKeys = ["right-key"] }) { h in
            let e = await remoteError { _ = try await h.service.allGroups() }
            #expect(e?.kind == .fatalForRun)
            #expect(e?.status == 401)
            #expect(e?.attempts == 1, "not retried")
        }
        try await withClient(emulator: { $0.unsubscribedKeys = ["client-test-key"] }) { h in
            let e = await remoteError { _ = try await h.service.createGroup(name: "g", description: "") }
            #expect(e?.kind == .fatalForRun)
            #expect(e?.code == "SubscriptionRequired")
        }
    }
}

@Suite("The 0-0 client against the emulator")
struct ZeroZeroClientTests {
    @Test func everyCallItHas() async throws {
        try await withClient(.zeroZero, emulator: { $0.processingDelay = .seconds(1) }) { h in
            let s = h.service
            #expect(s.capabilities == .zeroZero)
            let g = try await s.createGroup(name: "Trailer", description: "shots")
            #expect(g.id.hasPrefix("group-"))
            #expect(try await s.getGroup(id: g.id).name == "Trailer")
            let a = try await s.createAsset(groupID: g.id, name: "opening", type: .video, url: "https://cdn.example.com/o.mov")
            let answered = ContinuousClock.now
            #expect(a.id.hasPrefix("Asset-"))
            #expect(a.status == .processing, "the create's own answer")
            // The delay runs from when the service made it, before its answer came back.
            try await Task.sleep(until: answered + .milliseconds(1200))
            let active = try await s.getAsset(id: a.id)
            #expect(active.status == .active)
            #expect(active.name == "opening")
            #expect(active.type == .video)
            let list = await remoteError {
                _ = try await s.listAssets(groupIDs: [g.id], statuses: nil, page: 1, token: nil, pageSize: 100)
            }
            #expect(list?.kind == .unsupported)
            let update = await remoteError { try await s.updateAsset(id: a.id, name: "x") }
            #expect(update?.kind == .unsupported)
            let missing = await remoteError { _ = try await s.getAsset(id: "Asset-0000000000000000") }
            #expect(missing?.kind == .notFound)
            let unknownGroup = await remoteError {
                _ = try await s.createAsset(groupID: "group-nope", name: "x", type: .image, url: "https://cdn.example.com/x.png")
            }
            #expect(unknownGroup?.kind == .notFound)
        }
    }

    @Test func unauthorized() async throws {
        try await withClient(.zeroZero, key: "nope", emulator: { $0.allowedKeys = ["yes"] }) { h in
            let e = await remoteError { _ = try await h.service.getGroup(id: "group-1") }
            #expect(e?.kind == .fatalForRun)
        }
    }
}

@Suite("A create's intent and the call permits")
struct IntentOrderTests {
    /// One permit, held by a create the emulator answers slowly. Where the dialect lists, a
    /// second create's hook (apply journals its intent there) runs while it waits for that
    /// permit; on 0-0, which cannot list (an intent left open is reported as a possible
    /// duplicate), only once it holds it, after the first create's answer.
    @Test(arguments: [API.seedance, .zeroZero])
    func theHookPrecedesThePermitWhereTheDialectLists(api: API) async throws {
        let limits = Limits(
            concurrency: 1, rates: Rates(createAsset: .unlimited, write: .unlimited, read: .unlimited), attempts: 1,
            timeout: .seconds(30))
        try await withClient(api, limits: limits, emulator: { $0.latency = .milliseconds(400) ... .milliseconds(400) }) { h in
            let group = try await h.service.createGroup(name: "g", description: "", beforeSend: nil)
            let first = Task {
                try await h.service.createAsset(
                    groupID: group.id, name: "a", type: .image, url: "https://cdn.example.com/a.png", beforeSend: nil)
            }
            // The first create holds the permit once it has started.
            let deadline = ContinuousClock.now + .seconds(10)
            while h.events.starts(.createAsset).isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            try #require(!h.events.starts(.createAsset).isEmpty)
            let sawFirstAnswered = Mutex<Bool?>(nil)
            let second = try await h.service.createAsset(
                groupID: group.id, name: "b", type: .image, url: "https://cdn.example.com/b.png",
                beforeSend: { _ in
                    let answered = h.events.events.contains {
                        if case .finished(let call, _, _, _, _) = $0, call.callClass == .createAsset { true } else { false }
                    }
                    sawFirstAnswered.withLock { if $0 == nil { $0 = answered } }
                })
            _ = try await first.value
            #expect(!second.id.isEmpty)
            #expect(sawFirstAnswered.withLock { $0 } == (api == .zeroZero))
        }
    }
}
