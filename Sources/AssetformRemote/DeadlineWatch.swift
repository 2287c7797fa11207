import NIOCore
import Synchronization
import Timing

/// The deadlines of the exchanges in flight, looked at together a few times a second by one
/// repeated task on an event loop. A timer per exchange, scheduled from the caller's thread and
/// cancelled when the exchange ends, would cost two cross-thread wake-ups of an event loop per
/// call; here an exchange costs two lookups of a locked table. An expired exchange is told
/// `every` late at most.
final class DeadlineWatch: Sendable {
    private struct Watched: Sendable {
        var deadline: ContinuousClock.Instant
        var expire: @Sendable () -> Void
    }
    private struct Table: Sendable {
        var next = 0
        var watched: [Int: Watched] = [:]
        var sweeper: RepeatedTask?
        var stopped = false
    }
    private let table = Mutex(Table())
    private let eventLoop: any EventLoop
    private let every: Duration

    init(on eventLoop: any EventLoop, every: Duration = .milliseconds(50)) {
        self.eventLoop = eventLoop
        self.every = every
    }

    /// Calls `expire` once `deadline` has passed, unless `unwatch` is called with the returned
    /// key first.
    func watch(until deadline: ContinuousClock.Instant, _ expire: @escaping @Sendable () -> Void) -> Int {
        let (key, start) = table.withLock { t -> (Int, Bool) in
            t.next += 1
            t.watched[t.next] = Watched(deadline: deadline, expire: expire)
            return (t.next, t.sweeper == nil && !t.stopped)
        }
        if start { startSweeping() }
        return key
    }

    func unwatch(_ key: Int) {
        _ = table.withLock { $0.watched.removeValue(forKey: key) }
    }

    /// Stops the looks (the transport is shut down); what is still watched is not expired.
    func stop() {
        let sweeper = table.withLock { t -> RepeatedTask? in
            t.stopped = true
            defer { t.sweeper = nil }
            return t.sweeper
        }
        sweeper?.cancel()
    }

    private func startSweeping() {
        let interval = TimeAmount.nanoseconds(every.inNanoseconds)
        let sweeper = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in sweep() }
        let extra = table.withLock { t -> RepeatedTask? in
            guard t.sweeper == nil, !t.stopped else { return sweeper }
            t.sweeper = sweeper
            return nil
        }
        extra?.cancel()  // another caller started one first, or the watch was stopped meanwhile
    }

    private func sweep() {
        let now = ContinuousClock.now
        let expired = table.withLock { t -> [Watched] in
            let due = t.watched.filter { $0.value.deadline <= now }
            for key in due.keys { t.watched[key] = nil }
            return Array(due.values)
        }
        for w in expired { w.expire() }
    }
}
