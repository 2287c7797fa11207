import JSON
import Timing

/// The PascalCase actions (API.md §1), answered in the `ResponseMetadata` / `Result` envelope:
/// the seedance dialect (`POST /v1/seedance/asset/{Action}`, a bearer key), and the upstream's
/// own signed dialect (`POST /?Action=…`, API.md §5), which `NativeAPI` authenticates and then
/// hands here, with its two deletes on top.
struct SeedanceAPI: Sendable {
    let state: EmulatorState
    let configuration: EmulatorConfiguration

    /// Who calls, and by which route.
    struct Caller: Sendable {
        /// `.seedance` (the gateway's bearer route) or `.volcengine` (the upstream's signed one).
        var dialect: Dialect
        /// What the caller's data is kept under: the bearer key, or the access key.
        var key: String
        /// The region the answer's metadata names.
        var region = "cn-beijing"

        /// The upstream itself answers: always in its own envelope and with real statuses (the
        /// gateway's wrappings and its errors-with-200 are the gateway's).
        var isUpstream: Bool { dialect == .volcengine }
    }

    static let version = "2024-01-01"
    /// The last page a list serves (PageNumber × PageSize stays far from overflowing).
    static let lastPage = 10_000_000

    static let actions: [String: RequestSchema] = {
        let project: [String: RequestSchema.Kind] = ["ProjectName": .string]
        func schema(_ fields: [String: RequestSchema.Kind], required: [String], immutable: Set<String> = []) -> RequestSchema {
            RequestSchema(fields: fields.merging(project) { a, _ in a }, required: required, immutable: immutable)
        }
        let listPaging: [String: RequestSchema.Kind] = [
            "PageNumber": .integer, "PageSize": .integer, "SortBy": .string, "SortOrder": .string, "NextToken": .string,
            "MaxResults": .integer,
        ]
        return [
            "CreateAssetGroup": schema(["Name": .string, "Description": .string, "GroupType": .string], required: ["Name"]),
            "CreateAsset": schema(
                ["GroupId": .string, "Name": .string, "AssetType": .string, "URL": .string],
                required: ["GroupId", "Name", "AssetType", "URL"]),
            "GetAssetGroup": schema(["Id": .string], required: ["Id"]),
            "GetAsset": schema(["Id": .string], required: ["Id"]),
            "ListAssetGroups": schema(
                listPaging.merging([
                    "Filter": .object(
                        RequestSchema(
                            fields: ["GroupType": .string, "GroupIds": .stringArray, "Name": .string], required: ["GroupType"]))
                ]) { a, _ in a }, required: ["Filter"]),
            "ListAssets": schema(
                listPaging.merging([
                    "Filter": .object(
                        RequestSchema(
                            fields: ["GroupType": .string, "GroupIds": .stringArray, "Statuses": .stringArray, "Name": .string],
                            required: ["GroupType"]))
                ]) { a, _ in a }, required: ["Filter"]),
            "UpdateAssetGroup": schema(
                ["Id": .string, "Name": .string, "Description": .string], required: ["Id"], immutable: ["GroupType"]),
            "UpdateAsset": schema(
                ["Id": .string, "Name": .string], required: ["Id"], immutable: ["URL", "AssetType", "GroupId"]),
        ]
    }()

    /// The actions only the upstream itself has (API.md §5): gogogotoken publishes no delete.
    static let upstreamActions: [String: RequestSchema] = [
        "DeleteAssetGroup": RequestSchema(fields: ["Id": .string, "ProjectName": .string], required: ["Id"]),
        "DeleteAsset": RequestSchema(fields: ["Id": .string, "ProjectName": .string], required: ["Id"]),
    ]

    /// Whether `action` is one the caller's dialect has.
    static func actionSchema(_ action: String, upstream: Bool) -> RequestSchema? {
        actions[action] ?? (upstream ? upstreamActions[action] : nil)
    }

    /// The seedance route: a bearer key.
    func handle(action: String, body: [UInt8], key: String) async -> EmulatorResponse {
        await handle(action: action, body: body, caller: Caller(dialect: .seedance, key: key))
    }

    /// The seedance route's answer to a request refused before it is read.
    func refuse(action: String, _ e: APIError, key: String) -> EmulatorResponse {
        error(action, e, Caller(dialect: .seedance, key: key))
    }

