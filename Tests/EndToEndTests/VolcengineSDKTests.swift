import AssetformEmulator
import AssetformRemote
import Foundation
import Testing
import Timing

/// Issue 17's proof against a signer no one here wrote: the official Volcengine Python SDKs (in
/// `.build/volc-venv`, made by `scripts/volc-venv`, which `make test` runs) sign fixed requests,
/// and assetform's signer must give exactly the same `Authorization`; then the SDK's own generic
/// call drives the emulator, whose verification must accept the official signature.
@Suite("the Volcengine SDKs' own signatures")
struct VolcengineSDKTests {
    static let python =
        ProcessInfo.processInfo.environment["ASSETFORM_VOLC_PYTHON"]
        ?? MediaServer.repository.appendingPathComponent(".build/volc-venv/bin/python").path

    struct Request {
        var method = "POST"
        var host: String
        var query: [(String, String)]
        var contentType: String? = "application/json"
        var body: String
        var ak = "AKLTexampleaccesskey0001"
        var sk = "c2VjcmV0LWtleS1leGFtcGxlLTAwMDE="
        var region = "cn-beijing"
        var xDate = "20261202T101500Z"

        var json: [String: Any] {
            [
                "method": method, "host": host, "path": "/",
                "query": Dictionary(query, uniquingKeysWith: { $1 }),
                "headers": contentType.map { ["Content-Type": $0] } ?? [:], "body": body, "ak": ak, "sk": sk,
                "region": region, "service": "ark", "x_date": xDate,
            ]
        }
    }

    /// Fixed requests, and some made from a seeded generator (printed on failure): bodies with
    /// other scripts, queries with characters that must be escaped, hosts with and without ports.
    static func requests() -> [Request] {
        var out: [Request] = [
            Request(
                host: "ark.cn-beijing.volcengineapi.com", query: [("Action", "CreateAssetGroup"), ("Version", "2024-01-01")],
                body: #"{"Name":"角色 Alice","Description":"主角的参考图","GroupType":"AIGC","ProjectName":"default"}"#),
            Request(
                host: "ark.cn-beijing.volcengineapi.com", query: [("Action", "ListAssets"), ("Version", "2024-01-01")], body: ""),
            Request(
                method: "GET", host: "127.0.0.1:8123",
                query: [
                    ("Version", "2024-01-01"), ("Action", "ListAssetGroups"), ("Filter.Name", "a b*c~d/e"), ("PageSize", "10"),
                    ("name", "é+&=%"),
                ], contentType: nil, body: ""),
            Request(
                host: "ark.ap-southeast-1.byteplusapi.com:443", query: [("Action", "DeleteAsset"), ("Version", "2024-01-01")],
                body: #"{"Id":"asset-20261202101500-abcde","ProjectName":"default"}"#, region: "ap-southeast-1"),
        ]
        var g = SplitMix64(seed: 0x17_2026_5EED)
        let alphabet = Array("abcXYZ019 -_.~*+/=&%é角色\"\\")
        for i in 0..<12 {
            func text(_ n: Int) -> String { String((0..<n).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] }) }
            out.append(
                Request(
                    host: i % 2 == 0 ? "127.0.0.1:\(8000 + i)" : "ark.cn-beijing.volcengineapi.com",
                    query: [("Action", "CreateAsset"), ("Version", "2024-01-01"), ("X-\(text(3))", text(8))],
                    body:
                        "{\"Name\":\"\(text(10).replacingOccurrences(of: "\\", with: "").replacingOccurrences(of: "\"", with: ""))\"}",
                    ak: "AK" + text(6).filter(\.isLetter), sk: text(20), xDate: "2026120\(i % 9 + 1)T0\(i % 10)1500Z"))
        }
        return out
    }

    @Test("assetform's signer gives exactly the Authorization both official SDKs give")
    func signerMatchesTheSDKs() async throws {
        let requests = Self.requests()
        let input = try JSONSerialization.data(withJSONObject: requests.map(\.json))
        for sdk in ["core", "legacy"] {
            let out = try await ChildProcess.run(
                [MediaServer.repository.appendingPathComponent("scripts/volc-sign.py").path, "--sdk", sdk],
                stdin: String(decoding: input, as: UTF8.self), executable: Self.python, limit: .seconds(120))
            try #require(out.status == 0, "the SDK signer (\(sdk)) did not run: \(out.stderr) (make test runs scripts/volc-venv)")
            let answers = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])
            try #require(answers.count == requests.count)
            for (i, (request, answer)) in zip(requests, answers).enumerated() {
                let seconds = try #require(UTCDate.parseBasic(request.xDate))
                let ours = RequestSigner.headers(
                    method: request.method, host: request.host, path: "/", query: request.query, contentType: request.contentType,
                    body: Array(request.body.utf8),
                    key: SigningKey(accessKey: request.ak, secretKey: request.sk, region: request.region), at: seconds)
                let authorization = ours.first { $0.0 == "Authorization" }?.1
                #expect(
                    authorization == answer["authorization"] as? String,
                    "request \(i) (seed 0x1720265EED), sdk \(sdk): ours \(authorization ?? "none")\nSDK's \(answer)")
                #expect(ours.first { $0.0 == "X-Content-Sha256" }?.1 == answer["x_content_sha256"] as? String)
            }
        }
    }

    @Test("the SDK's generic call creates a group on the emulator, which accepts its signature; a wrong secret is refused")
    func sdkGenericCallAgainstTheEmulator() async throws {
        let ak = "AKLTcrosscheck0001"
        let sk = "cross-check-secret-0001"
        let server = try await EmulatorProcess(["--port", "0", "--no-throttle", "--access-key", "\(ak):\(sk)"])
        let script = MediaServer.repository.appendingPathComponent("scripts/volc-universal-call.py").path
        var env = ["VOLC_ENDPOINT": server.baseURL, "VOLC_ACCESS_KEY": ak, "VOLC_SECRET_KEY": sk, "VOLC_REGION": "cn-beijing"]
        let out = try await ChildProcess.run(
            [script, "--name", "角色 SDK group", "--description", "made by the official SDK"], environment: env,
            executable: Self.python, limit: .seconds(120))
        #expect(out.status == 0, "\(out.all)")
        let answer = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        let id = (answer?["Result"] as? [String: Any])?["Id"] as? String
        #expect(id?.hasPrefix("group-") == true, "\(out.stdout)")
        let stats = try await call(server.baseURL + "/_emulator/stats", key: nil).1
        #expect(stats.contains("\"volcengine\""), "\(stats)")
        // The same call with another secret: the emulator refuses it, as the service would.
        env["VOLC_SECRET_KEY"] = "not-the-secret"
        let refused = try await ChildProcess.run(
            [script, "--name", "refused"], environment: env, executable: Self.python, limit: .seconds(120))
        #expect(refused.status != 0)
        #expect(refused.all.contains("SignatureDoesNotMatch"), "\(refused.all)")
    }
}
