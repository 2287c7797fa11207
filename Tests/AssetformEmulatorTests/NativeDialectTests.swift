import AsyncHTTPClient
import Crypto
import Foundation
import JSON
import NIOCore
import NIOHTTP1
import Testing
import Timing

@testable import AssetformEmulator

/// A minimal signer written for these tests from the description of Volcengine's HMAC-SHA256
/// signature (not from the emulator's code), checked first against vectors of the official SDK.
enum TestSigner {
    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func sha256(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }

    /// Everything but `A-Z a-z 0-9 - _ . ~` as `%XX` of its UTF-8 bytes.
    static func encode(_ text: String) -> String {
        var out = ""
        for b in text.utf8 {
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x5F, 0x2E, 0x7E: out.append(Character(UnicodeScalar(b)))
            default: out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let pairs: [(String, String)] = query.map { pair in (encode(pair.0), encode(pair.1)) }
        let sorted = pairs.sorted { (a: (String, String), b: (String, String)) -> Bool in
            a.0 == b.0 ? a.1 < b.1 : a.0 < b.0
        }
        return sorted.map { pair in pair.0 + "=" + pair.1 }.joined(separator: "&")
    }

    /// The `Authorization` value; `headers` are the signed ones, by lower-case name (`x-date` among them).
    static func authorization(
        method: String, path: String = "/", query: [(String, String)], headers: [String: String], body: [UInt8],
        accessKey: String, secretKey: String, region: String = "cn-beijing", service: String = "ark"
    ) -> String {
        let xDate = headers["x-date"] ?? ""
        let names = headers.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(headers[$0] ?? "")\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonical = [method, path, canonicalQuery(query), canonicalHeaders, signedHeaders, sha256(body)]
            .joined(separator: "\n")
        let date = String(xDate.prefix(8))
        let scope = "\(date)/\(region)/\(service)/request"
        let toSign = ["HMAC-SHA256", xDate, scope, sha256(Array(canonical.utf8))].joined(separator: "\n")
        var key = SymmetricKey(data: Array(secretKey.utf8))
        for part in [date, region, service, "request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = hex(HMAC<SHA256>.authenticationCode(for: Array(toSign.utf8), using: key))
        return "HMAC-SHA256 Credential=\(accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
    }

    /// `YYYYMMDDTHHMMSSZ`, UTC.
    static func xDate(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}

/// The official SDK's vectors (`volcenginesdkcore/signv4.py`).
enum SDKVector {
    static let accessKey = "AKLTexampleaccesskey0001"
    static let secretKey = "c2VjcmV0LWtleS1leGFtcGxlLTAwMDE="
    static let xDate = "20261202T101500Z"
    /// 2026-12-02T10:15:00Z.
    static let time = 1_796_206_500.0
    static let body = #"{"Name":"角色 Alice","Description":"主角的参考图","GroupType":"AIGC","ProjectName":"default"}"#
    static let bodyHash = "53329c1f14ec39797bc5a3e7b279df827c06afa296ce54783502a43e2649d499"
    static let postAuthorization =
        "HMAC-SHA256 Credential=AKLTexampleaccesskey0001/20261202/cn-beijing/ark/request, "
        + "SignedHeaders=content-type;host;x-content-sha256;x-date, "
        + "Signature=5590470698dc8b504f61eceb9a789b309b49ecc31303f7a738a547153fad4723"
    static let postHeaders = [
        "content-type": "application/json", "host": "ark.cn-beijing.volcengineapi.com", "x-content-sha256": bodyHash,
        "x-date": xDate,
    ]

    static let getQuery = [
        ("Version", "2024-01-01"), ("Action", "ListAssetGroups"), ("Filter.Name", "a b*c~d/e"), ("PageSize", "10"),
        ("name", "é+&=%"),
    ]
    static let getCanonicalQuery =
        "Action=ListAssetGroups&Filter.Name=a%20b%2Ac~d%2Fe&PageSize=10&Version=2024-01-01&name=%C3%A9%2B%26%3D%25"
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let getHeaders = ["host": "127.0.0.1:8123", "x-content-sha256": emptyHash, "x-date": xDate]
    static let getSignature = "80b2a36cbbedd279e61d63c81185dde66e393f1c22016e6c4b45d050bbf0d86f"
}

/// One signed call of the upstream's dialect, and how to spoil it.
struct NativeCall: Sendable {
    var action: String
    var body: String
    var version = "2024-01-01"
    var accessKey = NativeDialectTests.accessKey
    var secretKey = NativeDialectTests.secretKey
    var region = "cn-beijing"
    /// nil: the real clock's now.
    var xDate: String?
    /// A body sent instead of the one signed.
    var sentBody: String?
    var signContentHash = true
}

extension Harness {
    /// Signs and sends a call to `POST /?Action=…&Version=…`.
    func native(_ call: NativeCall) async throws -> Reply {
        let host = String(baseURL.dropFirst("http://".count))
        let bytes = Array(call.body.utf8)
        var headers = [
            "content-type": "application/json", "host": host, "x-date": call.xDate ?? TestSigner.xDate(UTCDate.now()),
        ]
        if call.signContentHash { headers["x-content-sha256"] = TestSigner.sha256(bytes) }
        let authorization = TestSigner.authorization(
            method: "POST", query: [("Action", call.action), ("Version", call.version)], headers: headers, body: bytes,
            accessKey: call.accessKey, secretKey: call.secretKey, region: call.region)
        return try await sendNative(
            query: "Action=\(TestSigner.encode(call.action))&Version=\(TestSigner.encode(call.version))",
            headers: headers.map { ($0.key, $0.value) } + [("Authorization", authorization)],
            body: Array((call.sentBody ?? call.body).utf8))
    }

    /// Sends exactly these headers (an explicit `host` is sent as it is) and body to `POST /?query`.
    func sendNative(query: String, headers: [(String, String)], body: [UInt8]) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + "/?" + query)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let json = JSONValue.parse(Array(bytes.readableBytesView)) ?? .null
        return Reply(status: Int(response.status.code), json: json, headers: response.headers)
    }

    /// A signed create of a group; its id.
    func nativeGroup(
        _ name: String = "g", accessKey: String = NativeDialectTests.accessKey,
        secretKey: String = NativeDialectTests.secretKey
    ) async throws -> String {
        let r = try await native(
            NativeCall(
                action: "CreateAssetGroup", body: #"{"Name": "\#(name)", "GroupType": "AIGC"}"#, accessKey: accessKey,
                secretKey: secretKey))
        return try #require(r.result?["Id"]?.string, "\(r.json.encoded)")
    }

    /// A signed create of an asset; its id.
    func nativeAsset(in group: String, name: String) async throws -> String {
        let url = "https://cdn.example.com/\(name).png"
        let r = try await native(
            NativeCall(
                action: "CreateAsset",
                body: #"{"GroupId": "\#(group)", "Name": "\#(name)", "AssetType": "Image", "URL": "\#(url)"}"#))
        return try #require(r.result?["Id"]?.string, "\(r.json.encoded)")
    }
}

@Suite("the upstream's own dialect: signed requests, deletes")
struct NativeDialectTests {
    static let accessKey = "AKLTtestaccesskey0000alpha"
    static let secretKey = "dGVzdC1zZWNyZXQtYWxwaGE6d2l0aC1jb2xvbg=="
    static let otherAccessKey = "AKLTtestaccesskey0000bravo"
    static let otherSecretKey = "dGVzdC1zZWNyZXQtYnJhdm8="

    static func configure(_ c: inout EmulatorConfiguration) {
        c.accessKeys = [accessKey: secretKey, otherAccessKey: otherSecretKey]
    }

    /// No answer may carry a secret key or a signature.
    static func expectNoSecret(_ r: Reply, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = r.json.encoded
        for secret in [secretKey, otherSecretKey, SDKVector.secretKey] {
            #expect(!text.contains(secret), "a secret key in \(text)", sourceLocation: sourceLocation)
        }
        #expect(!text.contains("Signature="), "a signature in \(text)", sourceLocation: sourceLocation)
    }

    // MARK: - The signer and the verifier against the official SDK's vectors

    @Test func theTestSignerMatchesTheSDK() {
        #expect(TestSigner.sha256(Array(SDKVector.body.utf8)) == SDKVector.bodyHash)
        #expect(
            TestSigner.authorization(
                method: "POST", query: [("Action", "CreateAssetGroup"), ("Version", "2024-01-01")],
                headers: SDKVector.postHeaders, body: Array(SDKVector.body.utf8), accessKey: SDKVector.accessKey,
                secretKey: SDKVector.secretKey) == SDKVector.postAuthorization)
        #expect(TestSigner.canonicalQuery(SDKVector.getQuery) == SDKVector.getCanonicalQuery)
        let get = TestSigner.authorization(
            method: "GET", query: SDKVector.getQuery, headers: SDKVector.getHeaders, body: [],
            accessKey: SDKVector.accessKey, secretKey: SDKVector.secretKey)
        #expect(get.hasSuffix("SignedHeaders=host;x-content-sha256;x-date, Signature=\(SDKVector.getSignature)"), "\(get)")
    }

    @Test func theVerifierAcceptsTheSDKsSignatures() throws {
        var headers = SDKVector.postHeaders
        headers["authorization"] = SDKVector.postAuthorization
        let secrets = [SDKVector.accessKey: SDKVector.secretKey]
        let credential = try RequestSignature.verify(
            method: "POST", path: "/",
            query: RequestSignature.parseQuery("Action=CreateAssetGroup&Version=2024-01-01"), headers: headers,
            body: Array(SDKVector.body.utf8), secrets: secrets, now: SDKVector.time + 30)
        #expect(credential.accessKey == SDKVector.accessKey)
        #expect(credential.region == "cn-beijing")
        #expect(credential.service == "ark")

        // The GET vector, its query as a browser or an HTTP client may have sent it: `+` for a
        // space, `/` and `~` raw, the parameters in another order.
        let wire = "Version=2024-01-01&Action=ListAssetGroups&Filter.Name=a+b%2ac~d/e&PageSize=10&name=%C3%A9%2B%26%3D%25"
        #expect(RequestSignature.canonicalQuery(RequestSignature.parseQuery(wire)) == SDKVector.getCanonicalQuery)
        var getHeaders = SDKVector.getHeaders
        getHeaders["authorization"] =
            "HMAC-SHA256 Credential=\(SDKVector.accessKey)/20261202/cn-beijing/ark/request,SignedHeaders=host;x-content-sha256;x-date,  Signature=\(SDKVector.getSignature)"
        let viaGet = try RequestSignature.verify(
            method: "GET", path: "/", query: RequestSignature.parseQuery(wire), headers: getHeaders, body: [],
            secrets: secrets, now: SDKVector.time - 60)
        #expect(viaGet.accessKey == SDKVector.accessKey)

        // A default port on the host is not part of what was signed.
        var withPort = headers
        withPort["host"] = "ark.cn-beijing.volcengineapi.com:443"
        #expect(
            (try? RequestSignature.verify(
                method: "POST", path: "/",
                query: RequestSignature.parseQuery("Action=CreateAssetGroup&Version=2024-01-01"), headers: withPort,
                body: Array(SDKVector.body.utf8), secrets: secrets, now: SDKVector.time)) != nil)
    }

    @Test func theVerifierRefusesWhatWasNotSigned() {
        func code(
            query: String = "Action=CreateAssetGroup&Version=2024-01-01",
            headers change: (inout [String: String]) -> Void = { _ in }, body: String = SDKVector.body,
            secrets: [String: String] = [SDKVector.accessKey: SDKVector.secretKey], now: Double = SDKVector.time
        ) -> String? {
            var headers = SDKVector.postHeaders
            headers["authorization"] = SDKVector.postAuthorization
            change(&headers)
            do throws(APIError) {
                _ = try RequestSignature.verify(
                    method: "POST", path: "/", query: RequestSignature.parseQuery(query), headers: headers,
                    body: Array(body.utf8), secrets: secrets, now: now)
                return nil
            } catch {
                #expect(!error.message.contains(SDKVector.secretKey))
                #expect(!error.message.contains(SDKVector.getSignature) && !error.message.contains("5590470698dc"))
                return error.code
            }
        }
        #expect(code() == nil)
        #expect(code(query: "Action=CreateAssetGroup&Version=2024-01-01&Extra=1") == "SignatureDoesNotMatch")
        #expect(code(body: SDKVector.body + " ") == "SignatureDoesNotMatch")
        #expect(code(headers: { $0["content-type"] = "application/json; charset=utf-8" }) == "SignatureDoesNotMatch")
        #expect(code(headers: { $0["host"] = "ark.ap-southeast-1.byteplusapi.com" }) == "SignatureDoesNotMatch")
        #expect(code(secrets: [SDKVector.accessKey: "another secret"]) == "SignatureDoesNotMatch")
        #expect(code(secrets: ["AKLTsomeoneelse": SDKVector.secretKey]) == "InvalidAccessKey")
        #expect(code(secrets: [:]) == "InvalidAccessKey")
        #expect(code(headers: { $0["authorization"] = nil }) == "MissingAuthenticationToken")
        #expect(code(headers: { $0["authorization"] = "Bearer some-key" }) == "MissingAuthenticationToken")
        #expect(code(headers: { $0["x-date"] = nil }) == "MissingRequestInfo")
        #expect(code(headers: { $0["x-date"] = "2026-12-02T10:15:00Z" }) == "InvalidTimestamp")
        #expect(code(now: SDKVector.time + 16 * 60) == "InvalidTimestamp")
        #expect(code(now: SDKVector.time - 16 * 60) == "InvalidTimestamp")
        #expect(code(now: SDKVector.time + 14 * 60) == nil)
        #expect(
            code(headers: {
                $0["authorization"] = SDKVector.postAuthorization.replacingOccurrences(
                    of: "content-type;host;x-content-sha256;x-date", with: "content-type;x-content-sha256;x-date")
            }) == "SignatureDoesNotMatch")
        #expect(
            code(headers: {
                $0["authorization"] = SDKVector.postAuthorization.replacingOccurrences(of: "/ark/", with: "/iam/")
            }) == "ServiceNotFound")
    }

    // MARK: - Over HTTP

    @Test func theSDKsSignedRequestCreatesAGroupOverHTTP() async throws {
        // The emulator's clock brought to the vector's X-Date.
        let offset = Duration.seconds(SDKVector.time - UTCDate.now())
        try await withEmulator({
            $0.accessKeys = [SDKVector.accessKey: SDKVector.secretKey]
            $0.clockOffset = offset
        }) { h in
            let headers: [(String, String)] = [
                ("Content-Type", "application/json"), ("Host", "ark.cn-beijing.volcengineapi.com"),
                ("X-Content-Sha256", SDKVector.bodyHash), ("X-Date", SDKVector.xDate),
                ("Authorization", SDKVector.postAuthorization),
            ]
            let r = try await h.sendNative(
                query: "Action=CreateAssetGroup&Version=2024-01-01", headers: headers, body: Array(SDKVector.body.utf8))
            #expect(r.status == 200, "\(r.json.encoded)")
            let id = try #require(r.result?["Id"]?.string, "\(r.json.encoded)")
            #expect(matches(id, #"group-\d{14}-[a-z0-9]{5}"#), "\(id)")
            #expect(r.json["ResponseMetadata"]?["Action"]?.string == "CreateAssetGroup")
            #expect(r.json["ResponseMetadata"]?["Service"]?.string == "ark")
            #expect(r.json["ResponseMetadata"]?["Region"]?.string == "cn-beijing")
            Self.expectNoSecret(r)
            // The same bytes with the body changed after signing.
            let changed = try await h.sendNative(
                query: "Action=CreateAssetGroup&Version=2024-01-01", headers: headers,
                body: Array(SDKVector.body.replacingOccurrences(of: "Alice", with: "Alicf").utf8))
            #expect(changed.status == 401)
            #expect(changed.errorCode == "SignatureDoesNotMatch")
        }
    }

    @Test func createListDeleteThroughSignedCalls() async throws {
        try await withEmulator({
            Self.configure(&$0)
            $0.processingDelay = .zero
        }) { h in
            let created = try await h.native(
                NativeCall(action: "CreateAssetGroup", body: #"{"Name": "角色 Alice", "GroupType": "AIGC"}"#))
            #expect(created.status == 200, "\(created.json.encoded)")
            Self.expectNoSecret(created)
            let group = try #require(created.result?["Id"]?.string)
            let list = try await h.native(
                NativeCall(action: "ListAssetGroups", body: #"{"Filter": {"GroupType": "AIGC"}, "PageSize": 100}"#))
            #expect(list.status == 200)
            guard case .array(let items) = list.result?["Items"] else {
                Issue.record("no Items in \(list.json.encoded)")
                return
            }
            #expect(items.compactMap { $0["Id"]?.string } == [group])
            #expect(items.first?["Name"]?.string == "角色 Alice")

            let first = try await h.nativeAsset(in: group, name: "front")
            let second = try await h.nativeAsset(in: group, name: "side")
            #expect(try await h.native(NativeCall(action: "GetAsset", body: #"{"Id": "\#(first)"}"#)).status == 200)

            let deleted = try await h.native(NativeCall(action: "DeleteAsset", body: #"{"Id": "\#(first)"}"#))
            #expect(deleted.status == 200, "\(deleted.json.encoded)")
            #expect(deleted.json["ResponseMetadata"]?["Action"]?.string == "DeleteAsset")
            #expect(deleted.json["ResponseMetadata"]?["Error"] == nil)
            let gone = try await h.native(NativeCall(action: "GetAsset", body: #"{"Id": "\#(first)"}"#))
            #expect(gone.status == 404)
            #expect(gone.errorCode == "NotFound.asset_id")
            let again = try await h.native(NativeCall(action: "DeleteAsset", body: #"{"Id": "\#(first)"}"#))
            #expect(again.status == 404)
            #expect(again.errorCode == "NotFound.asset_id")
            let filter = #"{"GroupType": "AIGC", "GroupIds": ["\#(group)"]}"#
            let assets = try await h.native(
                NativeCall(action: "ListAssets", body: #"{"Filter": \#(filter), "PageSize": 100}"#))
            #expect(assets.result?["TotalCount"]?.int == 1)

            let groupGone = try await h.native(NativeCall(action: "DeleteAssetGroup", body: #"{"Id": "\#(group)"}"#))
            #expect(groupGone.status == 200, "\(groupGone.json.encoded)")
            let getGroup = try await h.native(NativeCall(action: "GetAssetGroup", body: #"{"Id": "\#(group)"}"#))
            #expect(getGroup.status == 404)
            #expect(getGroup.errorCode == "NotFound.group_id")
            let orphan = try await h.native(NativeCall(action: "GetAsset", body: #"{"Id": "\#(second)"}"#))
            #expect(orphan.errorCode == "NotFound.asset_id", "a group's assets go with it")
            let noGroup = try await h.native(NativeCall(action: "DeleteAssetGroup", body: #"{"Id": "\#(group)"}"#))
            #expect(noGroup.status == 404)
            #expect(noGroup.errorCode == "NotFound.group_id")
            let noAssets = try await h.native(
                NativeCall(action: "ListAssets", body: #"{"Filter": {"GroupType": "AIGC"}, "PageSize": 100}"#))
            #expect(noAssets.result?["TotalCount"]?.int == 0)
            let missingID = try await h.native(NativeCall(action: "DeleteAsset", body: #"{}"#))
            #expect(missingID.status == 400)
            #expect(missingID.errorCode == "MissingParameter")

            let stats = try await h.stats()
            let calls = stats["calls"]?["volcengine"]
            #expect(calls?["CreateAssetGroup"]?.int == 1)
            #expect(calls?["CreateAsset"]?.int == 2)
            #expect(calls?["DeleteAsset"]?.int == 3)
            #expect(calls?["DeleteAssetGroup"]?.int == 2)
            #expect(calls?["ListAssetGroups"]?.int == 1)
            #expect(stats["calls"]?["seedance"] == .object([]), "signed calls are not seedance calls")
            #expect(stats["committed_creates"]?["volcengine"]?["assets"]?.int == 2)
            #expect(stats["committed_deletes"]?["volcengine"]?["groups"]?.int == 1)
            #expect(stats["committed_deletes"]?["volcengine"]?["assets"]?.int == 2)
            #expect(!stats.encoded.contains(Self.secretKey))
        }
    }

    @Test func wrongSignaturesAndKeysAreRefused() async throws {
        try await withEmulator(Self.configure) { h in
            let body = #"{"Name": "g", "GroupType": "AIGC"}"#
            var replies: [Reply] = []
            let wrongSecret = try await h.native(NativeCall(action: "CreateAssetGroup", body: body, secretKey: "not-the-secret"))
            #expect(wrongSecret.status == 401)
            #expect(wrongSecret.errorCode == "SignatureDoesNotMatch")
            #expect(wrongSecret.json["ResponseMetadata"]?["Error"]?["CodeN"]?.int == 100010)
            #expect(wrongSecret.json["ResponseMetadata"]?["Action"]?.string == "CreateAssetGroup")
            #expect(wrongSecret.json["ResponseMetadata"]?["Version"]?.string == "2024-01-01")
            #expect(wrongSecret.json["ResponseMetadata"]?["Service"]?.string == "ark")
            #expect(wrongSecret.json["Result"] == nil)
            replies.append(wrongSecret)

            let changed = try await h.native(
                NativeCall(action: "CreateAssetGroup", body: body, sentBody: #"{"Name": "h", "GroupType": "AIGC"}"#))
            #expect(changed.status == 401)
            #expect(changed.errorCode == "SignatureDoesNotMatch")
            replies.append(changed)

            let changedUnhashed = try await h.native(
                NativeCall(
                    action: "CreateAssetGroup", body: body, sentBody: #"{"Name": "h", "GroupType": "AIGC"}"#,
                    signContentHash: false))
            #expect(changedUnhashed.status == 401, "the body's hash is signed even without X-Content-Sha256")
            #expect(changedUnhashed.errorCode == "SignatureDoesNotMatch")
            replies.append(changedUnhashed)

            let unknown = try await h.native(
                NativeCall(action: "CreateAssetGroup", body: body, accessKey: "AKLTnobodyknowsthis9876"))
            #expect(unknown.status == 401)
            #expect(unknown.errorCode == "InvalidAccessKey")
            #expect(unknown.errorMessage?.contains("AKLTnobodyknowsthis9876") == false, "only the last 4 characters")
            replies.append(unknown)

            let bearer = try await h.sendNative(
                query: "Action=CreateAssetGroup&Version=2024-01-01",
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer test-key-alpha")],
                body: Array(body.utf8))
            #expect(bearer.status == 401)
            #expect(bearer.errorCode == "MissingAuthenticationToken")
            replies.append(bearer)

            let unsigned = try await h.sendNative(
                query: "Action=CreateAssetGroup&Version=2024-01-01", headers: [("Content-Type", "application/json")],
                body: Array(body.utf8))
            #expect(unsigned.status == 401)
            #expect(unsigned.errorCode == "MissingAuthenticationToken")
            replies.append(unsigned)

            // Signed well, for a region no endpoint of the service is in (a typo in the manifest).
            var elsewhere = NativeCall(action: "CreateAssetGroup", body: body)
            elsewhere.region = "cn-bejing"
            let region = try await h.native(elsewhere)
            #expect(region.status == 401)
            #expect(region.errorCode == "SignatureDoesNotMatch")
            #expect(region.errorMessage?.contains("cn-bejing") == true, "\(region.json.encoded)")
            replies.append(region)

            let version = try await h.native(NativeCall(action: "CreateAssetGroup", body: body, version: "2023-01-01"))
            #expect(version.status == 404)
            #expect(version.errorCode == "InvalidActionOrVersion")
            replies.append(version)

            let action = try await h.native(NativeCall(action: "DeleteEverything", body: "{}"))
            #expect(action.status == 404)
            #expect(action.errorCode == "InvalidActionOrVersion")
            replies.append(action)

            for r in replies { Self.expectNoSecret(r) }
            // Nothing was written, and refused calls are not counted.
            let stats = try await h.stats()
            #expect(stats["committed_creates"]?["volcengine"]?["groups"]?.int == 0)
            #expect(stats["calls"]?["volcengine"] == .object([]))

            // The seedance route has no delete.
            let seedanceDelete = try await h.seedance("DeleteAsset", #"{"Id": "asset-20260101000000-zzzzz"}"#)
            #expect(seedanceDelete.status == 400)
            #expect(seedanceDelete.errorCode == "InvalidAction")
        }
    }

    @Test func withoutAccessKeysEverySignedCallIsRefused() async throws {
        try await withEmulator { h in
            let r = try await h.native(NativeCall(action: "CreateAssetGroup", body: #"{"Name": "g"}"#))
            #expect(r.status == 401)
            #expect(r.errorCode == "InvalidAccessKey")
            Self.expectNoSecret(r)
        }
    }

    @Test func clockSkewOverFifteenMinutesIsRefused() async throws {
        let body = #"{"Name": "g", "GroupType": "AIGC"}"#
        let late = TestSigner.xDate(UTCDate.now() - 20 * 60)
        let early = TestSigner.xDate(UTCDate.now() + 20 * 60)
        try await withEmulator(Self.configure) { h in
            for xDate in [late, early] {
                let r = try await h.native(NativeCall(action: "CreateAssetGroup", body: body, xDate: xDate))
                #expect(r.status == 400, "\(r.json.encoded)")
                #expect(r.errorCode == "InvalidTimestamp")
                #expect(r.errorMessage?.contains("server time") == true, "\(r.errorMessage ?? "")")
                Self.expectNoSecret(r)
            }
            let near = TestSigner.xDate(UTCDate.now() - 10 * 60)
            #expect(try await h.native(NativeCall(action: "CreateAssetGroup", body: body, xDate: near)).status == 200)
        }
        // The emulator's clock 20 minutes behind: a request stamped 20 minutes ago is on time.
        try await withEmulator({
            Self.configure(&$0)
            $0.clockOffset = .seconds(-20 * 60)
        }) { h in
            let r = try await h.native(NativeCall(action: "CreateAssetGroup", body: body, xDate: late))
            #expect(r.status == 200, "\(r.json.encoded)")
            let now = try await h.native(NativeCall(action: "CreateAssetGroup", body: body))
            #expect(now.errorCode == "InvalidTimestamp")
        }
    }

    @Test func accessKeysSeeSeparateData() async throws {
        try await withEmulator(Self.configure) { h in
            let mine = try await h.nativeGroup("mine")
            let theirs = try await h.nativeGroup(
                "theirs", accessKey: Self.otherAccessKey, secretKey: Self.otherSecretKey)
            let crossed = try await h.native(
                NativeCall(
                    action: "GetAssetGroup", body: #"{"Id": "\#(mine)"}"#, accessKey: Self.otherAccessKey,
                    secretKey: Self.otherSecretKey))
            #expect(crossed.status == 404)
            #expect(crossed.errorCode == "NotFound.group_id")
            let list = try await h.native(
                NativeCall(
                    action: "ListAssetGroups", body: #"{"Filter": {"GroupType": "AIGC"}}"#, accessKey: Self.otherAccessKey,
                    secretKey: Self.otherSecretKey))
            guard case .array(let items) = list.result?["Items"] else {
                Issue.record("no Items in \(list.json.encoded)")
                return
            }
            #expect(items.compactMap { $0["Id"]?.string } == [theirs])
            // A bearer key spelled like the access key is another tenant on another dialect.
            let bearer = try await h.seedance("GetAssetGroup", #"{"Id": "\#(mine)"}"#, key: Self.accessKey)
            #expect(bearer.errorCode == "NotFound.group_id")
            // The same access key signing for BytePlus's region sees the same account.
            let byteplus = try await h.native(
                NativeCall(action: "GetAssetGroup", body: #"{"Id": "\#(mine)"}"#, region: "ap-southeast-1"))
            #expect(byteplus.status == 200)
            #expect(byteplus.json["ResponseMetadata"]?["Region"]?.string == "ap-southeast-1")
            let objects = try await h.stats()["objects"]?["volcengine"]
            #expect(objects?[Emulator.keyID(Self.accessKey)]?["groups"]?.int == 1)
            #expect(objects?[Emulator.keyID(Self.otherAccessKey)]?["groups"]?.int == 1)
        }
    }
}
