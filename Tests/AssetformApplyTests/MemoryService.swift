import AssetformCore
import AssetformRemote
import Synchronization

/// An asset service in memory, for unit tests of the executor and the run: groups and assets
/// by id, creates that can be told to commit and then lose their answer, and a count of calls.
/// (The real client against the emulator is tested elsewhere; this one isolates apply's logic.)
final class MemoryService: AssetService, Sendable {
    struct State {
        var groups: [RemoteGroup] = []
        var assets: [RemoteAsset] = []
        var creates = 0
        /// The next creates of assets commit, then answer as if the connection dropped.
        var loseAnswers = 0
        var next = 0
    }
    let state = Mutex(State())
    let canList: Bool

    init(canList: Bool = true) { self.canList = canList }

    var capabilities: Capabilities { canList ? .seedance : .zeroZero }

    private func newID(_ prefix: String) -> String {
        state.withLock { s in
            s.next += 1
            return "\(prefix)-20260101000000-\(String(s.next + 10000, radix: 36))"
        }
    }

    func createGroup(name: String, description: String, beforeSend: CreateHook?) async throws(RemoteError) -> RemoteGroup {
        try await beforeSend?(1)
        let group = RemoteGroup(id: newID("group"), name: name, description: description, createTime: RetryAfter.now())
        state.withLock { $0.groups.append(group) }
        return group
    }

    func getGroup(id: String) async throws(RemoteError) -> RemoteGroup {
        guard let g = state.withLock({ s in s.groups.first { $0.id == id } }) else {
            throw RemoteError(.notFound, call: "GetAssetGroup", message: "gone")
        }
        return g
    }

    func listGroups(page: Int, token: String?, pageSize: Int) async throws(RemoteError) -> Page<RemoteGroup> {
        let all = state.withLock { $0.groups }
        return Page(items: Array(all.dropFirst((page - 1) * pageSize).prefix(pageSize)), total: all.count)
    }

    func updateGroup(id: String, name: String?, description: String?) async throws(RemoteError) {
        state.withLock { s in
            guard let i = s.groups.firstIndex(where: { $0.id == id }) else { return }
            if let name { s.groups[i].name = name }
            if let description { s.groups[i].description = description }
        }
    }

    func createAsset(groupID: String, name: String, type: AssetType, url: String, beforeSend: CreateHook?)
        async throws(RemoteError) -> RemoteAsset
    {
        try await beforeSend?(1)
        let asset = RemoteAsset(
            id: newID("asset"), name: name, type: type, groupID: groupID, status: .active, createTime: RetryAfter.now())
        let lost = state.withLock { s in
            s.assets.append(asset)
            s.creates += 1
            guard s.loseAnswers > 0 else { return false }
            s.loseAnswers -= 1
            return true
        }
        if lost { throw RemoteError(.ambiguous, call: "CreateAsset", message: "the connection closed before an answer") }
        return asset
    }

    func getAsset(id: String) async throws(RemoteError) -> RemoteAsset {
        guard let a = state.withLock({ s in s.assets.first { $0.id == id } }) else {
            throw RemoteError(.notFound, call: "GetAsset", message: "gone")
        }
        return a
    }

    func listAssets(groupIDs: [String], statuses: [AssetStatus]?, page: Int, token: String?, pageSize: Int)
        async throws(RemoteError) -> Page<RemoteAsset>
    {
        let all = state.withLock { s in
            s.assets.filter { groupIDs.contains($0.groupID) && (statuses?.contains($0.status) ?? true) }
        }
        return Page(items: Array(all.dropFirst((page - 1) * pageSize).prefix(pageSize)), total: all.count)
    }

    func updateAsset(id: String, name: String) async throws(RemoteError) {
        state.withLock { s in
            if let i = s.assets.firstIndex(where: { $0.id == id }) { s.assets[i].name = name }
        }
    }
}
