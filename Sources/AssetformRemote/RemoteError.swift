import AssetformCore
import Foundation

/// A remote call that did not succeed, classified for everything above this layer. Its message
/// names the call, the HTTP status, the service's code and message — never the key, and never
/// the query string of a URL.
public struct RemoteError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Stop the whole run: the key is refused (401, `AccessDenied`), the account lacks the
        /// asset service (`SubscriptionRequired`), its pool or quota is full
        /// (`QuotaSharedPoolExceeded`, `QuotaExceeded`), or its balance is gone (402).
        case fatalForRun
        /// This call is wrong and will stay wrong (`InvalidParameter…`, `MissingParameter`).
        case fatalForCall
        /// The object is gone (`NotFound.*`).
        case notFound
        /// Throttled: retry later, after `retryAfter` when the service said.
        case throttled(retryAfter: Duration?)
        /// Safe to retry: 5xx on a call that is not a create, a timeout on a read, or a connection
        /// that failed before the request was sent.
        case retryable
        /// The request may have been committed: a create that got a 5xx, a timeout or a dropped
        /// connection after it was sent. Never resent blindly: the caller reconciles.
        case ambiguous
        /// The dialect has no such call (0-0 cannot list or update).
        case unsupported
        /// The run was interrupted before the call was sent.
        case cancelled
    }

    public var kind: Kind
    public var call: String
    public var status: Int?
    public var code: String?
    public var message: String
    /// How many times it was tried.
    public var attempts = 1
    /// The service asked to wait longer than a run waits (`Retry-After` beyond the cap).
    public var stayedThrottled = false
    /// A throttled answer, whatever it became (a `Retry-After` beyond the cap stops the run):
    /// the summary counts it among the throttled responses.
    public var throttledAnswer = false
    /// A failed (5xx) answer's `Retry-After`: its class of calls starts nothing before then.
    public var pause: Duration?
    /// A create that may have been made, whatever kind the error became (the run stopped
    /// before it was settled): never "before any change".
    public var outcomeUnknown = false
    /// A create the service answered with success whose answer could not be read: it was made
    /// (and billed), though its id is not known.
    public var answeredSuccess = false

    /// Whether trying again later may succeed (SPEC §4, exit status 75): the service could not be
    /// reached, failed, or stayed throttled, when retrying was given up.
    public var isTemporary: Bool {
        switch kind {
        case .throttled, .retryable, .ambiguous: true
        default: stayedThrottled
        }
    }

    public init(_ kind: Kind, call: String, status: Int? = nil, code: String? = nil, message: String) {
        self.kind = kind
        self.call = call
        self.status = status
        self.code = code
        self.message = Redaction.redact(message)
    }

    /// For people: the service's code and message with their control characters escaped.
    public var description: String {
        var parts = ["\(call.visible) failed"]
        if let status { parts.append("HTTP \(status)") }
        if let code { parts.append(code.visible) }
        var text = parts.joined(separator: ": ") + ": " + message.visible
        if attempts > 1 { text += " (after \(attempts) attempts)" }
        return text
    }

    /// Classifies a service's answer by its code and HTTP status (`ErrorTable`); a create whose
    /// answer says to try again may have been made, so its outcome is unknown.
    static func classify(code: String?, status: Int, isCreate: Bool) -> Kind {
        switch ErrorTable.classify(status: status, code: code) {
        case .throttle: .throttled(retryAfter: nil)
        case .retryable: isCreate ? .ambiguous : .retryable
        case .fatalForRun: .fatalForRun
        case .fatalForCall: .fatalForCall
        case .notFound: .notFound
        }
    }
}
