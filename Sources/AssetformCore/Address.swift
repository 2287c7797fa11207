/// Where a group or an asset lives in the manifest and the lockfile (SPEC §9): `GROUP` or
/// `GROUP/ASSET`, each part a manifest key. Parsed and checked here, and nowhere else.
public struct Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let group: String
    /// Nil for a group's own address.
    public let asset: String?

    public init(group: String, asset: String? = nil) {
        self.group = group
        self.asset = asset
    }

    /// Why a text is not an address.
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let text: String
        public let reason: String

        public var description: String { "\"\(text.visible)\" is not an address (GROUP or GROUP/ASSET): \(reason)" }
    }

    /// `chars`, `chars/front`; never `chars/`, `/front` or `a/b/c`.
    public init(parsing text: String) throws(Malformed) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else { throw Malformed(text: text, reason: "it has more than one /") }
        for (part, what) in zip(parts, ["the group key", "the asset key"]) {
            if let problem = AssetKey.problem(part) { throw Malformed(text: text, reason: "\(what) \(problem)") }
        }
        self.init(group: parts[0], asset: parts.count == 2 ? parts[1] : nil)
    }

    public var isGroup: Bool { asset == nil }

    public var description: String { asset.map { group + "/" + $0 } ?? group }

    /// Groups before their assets, then by key.
    public static func < (a: Address, b: Address) -> Bool {
        (a.group, a.asset ?? "") < (b.group, b.asset ?? "")
    }

    /// Whether `self` is named by `target`: the target itself, or the group it belongs to.
    public func isCovered(by target: Address) -> Bool { target == self || (target.isGroup && target.group == group) }
}