    /// Either route, once the caller is known.
    func handle(action: String, body: [UInt8], caller: Caller) async -> EmulatorResponse {
        guard let schema = Self.actionSchema(action, upstream: caller.isUpstream) else {
            let e =
                caller.isUpstream
                ? APIError(
                    status: 404, code: "InvalidActionOrVersion",
                    message: "could not find operation \(action) for version \(Self.version)", codeN: 100008)
                : APIError(status: 400, code: "InvalidAction", message: "the action \(action) does not exist")
            return error(action, e, caller)
        }
        if let delay = await state.latency() { try? await Task.sleep(for: delay) }
        switch await state.admit(caller.dialect, action: action, rateClass: action, key: caller.key) {
        case .throttled(let seconds, let code):
            // `--throttle-status` and `--throttle-code` are a gateway's: the upstream answers
            // its own way (429, and its code; a per-minute write quota keeps its own).
            let upstreamCode = code == configuration.throttleCode ? "AccountFlowLimitExceeded" : code
            var response = error(
                action,
                APIError(
                    status: caller.isUpstream ? 429 : configuration.throttleStatus,
                    code: caller.isUpstream ? upstreamCode : code, message: "too many requests for \(action); retry later"),
                caller)
            response.retryAfter = seconds
            return response
        case .rejected(let e):
            return error(action, e, caller)
        case .admitted:
            break
        }
        guard let request = JSONValue.parse(body) else {
            return error(action, .invalid("the request body is not valid JSON"), caller)
        }
        if let e = schema.check(request) { return error(action, e, caller) }
        let project = request["ProjectName"]?.string ?? "default"
        if let projects = configuration.projects, !projects.contains(project) {
            return error(action, .notFound("NotFound.ProjectName", "the project \(project) does not exist"), caller)
        }
        do throws(APIError) {
            let (result, created) = try await perform(action, request, project: project, caller: caller)
            var response = EmulatorResponse(status: 200, body: envelope(action, result: result, caller))
            if created, await state.dropsResponse() { response.dropConnection = true }
            return response
        } catch {
            return self.error(action, error, caller)
        }
    }

    /// One action, for both routes: the result, and whether it created something.
    private func perform(_ action: String, _ r: JSONValue, project: String, caller: Caller) async throws(APIError) -> (
        JSONValue, Bool
    ) {
        let dialect = caller.dialect
        let key = caller.key
        switch action {
        case "CreateAssetGroup":
            let name = r["Name"]?.string
            if let e = checkLength(name, field: "Name", min: 1, max: 64) { throw e }
            if let e = checkLength(r["Description"]?.string, field: "Description", max: 300) { throw e }
            if let type = r["GroupType"]?.string, type != "AIGC" { throw .invalid("the parameter GroupType must be AIGC") }
            let g = try await state.createGroup(
                dialect, key: key, name: name ?? "", description: r["Description"]?.string ?? "", project: project)
            return (.object([("Id", .string(g.id))]), true)
        case "CreateAsset":
            let name = r["Name"]?.string ?? ""
            if let e = checkLength(name, field: "Name", min: 1, max: 64) { throw e }
            let type = r["AssetType"]?.string ?? ""
            guard ["Image", "Video", "Audio"].contains(type) else {
                throw .invalid("the parameter AssetType must be Image, Video or Audio")
            }
            let url = r["URL"]?.string ?? ""
            if let e = checkPublicURL(url, field: "URL") { throw e }
            let a = try await state.createAsset(
                dialect, key: key, groupID: r["GroupId"]?.string ?? "", name: name, type: type, url: url, project: project)
            return (.object([("Id", .string(a.id))]), true)
        case "GetAssetGroup":
            return (render(try await state.group(dialect, key: key, id: r["Id"]?.string ?? "", project: project)), false)
        case "GetAsset":
            let a = try await state.asset(dialect, key: key, id: r["Id"]?.string ?? "", project: project)
            return (render(a, now: EmulatorState.now()), false)
        case "ListAssetGroups", "ListAssets":
            let q = try listQuery(r, project: project, assets: action == "ListAssets")
            let items: [JSONValue]
            let total: Int
            if action == "ListAssets" {
                let result = await state.listAssets(dialect, key: key, q)
                items = result.items.map { render($0, now: result.now) }
                total = result.total
            } else {
                let result = await state.listGroups(dialect, key: key, q)
                items = result.items.map(render)
                total = result.total
            }
            var fields: [(String, JSONValue)] = [
                ("Items", .array(items)), ("TotalCount", .int(total)), ("PageNumber", .int(q.page)), ("PageSize", .int(q.size)),
            ]
            if configuration.nextToken {
                // Opaque to the client: where the next page starts; "" on the last.
                fields.append(("NextToken", .string(q.page * q.size < total ? "p\(q.page + 1)-\(q.size)" : "")))
            }
            return (.object(fields), false)
        case "UpdateAssetGroup":
            if let e = checkLength(r["Name"]?.string, field: "Name", min: 1, max: 64) { throw e }
            if let e = checkLength(r["Description"]?.string, field: "Description", max: 300) { throw e }
            let g = try await state.updateGroup(
                dialect, key: key, id: r["Id"]?.string ?? "", project: project, name: r["Name"]?.string,
                description: r["Description"]?.string)
            return (.object([("Id", .string(g.id))]), false)
        case "DeleteAssetGroup":
            // The upstream's answer to a delete carries nothing a client needs (assumed: an empty Result).
            try await state.deleteGroup(dialect, key: key, id: r["Id"]?.string ?? "", project: project)
            return (.object([]), false)
        case "DeleteAsset":
            try await state.deleteAsset(dialect, key: key, id: r["Id"]?.string ?? "", project: project)
            return (.object([]), false)
        default:  // UpdateAsset
            if let e = checkLength(r["Name"]?.string, field: "Name", min: 1, max: 64) { throw e }
            let a = try await state.updateAsset(
                dialect, key: key, id: r["Id"]?.string ?? "", project: project, name: r["Name"]?.string)
            return (.object([("Id", .string(a.id))]), false)
        }
    }

