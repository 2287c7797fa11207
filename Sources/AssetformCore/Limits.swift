import Timing

/// How hard apply may push the service (SPEC §2 `limits`); every value has a default.
public struct Limits: Sendable, Equatable {
    /// Calls in flight at most.
    public var concurrency: Int
    public var rates: Rates
    /// Tries per call, the first included.
    public var attempts: Int
    /// Per request.
    public var timeout: Duration
    /// How long apply waits for Processing assets; zero: do not wait.
    public var wait: Duration
    /// This run's assets Processing at once, at most: the upstream refuses more (30 per account).
    public var processing: Int

    public init(
        concurrency: Int = 8, rates: Rates = Rates(), attempts: Int = 6, timeout: Duration = .seconds(30),
        wait: Duration = .seconds(15 * 60), processing: Int = 30
    ) {
        self.concurrency = concurrency
        self.rates = rates
        self.attempts = attempts
        self.timeout = timeout
        self.wait = wait
        self.processing = processing
    }
}

/// Durations as written in a manifest: `500ms`, `30s`, `15m`, `1h`, or several (`1m30s`).
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var total = 0.0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += value / 1000
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            default: return nil
            }
        }
        guard total.isFinite, total < 1e9 else { return nil }
        return .milliseconds(Int64((total * 1000).rounded()))
    }

    /// The shortest spelling: `30s`, `15m`, `1h30m`, `500ms`.
    public static func format(_ d: Duration) -> String {
        let ms = d.inMilliseconds
        if ms == 0 { return "0s" }
        if ms % 1000 != 0 { return "\(ms)ms" }
        var s = ms / 1000
        var out = ""
        if s >= 3600 {
            out += "\(s / 3600)h"
            s %= 3600
        }
        if s >= 60 {
            out += "\(s / 60)m"
            s %= 60
        }
        if s > 0 { out += "\(s)s" }
        return out
    }
}
