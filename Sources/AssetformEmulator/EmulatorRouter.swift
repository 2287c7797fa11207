import HTTPTypes
import Hummingbird
import JSON
import NIOCore

/// Routes of every dialect and the emulator's own `/_emulator/…` paths on one router.
enum EmulatorRouter {
    static func make(state: EmulatorState, configuration: EmulatorConfiguration) -> Router<EmulatorContext> {
        let router = Router(context: EmulatorContext.self)
        router.add(middleware: UnknownPathAnswer())
        let seedance = SeedanceAPI(state: state, configuration: configuration)
        let zeroZero = ZeroZeroAPI(state: state, configuration: configuration)
        let native = NativeAPI(seedance: seedance, configuration: configuration)

        router.post("/v1/seedance/asset/:action") { request, context in
            guard let key = apiKey(request, configuration) else { return respond(EmulatorResponse.unauthorized, context) }
            let action = context.parameters.get("action") ?? ""
            guard let body = await collect(request, context) else {
                return respond(seedance.refuse(action: action, .tooLarge(context.maxUploadSize), key: key), context)
            }
            return respond(await seedance.handle(action: action, body: body, key: key), context)
        }
        func zeroZeroRoute(_ call: ZeroZeroAPI.Call) -> @Sendable (Request, EmulatorContext) async throws -> Response {
            { request, context in
                guard let key = apiKey(request, configuration) else { return respond(ZeroZeroAPI.unauthorized, context) }
                guard let body = await collect(request, context) else {
                    return respond(zeroZero.refuse(.tooLarge(context.maxUploadSize)), context)
                }
                let response = await zeroZero.handle(
                    call, id: context.parameters.get("id"), platform: request.uri.queryParameters.get("platform"),
                    body: body, key: key)
                return respond(response, context)
            }
        }
        router.post("/v1/asset-groups", use: zeroZeroRoute(.createGroup))
        router.get("/v1/asset-groups/:id", use: zeroZeroRoute(.getGroup))
        router.post("/v1/assets", use: zeroZeroRoute(.createAsset))
        router.get("/v1/assets/:id", use: zeroZeroRoute(.getAsset))

        // The upstream's own dialect: `POST /?Action=…&Version=…`, signed (API.md §5).
        router.post("/") { request, context in
            guard let body = await collect(request, context) else {
                let action = request.uri.queryParameters.get("Action").map { String($0) } ?? ""
                return respond(
                    SeedanceAPI.upstreamError(action, region: "cn-beijing", .tooLarge(context.maxUploadSize)), context)
            }
            return respond(await native.handle(incoming(request, body: body)), context)
        }

        router.get("/_emulator/stats") { _, context in
            respond(EmulatorResponse(status: 200, body: await state.statsJSON()), context)
        }
        router.post("/_emulator/reset") { _, context in
            await state.reset()
            return respond(EmulatorResponse(status: 200, body: .object([("reset", .bool(true))])), context)
        }
        return router
    }

    /// The request's body, or nil when it is larger than the emulator takes (or did not arrive):
    /// an oversized body gets its dialect's error, not an empty answer.
    static func collect(_ request: Request, _ context: EmulatorContext) async -> [UInt8]? {
        guard let buffer = try? await request.body.collect(upTo: context.maxUploadSize) else { return nil }
        return Array(buffer.readableBytesView)
    }

    /// The bearer key, or nil when it is missing, malformed, or not among the allowed keys.
    static func apiKey(_ request: Request, _ configuration: EmulatorConfiguration) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        var key = parts[1].drop { $0 == " " }
        while key.last == " " { key = key.dropLast() }
        guard !key.isEmpty else { return nil }
        if let allowed = configuration.allowedKeys, !allowed.contains(String(key)) { return nil }
        return String(key)
    }

    /// A request as the signature check reads it: the target as sent, and the headers by
    /// lower-case name, with `host` (which HTTP/1 → HTTP types moves to the authority).
    static func incoming(_ request: Request, body: [UInt8]) -> NativeAPI.Incoming {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            if let earlier = headers[name] {
                // A header the signature rests on, sent twice, is no value at all: the check fails.
                let signed: Set<String> = ["authorization", "host", "x-date", "x-content-sha256"]
                headers[name] = signed.contains(name) ? "" : earlier + "," + field.value
            } else {
                headers[name] = field.value
            }
        }
        if headers["host"] == nil, let authority = request.head.authority { headers["host"] = authority }
        return NativeAPI.Incoming(
            method: request.method.rawValue, target: request.head.path ?? "/", headers: headers, body: body)
    }

    static let retryAfter = HTTPField.Name("Retry-After")!

    static func respond(_ r: EmulatorResponse, _ context: EmulatorContext) -> Response {
        if r.dropConnection {
            // The create is committed; the client never hears of it.
            context.channel.close(promise: nil)
        }
        var headers: HTTPFields = [.contentType: "application/json"]
        if let seconds = r.retryAfter { headers[retryAfter] = String(seconds) }
        return Response(
            status: HTTPResponse.Status(code: r.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: r.body.encodedBytes)))
    }
}
