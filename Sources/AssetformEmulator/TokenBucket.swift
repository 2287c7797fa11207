import Timing

/// A token bucket: `rate` tokens a second, holding at most `burst`.
struct TokenBucket: Sendable {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    init(rate: Double, burst: Double, now: ContinuousClock.Instant) {
        self.rate = rate
        self.burst = max(1, burst)
        tokens = self.burst
        last = now
    }

    /// Takes a token; nil when one was there, else how long until one will be.
    mutating func take(now: ContinuousClock.Instant) -> Duration? {
        let elapsed = now - last
        last = now
        let seconds = elapsed.inSeconds
        tokens = min(burst, tokens + seconds * rate)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return .milliseconds(Int64(((1 - tokens) / rate * 1000).rounded(.up)))
    }
}
