public import AssetformCore
import JSON
import Timing

/// The dialects of PascalCase actions (API.md §1, §5): seedance (`POST /v1/seedance/asset/{Action}`
/// with a bearer key), and the upstream's own volcengine and byteplus (`POST /?Action={Action}&
/// Version=2024-01-01`, each request signed), which also delete. One request builder for the
/// three: the same bodies, the same envelope.
public struct SeedanceClient: AssetService {
    let connection: RemoteConnection

    public init(_ connection: RemoteConnection) {
        self.connection = connection
    }

    public var capabilities: Capabilities { .of(connection.settings.api) }

    /// The upstream's API version (API.md §5).
    static let nativeVersion = "2024-01-01"

    public func createGroup(name: String, description: String, beforeSend: CreateHook?) async throws(RemoteError)
        -> RemoteGroup
    {
        let result = try await call(
            "CreateAssetGroup", .write, isCreate: true,
            [("Name", .string(name)), ("Description", .string(description)), ("GroupType", .string("AIGC"))],
            beforeSend: beforeSend)
        return RemoteGroup(
            id: try Exchange.made { () throws(RemoteError) in try id(result, "CreateAssetGroup") }, name: name,
            description: description)
    }

    public func getGroup(id: String) async throws(RemoteError) -> RemoteGroup {
        try group(try await call("GetAssetGroup", .read, [("Id", .string(id))]), "GetAssetGroup")
    }

    public func listGroups(page: Int, token: String?, pageSize: Int) async throws(RemoteError) -> Page<RemoteGroup> {
        let result = try await call(
            "ListAssetGroups", .read,
            [("Filter", .object([("GroupType", .string("AIGC"))]))] + paging(page, token, pageSize))
        return Page(
            items: try items(result, "ListAssetGroups").map { (g) throws(RemoteError) in try group(g, "ListAssetGroups") },
            total: result["TotalCount"]?.int, nextToken: result["NextToken"]?.string)
    }

    /// Always `PageSize` (the upstream's default is 10), creation order; and the token of the
    /// page wanted, when the service pages by token.
    private func paging(_ page: Int, _ token: String?, _ pageSize: Int) -> [(String, JSONValue)] {
        var fields: [(String, JSONValue)] = [
            ("PageNumber", .int(page)), ("PageSize", .int(pageSize)), ("SortBy", .string("CreateTime")),
            ("SortOrder", .string("Asc")),
        ]
        if let token, !token.isEmpty { fields.append(("NextToken", .string(token))) }
        return fields
    }

    public func updateGroup(id: String, name: String?, description: String?) async throws(RemoteError) {
        var fields: [(String, JSONValue)] = [("Id", .string(id))]
        if let name { fields.append(("Name", .string(name))) }
        if let description { fields.append(("Description", .string(description))) }
        _ = try await call("UpdateAssetGroup", .write, fields)
    }

    public func createAsset(groupID: String, name: String, type: AssetType, url: String, beforeSend: CreateHook?)
        async throws(RemoteError) -> RemoteAsset
    {
        let result = try await call(
            "CreateAsset", .createAsset, isCreate: true,
            [
                ("GroupId", .string(groupID)), ("Name", .string(name)), ("AssetType", .string(type.remoteName)),
                ("URL", .string(url)),
            ], beforeSend: beforeSend)
        return RemoteAsset(
            id: try Exchange.made { () throws(RemoteError) in try id(result, "CreateAsset") }, name: name, type: type,
            groupID: groupID, status: .processing)
    }

    public func getAsset(id: String) async throws(RemoteError) -> RemoteAsset {
        try asset(try await call("GetAsset", .read, [("Id", .string(id))]), "GetAsset")
    }

    public func listAssets(groupIDs: [String], statuses: [AssetStatus]?, page: Int, token: String?, pageSize: Int)
        async throws(RemoteError) -> Page<RemoteAsset>
    {
        var filter: [(String, JSONValue)] = [
            ("GroupType", .string("AIGC")), ("GroupIds", .array(groupIDs.map(JSONValue.string))),
        ]
        if let statuses { filter.append(("Statuses", .array(statuses.map { .string($0.rawValue) }))) }
        let result = try await call("ListAssets", .read, [("Filter", .object(filter))] + paging(page, token, pageSize))
        return Page(
            items: try items(result, "ListAssets").map { (a) throws(RemoteError) in try asset(a, "ListAssets") },
            total: result["TotalCount"]?.int, nextToken: result["NextToken"]?.string)
    }

    public func updateAsset(id: String, name: String) async throws(RemoteError) {
        _ = try await call("UpdateAsset", .write, [("Id", .string(id)), ("Name", .string(name))])
    }

