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
        /// Then, the next creates of assets are refused (400), making nothing.
        var refuseCreates = 0
        /// The next creates of assets commit, and their successful answer cannot be read.
        var unreadableAnswers = 0
        /// The next creates of assets make nothing and are answered 500 (an unknown outcome,
        /// which a listing settles).
        var unmadeFailures = 0
        /// Ids that listings leave out (a short page, an index behind), though a GET finds them.
        var unlisted: Set<String> = []
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
        let all = state.withLock { s in s.groups.filter { !s.unlisted.contains($0.id) } }
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
        let refused = state.withLock { s in
            guard s.loseAnswers == 0, s.refuseCreates > 0 else { return false }
            s.refuseCreates -= 1
            s.creates += 1
            return true
        }
        if refused { throw RemoteError(.fatalForCall, call: "CreateAsset", status: 400, code: "InvalidParameter", message: "no") }
        let unmade = state.withLock { s in
            guard s.unmadeFailures > 0 else { return false }
            s.unmadeFailures -= 1
            s.creates += 1
            return true
        }
        if unmade {
            throw RemoteError(.ambiguous, call: "CreateAsset", status: 500, code: "InternalError", message: "try later")
        }
        let asset = RemoteAsset(
            id: newID("asset"), name: name, type: type, groupID: groupID, status: .active, createTime: RetryAfter.now())
        let (lost, unreadable) = state.withLock { s in
            s.assets.append(asset)
            s.creates += 1
            if s.loseAnswers > 0 {
                s.loseAnswers -= 1
                return (true, false)
            }
            guard s.unreadableAnswers > 0 else { return (false, false) }
            s.unreadableAnswers -= 1
            return (false, true)
        }
        if lost { throw RemoteError(.ambiguous, call: "CreateAsset", message: "the connection closed before an answer") }
        if unreadable {
            // As the clients' `Exchange.made` makes it.
            var error = RemoteError(
                .ambiguous, call: "CreateAsset",
                message: "the answer is not one the API describes: no id (the create was answered with success, so it was made)")
            error.answeredSuccess = true
            throw error
        }
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
            s.assets.filter {
                groupIDs.contains($0.groupID) && (statuses?.contains($0.status) ?? true) && !s.unlisted.contains($0.id)
            }
        }
        return Page(items: Array(all.dropFirst((page - 1) * pageSize).prefix(pageSize)), total: all.count)
    }

    func updateAsset(id: String, name: String) async throws(RemoteError) {
        state.withLock { s in
            if let i = s.assets.firstIndex(where: { $0.id == id }) { s.assets[i].name = name }
        }
    }
}
