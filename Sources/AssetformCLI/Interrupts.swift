import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT and SIGTERM for apply (SPEC §6): the first runs `onFirst` (stop starting calls,
/// finish in flight, record, exit 130); before there is anything to finish it exits at once; a
/// second signal always exits at once (the journal already holds every completed result).
final class Interrupts: Sendable {
    private struct State {
        var count = 0
        var onFirst: (@Sendable () -> Void)?
        var beforeExit: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())
    /// Kept for the life of the process; set once, at install.
    private nonisolated(unsafe) var sources: [DispatchSourceSignal] = []

    static func install() -> Interrupts {
        let interrupts = Interrupts()
        var made: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { interrupts.handle() }
            source.resume()
            made.append(source)
        }
        interrupts.sources = made
        return interrupts
    }

    /// What the first signal does from now on; nil: exit at once.
    func onFirst(_ action: (@Sendable () -> Void)?) {
        state.withLock { $0.onFirst = action }
    }

    /// What is done just before an immediate exit (release the lock).
    func beforeExit(_ action: (@Sendable () -> Void)?) {
        state.withLock { $0.beforeExit = action }
    }

    var wasReceived: Bool { state.withLock { $0.count > 0 } }

    private func handle() {
        let (count, first, last) = state.withLock { s in
            s.count += 1
            return (s.count, s.onFirst, s.beforeExit)
        }
        if count == 1, let first {
            first()
            return
        }
        last?()
        _exit(130)
    }
}
