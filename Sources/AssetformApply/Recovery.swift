public import AssetformCore
public import AssetformRemote
import Durable

/// Before a new plan, the creates a dead run left of unknown outcome (open intents in its
/// journal) are settled (SPEC §6): on seedance the group is listed and what the create made is
/// recorded; on 0-0, which cannot list, they are reported as possible duplicates, and the plan
/// creates them again.
public enum Recovery {
    public struct Result: Sendable {
        public var lockfile: Lockfile
        /// Addresses whose lost create was found remotely and is now recorded.
        public var found: [Address] = []
        /// Addresses (0-0) that may exist remotely twice after they are created again.
        public var possibleDuplicates: [Address] = []
    }

    /// Settles the journal a dead run left (before anything is planned): its completed changes
    /// and what its creates of unknown outcome made go into the lockfile, which is written; then
    /// the journal is removed. Returns the lockfile as written.
    public static func settle(
        _ journal: JournalReplay, service: any AssetService, patience: Duration, lockfilePath: String, journalPath: String
    ) async throws -> Result {
        var result = try await settle(journal.openIntents, lockfile: journal.lockfile, service: service, patience: patience)
        do throws(AtomicFile.Failure) {
            try AtomicFile.makeFolder(AtomicFile.folder(of: lockfilePath))
        } catch {
            throw StateError.cannotWrite(path: lockfilePath, reason: "\(error)")
        }
        try result.lockfile.write(to: lockfilePath)
        // The lockfile holds all of it now; a journal left behind is replayed harmlessly.
        try? AtomicFile.remove(journalPath)
        return result
    }

    public static func settle(
        _ intents: [JournalRecord.Intent], lockfile: Lockfile, service: any AssetService, patience: Duration
    ) async throws(RemoteError) -> Result {
        var result = Result(lockfile: lockfile)
        guard !intents.isEmpty else { return result }
        guard service.capabilities.canList else {
            // One address for all its tries.
            var seen = Set<Address>()
            result.possibleDuplicates = intents.map(\.address).filter { seen.insert($0).inserted }
            return result
        }
        let claims = Claims(lockfile)
        let reconciler = Reconciler(
            service: service, patience: patience, claim: { await claims.claim($0) }, isClaimed: { await claims.has($0) })
        let api = API(rawValue: lockfile.provider.api) ?? .seedance
        for intent in intents where !intent.isAsset {
            if let g = try await reconciler.group(named: intent.name, since: intent.at) {
                // Cannot be refused: a group change applies to any lockfile.
                try? result.lockfile.apply(
                    .group(key: intent.address.group, LockedGroup(id: g.id, name: intent.name, description: intent.description)))
                result.found.append(intent.address)
            }
        }
        let assetIntents = intents.filter(\.isAsset)
        for groupID in Set(assetIntents.compactMap(\.groupID)).sorted() {
            let these = assetIntents.filter { $0.groupID == groupID }
            // (What the address tracked then: the asset a replace replaced, whose elders are never taken.)
            let wanted = these.map {
                Reconciler.Wanted(
                    name: $0.name, type: $0.type ?? .image, since: $0.at,
                    replacing: lockfile.groups[$0.address.group]?.assets[$0.address.asset ?? ""]?.id)
            }
            let found = try await reconciler.assets(in: groupID, wanted: wanted)
            for (intent, asset) in zip(these, found) {
                // Made nothing (or nothing this lockfile can hold, its group gone since): the plan creates it.
                guard let asset, let type = intent.type, let url = intent.url,
                    result.lockfile.groups[intent.address.group]?.id == groupID
                else { continue }
                let change = LockfileChange.asset(
                    intent.address,
                    LockedAsset(
                        id: asset.id, name: intent.name, ref: LockedAsset.ref(for: asset.id, api: api), status: asset.status,
                        type: type, url: url, failure: asset.failure, revision: intent.revision, source: intent.source))
                guard (try? result.lockfile.apply(change)) != nil else { continue }
                result.found.append(intent.address)
            }
        }
        return result
    }

    /// The ids a lockfile tracks, and those found since.
    private actor Claims {
        var ids: Set<String>

        init(_ lockfile: Lockfile) { ids = lockfile.trackedIDs }

        func claim(_ id: String) -> Bool { ids.insert(id).inserted }
        func has(_ id: String) -> Bool { ids.contains(id) }
    }
}
