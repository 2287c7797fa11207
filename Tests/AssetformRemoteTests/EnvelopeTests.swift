import JSON
import Testing

@testable import AssetformRemote

@Suite("Tolerant envelopes and error classification")
struct EnvelopeTests {
    static let get = RemoteCall("GetAsset", .read)
    static let create = RemoteCall("CreateAsset", .createAsset, isCreate: true)

    func reply(_ status: Int, _ body: String, headers: [(String, String)] = []) -> HTTPReply {
        HTTPReply(status: status, headers: headers, body: Array(body.utf8))
    }

    func error(_ r: Result<JSONValue, RemoteError>) -> RemoteError? {
        if case .failure(let e) = r { return e }
        return nil
    }

    @Test func upstreamSuccessAndError() {
        let ok = Envelope.seedance(
            reply(200, #"{"ResponseMetadata": {"RequestId": "r"}, "Result": {"Id": "asset-1"}}"#), call: Self.get)
        #expect((try? ok.get())?["Id"]?.string == "asset-1")
        let e = error(
            Envelope.seedance(
                reply(400, #"{"ResponseMetadata": {"Error": {"Code": "InvalidParameter", "Message": "bad Name"}}}"#),
                call: Self.get))
        #expect(e?.kind == .fatalForCall)
        #expect(e?.code == "InvalidParameter")
        #expect(e?.description == "GetAsset failed: HTTP 400: InvalidParameter: bad Name")
    }

    @Test func anErrorInTheBodyIsAnErrorWithHTTP200() {
        let e = error(
            Envelope.seedance(
                reply(200, #"{"ResponseMetadata": {"Error": {"Code": "AccountFlowLimitExceeded", "Message": "slow down"}}}"#),
                call: Self.create))
        #expect(e?.kind == .throttled(retryAfter: nil))
    }

    @Test func wrappedForms() {
        #expect((try? Envelope.seedance(reply(200, #"{"data": {"Id": "x"}}"#), call: Self.get).get())?["Id"]?.string == "x")
        #expect(
            (try? Envelope.seedance(reply(200, #"{"code": 0, "msg": "ok", "data": {"Id": "y"}}"#), call: Self.get).get())?["Id"]?
                .string == "y")
        let coded = error(Envelope.seedance(reply(200, #"{"code": 1002, "msg": "no such asset", "data": null}"#), call: Self.get))
        #expect(coded?.message == "no such asset")
        let gateway = error(
            Envelope.seedance(
                reply(401, #"{"error": {"message": "invalid key", "type": "authentication_error", "code": "invalid_api_key"}}"#),
                call: Self.get))
        #expect(gateway?.kind == .fatalForRun)
        #expect(gateway?.code == "invalid_api_key")
        let gatewayNotFound = error(
            Envelope.seedance(
                reply(404, #"{"error": {"message": "m", "type": "NotFound.asset_id", "code": "NotFound.asset_id"}}"#),
                call: Self.get))
        #expect(gatewayNotFound?.kind == .notFound)
        // A gateway error's numeric code is an HTTP status, classified the same in either shape.
        for (code, kind) in [("402", RemoteError.Kind.fatalForRun), ("401", .fatalForRun), ("500", .retryable)] {
            for body in [
                #"{"error": {"code": \#(code), "message": "m"}}"#, #"{"error": {"code": "\#(code)", "message": "m"}}"#,
                #"{"code": \#(code), "msg": "m", "data": null}"#,
            ] {
                #expect(error(Envelope.seedance(reply(200, body), call: Self.get))?.kind == kind, "\(body)")
                #expect(error(Envelope.zeroZero(reply(200, body), call: Self.get))?.kind == kind, "0-0: \(body)")
            }
        }
    }

    @Test(arguments: [
        ("AccessDenied", 403, RemoteError.Kind.fatalForRun), ("SubscriptionRequired", 403, .fatalForRun),
        ("QuotaExceeded", 403, .fatalForRun), ("NotFound.group_id", 404, .notFound), ("NotFound.ProjectName", 404, .notFound),
        ("MissingParameter", 400, .fatalForCall), ("InvalidParameter.DownloadFailed", 400, .fatalForCall),
        ("InvalidAction", 400, .fatalForCall), ("QuotaWriteQPMExceeded", 429, .throttled(retryAfter: nil)),
        ("InternalError", 500, .retryable),
    ])
    func codes(code: String, status: Int, kind: RemoteError.Kind) {
        let body = #"{"ResponseMetadata": {"Error": {"Code": "\#(code)", "Message": "m"}}}"#
        #expect(error(Envelope.seedance(reply(status, body), call: Self.get))?.kind == kind)
    }

    @Test func aCreateThatMayHaveBeenCommittedIsAmbiguous() {
        let body = #"{"ResponseMetadata": {"Error": {"Code": "InternalError", "Message": "m"}}}"#
        #expect(error(Envelope.seedance(reply(500, body), call: Self.create))?.kind == .ambiguous)
        #expect(error(Envelope.seedance(reply(502, "<html>bad gateway</html>"), call: Self.create))?.kind == .ambiguous)
        #expect(error(Envelope.seedance(reply(502, "<html>bad gateway</html>"), call: Self.get))?.kind == .retryable)
        let lost = Exchange.interpret(.failure(.noAnswer("timeout")), call: Self.create, envelope: Envelope.seedance)
        #expect(error(lost)?.kind == .ambiguous)
        let refused = Exchange.interpret(.failure(.notSent("refused")), call: Self.create, envelope: Envelope.seedance)
        #expect(error(refused)?.kind == .retryable, "never sent, so safe to resend")
    }

    @Test func retryAfterInSecondsOrAsADate() {
        let seconds = error(
            Envelope.seedance(
                reply(
                    429, #"{"ResponseMetadata": {"Error": {"Code": "AccountFlowLimitExceeded", "Message": "m"}}}"#,
                    headers: [("Retry-After", "3")]), call: Self.get))
        #expect(seconds?.kind == .throttled(retryAfter: .seconds(3)))
        let past = error(
            Envelope.zeroZero(
                reply(
                    429, #"{"code": 429, "msg": "slow", "data": null}"#,
                    headers: [("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT")]), call: Self.get))
        #expect(past?.kind == .throttled(retryAfter: .zero), "a date in the past means now")
    }

    @Test func zeroZero() {
        #expect(
            (try? Envelope.zeroZero(reply(200, #"{"code": 200, "msg": "OK", "data": {"asset_id": "A"}}"#), call: Self.get).get())?[
                "asset_id"]?.string == "A")
        let notFound = error(
            Envelope.zeroZero(reply(404, #"{"code": 404, "msg": "NotFound.asset_id: gone", "data": null}"#), call: Self.get))
        #expect(notFound?.kind == .notFound)
        let quota = error(
            Envelope.zeroZero(reply(403, #"{"code": 403, "msg": "QuotaExceeded: full", "data": null}"#), call: Self.create))
        #expect(quota?.kind == .fatalForRun)
        let plain = error(
            Envelope.zeroZero(
                reply(400, #"{"code": 400, "msg": "the platform is not supported", "data": null}"#), call: Self.create))
        #expect(plain?.kind == .fatalForCall)
        let inBody = error(Envelope.zeroZero(reply(200, #"{"code": 500, "msg": "oops", "data": null}"#), call: Self.create))
        #expect(inBody?.kind == .ambiguous)
    }

    @Test func redaction() {
        #expect(
            Redaction.redact("GET https://emulator-storage.invalid/a/b.png?X-Signature=abc&X-Expires=1 failed")
                == "GET https://emulator-storage.invalid/a/b.png?<redacted> failed")
        #expect(
            Redaction.redact("header Authorization: Bearer sk-secret-123 was sent")
                == "header Authorization: Bearer <redacted> was sent")
        #expect(Redaction.redact("no url here") == "no url here")
        #expect(
            RemoteError(.fatalForCall, call: "x", message: "see https://h.example/p?sig=1").message
                == "see https://h.example/p?<redacted>")
        #expect("\(APIKey("sk-secret"))" == "<redacted>")
    }
}
