public import AssetformCore
import DequeModule
import Timing

/// When calls of each class may start: the pure core of the call policy, driven by explicit
/// times so that tests can check exact schedules.
///
/// Per class, by its rate (SPEC §6):
/// - `N/s`: starts at least 1/N apart, so no sliding second holds more than N + 1 of them.
///   Throttling halves the effective rate (at most once a second); each quiet second after that
///   gives back a tenth of the configured rate until it is reached again.
/// - `N/min`: paced evenly, a little slower than 60/N s apart and measured from the actual
///   starts (no credit for a late one): a service that counts per minute with no burst refuses
///   two calls closer than that.
/// - `auto`: additive increase, multiplicative decrease. Each successful call adds `step / rate`
///   (so `step` per second at any rate); each throttled answer halves the rate (at most once a
///   second) and remembers where the service refused (the ceiling: what it accepted over the
///   last two seconds, at least half the rate, at most the rate). Below 90 % of the ceiling (or before any
///   throttle) the step is a tenth of the cap, above it a three-hundredth: the rate climbs back
///   fast, then probes slowly where the service last refused, so that throttled answers (and
///   the `Retry-After` pauses they bring) stay rare. Never above the cap.
/// - `unlimited`: no spacing; throttled, it takes half of what it achieved in the last second,
///   and grows by a quarter each quiet second until it is unlimited again.
/// Nothing starts while the class is paused by a `Retry-After`.
public struct RateSchedule: Sendable {
    /// Times are offsets from an arbitrary origin (the policy uses its clock's start).
    public typealias Instant = Duration

    public enum Mode: Sendable, Equatable {
        case fixed, paced, auto, unlimited
    }

    public struct ClassState: Sendable {
        public var mode: Mode
        /// Requests per second: the configured rate, or `auto`'s cap; nil: no limit.
        public var configured: Double?
        /// What is in force now; nil: no limit.
        public var effective: Double?
        public var lastStart: Instant?
        public var pausedUntil: Instant = .zero
        /// `auto`: the rate at the last throttled answer.
        public var ceiling: Double?
        var lastDecrease: Instant?
        var lastChange: Instant = .zero
        /// Starts in the last second, for a class with no rate that gets throttled.
        var recentStarts = Deque<Instant>()
        /// `auto`: successes in the last two seconds, to tell what the service accepts.
        var recentSuccesses = Deque<Instant>()
        /// First start, last answer, and how many starts: the achieved rate.
        public var firstStart: Instant?
        public var lastEnd: Instant?
        public var starts = 0
    }

    public private(set) var classes: [CallClass: ClassState]
    /// The lowest rate throttling can bring a class to.
    public var floor = 0.1
    /// Above this an unlimited class that recovers is unlimited again.
    static let unlimitedAgain = 10_000.0
    /// How much slower than its rate a per-minute class is paced: arrivals jitter by a few
    /// milliseconds, and a no-burst quota refuses a call that arrives early. (The distance counts
    /// from each call's send, after a create's sync: `recordSend`.)
    static let pacingMargin = 1.02
    /// How much slower a paced class goes after each refusal (at most one a second).
    static let pacingStep = 1.03
    /// `auto` climbs fast back to this share of the rate it was last refused at, then slowly.
    static let fastUpTo = 0.9

