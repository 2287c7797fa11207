/// UTC times as the services write them, without a date formatter on the hot path.
enum UTCTime {
    /// `2026-03-18T07:20:44Z`
    static func rfc3339(_ seconds: Double) -> String {
        let (y, mo, d, h, mi, s) = components(seconds)
        return "\(pad(y, 4))-\(pad(mo))-\(pad(d))T\(pad(h)):\(pad(mi)):\(pad(s))Z"
    }

    /// `20260318072044`, as in seedance IDs.
    static func compact(_ seconds: Double) -> String {
        let (y, mo, d, h, mi, s) = components(seconds)
        return "\(pad(y, 4))\(pad(mo))\(pad(d))\(pad(h))\(pad(mi))\(pad(s))"
    }

    private static func pad(_ v: Int, _ width: Int = 2) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    static func components(_ seconds: Double) -> (Int, Int, Int, Int, Int, Int) {
        let t = Int(seconds.rounded(.down))
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d, secs / 3600, secs % 3600 / 60, secs % 60)
    }
}
