import AssetformCore
import AssetformEmulator
import AssetformRemote
import Testing

@Suite("The rate schedule, on explicit times")
struct RateScheduleTests {
    /// Starts `n` calls of a class as fast as the schedule allows, all asked for at `from`.
    func starts(_ s: inout RateSchedule, _ c: CallClass, count n: Int, from: Duration = .zero) -> [Duration] {
        var times: [Duration] = []
        var now = from
        for _ in 0..<n {
            now = s.earliestStart(c, now: now)
            s.recordStart(c, at: now)
            times.append(now)
        }
        return times
    }

    @Test func evenlySpacedAtTheRate() {
        var s = RateSchedule(rates: [.createAsset: 200, .write: 30, .read: .unlimited])
        let times = starts(&s, .createAsset, count: 5)
        #expect(times == [.zero, .milliseconds(5), .milliseconds(10), .milliseconds(15), .milliseconds(20)])
        let slow = starts(&s, .write, count: 3)
        #expect(slow == [.zero, .nanoseconds(33_333_334), .nanoseconds(66_666_668)])
    }

    @Test func aLateStartCountsAtItsSlotSoOvershootsDoNotAddUp() {
        var s = RateSchedule(rates: [.createAsset: 200])
        var now = Duration.zero
        for _ in 0..<200 {
            now = s.earliestStart(.createAsset, now: now) + .microseconds(300)  // every wake-up 0.3 ms late
            s.recordStart(.createAsset, at: now)
        }
        // The first start's lateness, 199 intervals of 5 ms, and the last one's lateness: not
        // 200 × 5.3 ms, as it would be if each overshoot pushed the next slot.
        #expect(now == .microseconds(600) + .milliseconds(995))
    }

    /// A class throttled and then quiet reads as recovered at the end, though it made no call
    /// since (recovery is counted when a call starts): the summary says no rate moved.
    @Test func theRateInForceCountsTheQuietSecondsSinceTheLastThrottle() {
        var s = RateSchedule(rates: [.write: 30, .read: .unlimited])
        for c in [CallClass.write, .read] {
            s.recordStart(c, at: s.earliestStart(c, now: .zero))
            s.recordThrottle(c, at: .milliseconds(10), retryAfter: nil)
        }
        #expect(s.rateInForce(.write, now: .milliseconds(500)).map { $0 < 30 } == true, "halved, not yet recovered")
        #expect(s.rateInForce(.write, now: .seconds(12)) == 30, "a tenth back each quiet second")
        #expect(s.rateInForce(.read, now: .milliseconds(500)) != nil, "throttled, an unlimited class gets a rate")
        #expect(s.rateInForce(.read, now: .seconds(120)) == nil, "and is unlimited again")
    }

    @Test func unlimitedStartsAtOnce() {
        var s = RateSchedule(rates: [.read: .unlimited])
        #expect(starts(&s, .read, count: 4, from: .seconds(3)) == Array(repeating: .seconds(3), count: 4))
    }

    @Test(arguments: [1.0, 2.5, 30, 200])
    func noSlidingSecondHoldsMoreThanRatePlusOne(rate: Double) {
        var s = RateSchedule(rates: [.createAsset: .perSecond(rate)])
        var random = SeededRandom(seed: 7)
        var now = Duration.zero
        var times: [Duration] = []
        for _ in 0..<Int(rate * 20) {
            // Calls arrive at random, sometimes in bursts, sometimes after a gap.
            now += .milliseconds(Int64.random(in: 0...Int64(2000 / rate), using: &random))
            // The timer wakes a little late, sometimes later than a whole interval.
            let late = Duration.microseconds(Int64.random(in: 0...Int64(1_500_000 / rate), using: &random))
            let start = s.earliestStart(.createAsset, now: now) + late
            s.recordStart(.createAsset, at: start)
            times.append(start)
            now = max(now, start)
        }
        var j = 0
        for i in times.indices {
            while times[i] - times[j] >= .seconds(1) { j += 1 }
            #expect(i - j + 1 <= Int(rate) + 1, "\(i - j + 1) starts within one second at rate \(rate)")
        }
    }

    @Test func retryAfterPausesTheWholeClassOnly() {
        var s = RateSchedule(rates: [.createAsset: 100, .read: 100])
        s.recordStart(.createAsset, at: .seconds(1))
        s.recordThrottle(.createAsset, at: .seconds(1), retryAfter: .seconds(2))
        #expect(s.earliestStart(.createAsset, now: .milliseconds(1100)) == .seconds(3))
        #expect(s.earliestStart(.read, now: .milliseconds(1100)) == .milliseconds(1100), "other classes go on")
        // A shorter Retry-After later does not shorten the pause.
        s.recordThrottle(.createAsset, at: .milliseconds(1200), retryAfter: .milliseconds(100))
        #expect(s.earliestStart(.createAsset, now: .milliseconds(1300)) == .seconds(3))
    }

