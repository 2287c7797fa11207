import Hummingbird

/// A request for a path (or method) no dialect serves gets a 404 in the shape its path says it
/// was meant for, naming what was asked and what the emulator serves, instead of an empty one:
/// under `/v1/seedance/` a gateway error (API.md §1), under `/v1/` 0-0's envelope (§2), elsewhere
/// the upstream's own `ResponseMetadata` error (§5).
struct UnknownPathAnswer: RouterMiddleware {
    typealias Context = EmulatorContext

    static let served =
        "POST /v1/seedance/asset/ACTION (seedance), POST /v1/asset-groups, GET /v1/asset-groups/ID, POST /v1/assets "
        + "and GET /v1/assets/ID (0-0), POST /?Action=ACTION&Version=\(SeedanceAPI.version) (volcengine, byteplus), "
        + "GET /_emulator/stats and POST /_emulator/reset"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return EmulatorRouter.respond(Self.answer(method: request.method.rawValue, path: request.uri.path), context)
        }
    }

    static func answer(method: String, path: String) -> EmulatorResponse {
        // The path as sent (without its query), with no control character, and not at any length.
        let shown = String(
            String.UnicodeScalarView(path.unicodeScalars.prefix(200).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
        let message = "no such call: \(method) \(shown); this emulator serves \(served)"
        if path.hasPrefix("/v1/seedance/") {
            return SeedanceAPI.gatewayError(status: 404, type: "invalid_request_error", code: "not_found", message: message)
        }
        if path.hasPrefix("/v1/") { return ZeroZeroAPI.envelope(APIError(status: 404, code: "404", message: message)) }
        return SeedanceAPI.upstreamError(
            "", region: "cn-beijing", APIError(status: 404, code: "InvalidActionOrVersion", message: message, codeN: 100008))
    }
}
