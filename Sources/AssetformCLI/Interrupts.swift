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

/// SIGINT and SIGTERM for apply (SPEC §6). While a run listens (`during`), each signal is
/// handed to it (the run stops dispatching, lets the calls in flight finish, records everything);
/// at any other moment there is nothing to finish or record, and a signal exits at once (after
/// `beforeExit`, which lets the lock go).
///
/// The handler only writes to a pipe; a thread reading it does the rest. (Ignoring the signals
/// and reading them with a dispatch source loses them on Linux when another thread takes one.)
final class Interrupts: Sendable {
    private struct State {
        var listener: AsyncStream<Void>.Continuation?
        /// Signals received while a run listened.
        var count = 0
        var onFirst: (@Sendable () -> Void)?
        var beforeExit: (@Sendable () -> Void)?
        /// A run has listened: after it, changes may have been made (and are recorded).
        var ran = false
        /// `--json`: an exit at once prints the one JSON error object on stdout (SPEC §4).
        var json = false
    }
    private let state = Mutex(State())

    /// Installed by the first command that asks (every command but `emulator`, which has its own).
    static let shared = install()

    private static func install() -> Interrupts {
        let interrupts = Interrupts()
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return interrupts }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        signalPipeWrite = fds[1]
        let reader = fds[0]
        // A thread of its own: a worker of a shared pool may not be free when the signal comes.
        Thread.detachNewThread {
            // This thread lives as long as the process, and takes the signals too, whatever mask
            // the threads made before it inherited from the parent (a safeguard: the main
            // thread's wait takes them as well).
            Self.unblockSignals()
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
        for sig in [SIGINT, SIGTERM] { sigaction(sig, &action, nil) }
        // A parent may have started us with these blocked (the reader thread above takes them too).
        unblockSignals()
        return interrupts
    }

    /// Lets the calling thread take SIGINT and SIGTERM.
    private static func unblockSignals() {
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// The signals received from now until the stream is dropped; `onFirst` runs on the first
    /// (to say what happens next).
    func during(onFirst: @escaping @Sendable () -> Void) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        state.withLock { s in
            s.listener = continuation
            s.onFirst = onFirst
            s.ran = true
        }
        return stream
    }

    /// The signals received while a run listened (`during`), its end included.
    var received: Int { state.withLock { $0.count } }

    /// Changes were made and recorded outside a run (an interrupted apply's journal written
    /// into the lockfile): an interrupt from now on says so, not "nothing was changed".
    func recorded() {
        state.withLock { $0.ran = true }
    }

    /// With `--json`, an immediate exit also prints the JSON error object on stdout.
    func printJSONOnExit(_ json: Bool) {
        state.withLock { $0.json = json }
    }

    /// What is done just before an immediate exit (let the lock go).
    func beforeExit(_ action: (@Sendable () -> Void)?) {
        state.withLock { $0.beforeExit = action }
    }

    private func handle() {
        let (listener, count, first, last, ran, json) = state.withLock { s in
            defer { s.onFirst = nil }
            if s.listener != nil { s.count += 1 }
            return (s.listener, s.count, s.onFirst, s.beforeExit, s.ran, s.json)
        }
        if let listener {
            first?()
            // The run takes the first two (stop; then stop waiting). Past that, or once the run
            // is recording its end and takes no more, a further signal is taken as "now": the
            // journal already holds every completed result.
            switch listener.yield() {
            case .enqueued where count < 3: return
            case .terminated where count < 2: return
            default: break
            }
        }
        // No run is going (at the confirmation prompt, while planning): nothing to finish,
        // nothing to record, and it says so.
        last?()
        let message = ran ? "interrupted; everything completed is recorded" : "interrupted; nothing was changed"
        if listener == nil {
            let line = Array("\n\(message)\n".utf8)
            _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        }
        if json {
            // On a line of its own, whatever part of a document stdout holds already.
            let error = JSONError(kind: "interrupted", message: message, status: .interrupted)
            let line = Array(("\n" + error.json.encoded + "\n").utf8)
            _ = line.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        }
        _exit(130)
    }
}
