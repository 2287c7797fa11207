public import AssetformCore
import DequeModule
public import Logging
import Timing

/// What happened to a call, for progress output and tests.
public enum CallEvent: Sendable {
    case started(RemoteCall, attempt: Int, at: Duration)
    case finished(RemoteCall, attempt: Int, status: Int?, at: Duration, elapsed: Duration)
    case retrying(RemoteCall, attempt: Int, after: Duration, error: RemoteError)
}

/// Counters a run reports in its summary.
public struct CallCounters: Sendable, Equatable {
    public var calls = 0
    public var throttled = 0
    public var retries = 0

    public init() {}
}

/// Every remote call goes through here (SPEC §6): a rate per class of call with no sliding
/// second holding more than rate + 1 starts, at most `concurrency` calls in flight, `Retry-After`
/// pausing the whole class, adaptive slowing on throttling, exponential backoff with full jitter
/// up to `attempts`, and a retry budget. Ambiguous creates are returned, not retried.
public actor CallPolicy {
    private var schedule: RateSchedule
    private let concurrency: Int
    private let attempts: Int
    private let backoff: Backoff
    private var budget: RetryBudget
    private var random: any RandomNumberGenerator & Sendable
    private let logger: Logger
    private let observer: (@Sendable (CallEvent) -> Void)?
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    private var inFlight = 0
    /// Set by `stop()`: no call (or retry) starts any more.
    private var stopped = false
    private var permitWaiters = Deque<CheckedContinuation<Void, Never>>()
    private var busyClasses: Set<CallClass> = []
    private var turnWaiters: [CallClass: Deque<CheckedContinuation<Void, Never>>] = [:]
    public private(set) var counters = CallCounters()

    /// Before the executor sends a create again (its outcome was unknown, or a listing showed it
    /// was not made): a retry as the summary counts them, paid from the retry budget and after
    /// the backoff a retry waits, as `perform` does for its own, so that an outage does not send
    /// every billed create `attempts` times at once. False when the budget cannot pay for it, or
    /// the run is stopping: it is not sent again.
    public func mayResend(_ call: RemoteCall, attempt: Int, after error: RemoteError) async -> Bool {
        guard !stopped, budget.spend(afterTimeout: error.code == nil && error.status == nil) else { return false }
        let delay = backoff.delay(retry: attempt, using: &random)
        counters.retries += 1
        observer?(.retrying(call, attempt: attempt, after: delay, error: error))
        logger.info("\(call.name): sending again in \(Self.milliseconds(delay)) ms after \(error)")
        try? await Task.sleep(for: delay)
        return !stopped
    }
    /// The classes paced per minute (`N/min`), whose spacing counts from when a call is sent
    /// (`sent(_:)`), after what a create does first (its intent's sync).
    public nonisolated let pacedClasses: Set<CallClass>
    /// The classes configured with no rate (`unlimited`): a call of one waits only for a permit
    /// (unless the service throttles it), so what it must do first may be done before that wait.
    public nonisolated let unratedClasses: Set<CallClass>

    public init(
        limits: Limits, backoff: Backoff = Backoff(), budget: RetryBudget = RetryBudget(),
        random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        logger: Logger = Logger(label: "assetform.remote"),
        observer: (@Sendable (CallEvent) -> Void)? = nil
    ) {
        let rates: [CallClass: Rate] = [
            .createAsset: limits.rates.createAsset, .write: limits.rates.write, .read: limits.rates.read,
        ]
        schedule = RateSchedule(rates: rates)
        pacedClasses = Set(rates.compactMap { c, rate in if case .perMinute = rate { c } else { nil } })
        unratedClasses = Set(rates.compactMap { c, rate in if case .unlimited = rate { c } else { nil } })
        concurrency = max(1, limits.concurrency)
        attempts = max(1, limits.attempts)
        self.backoff = backoff
        self.budget = budget
        self.random = random
        self.logger = logger
        self.observer = observer
        origin = clock.now
    }

    /// Time since the policy was made: the clock the schedule runs on.
    public var now: Duration { clock.now - origin }

    /// The schedule's view of a class, for tests and progress (the rate in force).
    public func classState(_ c: CallClass) -> RateSchedule.ClassState { schedule.classes[c]! }

    /// Per class that made two calls or more: the rate achieved between its first start and its
    /// last answer, and the rate in force now (what a class slowed by throttling got back in the
    /// quiet seconds since counted, though it made no call since).
    public var achievedRates: [CallClass: AchievedRate] {
        let now = self.now
        var out: [CallClass: AchievedRate] = [:]
        for c in CallClass.allCases {
            guard let a = schedule.achieved(c) else { continue }
            let current = schedule.rateInForce(c, now: now)
            let s = schedule.classes[c]!
            out[c] = AchievedRate(achieved: a, current: current, moved: s.mode == .auto || current != s.configured)
        }
        return out
    }

    /// Runs `send` under the policy, retrying what may be retried.
    public func perform<T: Sendable>(
        _ call: RemoteCall, _ send: @Sendable (_ attempt: Int) async -> Result<T, RemoteError>
    ) async throws(RemoteError) -> T {
        var attempt = 1
        while true {
            do {
                try await start(call.callClass)
            } catch {
                throw RemoteError(.cancelled, call: call.name, message: "the run was interrupted before the call was sent")
            }
            let started = now
            counters.calls += 1
            observer?(.started(call, attempt: attempt, at: started))
            let result = await send(attempt)
            let elapsed = now - started
            schedule.recordEnd(call.callClass, at: started + elapsed)
            // An error that ends the run (a full pool, a refused key) stops every call not yet
            // started before this one's permit passes on: the caller's own stop would come a
            // scheduling turn later, time enough for more billed calls on a busy machine.
            if case .failure(let error) = result, error.kind == .fatalForRun { stopped = true }
            finish()
            var failure: RemoteError
            switch result {
            case .success(let value):
                budget.earn()
                schedule.recordSuccess(call.callClass, at: now)
                observer?(.finished(call, attempt: attempt, status: 200, at: started + elapsed, elapsed: elapsed))
                return value
            case .failure(let error):
                failure = error
            }
            failure.attempts = attempt
            observer?(.finished(call, attempt: attempt, status: failure.status, at: started + elapsed, elapsed: elapsed))
            if let pause = failure.pause { schedule.hold(call.callClass, until: now + pause) }
            if failure.throttledAnswer, failure.kind == .fatalForRun { counters.throttled += 1 }
            switch failure.kind {
            case .throttled(let retryAfter):
                counters.throttled += 1
                schedule.recordThrottle(call.callClass, at: now, retryAfter: retryAfter)
            case .retryable:
                break
            default:
                // Fatal, not found, quota, unsupported, and ambiguous creates: the caller decides.
                throw failure
            }
            guard attempt < attempts else { throw failure }
            guard budget.spend(afterTimeout: failure.code == nil && failure.status == nil) else {
                failure.message += "; the retry budget is spent (too many failures in this run)"
                throw failure
            }
            let delay = backoff.delay(retry: attempt, using: &random)
            counters.retries += 1
            observer?(.retrying(call, attempt: attempt, after: delay, error: failure))
            logger.info("\(call.name): retrying in \(Self.milliseconds(delay)) ms after \(failure)")
            try? await Task.sleep(for: delay)
            attempt += 1
        }
    }

    /// A call of a paced class (`pacedClasses`) is being sent now: the next one of its class
    /// keeps its distance from this moment, not from when this one was let start. A create's
    /// intent is synced in between, and a sync slower than the next one's would bring two
    /// arrivals closer than a quota with no burst allows.
    public func sent(_ c: CallClass) {
        schedule.recordSend(c, at: now)
    }

    /// Stops starting calls (an interrupted run): calls in flight finish; every call or retry
    /// that has not started fails as `.cancelled`.
    public func stop() {
        stopped = true
    }

    // MARK: - Dispatch: one turn per class, then a permit

    /// Returns when a call of class `c` may start, holding one of the `concurrency` permits.
    /// Calls of one class wait their turn in order, so that starts keep the class's spacing
    /// whatever the permits do; a paused or slow class never holds a permit while it waits.
    private func start(_ c: CallClass) async throws {
        if stopped { throw CancellationError() }
        // A class with no rate that is not paused needs no order among its calls: a permit is
        // all it waits for, without passing a turn from task to task.
        if schedule.classes[c]!.effective == nil, schedule.earliestStart(c, now: now) <= now {
            try Task.checkCancellation()
            await takePermit()
            if stopped {
                finish()
                throw CancellationError()
            }
            if schedule.earliestStart(c, now: now) <= now {
                schedule.recordStart(c, at: now)
                return
            }
            finish()  // it was paused (or slowed) meanwhile: wait in order below
        }
        await takeTurn(c)
        defer { releaseTurn(c) }
        while true {
            try Task.checkCancellation()
            if stopped { throw CancellationError() }
            let earliest = schedule.earliestStart(c, now: now)
            if earliest > now {
                // In slices: a stop (an error that ends the run) is seen within 100 ms, not at
                // the end of a pause of up to a minute.
                try await Task.sleep(until: min(origin + earliest, clock.now + .milliseconds(100)), clock: clock)
                continue
            }
            await takePermit()
            if stopped {
                finish()
                throw CancellationError()
            }
            // A throttled answer may have paused the class while this call waited for a permit.
            if schedule.earliestStart(c, now: now) > now {
                finish()
                continue
            }
            schedule.recordStart(c, at: now)
            return
        }
    }

    private func takeTurn(_ c: CallClass) async {
        if busyClasses.insert(c).inserted { return }
        await withCheckedContinuation { turnWaiters[c, default: []].append($0) }
    }

    private func releaseTurn(_ c: CallClass) {
        // In place: taking the queue out of the dictionary would copy it on every call.
        if let next = turnWaiters[c]?.popFirst() {
            next.resume()  // the turn passes straight to the next waiter
        } else {
            busyClasses.remove(c)
        }
    }

    private func takePermit() async {
        if inFlight < concurrency {
            inFlight += 1
            return
        }
        await withCheckedContinuation { permitWaiters.append($0) }
    }

    private func finish() {
        if let next = permitWaiters.popFirst() {
            next.resume()  // the permit passes straight on
        } else {
            inFlight -= 1
        }
    }

    static func milliseconds(_ d: Duration) -> Int {
        Int(d.inMilliseconds)
    }
}
