import NIOPosix
import Synchronization
import Testing

@testable import AssetformRemote

@Suite("The transport's deadlines, looked at together")
struct DeadlineWatchTests {
    /// Waits (without blocking a thread) until `done` holds, for at most 60 s.
    private func eventually(_ done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !done(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func anExpiredDeadlineIsToldOnceAndAnEndedOneNever() async throws {
        let watch = DeadlineWatch(on: MultiThreadedEventLoopGroup.singleton.next(), every: .milliseconds(20))
        let told = Mutex<[String]>([])
        let start = ContinuousClock.now
        _ = watch.watch(until: start + .milliseconds(100)) { told.withLock { $0.append("soon") } }
        let ended = watch.watch(until: start + .milliseconds(100)) { told.withLock { $0.append("ended") } }
        _ = watch.watch(until: start + .seconds(3600)) { told.withLock { $0.append("later") } }
        watch.unwatch(ended)
        try await eventually { told.withLock { !$0.isEmpty } }
        // Told after its deadline, never before (how soon after is a matter for the benchmarks:
        // the event loop is shared with every other test of this process).
        #expect(ContinuousClock.now - start >= .milliseconds(100))
        try await Task.sleep(for: .milliseconds(100))
        #expect(told.withLock { $0 } == ["soon"])
        watch.stop()
    }

    @Test func aStoppedWatchTellsNothing() async throws {
        let watch = DeadlineWatch(on: MultiThreadedEventLoopGroup.singleton.next(), every: .milliseconds(10))
        let told = Mutex(0)
        _ = watch.watch(until: ContinuousClock.now + .milliseconds(50)) { told.withLock { $0 += 1 } }
        watch.stop()
        try await Task.sleep(for: .milliseconds(200))
        #expect(told.withLock { $0 } == 0)
        // A watch asked after the stop starts no new looks either.
        _ = watch.watch(until: ContinuousClock.now) { told.withLock { $0 += 1 } }
        try await Task.sleep(for: .milliseconds(100))
        #expect(told.withLock { $0 } == 0)
    }
}
