import AssetformCore
import JSON
public import Logging
import Timing

/// What a client needs to make calls: its settings, the shared transport, the call policy and a
/// logger. Both dialects' clients make every call through `exchange`.
public struct RemoteConnection: Sendable {
    public let settings: RemoteSettings
    public let transport: HTTPTransport
    public let policy: CallPolicy
    public let logger: Logger

    public init(settings: RemoteSettings, transport: HTTPTransport, policy: CallPolicy, logger: Logger) {
        self.settings = settings
        self.transport = transport
        self.policy = policy
        self.logger = logger
    }

    /// One call under the policy: sent, read with the dialect's `envelope`, logged. `query`'s
    /// pairs are sent percent-encoded and sorted (the form a signature covers); a signed
    /// dialect's headers are made again for every attempt (each carries its own time).
    func exchange(
        _ call: RemoteCall, method: String, path: String, query: [(String, String)] = [], body: [UInt8]?,
        envelope: @escaping @Sendable (HTTPReply, RemoteCall) -> Result<JSONValue, RemoteError>,
        beforeSend: CreateHook? = nil
    ) async throws(RemoteError) -> JSONValue {
        let queryText = RequestSigner.canonicalQuery(query)
        let url = settings.baseURL + path + (queryText.isEmpty ? "" : "?" + queryText)
        let contentType = body == nil ? nil : "application/json"
        let signing = settings.signing
        // Only a signature covers the host and the whole path (a search of the base URL per call
        // otherwise, in Foundation's `range(of:)`, cost more than the rest of this function).
        let (host, basePath) = signing == nil ? ("", "") : Self.split(settings.baseURL)
        let bearer: [(String, String)] =
            [("Authorization", "Bearer " + settings.key.value)] + (contentType.map { [("Content-Type", $0)] } ?? [])
        @Sendable func headers() -> [(String, String)] {
            guard let signing else { return bearer }
            return RequestSigner.headers(
                method: method, host: host, path: basePath + path, query: query, contentType: contentType, body: body ?? [],
                key: signing, at: UTCDate.now())
        }
        let (transport, timeout, logger) = (self.transport, settings.limits.timeout, self.logger)
        if let beforeSend, policy.unratedClasses.contains(call.callClass), Capabilities.of(settings.api).canList {
            // A call with no rate to keep waits only for a permit: what it must do first (a
            // create's intent, synced) is done before that wait, not while it holds one of the
            // `concurrency` permits. Where the dialect lists, an intent whose call was never sent
            // (a run killed meanwhile) costs the next run only a listing; on 0-0 it would be
            // reported as a possible duplicate, so there it is journaled after the permit.
            try await beforeSend(1)
        }
        return try await policy.perform(call) { attempt in
            if let beforeSend {
                // The intent is on disk before the request can reach the service.
                do throws(RemoteError) {
                    try await beforeSend(attempt)
                } catch {
                    return .failure(error)
                }
                // A paced class's next call keeps its distance from now, after the sync.
                if policy.pacedClasses.contains(call.callClass) { await policy.sent(call.callClass) }
            }
            let started = ContinuousClock.now
            let reply = await transport.send(
                method: method, url: url, headers: headers(), body: body, timeout: timeout, maxAnswer: call.answerLimit,
                followRedirects: signing == nil)
            let result = Exchange.interpret(reply, call: call, envelope: envelope)
            Exchange.log(logger, method: method, path: path, reply: reply, started: started, attempt: attempt)
            return result
        }
    }
}

extension RemoteConnection {
    /// `https://host:port/prefix` → (`host:port`, `/prefix`).
    static func split(_ baseURL: String) -> (host: String, path: String) {
        let rest = baseURL.range(of: "://").map { baseURL[$0.upperBound...] } ?? baseURL[...]
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        return (String(rest[..<slash]), String(rest[slash...]))
    }
}

/// What must happen before a create's request is sent (apply journals its intent there). It runs
/// for every attempt, after the call policy lets the attempt start; a failure stops the create
/// before anything is sent.
public typealias CreateHook = @Sendable (_ attempt: Int) async throws(RemoteError) -> Void

