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
        // At most a day: a rate of nearly nothing must not overflow the wait.
        return .milliseconds(Int64(min(86_400_000, ((1 - tokens) / rate * 1000).rounded(.up))))
    }

    /// Whether it is full again by `now`: as good as a new one, so it need not be kept.
    func isFull(at now: ContinuousClock.Instant) -> Bool {
        tokens + (now - last).inSeconds * rate >= burst
    }
}
