import HTTPTypes
import Hummingbird
import JSON
import NIOCore

/// Routes of both dialects and the emulator's own `/_emulator/…` paths on one router.
enum EmulatorRouter {
    static func make(state: EmulatorState, configuration: EmulatorConfiguration) -> Router<EmulatorContext> {
        let router = Router(context: EmulatorContext.self)
        let seedance = SeedanceAPI(state: state, configuration: configuration)
        let zeroZero = ZeroZeroAPI(state: state, configuration: configuration)

        router.post("/v1/seedance/asset/:action") { request, context in
            guard let key = apiKey(request, configuration) else { return respond(EmulatorResponse.unauthorized, context) }
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let action = context.parameters.get("action") ?? ""
            return respond(await seedance.handle(action: action, body: Array(body.readableBytesView), key: key), context)
        }
        func zeroZeroRoute(_ call: ZeroZeroAPI.Call) -> @Sendable (Request, EmulatorContext) async throws -> Response {
            { request, context in
                guard let key = apiKey(request, configuration) else { return respond(ZeroZeroAPI.unauthorized, context) }
                let body = try await request.body.collect(upTo: context.maxUploadSize)
                let response = await zeroZero.handle(
                    call, id: context.parameters.get("id"), platform: request.uri.queryParameters.get("platform"),
                    body: Array(body.readableBytesView), key: key)
                return respond(response, context)
            }
        }
        router.post("/v1/asset-groups", use: zeroZeroRoute(.createGroup))
        router.get("/v1/asset-groups/:id", use: zeroZeroRoute(.getGroup))
        router.post("/v1/assets", use: zeroZeroRoute(.createAsset))
        router.get("/v1/assets/:id", use: zeroZeroRoute(.getAsset))

        router.get("/_emulator/stats") { _, context in
            respond(EmulatorResponse(status: 200, body: await state.statsJSON()), context)
        }
        router.post("/_emulator/reset") { _, context in
            await state.reset()
            return respond(EmulatorResponse(status: 200, body: .object([("reset", .bool(true))])), context)
        }
        return router
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
