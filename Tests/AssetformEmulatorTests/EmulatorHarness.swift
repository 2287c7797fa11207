import AssetformEmulator
import AsyncHTTPClient
import Foundation
import JSON
import NIOCore
import NIOHTTP1
import Testing

/// Starts an emulator on 127.0.0.1, port 0, and a real HTTP client; both are shut down when the
/// test's body returns or throws.
func withEmulator(
    _ configure: (inout EmulatorConfiguration) -> Void = { _ in },
    _ body: @Sendable (Harness) async throws -> Void
) async throws {
    var configuration = EmulatorConfiguration()
    configuration.seed = 42
    // Throttling only where a test is about it (and then at rates no machine's speed can dodge).
    configuration.throttle = false
    configure(&configuration)
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        try await Emulator.withRunning(configuration) { running in
            try await body(Harness(baseURL: running.baseURL, client: client))
        }
    } catch {
        try await client.shutdown()
        throw error
    }
    try await client.shutdown()
}

struct Reply: Sendable {
    var status: Int
    var json: JSONValue
    var headers: HTTPHeaders

    /// The seedance error code, the 0-0 `code`, or nil.
    var errorCode: String? { json["ResponseMetadata"]?["Error"]?["Code"]?.string }
    var errorMessage: String? { json["ResponseMetadata"]?["Error"]?["Message"]?.string ?? json["msg"]?.string }
    var result: JSONValue? { json["Result"] }
    var data: JSONValue? { json["data"] }
}

struct Harness: Sendable {
    let baseURL: String
    let client: HTTPClient
    var key = "test-key-alpha"

    func request(_ method: HTTPMethod, _ path: String, body: String? = nil, key: String? = "") async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        let k = key == "" ? self.key : key
        if let k { request.headers.add(name: "Authorization", value: "Bearer \(k)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let json = JSONValue.parse(Array(bytes.readableBytesView)) ?? .null
        return Reply(status: Int(response.status.code), json: json, headers: response.headers)
    }

    func seedance(_ action: String, _ body: String, key: String? = "") async throws -> Reply {
        try await request(.POST, "/v1/seedance/asset/\(action)", body: body, key: key)
    }

    /// Creates a group and returns its id.
    func group(_ name: String = "g", project: String? = nil) async throws -> String {
        let p = project.map { #", "ProjectName": "\#($0)""# } ?? ""
        let r = try await seedance("CreateAssetGroup", #"{"Name": "\#(name)", "GroupType": "AIGC"\#(p)}"#)
        return try #require(r.result?["Id"]?.string, "\(r.json.encoded)")
    }

    /// Creates an asset and returns its id.
    func asset(in group: String, name: String, url: String = "https://cdn.example.com/a.png") async throws -> String {
        let r = try await seedance(
            "CreateAsset", #"{"GroupId": "\#(group)", "Name": "\#(name)", "AssetType": "Image", "URL": "\#(url)"}"#)
        return try #require(r.result?["Id"]?.string, "\(r.json.encoded)")
    }

    func stats() async throws -> JSONValue {
        try await request(.GET, "/_emulator/stats", key: nil).json
    }
}

func matches(_ text: String?, _ pattern: String) -> Bool {
    guard let text else { return false }
    return text.range(of: pattern, options: .regularExpression) == text.startIndex..<text.endIndex
}
