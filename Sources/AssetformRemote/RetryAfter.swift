import Foundation

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

    public static func now() -> Double { Date().timeIntervalSince1970 }

    /// `now` is seconds since 1970 (for dates).
    public static func parse(_ header: String?, now: Double) -> Value {
        guard let header else { return .absent }
        let text = header.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.utf8.count <= 64 else { return .unreadable }
        if let seconds = delaySeconds(text) { return bounded(seconds, shown: "\(text) s") }
        if let date = HTTPDate.parse(text) { return bounded(max(0, date - now), shown: "until \(text)") }
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

/// HTTP dates (RFC 9110 §5.6.7): IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), and the obsolete
/// RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`) forms.
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Seconds since 1970, or nil.
    static func parse(_ text: String) -> Double? {
        let parts = text.split(whereSeparator: { $0 == " " })
        if parts.count == 6, parts[5] == "GMT" {
            return date(day: parts[1], month: parts[2], year: parts[3], time: parts[4])
        }
        if parts.count == 4, parts[3] == "GMT" {
            let dmy = parts[1].split(separator: "-")
            guard dmy.count == 3, let yy = Int(dmy[2]) else { return nil }
            // Two-digit years: RFC 9110 says to read a year more than 50 years ahead as the past.
            let year = dmy[2].count == 2 ? (yy < 70 ? 2000 + yy : 1900 + yy) : yy
            return date(day: dmy[0], month: dmy[1], year: Substring(String(year)), time: parts[2])
        }
        if parts.count == 5 {
            return date(day: parts[2], month: parts[1], year: parts[4], time: parts[3])
        }
        return nil
    }

    private static func date(day: Substring, month: Substring, year: Substring, time: Substring) -> Double? {
        guard let d = Int(day), (1...31).contains(d), let y = Int(year), (1970...9999).contains(y),
            let m = months.firstIndex(of: month.lowercased())
        else { return nil }
        let hms = time.split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3, (0...23).contains(hms[0]), (0...59).contains(hms[1]), (0...60).contains(hms[2]) else {
            return nil
        }
        return RFC3339.epoch(year: y, month: m + 1, day: d, hour: hms[0], minute: hms[1], second: hms[2])
    }
}
