/// The classes of call that share a rate (SPEC §2 `limits.rate`).
public enum CallClass: String, Sendable, CaseIterable, Hashable {
    /// CreateAsset / POST /v1/assets: billed, and the service's tightest limit.
    case createAsset = "create_asset"
    /// Group creation and updates.
    case write
    /// Gets and lists.
    case read
}

/// One remote call, as the policy and the logs see it.
public struct RemoteCall: Sendable, Hashable, CustomStringConvertible {
    /// The action (`CreateAsset`) or the method and path template (`POST /v1/assets`).
    public let name: String
    public let callClass: CallClass
    /// Creates are billed and not idempotent: an unknown outcome is never blindly resent.
    public let isCreate: Bool
    /// The largest answer this call can need, in bytes: a page of 100 objects is far under
    /// 8 MiB, anything else under 1 MiB. A larger answer is refused, not read.
    public let answerLimit: Int

    public init(_ name: String, _ callClass: CallClass, isCreate: Bool = false, answerLimit: Int = 1 << 20) {
        self.name = name
        self.callClass = callClass
        self.isCreate = isCreate
        self.answerLimit = answerLimit
    }

    /// The answer limit of a call that lists a page.
    public static let pageAnswerLimit = 8 << 20

    public var description: String { name }
}
