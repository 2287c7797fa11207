/// `Duration` in the units people and services use, in one place: seconds as a `Double`, whole
/// milliseconds, and back from seconds without trapping on a value that does not fit.
extension Duration {
    /// The duration in seconds, fractions included.
    public var inSeconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }

    /// Whole milliseconds, rounded toward zero.
    public var inMilliseconds: Int64 {
        let (s, atto) = components
        return s.multipliedReportingOverflow(by: 1000).overflow
            ? (s < 0 ? Int64.min : Int64.max) : s * 1000 + atto / 1_000_000_000_000_000
    }

    /// Whole nanoseconds, saturating.
    public var inNanoseconds: Int64 {
        let (s, atto) = components
        return s.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? (s < 0 ? Int64.min : Int64.max) : s * 1_000_000_000 + atto / 1_000_000_000
    }

    /// `seconds` as a duration: a value that is not finite, or beyond a century, is clamped
    /// (a duration read from a service or a file never traps).
    public static func seconds(clamping seconds: Double) -> Duration {
        let century = 100 * 365 * 86400.0
        guard seconds.isFinite else { return seconds == .infinity ? .seconds(Int64(century)) : .zero }
        let bounded = min(max(seconds, -century), century)
        return .nanoseconds(Int64((bounded * 1e9).rounded()))
    }
}
