/// How the client treats a service's error (API.md §1): by its code first, whatever the HTTP
/// status — throttling codes arrive on 200, 400 and 429 alike, and a full pool arrives as 429 —
/// then by the status. The one table every dialect's answers go through.
public enum ErrorTable {
    public enum Class: String, Sendable, Equatable, CaseIterable {
        /// Retry later, at a lower rate.
        case throttle
        /// Retry (a create: reconcile first, its outcome is unknown).
        case retryable
        /// Stop the run: every further call would fail the same way.
        case fatalForRun
        /// This call is wrong and stays wrong.
        case fatalForCall
        /// The object is gone.
        case notFound
    }

    /// Codes by their exact spelling.
    static let codes: [String: Class] = [
        "AccountFlowLimitExceeded": .throttle,
        // A per-minute write quota: a throttle, although it says "Quota".
        "QuotaWriteQPMExceeded": .throttle,
        "RequestLimitExceeded": .throttle,
        "RateLimitExceeded": .throttle,
        "AccessDenied": .fatalForRun,
        "SubscriptionRequired": .fatalForRun,
        // The account's asset pool is full: it arrives as 429, and is never a throttle.
        "QuotaSharedPoolExceeded": .fatalForRun,
        "QuotaExceeded": .fatalForRun,
        "InvalidAction": .fatalForCall,
        "MissingParameter": .fatalForCall,
        "InvalidParameter": .fatalForCall,
        "InternalError": .retryable,
        // The upstream's signature (API.md §5): wrong keys, or a clock too far off.
        "SignatureDoesNotMatch": .fatalForRun,
        "InvalidAccessKey": .fatalForRun,
        "InvalidAuthorization": .fatalForRun,
        "MissingAuthenticationToken": .fatalForRun,
        "RequestExpired": .fatalForRun,
        "InvalidTimestamp": .fatalForRun,
        "SignatureExpired": .fatalForRun,
        // A wrong address or version for the upstream: every call would get it.
        "InvalidActionOrVersion": .fatalForRun,
        "ServiceNotFound": .fatalForRun,
    ]

    /// Codes by their start: families of codes (`InvalidParameter.DownloadFailed`).
    static let prefixes: [(String, Class)] = [
        ("RateLimitExceeded.", .throttle), ("Throttling", .throttle), ("InvalidParameter.", .fatalForCall),
        ("NotFound", .notFound),
    ]

    /// Whether the table knows `code` (exactly, or by a family's start).
    static func knows(_ code: String) -> Bool {
        codes[code] != nil || prefixes.contains { code.hasPrefix($0.0) }
    }

    /// The class of an error answer: its code's, when the table knows the code; else its status's.
    public static func classify(status: Int, code: String?) -> Class {
        // The gateway's own statuses speak of the key and the balance, whatever code they carry.
        if status == 401 || status == 402 { return .fatalForRun }
        // A number is an HTTP status written as a code (a gateway's `{"error": {"code": 404}}`),
        // not a service's code: the status decides.
        let code = code.flatMap { $0.allSatisfy(\.isNumber) ? nil : $0 }
        if let code {
            if let c = codes[code] { return c }
            if let (_, c) = prefixes.first(where: { code.hasPrefix($0.0) }) { return c }
        }
        switch status {
        case 429: return .throttle
        case 403: return .fatalForRun
        // Gone only in the service's own words (a code): a bare 404 is a wrong address (a
        // path, a gateway's page), which every call would get, and never a reason to think an
        // object gone (and create it again, billed).
        case 404: return code == nil ? .fatalForRun : .notFound
        case 408, 500...599: return .retryable
        default: return .fatalForCall
        }
    }

    /// What a run-stopping answer means for the user, where the code alone does not say it.
    public static func consequence(status: Int, code: String?) -> String? {
        if code == "QuotaSharedPoolExceeded" {
            return "the account's asset pool is full: nothing more is created in this run, so nothing more is billed. "
                + "Free slots in the pool (Failed assets take one too) or ask for a larger allocation, then apply again"
        }
        if code == "QuotaExceeded" {
            return "the account's group or asset quota is full: nothing more is created in this run, so nothing more is billed"
        }
        if code == "SignatureDoesNotMatch" || code == "InvalidAccessKey" || code == "InvalidAuthorization" {
            return "the service does not accept this access key and secret key (the variables provider.access_key_env and "
                + "provider.secret_key_env name): check both, and the region"
        }
        if code == "RequestExpired" || code == "InvalidTimestamp" || code == "SignatureExpired" {
            return "each request carries this machine's time, and the service found it more than 15 minutes from its "
                + "own: set this machine's clock right (NTP), then run again"
        }
        if status == 404 && (code == nil || code?.allSatisfy(\.isNumber) == true) {
            return "an HTTP 404 without the service's error code is not its answer: the address is wrong (check "
                + "provider.base_url); nothing is taken as gone"
        }
        if status == 402 {
            return "the account's balance is gone (HTTP 402): nothing more is created in this run, so nothing more is "
                + "billed. Top up the account, then apply again"
        }
        return nil
    }
}
