/// An error answer, in terms both dialects render: the HTTP status, the service's code, a message.
struct APIError: Error, Sendable {
    var status: Int
    var code: String
    var message: String
    /// The numeric code the upstream's gateway adds to its common errors (`CodeN`), if any.
    var codeN: Int? = nil
    /// Seconds for the answer's `Retry-After`, where the refusal passes.
    var retryAfter: Int? = nil

    static func invalid(_ message: String) -> APIError { APIError(status: 400, code: "InvalidParameter", message: message) }
    static func missing(_ field: String) -> APIError {
        APIError(status: 400, code: "MissingParameter", message: "the parameter \(field) is required")
    }
    static func tooLarge(_ limit: Int) -> APIError {
        APIError(status: 413, code: "InvalidParameter", message: "the request body is larger than \(limit) bytes")
    }
    static func notFound(_ code: String, _ message: String) -> APIError { APIError(status: 404, code: code, message: message) }
}
