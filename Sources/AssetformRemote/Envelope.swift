import Foundation
import JSON

/// Reads answers in every shape API.md allows, and finds the error in any of them, whatever the
/// HTTP status says.
enum Envelope {
    /// The result of a seedance answer, in any shape API.md lists: the upstream `Result` (errors
    /// in `ResponseMetadata.Error`), a gateway's `data` or `{"code", "msg", "data"}` (errors as
    /// `{"error": {…}}`), a reseller's `{"state", "data", "error"}`, or the bare result.
    static func seedance(_ reply: HTTPReply, call: RemoteCall) -> Result<JSONValue, RemoteError> {
        guard let json = Exchange.parse(reply.body), case .object = json else {
            return .failure(unreadable(reply, call: call))
        }
        if let meta = json["ResponseMetadata"], let error = meta["Error"] {
            return .failure(upstreamError(error, reply: reply, call: call))
        }
        if let error = json["Error"], case .object = error {
            return .failure(upstreamError(error, reply: reply, call: call))  // a bare error
        }
        if let error = json["error"], error != .null {
            if case .object = error { return .failure(gatewayError(error, reply: reply, call: call)) }
            return .failure(serviceError(code: nil, message: error.string ?? "\(error.encoded)", reply: reply, call: call))
        }
        if let state = json["state"], json["data"] != nil || json["error"] != nil {
            // {"state": 1, "data": …, "error": null}: 1 (or 0, or true) with no error is success.
            let ok = state.int.map { $0 == 1 || $0 == 0 } ?? (state == .bool(true))
            if !ok { return .failure(serviceError(code: state.int.map(String.init), message: nil, reply: reply, call: call)) }
        }
        if let code = json["code"], json["data"] != nil || json["msg"] != nil {
            // {"code": 0, "msg": …, "data": …}: 0 (or 200) is success.
            let n = code.int ?? Int(code.string ?? "")
            if n != 0 && n != 200 {
                return .failure(
                    serviceError(
                        code: code.string ?? n.map(String.init), message: json["msg"]?.string, reply: reply, call: call,
                        status: httpStatus(code)))
            }
        }
        if !(200..<300).contains(reply.status) {
            return .failure(serviceError(code: nil, message: nil, reply: reply, call: call))
        }
        if let result = json["Result"] { return .success(result) }
        if let data = json["data"], data != .null { return .success(data) }
        // The bare result: the object itself, when it is not an envelope.
        if json["ResponseMetadata"] == nil && json["data"] == nil && json["state"] == nil && json["code"] == nil {
            return .success(json)
        }
        return .failure(unreadable(reply, call: call))
    }

    /// `{"Code", "CodeN"?, "Message"}`, as the upstream writes errors.
    private static func upstreamError(_ error: JSONValue, reply: HTTPReply, call: RemoteCall) -> RemoteError {
        var message = error["Message"]?.string
        let number = error["CodeN"]?.int
        if let number { message = (message ?? "no message") + " (CodeN \(number))" }
        return serviceError(
            code: error["Code"]?.string ?? number.map(String.init), message: message, reply: reply, call: call)
    }

    /// The `data` of a 0-0 answer (`{"code", "msg", "data"}`), or the error it carries.
    static func zeroZero(_ reply: HTTPReply, call: RemoteCall) -> Result<JSONValue, RemoteError> {
        guard let json = Exchange.parse(reply.body) else {
            return .failure(unreadable(reply, call: call))
        }
        if let error = json["error"], case .object = error {
            return .failure(gatewayError(error, reply: reply, call: call))
        }
        let code = json["code"]?.int ?? Int(json["code"]?.string ?? "")
        if let code, code != 200 && code != 0 {
            // The message may start with the upstream code ("QuotaExceeded: …"); otherwise the
            // body's code, an HTTP status, decides.
            let msg = json["msg"]?.string ?? ""
            let upstream = leadingCode(msg)
            // 0-0's own envelope with code 404 is the service saying the object is not there
            // (API.md §2): gone, as a seedance `NotFound.*` is. (A bare 404 is not.)
            let kind =
                upstream == nil && code == 404
                ? .notFound : RemoteError.classify(code: upstream, status: code, isCreate: call.isCreate)
            var text = msg.isEmpty ? "no message" : msg
            if kind != .notFound, let consequence = ErrorTable.consequence(status: code, code: upstream) {
                text += "; " + consequence
            }
            var error = RemoteError(kind, call: call.name, status: reply.status, code: upstream ?? String(code), message: text)
            honourRetryAfter(&error, reply, status: code)
            return .failure(error)
        }
        if !(200..<300).contains(reply.status) {
            return .failure(serviceError(code: nil, message: json["msg"]?.string, reply: reply, call: call))
        }
        guard let data = json["data"], data != .null else { return .failure(unreadable(reply, call: call)) }
        return .success(data)
    }

