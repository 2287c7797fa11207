public import AssetformCore

/// The calls the planner and the executor need, whatever the dialect.
public protocol AssetService: Sendable {
    var capabilities: Capabilities { get }

    /// `beforeSend` runs just before each attempt is sent (apply journals its intent there).
    func createGroup(name: String, description: String, beforeSend: CreateHook?) async throws(RemoteError) -> RemoteGroup
    func getGroup(id: String) async throws(RemoteError) -> RemoteGroup
    /// One page, in creation order (oldest first), `pageSize` at most 100: page `page`, or the
    /// page `token` (the previous page's `nextToken`) names.
    func listGroups(page: Int, token: String?, pageSize: Int) async throws(RemoteError) -> Page<RemoteGroup>
    func updateGroup(id: String, name: String?, description: String?) async throws(RemoteError)

    func createAsset(groupID: String, name: String, type: AssetType, url: String, beforeSend: CreateHook?)
        async throws(RemoteError) -> RemoteAsset
    func getAsset(id: String) async throws(RemoteError) -> RemoteAsset
    /// One page of the named groups' assets (of those statuses only, when given), in creation
    /// order (oldest first).
    func listAssets(groupIDs: [String], statuses: [AssetStatus]?, page: Int, token: String?, pageSize: Int)
        async throws(RemoteError) -> Page<RemoteAsset>
    func updateAsset(id: String, name: String) async throws(RemoteError)

    /// Deletes an asset (`capabilities.canDelete` only); one already gone is not an error.
    func deleteAsset(id: String) async throws(RemoteError)
    /// Deletes a group and whatever it still holds (`capabilities.canDelete` only).
    func deleteGroup(id: String) async throws(RemoteError)
}

extension AssetService {
    /// Dialects without a delete call: refused (the planner never plans one for them).
    public func deleteAsset(id: String) async throws(RemoteError) {
        throw RemoteError(.unsupported, call: "DeleteAsset", message: "this dialect has no delete call")
    }

    public func deleteGroup(id: String) async throws(RemoteError) {
        throw RemoteError(.unsupported, call: "DeleteAssetGroup", message: "this dialect has no delete call")
    }

    public func createGroup(name: String, description: String) async throws(RemoteError) -> RemoteGroup {
        try await createGroup(name: name, description: description, beforeSend: nil)
    }

    public func createAsset(groupID: String, name: String, type: AssetType, url: String) async throws(RemoteError)
        -> RemoteAsset
    {
        try await createAsset(groupID: groupID, name: name, type: type, url: url, beforeSend: nil)
    }

    /// Every group, a page of 100 at a time.
    public func allGroups() async throws(RemoteError) -> [RemoteGroup] {
        try await Paging.all("ListAssetGroups", id: \RemoteGroup.id) { (page, token) async throws(RemoteError) in
            try await listGroups(page: page, token: token, pageSize: Paging.pageSize)
        }
    }

    /// Every asset of the named groups (of those statuses only, when given), a page of 100 at a time.
    public func allAssets(groupIDs: [String], statuses: [AssetStatus]? = nil) async throws(RemoteError) -> [RemoteAsset] {
        var all: [RemoteAsset] = []
        try await eachAsset(groupIDs: groupIDs, statuses: statuses) { all += $0 }
        return all
    }

    /// `allAssets`, handed to `body` a page at a time as the pages arrive; the groups listed
    /// `Paging.groupsPerFilter` to a walk, one walk after another.
    public func eachAsset(groupIDs: [String], statuses: [AssetStatus]? = nil, _ body: ([RemoteAsset]) -> Void)
        async throws(RemoteError)
    {
        for ids in Paging.filters(groupIDs) {
            try await Paging.each(
                "ListAssets", id: \RemoteAsset.id,
                page: { (page, token) async throws(RemoteError) in
                    try await listAssets(groupIDs: ids, statuses: statuses, page: page, token: token, pageSize: Paging.pageSize)
                }, body)
        }
    }
}