    private func listQuery(_ r: JSONValue, project: String, assets: Bool) throws(APIError) -> EmulatorState.ListQuery {
        let filter = r["Filter"]
        // Both kinds of group exist upstream (API.md §1); this emulator makes only AIGC ones, so
        // a listing of real-person groups is empty, not refused.
        let groupType = filter?["GroupType"]?.string
        guard groupType == "AIGC" || groupType == "LivenessFace" else {
            throw .invalid("the parameter Filter.GroupType must be AIGC or LivenessFace")
        }
        var page = r["PageNumber"]?.int ?? 1
        // Bounded, so that no page's offset overflows (a page past the end is empty).
        guard (1...Self.lastPage).contains(page) else {
            throw .invalid("the parameter PageNumber must be from 1 to \(Self.lastPage)")
        }
        if let token = r["NextToken"]?.string, !token.isEmpty {
            // "p{page}-{size}", as this emulator writes them.
            let parts = token.dropFirst().split(separator: "-")
            guard token.hasPrefix("p"), parts.count == 2, let n = Int(parts[0]), (1...Self.lastPage).contains(n) else {
                throw .invalid("the parameter NextToken is not one this service gave")
            }
            page = n
        }
        // The upstream's default page is 10 (API.md §1): a client that relies on a default gets few.
        let size = r["PageSize"]?.int ?? r["MaxResults"]?.int ?? 10
        guard (1...100).contains(size) else { throw .invalid("the parameter PageSize must be from 1 to 100") }
        let sortBy = r["SortBy"]?.string ?? "CreateTime"
        guard sortBy == "CreateTime" || sortBy == "UpdateTime" else {
            throw .invalid("the parameter SortBy must be CreateTime or UpdateTime")
        }
        let order = r["SortOrder"]?.string ?? "Desc"
        guard order == "Desc" || order == "Asc" else { throw .invalid("the parameter SortOrder must be Desc or Asc") }
        var statuses: Set<String>?
        if case .array(let items) = filter?["Statuses"] {
            statuses = Set(items.compactMap(\.string))
            if let bad = statuses?.first(where: { !["Processing", "Active", "Failed"].contains($0) }) {
                throw .invalid("the parameter Filter.Statuses holds an unknown status \(bad)")
            }
        }
        var groupIDs: [String]?
        if case .array(let items) = filter?["GroupIds"] { groupIDs = items.compactMap(\.string) }
        if groupType == "LivenessFace" { groupIDs = [] }
        return EmulatorState.ListQuery(
            // An empty name is a substring of every name: no filter.
            project: project, groupIDs: groupIDs, statuses: assets ? statuses : nil,
            name: filter?["Name"]?.string.flatMap { $0.isEmpty ? nil : $0 }, page: page,
            size: size, byUpdateTime: sortBy == "UpdateTime", descending: order == "Desc")
    }

    // MARK: - Rendering

    private func render(_ g: GroupRecord) -> JSONValue {
        .object([
            ("Id", .string(g.id)), ("Name", .string(g.name)), ("Description", .string(g.description)),
            ("GroupType", .string("AIGC")),
            ("ProjectName", .string(g.projectName)), ("CreateTime", .string(UTCDate.rfc3339(g.createTime))),
            ("UpdateTime", .string(UTCDate.rfc3339(g.updateTime))),
        ])
    }

