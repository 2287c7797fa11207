import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The write end of the pipe the signal handler writes to: set once, before the handler is.
nonisolated(unsafe) private var signalPipeWrite: Int32 = -1

/// What the handler does, and all it may do: one async-signal-safe write.
private func forwardSignal(_ signal: Int32) {
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipeWrite, &byte, 1)
}

/// SIGINT and SIGTERM for apply (SPEC §6): the first runs `onFirst` (stop starting calls,
/// finish in flight, record, exit 130); before there is anything to finish it exits at once; a
/// second signal always exits at once (the journal already holds every completed result).
///
/// The handler only writes to a pipe; a thread reading it does the rest. (Ignoring the signals
/// and reading them with a dispatch source loses them on Linux when another thread takes one.)
final class Interrupts: Sendable {
    private struct State {
        var count = 0
        var onFirst: (@Sendable () -> Void)?
        var beforeExit: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    static func install() -> Interrupts {
        let interrupts = Interrupts()
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return interrupts }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        signalPipeWrite = fds[1]
        let reader = fds[0]
        // A thread of its own: a worker of a shared pool may not be free when the signal comes.
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while true {
                let n = read(reader, &byte, 1)
                if n == 1 {
                    interrupts.handle()
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = forwardSignal
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in [SIGINT, SIGTERM] {
            sigaction(sig, &action, nil)
            sigaddset(&unblock, sig)
        }
        // A parent may have started us with these blocked.
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
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
