import Foundation
import Timing

/// `Retry-After`, read defensively (RFC 9110 §10.2.3): delay-seconds (an integer, or a decimal
/// as some services send), or an HTTP date in any of its three forms. A value that is not
/// finite, negative, too long or unreadable is ignored (the call policy's own backoff applies);
/// one over the cap cannot be waited out by a run.
public enum RetryAfter {
    public static let capSeconds = 60
    public static var cap: Duration { .seconds(capSeconds) }

    public enum Value: Sendable, Equatable {
        /// No header.
        case absent
        /// A header that says nothing usable.
        case unreadable
        /// Wait this long (within the cap; a date in the past is zero).
        case wait(Duration)
        /// More than the cap; the text is what it asked for, for the message.
        case beyondCap(String)
    }

    public static func now() -> Double { UTCDate.now() }

    /// `now` is seconds since 1970 (for dates).
    public static func parse(_ header: String?, now: Double) -> Value {
        guard let header else { return .absent }
        let text = header.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.utf8.count <= 64 else { return .unreadable }
        if let seconds = delaySeconds(text) { return bounded(seconds, shown: "\(text) s") }
        if let date = UTCDate.parseHTTPDate(text) { return bounded(max(0, date - now), shown: "until \(text)") }
        return .unreadable
    }

    /// Digits, with at most one decimal point (`120`, `1.5`); no sign, exponent or words, so
    /// `-1`, `Infinity`, `NaN` and `1e300` are not delays. A long run of digits is simply large.
    static func delaySeconds(_ text: String) -> Double? {
        var dots = 0
        for c in text.utf8 {
            if c == UInt8(ascii: ".") {
                dots += 1
            } else if !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) {
                return nil
            }
        }
        guard dots <= 1, text.first != ".", text.last != ".", let value = Double(text), value.isFinite else { return nil }
        return value
    }

    private static func bounded(_ seconds: Double, shown: String) -> Value {
        guard seconds.isFinite, seconds >= 0 else { return .unreadable }
        if seconds > Double(capSeconds) { return .beyondCap(shown) }
        return .wait(.milliseconds(Int64((seconds * 1000).rounded(.up))))
    }
}
