public import JSON

/// A remote asset group, as either dialect describes it.
public struct RemoteGroup: Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String
    /// Seconds since 1970, when the service says.
    public var createTime: Double?

    public init(id: String, name: String, description: String, createTime: Double? = nil) {
        self.id = id
        self.name = name
        self.description = description
        self.createTime = createTime
    }
}

public enum AssetStatus: String, Sendable, Equatable, CaseIterable {
    case processing = "Processing"
    case active = "Active"
    case failed = "Failed"
}

/// A remote asset. Its URL is deliberately absent: once Active the service shows a signed link,
/// which must never be compared with the manifest, stored, or printed.
public struct RemoteAsset: Sendable, Equatable {
    public var id: String
    /// "" while Processing on seedance, where the service may hide it.
    public var name: String
    public var type: AssetType?
    public var groupID: String
    public var status: AssetStatus
    /// The service's code and message for a Failed asset.
    public var failure: Failure?
    public var createTime: Double?
    /// The URL the service shows, where it does: the one registered while Failed; a signed
    /// storage link once Active; often "" while Processing. Never stored (SPEC §3).
    public var url: String?

    /// Still Processing, with the name the service hides until it is Active: which asset of a
    /// manifest it is cannot be told yet.
    public var nameIsHidden: Bool { name.isEmpty && status == .processing }

    public struct Failure: Sendable, Equatable {
        public var code: String
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }

        /// As every JSON form writes it (the journal, a saved plan; the lockfile's writer spells
        /// the same fields): `{"code", "message"}`.
        public var json: JSONValue { .object([("code", .string(code)), ("message", .string(message))]) }

        /// Read back; nil without a code.
        public init?(json: JSONValue) {
            guard let code = json["code"]?.string else { return nil }
            self.init(code: code, message: json["message"]?.string ?? "")
        }
    }

    public init(
        id: String, name: String, type: AssetType?, groupID: String, status: AssetStatus, failure: Failure? = nil,
        createTime: Double? = nil, url: String? = nil
    ) {
        self.url = url
        self.id = id
        self.name = name
        self.type = type
        self.groupID = groupID
        self.status = status
        self.failure = failure
        self.createTime = createTime
    }
}

/// One page of a list.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// What the service says the whole list holds; nil when it does not say.
    public var total: Int?
    /// Where the next page starts, when the service pages by token (`NextToken`); nil or empty:
    /// by page number, or no further page.
    public var nextToken: String?

    public init(items: [Item], total: Int?, nextToken: String? = nil) {
        self.items = items
        self.total = total
        self.nextToken = nextToken
    }
}

/// What a dialect can do: 0-0 can neither list nor update.
public struct Capabilities: Sendable, Equatable {
    public var canList: Bool
    public var canUpdate: Bool
    /// `DeleteAsset` and `DeleteAssetGroup` (the upstream's own dialects only).
    public var canDelete: Bool

    public init(canList: Bool, canUpdate: Bool, canDelete: Bool = false) {
        self.canList = canList
        self.canUpdate = canUpdate
        self.canDelete = canDelete
    }

    public static let seedance = Capabilities(canList: true, canUpdate: true)
    public static let zeroZero = Capabilities(canList: false, canUpdate: false)
    /// Volcengine and BytePlus: the seedance actions, and deletes.
    public static let native = Capabilities(canList: true, canUpdate: true, canDelete: true)
}
