import Foundation

/// Wall-clock times as the services and the people reading our files write them, in UTC: one
/// place for every date format the tool reads or writes (RFC 3339, compact id stamps, HTTP
/// dates), on Foundation's formatters.
public enum UTCDate {
    /// Seconds since 1970.
    public static func now() -> Double { Date().timeIntervalSince1970 }

    /// `2026-03-18T07:20:44Z`
    public static func rfc3339(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds.rounded(.down)).formatted(rfc3339Style)
    }

    /// `2026-03-18T07:20:44Z` (fractions of a second allowed) to seconds since 1970.
    public static func parseRFC3339(_ text: String) -> Double? {
        if let date = try? rfc3339Style.parse(text) { return date.timeIntervalSince1970 }
        return (try? rfc3339Fractional.parse(text))?.timeIntervalSince1970
    }

    /// `20260318072044`, as seedance ids carry a time; `offset` is the zone's seconds east of UTC
    /// (the upstream stamps ids in UTC+8).
    public static func compact(_ seconds: Double, offset: Int = 0) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: offset) ?? TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds.rounded(.down)))
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 1970)" + two(c.month) + two(c.day) + two(c.hour) + two(c.minute) + two(c.second)
    }

    /// `20260318T072044Z` (ISO 8601 basic format), as Volcengine's request signature stamps `X-Date`.
    public static func basic(_ seconds: Double) -> String {
        let c = compact(seconds)
        return String(c.prefix(8)) + "T" + String(c.suffix(6)) + "Z"
    }

    /// `20260318T072044Z` to seconds since 1970.
    public static func parseBasic(_ text: String) -> Double? {
        let b = Array(text.utf8)
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z"),
            b[0..<8].allSatisfy({ (48...57).contains($0) }), b[9..<15].allSatisfy({ (48...57).contains($0) })
        else { return nil }
        let s = String(decoding: b, as: UTF8.self)
        func part(_ from: Int, _ length: Int) -> String {
            String(s.dropFirst(from).prefix(length))
        }
        return parseRFC3339(
            "\(part(0, 4))-\(part(4, 2))-\(part(6, 2))T\(part(9, 2)):\(part(11, 2)):\(part(13, 2))Z")
    }

    /// An HTTP date (RFC 9110 §5.6.7) to seconds since 1970: IMF-fixdate
    /// (`Sun, 06 Nov 1994 08:49:37 GMT`), and the obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
    /// and asctime (`Sun Nov  6 08:49:37 1994`) forms.
    public static func parseHTTPDate(_ text: String) -> Double? {
        let squeezed = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        for formatter in httpDateFormatters {
            if let date = formatter.date(from: squeezed) { return date.timeIntervalSince1970 }
        }
        return nil
    }

    private static let rfc3339Style = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)
    private static let rfc3339Fractional = Date.ISO8601FormatStyle(
        includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)

    /// A formatter per call: HTTP dates are read rarely (a `Retry-After`), and a formatter shared
    /// across threads is not documented as safe on every platform.
    private static var httpDateFormatters: [DateFormatter] {
        ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"].map { format in
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = format
            f.isLenient = false
            return f
        }
    }
}
