import Timing

/// Exponential backoff with full jitter: the delay before retry n is drawn uniformly from
/// [0, min(cap, base × 2^(n-1))], so that clients retrying together spread out.
public struct Backoff: Sendable {
    public var base: Duration = .milliseconds(250)
    public var cap: Duration = .seconds(20)

    public init(base: Duration = .milliseconds(250), cap: Duration = .seconds(20)) {
        self.base = base
        self.cap = cap
    }

    /// The ceiling for retry `n` (1-based).
    public func ceiling(retry n: Int) -> Duration {
        let factor = Double(1 << min(max(n - 1, 0), 30))
        return .seconds(clamping: min(cap.inSeconds, base.inSeconds * factor))
    }

    public func delay(retry n: Int, using random: inout some RandomNumberGenerator) -> Duration {
        .seconds(clamping: Double.random(in: 0...ceiling(retry: n).inSeconds, using: &random))
    }
}

/// A retry budget shared by all calls of a run, so that an outage does not become a retry storm
/// (the scheme of AWS's standard retry mode): retries spend tokens, successes earn them back.
/// With the defaults, about one retry in five calls is sustained, and a run that sees nothing
/// but failures stops retrying after 100 retries.
public struct RetryBudget: Sendable {
    public let capacity: Int
    public let retryCost: Int
    public let timeoutCost: Int
    public private(set) var tokens: Int

    public init(capacity: Int = 500, retryCost: Int = 5, timeoutCost: Int = 10) {
        self.capacity = capacity
        self.retryCost = retryCost
        self.timeoutCost = timeoutCost
        tokens = capacity
    }

    /// Spends for one retry; false when the budget cannot pay for it.
    public mutating func spend(afterTimeout: Bool) -> Bool {
        let cost = afterTimeout ? timeoutCost : retryCost
        guard tokens >= cost else { return false }
        tokens -= cost
        return true
    }

    public mutating func earn() {
        tokens = min(capacity, tokens + 1)
    }
}