    public func deleteAsset(id: String) async throws(RemoteError) {
        try await delete("DeleteAsset", id: id)
    }

    public func deleteGroup(id: String) async throws(RemoteError) {
        try await delete("DeleteAssetGroup", id: id)
    }

    /// A delete: what is already gone counts as deleted (a retried delete whose first answer was lost).
    private func delete(_ action: String, id: String) async throws(RemoteError) {
        guard capabilities.canDelete else {
            throw RemoteError(
                .unsupported, call: action, message: "the \(connection.settings.api.rawValue) API has no delete call")
        }
        do {
            _ = try await call(action, .write, [("Id", .string(id))])
        } catch {
            // Only the service's own word that the object is gone (`NotFound.asset_id`), not any
            // 404 (a wrong path, a gateway's page): a record is never dropped on a guess.
            guard case .notFound = error.kind else { throw error }
            if error.code?.hasPrefix("NotFound") == true { return }
            // Any other 404 is a wrong address (a path, a gateway): every delete would get it.
            var stop = error
            stop.kind = .fatalForRun
            stop.message += " (not the service's NotFound: the address is wrong, check base_url; nothing more is deleted)"
            throw stop
        }
    }

    // MARK: - The exchange

    private func call(
        _ action: String, _ callClass: CallClass, isCreate: Bool = false, _ fields: [(String, JSONValue)],
        beforeSend: CreateHook? = nil
    )
        async throws(RemoteError)
        -> JSONValue
    {
        let body = JSONValue.object(fields + [("ProjectName", .string(connection.settings.projectName))]).encodedBytes
        let native = connection.settings.api.isNative
        return try await connection.exchange(
            RemoteCall(
                action, callClass, isCreate: isCreate,
                answerLimit: action.hasPrefix("List") ? RemoteCall.pageAnswerLimit : 1 << 20), method: "POST",
            path: native ? "/" : "/v1/seedance/asset/" + action,
            query: native ? [("Action", action), ("Version", Self.nativeVersion)] : [],
            body: body, envelope: Envelope.seedance, beforeSend: beforeSend)
    }

    // MARK: - Reading results

    private func id(_ result: JSONValue, _ action: String) throws(RemoteError) -> String {
        try Exchange.checkedID(result["Id"]?.string, field: "Id", call: action)
    }

    private func items(_ result: JSONValue, _ action: String) throws(RemoteError) -> [JSONValue] {
        guard case .array(let items) = result["Items"] ?? .array([]) else {
            throw Exchange.malformed(action, "Items is not a list")
        }
        return items
    }

    private func group(_ g: JSONValue, _ action: String) throws(RemoteError) -> RemoteGroup {
        RemoteGroup(
            id: try id(g, action), name: g["Name"]?.string ?? "", description: g["Description"]?.string ?? "",
            createTime: g["CreateTime"]?.string.flatMap(UTCDate.parseRFC3339))
    }

    private func asset(_ a: JSONValue, _ action: String) throws(RemoteError) -> RemoteAsset {
        guard let status = a["Status"]?.string.flatMap(AssetStatus.init(remote:)) else {
            throw Exchange.malformed(action, "the asset has no known Status")
        }
        // `Error: {Code, Message}`, or (some upstream answers) `FailCode` / `FailReason`.
        let failure =
            a["Error"].flatMap { e in
                e["Code"]?.string.map { RemoteAsset.Failure(code: $0, message: e["Message"]?.string ?? "") }
            }
            ?? a["FailCode"]?.string.flatMap { code in
                code.isEmpty ? nil : RemoteAsset.Failure(code: code, message: a["FailReason"]?.string ?? "")
            }
        return RemoteAsset(
            id: try id(a, action), name: a["Name"]?.string ?? "", type: a["AssetType"]?.string.flatMap(AssetType.init(remote:)),
            groupID: try a["GroupId"]?.string.map { (g) throws(RemoteError) in
                g.isEmpty ? g : try Exchange.checkedID(g, field: "GroupId", call: action)
            } ?? "", status: status, failure: failure,
            createTime: a["CreateTime"]?.string.flatMap(UTCDate.parseRFC3339), url: a["URL"]?.string)
    }
}

extension AssetType {
    /// `Image`, `Video`, `Audio`, as both dialects write types.
    public var remoteName: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }

    public init?(remote: String) {
        self.init(rawValue: remote.lowercased())
    }
}

extension AssetStatus {
    init?(remote: String) {
        switch remote.lowercased() {
        case "processing": self = .processing
        case "active": self = .active
        case "failed": self = .failed
        default: return nil
        }
    }
}