    /// `QuotaExceeded` in `QuotaExceeded: the account is full`: a word of letters and dots,
    /// starting with a capital, before a colon; or a code the table knows as the message's first
    /// word (`QuotaSharedPoolExceeded`, `QuotaSharedPoolExceeded the pool is full`).
    static func leadingCode(_ msg: String) -> String? {
        func isCodeShaped(_ word: Substring) -> Bool {
            guard let first = word.first, first.isUppercase else { return false }
            return word.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" }
        }
        if let colon = msg.firstIndex(of: ":"), isCodeShaped(msg[..<colon]) { return String(msg[..<colon]) }
        let word = msg.drop { $0.isWhitespace }.prefix { !$0.isWhitespace && $0 != "," && $0 != ";" && $0 != ":" }
        let trimmed = word.last == "." ? word.dropLast() : word
        guard isCodeShaped(trimmed), ErrorTable.knows(String(trimmed)) else { return nil }
        return String(trimmed)
    }

    private static func gatewayCode(_ error: JSONValue) -> String? {
        error["code"]?.string ?? error["code"]?.int.map(String.init) ?? error["type"]?.string
    }

    /// A gateway's `{"error": {"message", "type", "code"}}`: a code that is an HTTP status
    /// classifies as that status would, whatever status the answer came with (as `{"code"}`).
    private static func gatewayError(_ error: JSONValue, reply: HTTPReply, call: RemoteCall) -> RemoteError {
        serviceError(
            code: gatewayCode(error), message: error["message"]?.string, reply: reply, call: call,
            status: error["code"].flatMap(httpStatus))
    }

    /// A body's numeric code (`429`, `"402"`) when it is an HTTP error status.
    private static func httpStatus(_ code: JSONValue) -> Int? {
        (code.int ?? Int(code.string ?? "")).flatMap { (400..<600).contains($0) ? $0 : nil }
    }

    /// The error an answer carries, classified by its code and by `status` (the HTTP status,
    /// unless the body gives one of its own); the error keeps the HTTP status it came with.
    private static func serviceError(
        code: String?, message: String?, reply: HTTPReply, call: RemoteCall, status: Int? = nil
    ) -> RemoteError {
        let status = status ?? reply.status
        let kind = RemoteError.classify(code: code, status: status, isCreate: call.isCreate)
        let answered = status == reply.status ? "HTTP \(status)" : "\(status) (in an HTTP \(reply.status) answer)"
        var text = message ?? "the service answered \(answered) without a message"
        if let consequence = ErrorTable.consequence(status: status, code: code) { text += "; " + consequence }
        var error = RemoteError(kind, call: call.name, status: reply.status, code: code, message: text)
        honourRetryAfter(&error, reply, status: status)
        return error
    }

    private static func unreadable(_ reply: HTTPReply, call: RemoteCall) -> RemoteError {
        let kind: RemoteError.Kind =
            (200..<300).contains(reply.status) || reply.status >= 500
            ? (call.isCreate ? .ambiguous : .retryable)
            : RemoteError.classify(code: nil, status: reply.status, isCreate: call.isCreate)
        var text = "the answer is not one the API describes (\(reply.body.count) bytes)"
        if let consequence = ErrorTable.consequence(status: reply.status, code: nil) { text += "; " + consequence }
        var error = RemoteError(kind, call: call.name, status: reply.status, code: nil, message: text)
        honourRetryAfter(&error, reply)
        return error
    }

    /// A throttled or failed (5xx) answer's `Retry-After`: the pause it asks for, within the
    /// cap; beyond the cap the run cannot wait it out, and stops (SPEC §6). A create that may
    /// have been made (`ambiguous`) stays what it is, to be reconciled before the run stops.
    static func honourRetryAfter(_ error: inout RemoteError, _ reply: HTTPReply, status: Int? = nil) {
        var throttled = false
        if case .throttled = error.kind { throttled = true }
        let failed = (status ?? reply.status) >= 500 && (error.kind == .retryable || error.kind == .ambiguous)
        guard throttled || failed else { return }
        error.throttledAnswer = throttled
        switch RetryAfter.parse(reply.header("Retry-After"), now: RetryAfter.now()) {
        case .wait(let pause):
            if throttled { error.kind = .throttled(retryAfter: pause) } else { error.pause = pause }
        case .absent, .unreadable:
            if throttled { error.kind = .throttled(retryAfter: nil) }
        case .beyondCap(let shown):
            // A create that may have been made stays ambiguous: it is settled by listing first,
            // and the run stops after that (`stayedThrottled`), instead of sending it again.
            if error.kind != .ambiguous { error.kind = .fatalForRun }
            error.pause = RetryAfter.cap
            error.stayedThrottled = true
            error.message +=
                "; the service asks to wait \(Redaction.redact(shown)) (Retry-After), more than the \(RetryAfter.capSeconds) s a run waits. "
                + "Stopping: everything done so far is recorded; apply again later"
        }
    }
}
