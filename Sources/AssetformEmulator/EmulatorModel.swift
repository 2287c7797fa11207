/// The dialects the emulator serves; their data is kept apart, as on separate services.
public enum Dialect: String, Sendable, Codable, CaseIterable {
    case seedance
    case zeroZero = "0-0"
    /// The upstream's own signed API (API.md §5): one name for Volcengine and BytePlus, which
    /// speak the same protocol.
    case volcengine
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

    /// Removes an asset from every index; the asset removed, or nil when there was none.
    @discardableResult
    mutating func removeAsset(_ id: String) -> AssetRecord? {
        guard let asset = assets.removeValue(forKey: id) else { return nil }
        assetOrder.removeAll { $0 == id }
        groupAssets[asset.groupID]?.removeAll { $0 == id }
        return asset
    }

    /// Removes a group and every asset in it; the assets removed.
    mutating func removeGroup(_ id: String) -> [AssetRecord] {
        guard groups.removeValue(forKey: id) != nil else { return [] }
        groupOrder.removeAll { $0 == id }
        let ids = Set(groupAssets.removeValue(forKey: id) ?? [])
        guard !ids.isEmpty else { return [] }
        var removed: [AssetRecord] = []
        for assetID in ids {
            if let asset = assets.removeValue(forKey: assetID) { removed.append(asset) }
        }
        assetOrder.removeAll { ids.contains($0) }
        return removed
    }
}
