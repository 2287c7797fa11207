import JSON

/// The 0-0 dialect (API.md §2): REST paths, snake_case fields, `platform` on every call, answers
/// in the `{code, msg, data}` envelope.
struct ZeroZeroAPI: Sendable {
    let state: EmulatorState
    let configuration: EmulatorConfiguration

    enum Call: String, Sendable {
        case createGroup = "POST /v1/asset-groups"
        case getGroup = "GET /v1/asset-groups/{group_id}"
        case createAsset = "POST /v1/assets"
        case getAsset = "GET /v1/assets/{asset_id}"

        /// The seedance action whose rate this call shares.
        var rateClass: String {
            switch self {
            case .createGroup: "CreateAssetGroup"
            case .getGroup: "GetAssetGroup"
            case .createAsset: "CreateAsset"
            case .getAsset: "GetAsset"
            }
        }
    }

    static let groupSchema = RequestSchema(
        fields: ["platform": .string, "name": .string, "description": .string, "project_name": .string],
        required: ["platform", "name"])
    static let assetSchema = RequestSchema(
        fields: ["platform": .string, "group_id": .string, "url": .string, "asset_type": .string, "name": .string],
        required: ["platform", "group_id", "url", "asset_type"])

    /// `id` for the GET calls; `platform` from the query for GETs; `body` for POSTs.
    func handle(_ call: Call, id: String?, platform: String?, body: [UInt8], key: String) async -> EmulatorResponse {
        if let delay = await state.latency() { try? await Task.sleep(for: delay) }
        switch await state.admit(.zeroZero, action: call.rawValue, rateClass: call.rateClass, key: key) {
        case .throttled(let seconds, _):
            var response = error(APIError(status: 429, code: "429", message: "rate limit exceeded; retry later"))
            response.retryAfter = seconds
            return response
        case .rejected(let e):
            return error(e)
        case .admitted:
            break
        }
        do throws(APIError) {
            switch call {
            case .getGroup, .getAsset:
                guard let platform, !platform.isEmpty else { throw .invalid("the query parameter platform is required") }
                try check(platform: platform)
                if call == .getGroup {
                    return ok(render(try await state.group(.zeroZero, key: key, id: id ?? "", project: nil)))
                }
                let a = try await state.asset(.zeroZero, key: key, id: id ?? "", project: nil)
                return ok(render(a, now: EmulatorState.now()))
            case .createGroup, .createAsset:
                guard let request = JSONValue.parse(body) else { throw .invalid("the request body is not valid JSON") }
                if let e = (call == .createGroup ? Self.groupSchema : Self.assetSchema).check(request) { throw e }
                try check(platform: request["platform"]?.string ?? "")
                var response: EmulatorResponse
                if call == .createGroup {
                    let name = request["name"]?.string
                    if let e = checkLength(name, field: "name", min: 1, max: 64) { throw e }
                    if let e = checkLength(request["description"]?.string, field: "description", max: 300) { throw e }
                    let g = try await state.createGroup(
                        .zeroZero, key: key, name: name ?? "", description: request["description"]?.string ?? "",
                        project: request["project_name"]?.string ?? "default")
                    response = ok(render(g))
                } else {
                    if let e = checkLength(request["name"]?.string, field: "name", max: 64) { throw e }
                    let type = request["asset_type"]?.string ?? ""
                    guard ["Image", "Video", "Audio"].contains(type) else {
                        throw .invalid("asset_type must be Image, Video or Audio")
                    }
                    let url = request["url"]?.string ?? ""
                    if let e = checkPublicURL(url, field: "url") { throw e }
                    let a = try await state.createAsset(
                        .zeroZero, key: key, groupID: request["group_id"]?.string ?? "", name: request["name"]?.string ?? "",
                        type: type, url: url, project: "default")
                    response = ok(render(a, now: EmulatorState.now()))
                }
                if await state.dropsResponse() { response.dropConnection = true }
                return response
            }
        } catch {
            return self.error(error)
        }
    }

    private func check(platform: String) throws(APIError) {
        guard configuration.platforms.contains(platform) else { throw .invalid("the platform \(platform) is not supported") }
    }

    private func render(_ g: GroupRecord) -> JSONValue {
        .object([
            ("group_id", .string(g.id)), ("name", .string(g.name)), ("description", .string(g.description)),
            ("project_name", .string(g.projectName)), ("status", .string("Active")), ("created_at", .int(Int(g.createTime))),
        ])
    }

    private func render(_ a: AssetRecord, now: Double) -> JSONValue {
        let status = a.status(at: now)
        var fields: [(String, JSONValue)] = [
            ("asset_id", .string(a.id)), ("name", .string(a.name)), ("group_id", .string(a.groupID)),
            ("asset_type", .string(a.assetType)), ("status", .string(status.rawValue)),
            ("url", .string(status == .active ? a.signedURL : a.sourceURL)), ("created_at", .int(Int(a.createTime))),
        ]
        if status == .failed {
            fields.append(
                (
                    "error",
                    .object([
                        ("code", .string("InvalidParameter.DownloadFailed")),
                        ("message", .string("could not download \(a.sourceURL)")),
                    ])
                ))
        }
        return .object(fields)
    }

    private func ok(_ data: JSONValue) -> EmulatorResponse {
        EmulatorResponse(status: 200, body: .object([("code", .int(200)), ("msg", .string("OK")), ("data", data)]))
    }

    /// The answer to a request refused before it is read.
    func refuse(_ e: APIError) -> EmulatorResponse { error(e) }

    private func error(_ e: APIError) -> EmulatorResponse { Self.envelope(e) }

    /// An error in 0-0's envelope: `code` the HTTP status, `msg` the reason, `data` null.
    static func envelope(_ e: APIError) -> EmulatorResponse {
        let message = e.code == String(e.status) ? e.message : "\(e.code): \(e.message)"
        return EmulatorResponse(
            status: e.status, body: .object([("code", .int(e.status)), ("msg", .string(message)), ("data", .null)]),
            retryAfter: e.retryAfter)
    }

    static let unauthorized = EmulatorResponse(
        status: 401, body: .object([("code", .int(401)), ("msg", .string("missing or invalid API key")), ("data", .null)]))
}