/// What both clients do with one HTTP exchange: turn it into a result or a classified error, and
/// log it (method, path, status, duration, attempt; never a header or a body).
enum Exchange {
    static func interpret(
        _ reply: Result<HTTPReply, TransportFailure>, call: RemoteCall,
        envelope: (HTTPReply, RemoteCall) -> Result<JSONValue, RemoteError>
    ) -> Result<JSONValue, RemoteError> {
        switch reply {
        case .success(let r):
            return envelope(r, call)
        case .failure(.notSent(let why)):
            return .failure(RemoteError(.retryable, call: call.name, message: why))
        case .failure(.noAnswer(let why)):
            // A create that may have reached the service is reconciled by the caller, not resent.
            return .failure(RemoteError(call.isCreate ? .ambiguous : .retryable, call: call.name, message: why))
        case .failure(.tooLarge(let why)):
            // Asking again would bring the same answer; a create may still have been made.
            return .failure(RemoteError(call.isCreate ? .ambiguous : .fatalForCall, call: call.name, message: why))
        case .failure(.redirected(let status, let location, let reason)):
            return .failure(
                RemoteError(
                    .fatalForRun, call: call.name, status: status,
                    message: "the service redirected to \(location), \(reason). If the service has moved, set "
                        + "provider.base_url (or ASSETFORM_BASE_URL) to its new address"))
        }
    }

    /// An answer's JSON, with every secret and signed-URL query taken out of its strings before
    /// anything else reads it.
    static func parse(_ body: [UInt8]) -> JSONValue? {
        guard let json = JSONValue.parse(body) else { return nil }
        return Redaction.mayHoldSecret(body) ? Redaction.scrub(json) : json
    }

    /// An id the service gave, refused unless it has an id's shape (letters, digits, `-` and
    /// `_`, at most 128), so that nothing else (escapes, shell syntax, paths) is ever stored or
    /// printed as an id.
    static func checkedID(_ id: String?, field: String, call: String) throws(RemoteError) -> String {
        guard let id, !id.isEmpty else { throw malformed(call, "no \(field)") }
        guard RemoteID.isWellFormed(id) else {
            let shown = id.count > 40 ? String(id.prefix(40)) + "…" : id
            throw malformed(call, "\(field) \"\(shown.visible)\" is not an id (letters, digits, - and _ only)")
        }
        return id
    }

    static func log(
        _ logger: Logger, method: String, path: String, reply: Result<HTTPReply, TransportFailure>,
        started: ContinuousClock.Instant,
        attempt: Int
    ) {
        guard logger.logLevel <= .info else { return }  // nothing to build when it is not shown
        let elapsed = ContinuousClock.now - started
        let ms = elapsed.inMilliseconds
        let status: String
        switch reply {
        case .success(let r): status = String(r.status)
        case .failure(.notSent(let why)): status = "not sent (\(why))"
        case .failure(.noAnswer(let why)): status = "no answer (\(why))"
        case .failure(.tooLarge(let why)): status = "refused (\(why))"
        case .failure(.redirected(let code, let location, _)): status = "\(code) redirect to \(location), not followed"
        }
        logger.info("\(method) \(path) \(Redaction.redact(status).visible) \(ms) ms attempt \(attempt)")
    }

    /// What a create's successful answer says it made. An answer that cannot be read does not
    /// mean nothing was made (it succeeded, and is billed): its outcome is unknown, and the
    /// executor settles it as it settles a lost answer.
    static func made<T>(_ parse: () throws(RemoteError) -> T) throws(RemoteError) -> T {
        do {
            return try parse()
        } catch {
            var unknown = error
            unknown.kind = .ambiguous
            unknown.answeredSuccess = true
            unknown.message += " (the create was answered with success, so it was made)"
            throw unknown
        }
    }

    static func malformed(_ call: String, _ what: String) -> RemoteError {
        RemoteError(.fatalForCall, call: call, message: "the answer is not one the API describes: \(what)")
    }
}
