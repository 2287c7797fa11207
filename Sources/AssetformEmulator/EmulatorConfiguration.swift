/// How the emulator behaves: address, timing, throttling and faults (API.md §3). Every field
/// can be set from the command line (`assetform emulator --help`) and from tests.
public struct EmulatorConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 asks the system for a free port.
    public var port = 0

    /// How long a new asset stays `Processing` before it becomes `Active` (or `Failed`).
    public var processingDelay: Duration = .milliseconds(500)
    /// Seedance shows `Name` and `URL` as "" while an asset is Processing, as the service may.
    public var hideWhileProcessing = true

    /// Per-action token buckets at the documented rates; off lets every call through.
    public var throttle = true
    /// Requests per second per action, by seedance action name; 0-0 calls count as the seedance
    /// action they correspond to.
    public var rates: [String: Double] = EmulatorConfiguration.documentedRates
    /// Calls one action may make at once before the rate applies.
    public var burst: Double = 2
    /// Actions whose rate is counted per minute with no burst (`--rate CreateAsset=120/min`):
    /// a second call closer to the last than the rate allows is refused.
    public var noBurst: Set<String> = []
    /// A per-minute quota that every write (creates and updates, of both kinds) shares, with no
    /// burst, answered 429 `QuotaWriteQPMExceeded` (BytePlus); in writes per second.
    public var writeQuota: Double?
    /// The most assets a key may have Processing at once; a create over it is refused with 429
    /// `AccountFlowLimitExceeded` (Volcengine allows 30).
    public var processingLimit: Int?
    /// The most assets a key's pool holds (Failed ones too); a create over it is refused with 429
    /// `QuotaSharedPoolExceeded`.
    public var poolSize: Int?
    /// Billed creates a key may make; then every create is refused with 402.
    public var balance: Int?
    /// How a Failed seedance asset says why: `Error: {Code, Message}`, or `FailCode`/`FailReason`.
    public var failForm: FailForm = .error
    /// Lists answer a `NextToken` while more pages remain, and take one back for the next page.
    public var nextToken = false

    public enum FailForm: String, Sendable, CaseIterable {
        case error
        case failCode = "failcode"
    }

    /// How seedance answers are wrapped (API.md §1: a gateway may wrap them).
    public var envelope: Envelope = .upstream
    /// Seedance errors come with HTTP 200, the error only in the body (seen upstream).
    public var errorsWithStatus200 = false
    /// The code a throttled seedance call gets: `AccountFlowLimitExceeded` or `QuotaWriteQPMExceeded`.
    public var throttleCode = "AccountFlowLimitExceeded"
    /// The HTTP status of a throttled seedance call: 429, or (seen upstream) 400 or 200.
    public var throttleStatus = 429

    public enum Envelope: String, Sendable, CaseIterable {
        /// `{"ResponseMetadata": {…}, "Result": {…}}`, errors in `ResponseMetadata.Error`.
        case upstream
        /// `{"data": Result}`, errors as `{"error": {"message", "type", "code"}}`.
        case data
        /// `{"code": 0, "msg": "success", "data": Result}`, errors as `{"error": {…}}`.
        case codeMsgData = "code-msg-data"
        /// The result itself with no envelope; errors as `{"Error": {Code, Message}}`.
        case bare
        /// `{"state": 1, "data": Result, "error": null}`; errors with `state` 0 and
        /// `error: {code, message}`.
        case state
    }

    /// Added latency per request, drawn uniformly from the range.
    public var latency: ClosedRange<Duration>?
    /// Share of requests answered 500 `InternalError` before doing anything.
    public var errorRate = 0.0
    /// Share of creates that are committed and then answered by a dropped connection.
    public var dropRate = 0.0
    /// URL patterns (`*` matches any run of characters; otherwise a substring) whose assets end
    /// `Failed` with `InvalidParameter.DownloadFailed`.
    public var failingURLPatterns: [String] = []

    /// Per key: the most groups and assets it may create before `QuotaExceeded`.
    public var maxGroupsPerKey: Int?
    public var maxAssetsPerKey: Int?
    /// When set, only these keys are accepted; others get 401.
    public var allowedKeys: Set<String>?
    /// The upstream's signed dialect (`POST /?Action=…&Version=2024-01-01`): the access keys it
    /// accepts, each with its secret key. Empty answers every call there 401 `InvalidAccessKey`.
    public var accessKeys: [String: String] = [:]
    /// The regions whose endpoints the signed dialect stands in for (API.md §5: volcengine's,
    /// and byteplus's two): a credential scope for another is refused, as a typo would be.
    public var regions: Set<String> = ["cn-beijing", "ap-southeast-1", "eu-west-1"]
    /// Added to the emulator's clock when it checks a signed request's `X-Date` (may be
    /// negative), so that a test can provoke, or cancel, clock skew.
    public var clockOffset: Duration = .zero
    /// Keys answered 403 `AccessDenied`, and 403 `SubscriptionRequired`.
    public var deniedKeys: Set<String> = []
    public var unsubscribedKeys: Set<String> = []
    /// When set, the only seedance projects that exist; others get `NotFound.ProjectName`.
    public var projects: Set<String>?
    /// The 0-0 platforms accepted.
    public var platforms: Set<String> = ["JIMENG"]

    /// Where state is kept across restarts; nil keeps it in memory only.
    public var statePath: String?
    /// Reads the state file (and its logged changes) but never writes or removes them: the
    /// emulator of a command that changes nothing (`plan --emulate`), which may run beside one
    /// that is writing them (an `apply --emulate`).
    public var stateReadOnly = false
    /// Seeds the random faults, so a test's faults repeat; nil seeds from the system.
    public var seed: UInt64?

    public init() {}

    /// The service's documented per-account limits (API.md §1).
    public static let documentedRates: [String: Double] = [
        "CreateAssetGroup": 30, "CreateAsset": 30, "GetAssetGroup": 100, "GetAsset": 100,
        "ListAssetGroups": 30, "ListAssets": 30, "UpdateAssetGroup": 30, "UpdateAsset": 30,
        // The upstream's deletes (API.md §5) have no documented rate: as its other writes (assumed).
        "DeleteAssetGroup": 30, "DeleteAsset": 30,
    ]
}