    @Test func throttlingHalvesTheRateOnceASecondAndItRecovers() {
        var s = RateSchedule(rates: [.write: 10])
        s.recordThrottle(.write, at: .seconds(10), retryAfter: nil)
        #expect(s.classes[.write]?.effective == 5)
        s.recordThrottle(.write, at: .milliseconds(10_500), retryAfter: nil)
        #expect(s.classes[.write]?.effective == 5, "one decrease per second")
        s.recordThrottle(.write, at: .seconds(12), retryAfter: nil)
        #expect(s.classes[.write]?.effective == 2.5)
        // Quiet seconds give back a tenth of the configured rate each.
        _ = s.earliestStart(.write, now: .milliseconds(13_500))
        #expect(s.classes[.write]?.effective == 3.5)
        _ = s.earliestStart(.write, now: .seconds(30))
        #expect(s.classes[.write]?.effective == 10, "never above the configured rate")
    }

    @Test func slowedClassSpacesItsStartsAtTheLowerRate() {
        var s = RateSchedule(rates: [.createAsset: 4])
        s.recordThrottle(.createAsset, at: .zero, retryAfter: nil)
        let times = starts(&s, .createAsset, count: 3, from: .milliseconds(100))
        #expect(times == [.milliseconds(100), .milliseconds(600), .milliseconds(1100)])
    }

    @Test func aPerMinuteRateIsPacedEvenlyWithNoBurstAndNoCredit() throws {
        var s = RateSchedule(rates: [.createAsset: .perMinute(600)])
        // 600/min is 10/s: a little more than 100 ms apart, from the first call on (no burst).
        let times = starts(&s, .createAsset, count: 4, from: .seconds(1))
        let gap = times[1] - times[0]
        #expect(gap > .milliseconds(100) && gap < .milliseconds(103), "\(gap)")
        #expect(times[3] - times[2] == gap)
        // A late start is counted when it happened: the next is a whole gap after it.
        s.recordStart(.createAsset, at: times[3] + gap + .milliseconds(40))
        #expect(s.earliestStart(.createAsset, now: .zero) == times[3] + gap + .milliseconds(40) + gap)
        // Throttled (arrivals jittered past its margin), it honours Retry-After and goes 3 % slower
        // from then on, once a second at most: not halved, since it is as slow as its quota already.
        let before = try #require(s.classes[.createAsset]?.effective)
        s.recordThrottle(.createAsset, at: .seconds(5), retryAfter: .seconds(1))
        #expect(s.classes[.createAsset]?.effective == before / 1.03)
        s.recordThrottle(.createAsset, at: .seconds(5) + .milliseconds(500), retryAfter: nil)
        #expect(s.classes[.createAsset]?.effective == before / 1.03, "once a second at most")
        #expect(s.earliestStart(.createAsset, now: .seconds(5)) == .seconds(6))
    }

    /// A paced call sent later than it started (a create's intent synced first) moves the next
    /// one's earliest start along: arrivals keep the pace, whatever each sync took. Other
    /// classes count their starts.
    @Test func aPacedClassKeepsItsDistanceFromTheSend() {
        var s = RateSchedule(rates: [.createAsset: .perMinute(600), .read: 10])
        s.recordStart(.createAsset, at: .zero)
        let gap = s.earliestStart(.createAsset, now: .zero)
        #expect(gap > .milliseconds(100) && gap < .milliseconds(103), "\(gap)")
        s.recordStart(.createAsset, at: .seconds(1))
        s.recordSend(.createAsset, at: .seconds(1) + .milliseconds(7))
        #expect(s.earliestStart(.createAsset, now: .seconds(1)) == .seconds(1) + .milliseconds(7) + gap)
        s.recordSend(.createAsset, at: .seconds(1))  // never backwards
        #expect(s.earliestStart(.createAsset, now: .seconds(1)) == .seconds(1) + .milliseconds(7) + gap)
        s.recordStart(.read, at: .seconds(1))
        let readNext = s.earliestStart(.read, now: .seconds(1))
        s.recordSend(.read, at: .seconds(1) + .milliseconds(7))
        #expect(s.earliestStart(.read, now: .seconds(1)) == readNext)
    }

