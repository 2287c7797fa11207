import Testing

@testable import AssetformEmulator

@Suite("The emulator's token buckets, on explicit instants")
struct TokenBucketTests {
    @Test func burstThenRateThenRefill() {
        let t0 = ContinuousClock.now
        var bucket = TokenBucket(rate: 10, burst: 2, now: t0)
        #expect(bucket.take(now: t0) == nil)
        #expect(bucket.take(now: t0) == nil)
        #expect(bucket.take(now: t0) == .milliseconds(100), "the next token in a tenth of a second")
        #expect(bucket.take(now: t0 + .milliseconds(50)) == .milliseconds(50))
        #expect(bucket.take(now: t0 + .milliseconds(100)) == nil, "refilled at the rate")
        #expect(bucket.take(now: t0 + .milliseconds(100)) != nil)
        #expect(bucket.take(now: t0 + .seconds(10)) == nil)
        #expect(bucket.take(now: t0 + .seconds(10)) == nil, "refills to the burst, no further")
        #expect(bucket.take(now: t0 + .seconds(10)) != nil)
    }
}
