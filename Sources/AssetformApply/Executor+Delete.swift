import AssetformCore
import AssetformRemote
import Timing

/// Deletes (`--prune`, `--prune-failed`, SPEC §11).
extension Executor {
    /// A delete (`--prune`): journaled like a create (the intent on disk before the call, the
    /// result the moment it arrives); an id already gone counts as deleted. A group is deleted
    /// only when it holds nothing this lockfile does not track: its tracked assets were deleted
    /// before it, and what else it holds is looked at first (then it is only forgotten).
    func delete(_ step: Plan.Step, id: String) async throws -> Outcome {
        let address = step.address
        // Only what this lockfile tracks at that address (a saved plan's file may say otherwise).
        guard ledger.trackedID(at: address) == id else {
            throw Skipped(reason: "not deleted: the lockfile does not track \(id) at \(address)")
        }
        if address.isGroup {
            // Its tracked assets went first; one still tracked failed to go, and keeps the group.
            let stillTracked = ledger.assetCount(inGroup: address.group)
            if stillTracked > 0 {
                throw Skipped(
                    reason: "not deleted: \(stillTracked) of its tracked assets could not be deleted (above)", consequence: true)
            }
            let left = try await service.allAssets(groupIDs: [id])
            if !left.isEmpty {
                try await recordDone(.forget(address))
                return .keptHolding(left.count)
            }
        }
        let seq: Int
        switch await ledger.intent({ JournalRecord.Intent(seq: $0, at: UTCDate.now(), address: address, name: "", deletes: id) })
        {
        case .success(let n): seq = n
        case .failure(let failure): throw failure
        }
        do {
            if address.isGroup {
                try await service.deleteGroup(id: id)
            } else {
                try await service.deleteAsset(id: id)
            }
        } catch {
            try ledger.abandon(seq)
            throw error
        }
        try await recordDone(.forget(address), closing: seq)
        return .deleted
    }
}
