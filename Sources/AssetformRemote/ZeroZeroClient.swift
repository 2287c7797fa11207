public import AssetformCore
import JSON
public import Logging

/// The 0-0 dialect (API.md §2): REST paths, snake_case fields, `platform` on every call. It has
/// no list and no update.
public struct ZeroZeroClient: AssetService {
    let connection: RemoteConnection
    private var settings: RemoteSettings { connection.settings }

    public init(_ connection: RemoteConnection) {
        self.connection = connection
    }

    public var capabilities: Capabilities { .zeroZero }

    public func createGroup(name: String, description: String, beforeSend: CreateHook?) async throws(RemoteError)
        -> RemoteGroup
    {
        let data = try await call(
            RemoteCall("POST /v1/asset-groups", .write, isCreate: true), "POST", "/v1/asset-groups",
            body: [
                ("platform", .string(settings.platform)), ("name", .string(name)), ("description", .string(description)),
                ("project_name", .string(settings.projectName)),
            ], beforeSend: beforeSend)
        return try Exchange.made { () throws(RemoteError) in try group(data) }
    }

    public func getGroup(id: String) async throws(RemoteError) -> RemoteGroup {
        try group(
            try await call(RemoteCall("GET /v1/asset-groups/{group_id}", .read), "GET", "/v1/asset-groups/" + Self.escape(id)))
    }

    public func listGroups(page: Int, token: String?, pageSize: Int) async throws(RemoteError) -> Page<RemoteGroup> {
        throw unsupported("listing groups")
    }

    public func updateGroup(id: String, name: String?, description: String?) async throws(RemoteError) {
        throw unsupported("updating a group")
    }

    public func createAsset(groupID: String, name: String, type: AssetType, url: String, beforeSend: CreateHook?)
        async throws(RemoteError) -> RemoteAsset
    {
        let data = try await call(
            RemoteCall("POST /v1/assets", .createAsset, isCreate: true), "POST", "/v1/assets",
            body: [
                ("platform", .string(settings.platform)), ("group_id", .string(groupID)), ("url", .string(url)),
                ("asset_type", .string(type.remoteName)), ("name", .string(name)),
            ], beforeSend: beforeSend)
        return try Exchange.made { () throws(RemoteError) in try asset(data) }
    }

    public func getAsset(id: String) async throws(RemoteError) -> RemoteAsset {
        try asset(try await call(RemoteCall("GET /v1/assets/{asset_id}", .read), "GET", "/v1/assets/" + Self.escape(id)))
    }

    public func listAssets(groupIDs: [String], statuses: [AssetStatus]?, page: Int, token: String?, pageSize: Int)
        async throws(RemoteError) -> Page<
            RemoteAsset
        >
    {
        throw unsupported("listing assets")
    }

    public func updateAsset(id: String, name: String) async throws(RemoteError) {
        throw unsupported("updating an asset")
    }

    // MARK: - The exchange

    private func call(
        _ call: RemoteCall, _ method: String, _ path: String, body: [(String, JSONValue)]? = nil,
        beforeSend: CreateHook? = nil
    )
        async throws(RemoteError)
        -> JSONValue
    {
        let query = method == "GET" ? [("platform", settings.platform)] : []
        return try await connection.exchange(
            call, method: method, path: path, query: query, body: body.map { JSONValue.object($0).encodedBytes },
            envelope: Envelope.zeroZero, beforeSend: beforeSend)
    }

    private func unsupported(_ what: String) -> RemoteError {
        RemoteError(.unsupported, call: "0-0", message: "the 0-0 API has no call for \(what)")
    }

    /// Percent-encodes a path segment or query value.
    static func escape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) {
                out.append(c)
            } else {
                out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
            }
        }
        return out
    }

    // MARK: - Reading results

    private func group(_ d: JSONValue) throws(RemoteError) -> RemoteGroup {
        let id = try Exchange.checkedID(d["group_id"]?.string, field: "group_id", call: "0-0 group")
        return RemoteGroup(
            id: id, name: d["name"]?.string ?? "", description: d["description"]?.string ?? "",
            createTime: d["created_at"]?.int.map(Double.init))
    }

    private func asset(_ d: JSONValue) throws(RemoteError) -> RemoteAsset {
        let id = try Exchange.checkedID(d["asset_id"]?.string, field: "asset_id", call: "0-0 asset")
        // A status this client does not know (`Queued`) is not yet Active or Failed: the asset is
        // there (a create that answered it is made and billed), and is waited for as Processing.
        guard let text = d["status"]?.string, !text.isEmpty else { throw Exchange.malformed("0-0 asset", "no status") }
        let status = AssetStatus(remote: text) ?? .processing
        let failure = d["error"].flatMap { e in
            e["code"]?.string.map { RemoteAsset.Failure(code: $0, message: e["message"]?.string ?? "") }
        }
        return RemoteAsset(
            id: id, name: d["name"]?.string ?? "", type: d["asset_type"]?.string.flatMap(AssetType.init(remote:)),
            groupID: try d["group_id"]?.string.map { (g) throws(RemoteError) in
                g.isEmpty ? g : try Exchange.checkedID(g, field: "group_id", call: "0-0 asset")
            } ?? "", status: status, failure: failure,
            createTime: d["created_at"]?.int.map(Double.init))
    }
}

/// Makes the client for a provider's dialect.
public enum RemoteClient {
    public static func make(_ settings: RemoteSettings, transport: HTTPTransport, policy: CallPolicy, logger: Logger)
        -> any AssetService
    {
        let connection = RemoteConnection(settings: settings, transport: transport, policy: policy, logger: logger)
        switch settings.api {
        case .seedance, .volcengine, .byteplus: return SeedanceClient(connection)
        case .zeroZero: return ZeroZeroClient(connection)
        }
    }
}
