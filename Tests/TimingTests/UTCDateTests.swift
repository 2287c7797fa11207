import Testing
import Timing

@Suite("UTC dates and durations, in one place")
struct UTCDateTests {
    @Test func rfc3339BothWays() {
        #expect(UTCDate.rfc3339(1_773_818_444) == "2026-03-18T07:20:44Z")
        #expect(UTCDate.rfc3339(1_773_818_444.9) == "2026-03-18T07:20:44Z", "fractions are dropped")
        #expect(UTCDate.parseRFC3339("2026-03-18T07:20:44Z") == 1_773_818_444)
        #expect(UTCDate.parseRFC3339("2026-03-18T07:20:44.500Z") == 1_773_818_444.5)
        #expect(UTCDate.parseRFC3339("yesterday") == nil)
        #expect(UTCDate.rfc3339(0) == "1970-01-01T00:00:00Z")
    }

    @Test func compactStampsInAZone() {
        #expect(UTCDate.compact(1_773_818_444) == "20260318072044")
        #expect(UTCDate.compact(1_773_818_444, offset: 8 * 3600) == "20260318152044", "UTC+8, as the upstream's ids")
        #expect(UTCDate.compact(1_773_849_600, offset: 8 * 3600) == "20260319000000", "the next day in UTC+8")
    }

    @Test func httpDatesInTheirThreeForms() {
        #expect(UTCDate.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(UTCDate.parseHTTPDate("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
        #expect(UTCDate.parseHTTPDate("Sun Nov  6 08:49:37 1994") == 784_111_777)
        #expect(UTCDate.parseHTTPDate("Sun, 45 Nov 1994 08:49:37 GMT") == nil)
        #expect(UTCDate.parseHTTPDate("soon") == nil)
    }

    @Test func durationsInUnitsWithoutTrapping() {
        #expect(Duration.milliseconds(1500).inSeconds == 1.5)
        #expect(Duration.seconds(2).inMilliseconds == 2000)
        #expect(Duration.milliseconds(3).inNanoseconds == 3_000_000)
        #expect(Duration.seconds(Int64.max / 10).inMilliseconds == Int64.max, "saturates")
        #expect(Duration.seconds(clamping: 1.25) == .milliseconds(1250))
        #expect(Duration.seconds(clamping: .infinity) == .seconds(100 * 365 * 86400))
        #expect(Duration.seconds(clamping: .nan) == .zero)
        #expect(Duration.seconds(clamping: 1e300) == .seconds(100 * 365 * 86400))
    }
}
