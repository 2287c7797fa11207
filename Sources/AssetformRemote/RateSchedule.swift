import DequeModule
import Timing

/// When calls of each class may start: the pure core of the call policy, driven by explicit
/// times so that tests can check exact schedules.
///
/// Guarantees, per class: starts are at least 1/rate apart, so no sliding one-second window
/// holds more than rate + 1 of them; nothing starts while the class is paused by a
/// `Retry-After`. Throttling halves the class's effective rate (at most once a second); each
/// quiet second after that gives back a tenth of the configured rate until it is reached again.
/// A class with no configured rate that is throttled takes half of what it achieved in the last
/// second, and grows by a quarter each quiet second until it is unlimited again.
public struct RateSchedule: Sendable {
    /// Times are offsets from an arbitrary origin (the policy uses its clock's start).
    public typealias Instant = Duration

    public struct ClassState: Sendable {
        /// Requests per second from the manifest; nil: no limit.
        public var configured: Double?
        /// What is in force now; nil: no limit.
        public var effective: Double?
        public var lastStart: Instant?
        public var pausedUntil: Instant = .zero
        var lastDecrease: Instant?
        var lastChange: Instant = .zero
        /// Starts in the last second, for a class with no rate that gets throttled.
        var recentStarts = Deque<Instant>()
    }

    public private(set) var classes: [CallClass: ClassState]
    /// The lowest rate throttling can bring a class to.
    public var floor = 0.1
    /// Above this an unlimited class that recovers is unlimited again.
    static let unlimitedAgain = 10_000.0

    public init(rates: [CallClass: Double?]) {
        var classes: [CallClass: ClassState] = [:]
        for c in CallClass.allCases {
            let rate = rates[c] ?? nil
            classes[c] = ClassState(configured: rate, effective: rate)
        }
        self.classes = classes
    }

    /// The earliest a call of class `c` may start, at `now` or later.
    public mutating func earliestStart(_ c: CallClass, now: Instant) -> Instant {
        recover(c, now: now)
        let s = classes[c]!
        var start = max(now, s.pausedUntil)
        if let rate = s.effective, let last = s.lastStart {
            start = max(start, last + Self.interval(rate))
        }
        return start
    }

    /// Records that a call of class `c` started at `now` (which must be ≥ `earliestStart`).
    ///
    /// A start a little late (a timer's overshoot) is counted at its slot, so that overshoots do
    /// not add up and the achieved rate stays at the configured one. The credit is bounded: if
    /// slots are 1/r apart and a start counts up to δ before it happened, a one-second window
    /// can reach back δ further and holds at most ⌊(1 + δ)·r⌋ + 1 starts, which is r + 1 or less
    /// exactly when δ < (1 − frac(r)) / r. The credit is nine tenths of that.
    public mutating func recordStart(_ c: CallClass, at now: Instant) {
        var counted = now
        if let rate = classes[c]!.effective, let last = classes[c]!.lastStart {
            let slot = max(classes[c]!.pausedUntil, last + Self.interval(rate))
            let credit = Duration.seconds(clamping: 0.9 * (1 - (rate - rate.rounded(.down))) / rate)
            counted = max(slot, now - credit)
        }
        classes[c]!.lastStart = counted
        if classes[c]!.configured == nil {
            // Oldest first, so dropping those older than a second is a few pops at the front.
            while let first = classes[c]!.recentStarts.first, first <= now - .seconds(1) {
                classes[c]!.recentStarts.removeFirst()
            }
            classes[c]!.recentStarts.append(now)
        }
    }

    /// A throttled answer: pause the class for `retryAfter` if given, and lower its rate.
    public mutating func recordThrottle(_ c: CallClass, at now: Instant, retryAfter: Duration?) {
        var s = classes[c]!
        if let retryAfter { s.pausedUntil = max(s.pausedUntil, now + retryAfter) }
        // Many calls in flight are throttled together: one decrease per second, not one each.
        if s.lastDecrease.map({ now - $0 >= .seconds(1) }) ?? true {
            let current = s.effective ?? max(1, Double(s.recentStarts.filter { $0 > now - .seconds(1) }.count))
            s.effective = max(floor, current / 2)
            s.lastDecrease = now
        }
        s.lastChange = now
        classes[c] = s
    }

    /// Additive recovery toward the configured rate (multiplicative toward unlimited).
    private mutating func recover(_ c: CallClass, now: Instant) {
        var s = classes[c]!
        guard let effective = s.effective, effective != s.configured else { return }
        let quietSeconds = Int((now - s.lastChange) / .seconds(1))
        guard quietSeconds >= 1 else { return }
        var rate = effective
        for _ in 0..<quietSeconds {
            if let configured = s.configured {
                rate = min(configured, rate + max(0.1, configured / 10))
                if rate >= configured { break }
            } else {
                rate *= 1.25
                if rate >= Self.unlimitedAgain { break }
            }
        }
        s.effective = s.configured.map { min($0, rate) } ?? (rate >= Self.unlimitedAgain ? nil : rate)
        s.lastChange = s.lastChange + .seconds(quietSeconds)
        classes[c] = s
    }

    static func interval(_ rate: Double) -> Duration {
        .nanoseconds(Int64((1e9 / rate).rounded(.up)))  // rates are bounded (0.001…1,000,000/s): it fits
    }
}