    private func render(_ a: AssetRecord, now: Double) -> JSONValue {
        let status = a.status(at: now)
        let hidden = status == .processing && configuration.hideWhileProcessing
        var fields: [(String, JSONValue)] = [
            ("Id", .string(a.id)), ("Name", .string(hidden ? "" : a.name)),
            ("URL", .string(status == .active ? a.signedURL : hidden ? "" : a.sourceURL)), ("AssetType", .string(a.assetType)),
            ("GroupId", .string(a.groupID)), ("Status", .string(status.rawValue)),
        ]
        if status == .failed {
            let code = "InvalidParameter.DownloadFailed"
            let message = "could not download \(a.sourceURL)"
            switch configuration.failForm {
            case .error:
                fields.append(("Error", .object([("Code", .string(code)), ("Message", .string(message))])))
            case .failCode:
                fields += [("FailCode", .string(code)), ("FailReason", .string(message))]
            }
        }
        fields += [
            ("ProjectName", .string(a.projectName)), ("CreateTime", .string(UTCDate.rfc3339(a.createTime))),
            ("UpdateTime", .string(UTCDate.rfc3339(a.updateTime))),
        ]
        return .object(fields)
    }

    static func metadata(_ action: String, version: String = SeedanceAPI.version, region: String, error: APIError? = nil)
        -> JSONValue
    {
        var fields: [(String, JSONValue)] = [
            ("RequestId", .string(EmulatorResponse.requestID())), ("Action", .string(action)), ("Version", .string(version)),
            ("Service", .string("ark")), ("Region", .string(region)),
        ]
        if let error {
            var described: [(String, JSONValue)] = [("Code", .string(error.code))]
            if let codeN = error.codeN { described.append(("CodeN", .int(codeN))) }
            described.append(("Message", .string(error.message)))
            fields.append(("Error", .object(described)))
        }
        return .object(fields)
    }

    /// An error in the upstream's own envelope, with its real status: how the upstream answers
    /// before (authentication) or instead of an action.
    /// An error as the gateway in front of the service shapes its own (API.md §1).
    static func gatewayError(status: Int, type: String, code: String, message: String) -> EmulatorResponse {
        EmulatorResponse(
            status: status,
            body: .object([
                ("error", .object([("message", .string(message)), ("type", .string(type)), ("code", .string(code))]))
            ]))
    }

    static func upstreamError(_ action: String, version: String = SeedanceAPI.version, region: String, _ e: APIError)
        -> EmulatorResponse
    {
        EmulatorResponse(
            status: e.status,
            body: .object([("ResponseMetadata", metadata(action, version: version, region: region, error: e))]),
            retryAfter: e.retryAfter)
    }

    private func envelope(_ action: String, result: JSONValue, _ caller: Caller) -> JSONValue {
        let form: EmulatorConfiguration.Envelope = caller.isUpstream ? .upstream : configuration.envelope
        return switch form {
        case .upstream: .object([("ResponseMetadata", Self.metadata(action, region: caller.region)), ("Result", result)])
        case .data: .object([("data", result)])
        case .codeMsgData: .object([("code", .int(0)), ("msg", .string("success")), ("data", result)])
        case .bare: result
        case .state: .object([("state", .int(1)), ("data", result), ("error", .null)])
        }
    }

    private func error(_ action: String, _ e: APIError, _ caller: Caller) -> EmulatorResponse {
        if caller.isUpstream { return Self.upstreamError(action, region: caller.region, e) }
        let body: JSONValue
        switch configuration.envelope {
        case .upstream:
            body = .object([("ResponseMetadata", Self.metadata(action, region: caller.region, error: e))])
        case .data, .codeMsgData:
            body = .object([
                ("error", .object([("message", .string(e.message)), ("type", .string(e.code)), ("code", .string(e.code))]))
            ])
        case .bare:
            body = .object([("Error", .object([("Code", .string(e.code)), ("Message", .string(e.message))]))])
        case .state:
            body = .object([
                ("state", .int(0)), ("data", .null),
                ("error", .object([("code", .string(e.code)), ("message", .string(e.message))])),
            ])
        }
        // The gateway's own statuses (the key, the balance) stay what they are: only the
        // service's answers come with 200 on such a deployment.
        let gateway = e.status == 401 || e.status == 402
        var response = EmulatorResponse(status: configuration.errorsWithStatus200 && !gateway ? 200 : e.status, body: body)
        response.retryAfter = e.retryAfter
        return response
    }
}

/// What a handler answers, before HTTP.
struct EmulatorResponse: Sendable {
    var status: Int
    var body: JSONValue
    /// Seconds, for 429.
    var retryAfter: Int?
    /// Commit happened; drop the connection instead of answering.
    var dropConnection = false

    /// 20 hex digits from two random draws (each draw from the system generator is a syscall).
    static func requestID() -> String {
        let hex = String(UInt64.random(in: .min ... .max), radix: 16) + String(UInt64.random(in: .min ... .max), radix: 16)
        return String(String(repeating: "0", count: max(0, 20 - hex.count)) + hex.prefix(20))
    }

    /// The gateway's 401, shaped as gateway errors are (API.md §1).
    static let unauthorized = SeedanceAPI.gatewayError(
        status: 401, type: "authentication_error", code: "invalid_api_key", message: "missing or invalid API key")
}
