import AssetformCore
import AssetformEmulator
import JSON
import Testing

@testable import AssetformRemote

/// The fixes of one review round: a signed request's signature and a key echoed
/// percent-encoded are redacted; a 0-0 message's first word is its code; a bare 404 is a wrong
/// address, never "gone"; a create answered with success that cannot be read is of unknown
/// outcome.
@Suite("Remote: redaction of signatures and encoded keys, 0-0 error codes, unreadable creates")
struct ReviewFixTests {
    static let get = RemoteCall("GetAsset", .read)
    static let create = RemoteCall("CreateAsset", .createAsset, isCreate: true)
    static let zeroZeroCreate = RemoteCall("POST /v1/assets", .createAsset, isCreate: true)

    static let authorization =
        "Authorization: HMAC-SHA256 Credential=AK/20261203/cn-beijing/ark/request, "
        + "SignedHeaders=content-type;host;x-content-sha256;x-date, Signature=f63bbc69aa00ff"

    func reply(_ status: Int, _ body: String, headers: [(String, String)] = []) -> HTTPReply {
        HTTPReply(status: status, headers: headers, body: Array(body.utf8))
    }

    func failure(_ result: Result<JSONValue, RemoteError>) -> RemoteError? {
        if case .failure(let e) = result { return e }
        return nil
    }

    // MARK: - Signatures

    @Test func aSignedRequestsSignatureIsRedacted() {
        let out = Redaction.redact(Self.authorization)
        #expect(!out.contains("f63bbc69"), "\(out)")
        #expect(out.contains("Signature=<redacted>"), "\(out)")
        // What comes before it is not a signature, and stays.
        #expect(out.hasPrefix("Authorization: HMAC-SHA256 Credential=AK/20261203/cn-beijing/ark/request, "), "\(out)")
        #expect(out.contains("SignedHeaders=content-type;host;x-content-sha256;x-date"), "\(out)")
        // Redacting again changes nothing.
        #expect(Redaction.redact(out) == out)
    }

    @Test func aSignatureInAnyCaseAfterAColonOrAnEqualsSignIsRedacted() {
        #expect(Redaction.redact("signature: abc123def") == "signature: <redacted>")
        #expect(Redaction.redact("SIGNATURE=abc123def, next") == "SIGNATURE=<redacted>, next")
        #expect(Redaction.redact("header X-Signature=abc123def sent") == "header X-Signature=<redacted> sent")
        let lower = Redaction.redact("signature: abc123def")
        #expect(!lower.contains("abc123def"), "\(lower)")
    }

    @Test func theWordSignatureInASentenceOrACodeIsLeftAlone() {
        for text in [
            "the signature does not match", "SignatureDoesNotMatch: the signature does not match",
            "Signature", "a signature, then more",
        ] {
            #expect(Redaction.redact(text) == text, "\(text)")
        }
    }