    public init(rates: [CallClass: Rate]) {
        var classes: [CallClass: ClassState] = [:]
        for c in CallClass.allCases {
            switch rates[c] ?? .unlimited {
            case .unlimited: classes[c] = ClassState(mode: .unlimited, configured: nil, effective: nil)
            case .perSecond(let r): classes[c] = ClassState(mode: .fixed, configured: r, effective: r)
            case .perMinute(let n):
                classes[c] = ClassState(
                    mode: .paced, configured: n / 60 / Self.pacingMargin, effective: n / 60 / Self.pacingMargin)
            case .auto:
                let range = c.autoRange
                classes[c] = ClassState(mode: .auto, configured: range.cap, effective: range.start)
            }
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
    /// exactly when δ < (1 − frac(r)) / r. The credit is nine tenths of that. A paced class gets
    /// none: its quota counts the actual arrivals.
    public mutating func recordStart(_ c: CallClass, at now: Instant) {
        var counted = now
        if classes[c]!.mode != .paced, let rate = classes[c]!.effective, let last = classes[c]!.lastStart {
            let slot = max(classes[c]!.pausedUntil, last + Self.interval(rate))
            let credit = Duration.seconds(clamping: 0.9 * (1 - (rate - rate.rounded(.down))) / rate)
            counted = max(slot, now - credit)
        }
        classes[c]!.lastStart = counted
        if classes[c]!.firstStart == nil { classes[c]!.firstStart = now }
        classes[c]!.starts += 1
        if classes[c]!.mode == .unlimited {
            // Oldest first, so dropping those older than a second is a few pops at the front.
            while let first = classes[c]!.recentStarts.first, first <= now - .seconds(1) {
                classes[c]!.recentStarts.removeFirst()
            }
            classes[c]!.recentStarts.append(now)
        }
    }

    /// A call of a paced class was sent at `now`, after it started: the next keeps its distance
    /// from here. (Other classes count their starts.)
    public mutating func recordSend(_ c: CallClass, at now: Instant) {
        guard classes[c]!.mode == .paced else { return }
        classes[c]!.lastStart = max(classes[c]!.lastStart ?? now, now)
    }

    /// A call of class `c` succeeded: `auto` rises by its step over its rate.
    public mutating func recordSuccess(_ c: CallClass, at now: Instant) {
        guard classes[c]!.mode == .auto, let rate = classes[c]!.effective, let cap = classes[c]!.configured else { return }
        while let first = classes[c]!.recentSuccesses.first, first <= now - .seconds(2) {
            classes[c]!.recentSuccesses.removeFirst()
        }
        classes[c]!.recentSuccesses.append(now)
        let ceiling = classes[c]!.ceiling
        let step = ceiling.map { rate < Self.fastUpTo * $0 } ?? true ? cap / 10 : cap / 300
        classes[c]!.effective = min(cap, rate + step / rate)
    }

    /// Starts no call of class `c` before `until`: a failed answer's `Retry-After`, which asks
    /// for a pause without the throttle's slowdown.
    public mutating func hold(_ c: CallClass, until: Instant) {
        classes[c]!.pausedUntil = max(classes[c]!.pausedUntil, until)
    }

    /// A throttled answer: pause the class for `retryAfter` if given, and lower its rate: halve
    /// it; or, for a paced class (already as slow as its quota, and refused because arrivals
    /// jitter more than its margin), pace it `pacingStep` slower for the rest of the run.
    public mutating func recordThrottle(_ c: CallClass, at now: Instant, retryAfter: Duration?) {
        var s = classes[c]!
        if let retryAfter { s.pausedUntil = max(s.pausedUntil, now + retryAfter) }
        // Many calls in flight are throttled together: one decrease per second, not one each.
        let mayDecrease = s.lastDecrease.map({ now - $0 >= .seconds(1) }) ?? true
        if s.mode == .paced, mayDecrease, let rate = s.effective {
            s.effective = max(floor, rate / Self.pacingStep)
            s.lastDecrease = now
        } else if s.mode != .paced, mayDecrease {
            let current = s.effective ?? max(1, Double(s.recentStarts.filter { $0 > now - .seconds(1) }.count))
            if s.mode == .auto {
                // Where the service refused: what it accepted over the last two seconds, unless
                // that is less than half the rate (the run was just slower than the service).
                let accepted = Double(s.recentSuccesses.filter { $0 > now - .seconds(2) }.count) / 2
                s.ceiling = min(current, max(accepted, current / 2))
            }
            s.effective = max(floor, current / 2)
            s.lastDecrease = now
        }
        s.lastChange = now
        classes[c] = s
    }

    /// A call of class `c` was answered (or failed) at `now`.
    public mutating func recordEnd(_ c: CallClass, at now: Instant) {
        classes[c]!.lastEnd = max(classes[c]!.lastEnd ?? now, now)
    }

    /// The rate achieved between the first start and the last answer: the starts after the
    /// first, over that time. Paced calls achieve at most their rate; calls started together
    /// (no rate, a burst of 16) achieve what their answers allowed, not what starting them did.
    /// nil before two starts.
    public func achieved(_ c: CallClass) -> Double? {
        let s = classes[c]!
        guard s.starts >= 2, let first = s.firstStart, let last = s.lastStart else { return nil }
        let end = max(last, s.lastEnd ?? last)
        guard end > first else { return nil }
        return Double(s.starts - 1) / (end - first).inSeconds
    }

    /// Additive recovery toward the configured rate (multiplicative toward unlimited). `auto`
    /// rises with its successes instead.
    /// The rate in force for `c` at `now` (nil: no limit), with what quiet seconds since the last
    /// throttle gave back counted: a class that made no call since reads as it would start one.
    public mutating func rateInForce(_ c: CallClass, now: Instant) -> Double? {
        recover(c, now: now)
        return classes[c]!.effective
    }

    private mutating func recover(_ c: CallClass, now: Instant) {
        var s = classes[c]!
        guard s.mode == .fixed || s.mode == .unlimited, let effective = s.effective, effective != s.configured else { return }
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

extension CallClass {
    /// Where `auto` starts and its cap, for this class.
    var autoRange: Rates.AutoRange {
        switch self {
        case .createAsset: Rates.autoCreateAsset
        case .write: Rates.autoWrite
        case .read: Rates.autoRead
        }
    }
}
