import JSON
import Timing

/// The native seedance dialect (API.md §1): `POST /v1/seedance/asset/{Action}`, PascalCase
/// fields, answers in the `ResponseMetadata` / `Result` envelope.
struct SeedanceAPI: Sendable {
    let state: EmulatorState
    let configuration: EmulatorConfiguration

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

    func handle(action: String, body: [UInt8], key: String) async -> EmulatorResponse {
        guard let schema = Self.actions[action] else {
            return error(action, APIError(status: 400, code: "InvalidAction", message: "the action \(action) does not exist"))
        }
        if let delay = await state.latency() { try? await Task.sleep(for: delay) }
        switch await state.admit(.seedance, action: action, rateClass: action, key: key) {
        case .throttled(let seconds, let code):
            var response = error(
                action,
                APIError(
                    status: configuration.throttleStatus, code: code, message: "too many requests for \(action); retry later"))
            response.retryAfter = seconds
            return response
        case .rejected(let e):
            return error(action, e)
        case .admitted:
            break
        }
        guard let request = JSONValue.parse(body) else {
            return error(action, .invalid("the request body is not valid JSON"))
        }
        if let e = schema.check(request) { return error(action, e) }
        let project = request["ProjectName"]?.string ?? "default"
        if let projects = configuration.projects, !projects.contains(project) {
            return error(action, .notFound("NotFound.ProjectName", "the project \(project) does not exist"))
        }
        do throws(APIError) {
            let (result, created) = try await perform(action, request, project: project, key: key)
            var response = EmulatorResponse(status: 200, body: envelope(action, result: result))
            if created, await state.dropsResponse() { response.dropConnection = true }
            return response
        } catch {
            return self.error(action, error)
        }
    }

    private func perform(_ action: String, _ r: JSONValue, project: String, key: String) async throws(APIError) -> (
        JSONValue, Bool
    ) {
        switch action {
        case "CreateAssetGroup":
            let name = r["Name"]?.string
            if let e = checkLength(name, field: "Name", min: 1, max: 64) { throw e }
            if let e = checkLength(r["Description"]?.string, field: "Description", max: 300) { throw e }
            if let type = r["GroupType"]?.string, type != "AIGC" { throw .invalid("the parameter GroupType must be AIGC") }
            let g = try await state.createGroup(
                .seedance, key: key, name: name ?? "", description: r["Description"]?.string ?? "", project: project)
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
                .seedance, key: key, groupID: r["GroupId"]?.string ?? "", name: name, type: type, url: url, project: project)
            return (.object([("Id", .string(a.id))]), true)
        case "GetAssetGroup":
            return (render(try await state.group(.seedance, key: key, id: r["Id"]?.string ?? "", project: project)), false)
        case "GetAsset":
            let a = try await state.asset(.seedance, key: key, id: r["Id"]?.string ?? "", project: project)
            return (render(a, now: EmulatorState.now()), false)
        case "ListAssetGroups", "ListAssets":
            let q = try listQuery(r, project: project, assets: action == "ListAssets")
            let items: [JSONValue]
            let total: Int
            if action == "ListAssets" {
                let result = await state.listAssets(key: key, q)
                items = result.items.map { render($0, now: result.now) }
                total = result.total
            } else {
                let result = await state.listGroups(key: key, q)
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
                key: key, id: r["Id"]?.string ?? "", project: project, name: r["Name"]?.string,
                description: r["Description"]?.string)
            return (.object([("Id", .string(g.id))]), false)
        default:  // UpdateAsset
            if let e = checkLength(r["Name"]?.string, field: "Name", min: 1, max: 64) { throw e }
            let a = try await state.updateAsset(key: key, id: r["Id"]?.string ?? "", project: project, name: r["Name"]?.string)
            return (.object([("Id", .string(a.id))]), false)
        }
    }

    private func listQuery(_ r: JSONValue, project: String, assets: Bool) throws(APIError) -> EmulatorState.ListQuery {
        let filter = r["Filter"]
        guard filter?["GroupType"]?.string == "AIGC" else { throw .invalid("the parameter Filter.GroupType must be AIGC") }
        var page = r["PageNumber"]?.int ?? 1
        guard page >= 1 else { throw .invalid("the parameter PageNumber must be 1 or more") }
        if let token = r["NextToken"]?.string, !token.isEmpty {
            // "p{page}-{size}", as this emulator writes them.
            let parts = token.dropFirst().split(separator: "-")
            guard token.hasPrefix("p"), parts.count == 2, let n = Int(parts[0]), n >= 1 else {
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
        return EmulatorState.ListQuery(
            project: project, groupIDs: groupIDs, statuses: assets ? statuses : nil, name: filter?["Name"]?.string, page: page,
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

    private func metadata(_ action: String, error: APIError? = nil) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("RequestId", .string(EmulatorResponse.requestID())), ("Action", .string(action)), ("Version", .string("2024-01-01")),
            ("Service", .string("ark")), ("Region", .string("cn-beijing")),
        ]
        if let error { fields.append(("Error", .object([("Code", .string(error.code)), ("Message", .string(error.message))]))) }
        return .object(fields)
    }

    private func envelope(_ action: String, result: JSONValue) -> JSONValue {
        switch configuration.envelope {
        case .upstream: .object([("ResponseMetadata", metadata(action)), ("Result", result)])
        case .data: .object([("data", result)])
        case .codeMsgData: .object([("code", .int(0)), ("msg", .string("success")), ("data", result)])
        case .bare: result
        case .state: .object([("state", .int(1)), ("data", result), ("error", .null)])
        }
    }

    private func error(_ action: String, _ e: APIError) -> EmulatorResponse {
        let body: JSONValue
        switch configuration.envelope {
        case .upstream:
            body = .object([("ResponseMetadata", metadata(action, error: e))])
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
        return EmulatorResponse(status: configuration.errorsWithStatus200 ? 200 : e.status, body: body)
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
    static let unauthorized = EmulatorResponse(
        status: 401,
        body: .object([
            (
                "error",
                .object([
                    ("message", .string("missing or invalid API key")), ("type", .string("authentication_error")),
                    ("code", .string("invalid_api_key")),
                ])
            )
        ]))
}