    @Test func aSignatureInAnAnswerIsScrubbed() {
        let scrubbed = Redaction.scrub(.object([("Message", .string("you sent " + Self.authorization))]))
        let message = scrubbed["Message"]?.string ?? "f63bbc69"
        #expect(!message.contains("f63bbc69"), "\(message)")
        #expect(message.contains("Signature=<redacted>"), "\(message)")
        // Where answers enter: the byte filter looks, and the parsed answer holds no signature.
        let body = Array(#"{"Message": "you sent \#(Self.authorization)"}"#.utf8)
        #expect(Redaction.mayHoldSecret(body), "the word signature sends an answer through scrubbing")
        let parsed = Exchange.parse(body)?["Message"]?.string ?? "f63bbc69"
        #expect(!parsed.contains("f63bbc69"), "\(parsed)")
        #expect(parsed.contains("Signature=<redacted>"), "\(parsed)")
    }

    @Test func anUpstreamErrorEchoingTheSignatureKeepsItsCodeButNotTheSignature() {
        let error = #"{"Code": "SignatureDoesNotMatch", "Message": "no match for \#(Self.authorization)"}"#
        let body = #"{"ResponseMetadata": {"Error": \#(error)}}"#
        let e = failure(Envelope.seedance(reply(403, body), call: Self.get))
        #expect(e?.kind == .fatalForRun)
        #expect(e?.code == "SignatureDoesNotMatch", "a code is not a signature")
        #expect(e?.message.contains("f63bbc69") == false, "\(e?.message ?? "")")
        #expect(e?.description.contains("f63bbc69") == false, "\(e?.description ?? "")")
        #expect(e?.message.contains("Signature=<redacted>") == true, "\(e?.message ?? "")")
    }

    // MARK: - Percent-encoded keys

    @Test func aKeyInEveryPercentEncodedFormIsRedacted() {
        let key = "ab/cd+ef=gh12xyz"
        Redaction.register(secret: key)
        for form in [
            key,
            "ab%2Fcd%2Bef%3Dgh12xyz",  // all encoded
            "ab/cd%2Bef%3Dgh12xyz",  // Python's quote: `/` kept
            "ab%2Fcd+ef=gh12xyz",  // Go's PathEscape: `+` and `=` kept
            "ab%2fcd%2bef%3dgh12xyz",  // lower-case hex digits
        ] {
            let out = Redaction.redact("you sent \(form) as the key")
            #expect(out == "you sent <redacted> as the key", "\(form) → \(out)")
            #expect(!out.contains("gh12xyz"), "\(form) → \(out)")
            let scrubbed = Redaction.scrub(.object([("Message", .string("echo \(form)"))]))["Message"]?.string ?? form
            #expect(!scrubbed.contains("gh12xyz"), "\(form) → \(scrubbed)")
        }
    }

    @Test func percentFormsAreEveryChoiceOfEncodingPerCharacter() {
        let forms = Redaction.percentForms("ab/cd+ef=gh12xyz")
        #expect(forms.count == 7, "\(forms)")
        #expect(Set(forms).count == 7, "\(forms)")
        #expect(!forms.contains("ab/cd+ef=gh12xyz"), "the secret itself is not one of its encoded forms")
        for expected in ["ab%2Fcd%2Bef%3Dgh12xyz", "ab/cd%2Bef%3Dgh12xyz", "ab%2Fcd+ef=gh12xyz", "ab/cd+ef%3Dgh12xyz"] {
            #expect(forms.contains(expected), "\(expected) in \(forms)")
        }
        // A character that comes twice is encoded alike at both places: 2 distinct, 3 forms.
        let repeated = Redaction.percentForms("wx/yz/ab+cd")
        #expect(repeated.count == 3, "\(repeated)")
        #expect(repeated.contains("wx%2Fyz%2Fab+cd"), "\(repeated)")
        // Past 6 such characters: every one encoded, one form.
        let many = "k/1+2=3?4&5#6%7"
        #expect(Redaction.percentForms(many) == [RequestSigner.encode(many)])
    }

    @Test func aKeyWithNothingToEncodeHasNoPercentForms() {
        #expect(Redaction.percentForms("abcDEF123xyz").isEmpty)
        #expect(Redaction.percentForms("sk-Unit_0.1~x").isEmpty, "unreserved characters are never encoded")
    }

    // MARK: - 0-0 codes as the message's first word

    static let leadingCodes: [(String, String?)] = [
        ("QuotaSharedPoolExceeded", "QuotaSharedPoolExceeded"),
        ("QuotaSharedPoolExceeded the pool is full", "QuotaSharedPoolExceeded"),
        ("QuotaSharedPoolExceeded, the pool is full", "QuotaSharedPoolExceeded"),
        ("QuotaSharedPoolExceeded.", "QuotaSharedPoolExceeded"),
        ("QuotaExceeded: full", "QuotaExceeded"),
        ("NotFound.asset_id: gone", "NotFound.asset_id"),
        ("Rate limit exceeded", nil),
        ("rate limit: slow down", nil),
        ("Unknown thing happened", nil),
        ("", nil),
    ]

    @Test(arguments: ReviewFixTests.leadingCodes)
    func leadingCode(_ message: String, _ expected: String?) {
        #expect(Envelope.leadingCode(message) == expected, "\(message.debugDescription)")
    }

    @Test func aZeroZeroFullPoolNamedByItsBareCodeStopsTheRun() {
        for msg in ["QuotaSharedPoolExceeded", "QuotaSharedPoolExceeded the pool is full"] {
            let body = #"{"code":429,"msg":"\#(msg)","data":null}"#
            let e = failure(Envelope.zeroZero(reply(429, body, headers: [("Retry-After", "2")]), call: Self.zeroZeroCreate))
            #expect(e?.kind == .fatalForRun, "\(msg): not a throttle")
            #expect(e?.code == "QuotaSharedPoolExceeded", "\(msg)")
            #expect(e?.status == 429)
            #expect(e?.throttledAnswer == false, "\(msg)")
            #expect(e?.description.contains("the account's asset pool is full") == true, "\(e?.description ?? "")")
        }
        // A 429 whose message names no code the table knows is a throttle.
        let slow = failure(
            Envelope.zeroZero(reply(429, #"{"code":429,"msg":"Rate limit exceeded","data":null}"#), call: Self.zeroZeroCreate))
        #expect(slow?.kind == .throttled(retryAfter: nil))
    }

    /// Through the real client and the emulator on 127.0.0.1: a pool of one, a second create
    /// refused with 429 QuotaSharedPoolExceeded, sent once and not retried.
    @Test func aZeroZeroCreateIntoAFullPoolIsSentOnceAndStopsTheRun() async throws {
        try await withClient(.zeroZero, emulator: { $0.poolSize = 1 }) { h in
            let g = try await h.service.createGroup(name: "pool", description: "")
            _ = try await h.service.createAsset(
                groupID: g.id, name: "first", type: .image, url: "https://cdn.example.com/first.png")
            let e = await remoteError {
                _ = try await h.service.createAsset(
                    groupID: g.id, name: "second", type: .image, url: "https://cdn.example.com/second.png")
            }
            #expect(e?.kind == .fatalForRun)
            #expect(e?.code == "QuotaSharedPoolExceeded")
            #expect(e?.status == 429)
            #expect(e?.attempts == 1, "not retried")
            #expect(e?.throttledAnswer == false)
            let creates = h.events.events.filter { event in
                if case .started(let call, _, _) = event { call.name == "POST /v1/assets" } else { false }
            }
            #expect(creates.count == 2, "the first create and the refused one, each sent once")
            let committed = try await h.stats()["committed_creates"]?["0-0"]?["assets"]?.int
            #expect(committed == 1)
        }
    }

    // MARK: - A bare 404

    @Test func aBare404IsAWrongAddressNeverGone() {
        for call in [Self.get, Self.create] {
            let html = failure(Envelope.seedance(reply(404, "<html>not found</html>"), call: call))
            #expect(html?.kind == .fatalForRun, "\(call)")
            #expect(html?.message.contains("base_url") == true, "\(html?.message ?? "")")
            #expect(html?.status == 404)
        }
        // A JSON answer with no code of the service's is no better.
        let uncoded = failure(Envelope.seedance(reply(404, #"{"message": "no route"}"#), call: Self.get))
        #expect(uncoded?.kind == .fatalForRun)
        #expect(uncoded?.message.contains("base_url") == true, "\(uncoded?.message ?? "")")
        // The same in the 0-0 dialect.
        let zeroZero = failure(Envelope.zeroZero(reply(404, "<html>not found</html>"), call: Self.get))
        #expect(zeroZero?.kind == .fatalForRun)
        #expect(zeroZero?.message.contains("base_url") == true, "\(zeroZero?.message ?? "")")
    }

    @Test func a404InTheServicesOwnWordsIsGone() {
        let gone = failure(
            Envelope.seedance(
                reply(404, #"{"ResponseMetadata":{"Error":{"Code":"NotFound.asset_id","Message":"gone"}}}"#), call: Self.get))
        #expect(gone?.kind == .notFound)
        #expect(gone?.code == "NotFound.asset_id")
        #expect(gone?.message.contains("base_url") == false, "\(gone?.message ?? "")")
        // 0-0's own envelope with code 404, whatever its message says (API.md §2).
        for msg in ["asset not found", "Not found", "Error: not found"] {
            let zeroZero = failure(
                Envelope.zeroZero(reply(404, #"{"code": 404, "msg": "\#(msg)", "data": null}"#), call: Self.get))
            #expect(zeroZero?.kind == .notFound, "\(msg)")
            #expect(zeroZero?.message.contains("base_url") == false, "\(zeroZero?.message ?? "")")
        }
        // A gateway's error object with a status for a code is the gateway's word, not the
        // service's: a wrong address, not gone.
        for body in [#"{"error": {"code": 404, "message": "no route"}}"#, #"{"error": {"code": "404", "message": "no"}}"#] {
            let gateway = failure(Envelope.seedance(reply(404, body), call: Self.get))
            #expect(gateway?.kind == .fatalForRun, "\(body)")
            let viaZeroZero = failure(Envelope.zeroZero(reply(404, body), call: Self.get))
            #expect(viaZeroZero?.kind == .fatalForRun, "\(body)")
        }
    }

    // MARK: - A create's answer that cannot be read

    @Test func aCreateAnsweredWithSuccessThatCannotBeReadIsOfUnknownOutcome() {
        do throws(RemoteError) {
            _ = try Exchange.made { () throws(RemoteError) -> Int in
                throw RemoteError(.fatalForCall, call: "CreateAsset", message: "the answer is not one the API describes: no Id")
            }
            Issue.record("expected a RemoteError")
        } catch {
            #expect(error.kind == .ambiguous)
            #expect(error.call == "CreateAsset")
            #expect(error.message.hasPrefix("the answer is not one the API describes: no Id"), "\(error.message)")
            #expect(error.message.hasSuffix("so it was made)") && error.answeredSuccess, "\(error.message)")
        }
        // As the clients use it: an id that is not there.
        do throws(RemoteError) {
            _ = try Exchange.made { () throws(RemoteError) -> String in
                try Exchange.checkedID(nil, field: "Id", call: "CreateAsset")
            }
            Issue.record("expected a RemoteError")
        } catch {
            #expect(error.kind == .ambiguous)
            #expect(error.message.hasSuffix("so it was made)") && error.answeredSuccess, "\(error.message)")
        }
    }

    @Test func aCreateAnsweredWithSuccessThatCanBeReadIsWhatItSays() throws {
        let five = try Exchange.made { () throws(RemoteError) -> Int in 5 }
        #expect(five == 5)
    }

    @Test(arguments: [
        "see https://c.example.com/b.png?X-Amz-Signature=abc, then", "\"https://h.example/x?y=1\"", "plain text",
        "https://h.example/a#frag and https://h.example/b?q", "über https://h.example/ü?sig=1",
    ])
    func redactingTwiceIsRedactingOnce(text: String) {
        let once = Redaction.redact(text)
        #expect(Redaction.redact(once) == once, "\(once)")
        let core = URLQuery.redacted(in: text)
        #expect(URLQuery.redacted(in: core) == core, "\(core)")
        #expect(!once.contains("<redacted><redacted>") && !core.contains("<redacted><redacted>"))
    }

    @Test func aSignatureQuotedAsJSONIsRedacted() {
        let echoed = #"{"Authorization": {"Credential": "AK/x", "Signature":"0123abcdef9876"}}"#
        let out = Redaction.redact(echoed)
        #expect(!out.contains("0123abcdef9876") && out.contains(#""Signature":"<redacted>""#), "\(out)")
        #expect(Redaction.redact(out) == out)
    }

    @Test func aKeyOfManyCharactersToEncodeHasOneFormAndNoTrap() {
        for count in [7, 63, 64, 70] {
            let secret = String(String.UnicodeScalarView((0..<count).map { Unicode.Scalar(0x3B1 + $0)! }))
            let forms = Redaction.percentForms(secret)
            #expect(forms == [RequestSigner.encode(secret)], "\(count)")
        }
    }
}