    @Test func autoRisesWhileCallsSucceedHalvesOnThrottlingAndNeverPassesItsCap() throws {
        var s = RateSchedule(rates: [.createAsset: .auto])
        #expect(s.classes[.createAsset]?.effective == Rates.autoCreateAsset.start)
        // Successes at the rate in force: a tenth of the cap (3/s) more per second of them.
        var now = Duration.zero
        func succeed(for seconds: Double) {
            let end = now + .seconds(seconds)
            while now < end {
                let rate = s.classes[.createAsset]!.effective!
                now += .seconds(1 / rate)
                s.recordStart(.createAsset, at: now)
                s.recordSuccess(.createAsset, at: now)
            }
        }
        succeed(for: 3)
        let risen = s.classes[.createAsset]!.effective!
        #expect(risen > 8 && risen < 11, "about 1 + 3·3 after three seconds: \(risen)")
        s.recordThrottle(.createAsset, at: now, retryAfter: nil)
        #expect(s.classes[.createAsset]?.effective == risen / 2)
        let ceiling = try #require(s.classes[.createAsset]?.ceiling)
        #expect(ceiling > risen / 2 && ceiling <= risen, "what it accepted over the last two seconds: \(ceiling)")
        // Back to 90 % of where it was refused fast, then slowly.
        succeed(for: 2)
        let back = s.classes[.createAsset]!.effective!
        #expect(back > 0.9 * ceiling && back < ceiling, "\(back)")
        succeed(for: 2)
        #expect(s.classes[.createAsset]!.effective! - back < 0.3, "probing slowly above 90 % of the ceiling")
        // Never above the cap.
        succeed(for: 400)
        #expect(s.classes[.createAsset]?.effective == Rates.autoCreateAsset.cap)
        #expect(s.achieved(.createAsset).map { $0 > 20 } == true)
    }

    /// The achieved rate runs from the first start to the last answer: a burst started at once
    /// achieves what its answers allowed (not thousands a second), a paced class its rate.
    @Test func theAchievedRateRunsToTheLastAnswer() {
        var burst = RateSchedule(rates: [.createAsset: .unlimited])
        for i in 0..<14 { burst.recordStart(.createAsset, at: .microseconds(Int64(i * 10))) }
        for i in 0..<14 { burst.recordEnd(.createAsset, at: .milliseconds(1500 + Int64(i))) }
        let achieved = burst.achieved(.createAsset) ?? 0
        #expect(achieved > 8 && achieved < 9, "13 more starts over 1.513 s: \(achieved)")
        var paced = RateSchedule(rates: [.createAsset: .perSecond(5)])
        for i in 0..<10 {
            let at = Duration.milliseconds(Int64(i * 200))
            paced.recordStart(.createAsset, at: .zero + at)
            paced.recordEnd(.createAsset, at: .zero + at + .milliseconds(5))
        }
        let pacedRate = paced.achieved(.createAsset) ?? 0
        #expect(pacedRate > 4.9 && pacedRate <= 5, "\(pacedRate)")
        #expect(RateSchedule(rates: [:]).achieved(.createAsset) == nil)
    }

    @Test func anUnlimitedClassThatIsThrottledTakesHalfOfWhatItAchieved() {
        var s = RateSchedule(rates: [.read: .unlimited])
        for i in 0..<100 { s.recordStart(.read, at: .milliseconds(Int64(i * 10))) }
        s.recordThrottle(.read, at: .milliseconds(999), retryAfter: nil)
        #expect(s.classes[.read]?.effective == 50)
        _ = s.earliestStart(.read, now: .milliseconds(2999))
        #expect(s.classes[.read]?.effective == 50 * 1.25 * 1.25)
        _ = s.earliestStart(.read, now: .seconds(60))
        #expect(s.classes[.read]?.effective == nil, "unlimited again")
    }
}

@Suite("Backoff and the retry budget")
struct RetryPolicyTests {
    @Test func ceilingsDoubleUpToTheCap() {
        let b = Backoff(base: .milliseconds(250), cap: .seconds(5))
        #expect(
            (1...7).map { b.ceiling(retry: $0) } == [
                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5),
            ])
    }

    @Test func fullJitterSpreadsOverTheWholeRange() {
        let b = Backoff()
        var random = SeededRandom(seed: 1)
        let delays = (0..<1000).map { _ in b.delay(retry: 3, using: &random) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .seconds(1) })
        #expect(delays.contains { $0 < .milliseconds(100) } && delays.contains { $0 > .milliseconds(900) })
        var again = SeededRandom(seed: 1)
        #expect(b.delay(retry: 3, using: &again) == delays[0], "a seed repeats")
    }

    @Test func budgetStopsAStormAndRefills() {
        var budget = RetryBudget()
        var retries = 0
        while budget.spend(afterTimeout: false) { retries += 1 }
        #expect(retries == 100)
        for _ in 0..<5 { budget.earn() }
        let retry = budget.spend(afterTimeout: false)
        #expect(retry)
        let afterTimeout = budget.spend(afterTimeout: true)
        #expect(!afterTimeout, "a timeout costs more")
    }
}

/// Repeatable randomness in tests: the emulator's SplitMix64.
typealias SeededRandom = SplitMix64
