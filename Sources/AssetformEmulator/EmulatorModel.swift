/// The two dialects the emulator serves; their data is kept apart, as on two services.
public enum Dialect: String, Sendable, Codable, CaseIterable {
    case seedance
    case zeroZero = "0-0"
}

struct GroupRecord: Codable, Sendable {
    var id: String
    var name: String
    var description: String
    var projectName: String
    var createTime: Double
    var updateTime: Double
    var sequence: Int
}

struct AssetRecord: Codable, Sendable {
    var id: String
    var name: String
    /// The URL as registered; clients see it only while Processing (0-0) or never (seedance).
    var sourceURL: String
    var assetType: String
    var groupID: String
    var projectName: String
    var createTime: Double
    var updateTime: Double
    /// When it stops Processing.
    var readyTime: Double
    var fails: Bool
    var sequence: Int

    enum Status: String {
        case processing = "Processing", active = "Active", failed = "Failed"
    }

    func status(at now: Double) -> Status {
        now < readyTime ? .processing : fails ? .failed : .active
    }

    /// The signed-looking storage link an Active asset shows instead of its source URL.
    var signedURL: String {
        let file = sourceURL.split(separator: "?").first?.split(separator: "/").last ?? "file"
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in id.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let expires = Int(readyTime) + 12 * 3600
        return "https://emulator-storage.invalid/\(id)/\(file)?X-Expires=\(expires)&X-Signature=\(String(hash, radix: 16))"
    }
}

/// Everything one API key has on one dialect.
struct Tenant: Codable, Sendable {
    var groups: [String: GroupRecord] = [:]
    var assets: [String: AssetRecord] = [:]
    /// Asset ids per group, in creation order.
    var groupAssets: [String: [String]] = [:]
    /// Group ids and asset ids in creation order.
    var groupOrder: [String] = []
    var assetOrder: [String] = []
    var nextSequence = 0

    mutating func sequence() -> Int {
        nextSequence += 1
        return nextSequence
    }
}
