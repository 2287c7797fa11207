import AssetformApply
import AssetformCore
import AssetformRemote
import Synchronization
import Testing

/// What a create of unknown outcome made, found by listing with the real client against the
/// emulator.
@Suite("Reconciling a create of unknown outcome")
struct ReconcilerTests {
    /// The ids claimed so far.
    final class Claims: Sendable {
        let ids = Mutex<Set<String>>([])
    }

    /// A reconciler whose claims are kept in `claimed`.
    static func reconciler(_ service: any AssetService, claimed: Claims) -> Reconciler {
        Reconciler(
            service: service, patience: .seconds(2),
            claim: { id in claimed.ids.withLock { $0.insert(id).inserted } },
            isClaimed: { id in claimed.ids.withLock { $0.contains(id) } })
    }

    @Test func anAssetMadeLongBeforeTheIntentIsNeverTakenForWhatItMade() async throws {
        try await withClient { h in
            let group = try await h.service.createGroup(name: "chars", description: "", beforeSend: nil)
            // What a replace leaves behind: the asset it replaces, of the same name, untracked now.
            let old = try await h.service.createAsset(
                groupID: group.id, name: "Back", type: .image, url: "https://cdn.example.com/back.png", beforeSend: nil)
            let listed = try await h.service.allAssets(groupIDs: [group.id])
            let made = try #require(listed.first?.createTime)
            let groupMade = try #require(try await h.service.allGroups().first?.createTime)
            let claimed = Claims()
            // The replace's create, journaled an hour later, made nothing (its answer was a 500).
            let found = try await Self.reconciler(h.service, claimed: claimed).assets(
                in: group.id, wanted: [Reconciler.Wanted(name: "Back", type: .image, since: made + 3600)])
            #expect(found.map { $0?.id } == [nil], "the old asset is not what the create made")
            #expect(claimed.ids.withLock { $0.isEmpty })
            // The same for a group.
            let again = try await Self.reconciler(h.service, claimed: claimed).group(
                named: "chars", since: groupMade + 3600)
            #expect(again == nil)
            // A minute earlier than the intent, and nothing made since: this machine's clock runs
            // ahead of the service's, and that is what the create made (sent again, it would be
            // billed twice).
            let ahead = try await Self.reconciler(h.service, claimed: Claims()).assets(
                in: group.id, wanted: [Reconciler.Wanted(name: "Back", type: .image, since: made + 60)])
            #expect(ahead.map { $0?.id } == [old.id])
            // Made at the intent's time (within the clocks' difference), it is.
            let now = try await Self.reconciler(h.service, claimed: claimed).assets(
                in: group.id, wanted: [Reconciler.Wanted(name: "Back", type: .image, since: made)])
            #expect(now.map { $0?.id } == [old.id])
        }
    }

    @Test func nothingMadeBeforeTheAssetAReplaceReplacesIsTakenForItsCreate() async throws {
        try await withClient { h in
            let group = try await h.service.createGroup(name: "chars", description: "", beforeSend: nil)
            // v1, replaced by v2 (v1 left behind, untracked), and v2 now replaced in turn: that
            // create's answer was lost, and it made nothing.
            let v1 = try await h.service.createAsset(
                groupID: group.id, name: "Hero", type: .image, url: "https://cdn.example.com/v1.png", beforeSend: nil)
            try await Task.sleep(for: .milliseconds(1100))
            let v2 = try await h.service.createAsset(
                groupID: group.id, name: "Hero", type: .image, url: "https://cdn.example.com/v2.png", beforeSend: nil)
            let listed = try await h.service.allAssets(groupIDs: [group.id])
            let v2Made = try #require(listed.first { $0.id == v2.id }?.createTime)
            let claimed = Claims()
            claimed.ids.withLock { _ = $0.insert(v2.id) }  // tracked: the asset being replaced
            let found = try await Self.reconciler(h.service, claimed: claimed).assets(
                in: group.id,
                wanted: [Reconciler.Wanted(name: "Hero", type: .image, since: v2Made + 30, replacing: v2.id)])
            #expect(found.map { $0?.id } == [nil], "v1 holds an older url's content: the create is sent again")
            // Not knowing what it replaces, the clocks' fallback would have taken v1.
            let blind = try await Self.reconciler(h.service, claimed: claimed).assets(
                in: group.id, wanted: [Reconciler.Wanted(name: "Hero", type: .image, since: v2Made + 30)])
            #expect(blind.map { $0?.id } == [v1.id])
        }
    }

    @Test func aNamelessProcessingAssetMadeBeforeTheIntentIsWaitedForAsFarBackAsOneIsTaken() async throws {
        // This machine's clock runs a minute ahead of the service's: the create's asset was made
        // "a minute before" its intent, and is still Processing with its name hidden. The search
        // waits for it to show its name (and takes it), instead of concluding at once that the
        // create made nothing (sent again, billed twice).
        try await withClient(emulator: { $0.processingDelay = .milliseconds(1500) }) { h in
            let group = try await h.service.createGroup(name: "chars", description: "", beforeSend: nil)
            let made = try await h.service.createAsset(
                groupID: group.id, name: "Hero", type: .image, url: "https://cdn.example.com/hero.png", beforeSend: nil)
            let listed = try await h.service.allAssets(groupIDs: [group.id])
            #expect(listed.first?.nameIsHidden == true, "Processing, its name hidden")
            let at = try #require(listed.first?.createTime)
            let found = try await Self.reconciler(h.service, claimed: Claims()).assets(
                in: group.id, wanted: [Reconciler.Wanted(name: "Hero", type: .image, since: at + 60)])
            #expect(found.map { $0?.id } == [made.id])
        }
    }
}
