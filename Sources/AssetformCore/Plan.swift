/// What apply would do (SPEC §5): one step per change, in manifest order, forgets last.
public struct Plan: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case create, adopt, update, replace, wait, forget
        /// A remote asset that failed and is left alone (no `--retry-failed`, same url): reported.
        case failed

        /// The sign the text form shows.
        public var sign: String {
            switch self {
            case .create: "+"
            case .update: "~"
            case .replace: "-/+"
            case .adopt: "="
            case .wait: "…"
            case .forget: "-"
            case .failed: "!"
            }
        }

        /// Whether apply would change anything (remotely, or in the lockfile) for it.
        public var isChange: Bool { self != .wait && self != .failed }
    }

    public enum Kind: String, Sendable { case group, asset }

    /// One changed field.
    public struct Change: Sendable, Equatable {
        public var field: String
        public var before: String?
        public var after: String?

        public init(field: String, before: String?, after: String?) {
            self.field = field
            self.before = before
            self.after = after
        }
    }

    public struct Step: Sendable, Equatable {
        public var address: String
        public var kind: Kind
        public var action: Action
        public var reason: String
        public var changes: [Change] = []
        public var groupKey: String
        public var assetKey: String?
        /// The remote object concerned: adopted, updated, waited for, failed, or (replace,
        /// forget) the one left behind.
        public var remoteID: String?
        /// What the manifest wants (for create, adopt, update, replace).
        public var name: String?
        public var description: String?
        public var url: String?
        public var type: AssetType?
        /// The service's code and message, for a failed asset.
        public var failure: RemoteAsset.Failure?
        /// The listed status of an asset to adopt.
        public var status: AssetStatus?

        /// Whether this step makes a billed CreateAsset call.
        public var isBilled: Bool { kind == .asset && (action == .create || action == .replace) }
    }

    public var steps: [Step]
    /// Objects that need nothing, by address.
    public var unchanged: [String]
    /// Things the plan cannot do, said to the user (0-0 renames, ambiguous names).
    public var warnings: [String]

    public var billedCreates: Int { steps.filter(\.isBilled).count }
    public var hasChanges: Bool { steps.contains { $0.action.isChange } }

    public func count(_ action: Action) -> Int { steps.filter { $0.action == action }.count }
}
