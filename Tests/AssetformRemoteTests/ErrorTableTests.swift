import JSON
import Testing

@testable import AssetformRemote

/// API.md §1's error codes, one row each: by the code first, whatever the HTTP status.
@Suite("The error table: every code of API.md §1, by code first")
struct ErrorTableTests {
    typealias Row = (code: String?, status: Int, expected: ErrorTable.Class)

    static let rows: [Row] = [
        ("InvalidParameter", 400, .fatalForCall), ("InvalidParameter.DownloadFailed", 400, .fatalForCall),
        ("MissingParameter", 400, .fatalForCall), ("InvalidAction", 400, .fatalForCall),
        ("NotFound.asset_id", 404, .notFound), ("NotFound.group_id", 404, .notFound), ("NotFound.ProjectName", 404, .notFound),
        ("AccessDenied", 403, .fatalForRun), ("SubscriptionRequired", 403, .fatalForRun),
        // Throttles, on every status they have been seen with.
        ("AccountFlowLimitExceeded", 429, .throttle), ("AccountFlowLimitExceeded", 200, .throttle),
        ("AccountFlowLimitExceeded", 400, .throttle), ("QuotaWriteQPMExceeded", 429, .throttle),
        ("QuotaWriteQPMExceeded", 200, .throttle), ("RateLimitExceeded", 429, .throttle),
        ("RateLimitExceeded.EndpointRPM", 429, .throttle), ("ThrottlingException", 400, .throttle),
        ("Throttling.User", 429, .throttle), ("RequestLimitExceeded", 429, .throttle),
        // A full pool arrives as 429 and says "Quota": never a throttle.
        ("QuotaSharedPoolExceeded", 429, .fatalForRun), ("QuotaSharedPoolExceeded", 200, .fatalForRun),
        ("QuotaExceeded", 403, .fatalForRun),
        ("InternalError", 500, .retryable), ("InternalError", 200, .retryable),
        // No code (or one the table does not know): the status decides.
        (nil, 402, .fatalForRun), ("insufficient_balance", 402, .fatalForRun), ("InvalidParameter", 402, .fatalForRun),
        (nil, 401, .fatalForRun), ("invalid_api_key", 401, .fatalForRun), (nil, 403, .fatalForRun),
        // A bare 404 is a wrong address, never "gone" (a billed create again would follow).
        (nil, 404, .fatalForRun), (nil, 408, .retryable), (nil, 429, .throttle), (nil, 500, .retryable),
        (nil, 502, .retryable), (nil, 503, .retryable), (nil, 504, .retryable), ("SomethingNew", 429, .throttle),
        ("SomethingNew", 400, .fatalForCall), (nil, 418, .fatalForCall),
    ]

    @Test(arguments: ErrorTableTests.rows.indices)
    func row(_ i: Int) {
        let (code, status, expected) = Self.rows[i]
        #expect(ErrorTable.classify(status: status, code: code) == expected, "\(code ?? "no code") on HTTP \(status)")
    }

    @Test func aCreateToldToRetryMayHaveBeenMade() {
        #expect(RemoteError.classify(code: "InternalError", status: 500, isCreate: true) == .ambiguous)
        #expect(RemoteError.classify(code: nil, status: 503, isCreate: true) == .ambiguous)
        #expect(RemoteError.classify(code: nil, status: 503, isCreate: false) == .retryable)
        #expect(RemoteError.classify(code: "QuotaSharedPoolExceeded", status: 429, isCreate: true) == .fatalForRun)
    }

    @Test func aFullPoolAndAnEmptyBalanceSayWhatTheyMean() {
        func failure(_ status: Int, _ body: String) -> RemoteError? {
            let reply = HTTPReply(status: status, headers: [], body: Array(body.utf8))
            if case .failure(let e) = Envelope.seedance(reply, call: RemoteCall("CreateAsset", .createAsset, isCreate: true)) {
                return e
            }
            return nil
        }
        let pool = failure(
            429,
            #"{"ResponseMetadata": {"Error": {"Code": "QuotaSharedPoolExceeded", "Message": "the shared pool is full"}}}"#)
        #expect(pool?.kind == .fatalForRun)
        #expect(pool?.description.contains("the account's asset pool is full") == true, "\(pool?.description ?? "")")
        #expect(pool?.description.contains("nothing more is billed") == true)
        let balance = failure(402, #"{"error": {"message": "insufficient balance", "type": "billing", "code": "x"}}"#)
        #expect(balance?.kind == .fatalForRun)
        #expect(balance?.description.contains("the account's balance is gone") == true, "\(balance?.description ?? "")")
    }

    @Test func everyEnvelopeShapeReadsTheSame() throws {
        func ok(_ body: String) throws -> JSONValue {
            try Envelope.seedance(
                HTTPReply(status: 200, headers: [], body: Array(body.utf8)), call: RemoteCall("GetAsset", .read)
            )
            .get()
        }
        for body in [
            #"{"ResponseMetadata": {"RequestId": "r"}, "Result": {"Id": "asset-1"}}"#, #"{"data": {"Id": "asset-1"}}"#,
            #"{"code": 0, "msg": "ok", "data": {"Id": "asset-1"}}"#, #"{"Id": "asset-1"}"#,
            #"{"state": 1, "data": {"Id": "asset-1"}, "error": null}"#,
        ] {
            #expect(try ok(body)["Id"]?.string == "asset-1", "\(body)")
        }
        func failed(_ status: Int, _ body: String) -> RemoteError? {
            let reply = HTTPReply(status: status, headers: [], body: Array(body.utf8))
            if case .failure(let e) = Envelope.seedance(reply, call: RemoteCall("GetAsset", .read)) { return e }
            return nil
        }
        let bare = failed(404, #"{"Error": {"Code": "NotFound.asset_id", "Message": "gone"}}"#)
        #expect(bare?.kind == .notFound)
        let state = failed(200, #"{"state": 0, "data": null, "error": {"code": "AccountFlowLimitExceeded", "message": "slow"}}"#)
        #expect(state?.kind == .throttled(retryAfter: nil), "a throttle on HTTP 200, in the state shape")
        let numbered = failed(
            400, #"{"ResponseMetadata": {"Error": {"Code": "InvalidParameter", "CodeN": 100012, "Message": "bad"}}}"#)
        #expect(numbered?.kind == .fatalForCall)
        #expect(numbered?.description.contains("CodeN 100012") == true)
    }
}
