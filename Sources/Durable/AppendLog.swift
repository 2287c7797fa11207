import Foundation
import Synchronization
import Timing

#if canImport(Glibc)
    import Glibc
#endif

/// A file that only grows, a line at a time, for a journal: every append is one `write` (so a
/// crash leaves at most a torn last line). `durable` waits, without holding a thread, until a
/// line is on disk: one thread of the log's own makes `fdatasync`s, each covering every line
/// written before it started (group commit), so that many concurrent appends share one.
///
/// A line that matters only once it is durable (a create's intent: nothing is sent before its
/// `durable` returns) may be appended `held`: it is kept in memory until the next `write` of
/// the file (another append's, or the syncing thread's just before it syncs), which carries it
/// in the same system call. Lines reach the file in the order appended either way.
public final class AppendLog: Sendable {
    public let path: String
    private let fd: Int32

    private struct State {
        var written = 0
        /// The file's length with the held lines: where the next line starts.
        var size = 0
        /// The lines appended `held` and not written yet, with their newlines.
        var held: [UInt8] = []
        /// A failed append left part of a line that could not be taken back.
        var torn: AtomicFile.Failure?
        var synced = 0
        var failure: AtomicFile.Failure?
        var closed = false
        /// The syncing thread is awake: it looks at the waiters again before it sleeps.
        var syncing = false
        var waiters: [(line: Int, continuation: CheckedContinuation<AtomicFile.Failure?, Never>)] = []
    }
    private let state = Mutex(State())
    /// Wakes the syncing thread.
    private let wake = NSCondition()

    /// How long the syncing thread waits, once woken, before it syncs: the lines written
    /// meanwhile share that `fdatasync`. Each sync is a round trip to the disk (three waits on
    /// ext4) with its wake-ups; gathered, there are several times fewer of them at the price of
    /// this much more latency per waiter.
    private let gather: Duration

    /// Opens (or creates) the file for appending; a symbolic link there is refused.
    public init(path: String, gather: Duration = .microseconds(300)) throws(AtomicFile.Failure) {
        self.path = path
        self.gather = gather
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFile.Failure(step: "open \(path)", code: errno) }
        self.fd = fd
        let end = lseek(fd, 0, SEEK_END)
        state.withLock { $0.size = max(0, Int(end)) }
        // The new file's name is on disk too.
        AtomicFile.syncFolder(AtomicFile.folder(of: path))
        Thread.detachNewThread { [self] in syncLoop() }
    }

    deinit { Glibc.close(fd) }

    /// Appends `line` (a newline is added); returns its number, for `durable`. `held`: the line
    /// is written with the next `write` of the file, at the latest just before the next sync (it
    /// is durable, as any line, once `durable` returns for it). A line not held is written now,
    /// with the held lines before it.
    @discardableResult
    public func append(_ line: consuming [UInt8], held: Bool = false) throws(AtomicFile.Failure) -> Int {
        // A line made for this append gets its newline in place.
        var bytes = line
        bytes.append(UInt8(ascii: "\n"))
        return try state.withLock { (s: inout State) throws(AtomicFile.Failure) -> Int in
            guard !s.closed else { throw AtomicFile.Failure(step: "append to \(path)", code: EBADF) }
            if let torn = s.torn { throw torn }
            if held {
                // Nothing is durable after a failure: a line held now would be written, in front
                // of another, with nobody waiting for it.
                if let failure = s.failure { throw failure }
                s.held.append(contentsOf: bytes)
            } else if s.held.isEmpty {
                try write(bytes, &s)
            } else {
                let heldCount = s.held.count
                s.held.append(contentsOf: bytes)
                do throws(AtomicFile.Failure) {
                    try write(s.held, &s, at: s.size - heldCount)
                    s.held.removeAll(keepingCapacity: true)
                } catch {
                    // The held lines are dropped (as `writeHeld` drops them), and this one, which
                    // may fit alone (a result, known now), is tried once more by itself.
                    s.held.removeLast(bytes.count)
                    dropHeld(&s, error)
                    if let torn = s.torn { throw torn }
                    try write(bytes, &s)
                }
            }
            s.written += 1
            s.size += bytes.count
            return s.written
        }
    }

    /// Writes `bytes` at the end of the file, which is `end` bytes long (by default: `size`
    /// without the held lines). Lines written in part (a full disk) are taken back: the file
    /// stays whole lines. If they cannot be, nothing more is appended.
    private func write(_ bytes: [UInt8], _ s: inout State, at end: Int? = nil) throws(AtomicFile.Failure) {
        do throws(AtomicFile.Failure) {
            try AtomicFile.writeAll(fd, bytes, what: path)
        } catch {
            if ftruncate(fd, off_t(end ?? (s.size - s.held.count))) != 0 {
                s.torn = AtomicFile.Failure(step: "truncate \(path) after a failed append", code: errno)
            }
            throw error
        }
    }

    /// Writes the held lines, if any; lines that cannot be written are dropped (`dropHeld`).
    private func writeHeld(_ s: inout State) throws(AtomicFile.Failure) {
        guard !s.held.isEmpty else { return }
        do throws(AtomicFile.Failure) {
            if let torn = s.torn { throw torn }
            try write(s.held, &s)
        } catch {
            dropHeld(&s, error)
            throw error
        }
        s.held.removeAll(keepingCapacity: true)
    }

    /// The held lines could not be written: they are dropped, and nothing is durable from then
    /// on. A held line is a promise kept only once it is on disk: written later, in front of
    /// another line, it would be one nobody waits for. Every `durable` waiting now fails, even
    /// for a line written before (a sync under way would answer for the dropped lines too), and
    /// every later one.
    private func dropHeld(_ s: inout State, _ error: AtomicFile.Failure) {
        s.size -= s.held.count
        s.held.removeAll()
        let failure = s.failure ?? error
        s.failure = failure
        for w in s.waiters { w.continuation.resume(returning: failure) }
        s.waiters = []
    }

    /// The file's length: the offset at which the next line will start (held lines counted).
    public var size: Int { state.withLock { $0.size } }

    /// The length of what is written to the file (held lines not counted): a line boundary no
    /// drop of held lines goes below.
    public var writtenSize: Int { state.withLock { $0.size - $0.held.count } }

    /// Returns once line `line` (and every line before it) is on disk.
    public func durable(_ line: Int) async throws(AtomicFile.Failure) {
        let failure: AtomicFile.Failure? = await withCheckedContinuation { continuation in
            let (answer, asleep): (AtomicFile.Failure??, Bool) = state.withLock { s in
                if let f = s.failure { return (.some(f), false) }
                if s.synced >= line { return (.some(nil), false) }
                s.waiters.append((line, continuation))
                return (nil, !s.syncing)
            }
            if let answer {
                continuation.resume(returning: answer)
            } else if asleep {
                wake.lock()
                wake.signal()
                wake.unlock()
            }
        }
        if let failure { throw failure }
    }

    /// Waits, once woken, for more lines to share the coming sync: `gather`, then again while
    /// lines keep coming (a busy run: each sync costs the disk a round trip, and the system a
    /// tenth of a millisecond of work), up to `gatherRounds` times or until `enough` wait. A lone
    /// waiter (nothing more came) waits `gather` once.
    private func gatherWaiters() {
        guard gather > .zero, !state.withLock({ $0.closed }) else { return }
        var waiting = state.withLock { $0.waiters.count }
        for _ in 0..<Self.gatherRounds {
            Thread.sleep(forTimeInterval: gather.inSeconds)
            let now = state.withLock { $0.closed ? -1 : $0.waiters.count }
            guard now > waiting, now < Self.enough else { return }
            waiting = now
        }
    }

    /// At most this many gathers before a sync, and no more once this many lines wait.
    private static let gatherRounds = 6
    private static let enough = 32

    private func syncLoop() {
        while true {
            wake.lock()
            while state.withLock({ s in
                s.syncing = !(s.waiters.isEmpty && !s.closed)
                return !s.syncing
            }) {
                wake.wait()
            }
            wake.unlock()
            gatherWaiters()
            let (target, closed, unwritten) = state.withLock { s in
                // The held lines are written first: this sync covers them too.
                let unwritten: AtomicFile.Failure?
                do throws(AtomicFile.Failure) {
                    try writeHeld(&s)
                    unwritten = nil
                } catch {
                    unwritten = error
                }
                return (s.written, s.closed, unwritten)
            }
            if closed && state.withLock({ $0.waiters.isEmpty }) { return }
            let failure: AtomicFile.Failure? =
                unwritten ?? (fdatasync(fd) == 0 ? nil : AtomicFile.Failure(step: "fdatasync \(path)", code: errno))
            let ready = state.withLock { s in
                if let failure { s.failure = failure } else { s.synced = max(s.synced, target) }
                let (done, rest) = (
                    s.waiters.filter { failure != nil || $0.line <= s.synced },
                    s.waiters.filter { failure == nil && $0.line > s.synced }
                )
                s.waiters = rest
                return done
            }
            for w in ready { w.continuation.resume(returning: failure) }
        }
    }

    /// Replaces the file with `head` (lines) followed by what it holds from byte `offset` on
    /// (whole lines, as `size` gave it), written to a new file (created exclusively, never
    /// through a link), synced and renamed over this one; appends go on into
    /// it (its descriptor takes this one's number, so the syncing thread needs no telling). A
    /// crash leaves the old file or the new one, each whole. The caller vouches that every line
    /// before `offset` is on disk elsewhere or in `head`: the appends waiting to be durable are
    /// answered. Returns the new file's length.
    @discardableResult
    public func rewrite(_ head: [[UInt8]], keepingFrom offset: Int) throws(AtomicFile.Failure) -> Int {
        let ready = try state.withLock {
            (s: inout State) throws(AtomicFile.Failure) -> [CheckedContinuation<AtomicFile.Failure?, Never>] in
            guard !s.closed else { throw AtomicFile.Failure(step: "rewrite \(path)", code: EBADF) }
            if let torn = s.torn { throw torn }
            guard (0...s.size).contains(offset) else { throw AtomicFile.Failure(step: "rewrite \(path)", code: EINVAL) }
            try writeHeld(&s)
            let temp = path + ".compact"
            unlink(temp)
            let nfd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard nfd >= 0 else { throw AtomicFile.Failure(step: "open \(temp)", code: errno) }
            defer { Glibc.close(nfd) }
            var length = 0
            do throws(AtomicFile.Failure) {
                // The head is short (a first line and the intents still open); the rest, however
                // long, is copied a megabyte at a time.
                var bytes: [UInt8] = []
                for line in head {
                    bytes += line
                    bytes.append(UInt8(ascii: "\n"))
                }
                try AtomicFile.writeAll(nfd, bytes, what: temp)
                length = bytes.count + (try copyTail(from: offset, to: s.size, into: nfd, what: temp))
                guard fsync(nfd) == 0 else { throw AtomicFile.Failure(step: "fsync \(temp)", code: errno) }
                guard rename(temp, path) == 0 else { throw AtomicFile.Failure(step: "rename \(temp)", code: errno) }
            } catch {
                unlink(temp)
                throw error
            }
            AtomicFile.syncFolder(AtomicFile.folder(of: path))
            guard dup2(nfd, fd) >= 0 else { throw AtomicFile.Failure(step: "dup2 \(path)", code: errno) }
            s.size = length
            s.synced = s.written
            let done = s.waiters.map(\.continuation)
            s.waiters = []
            return done
        }
        for continuation in ready { continuation.resume(returning: nil) }
        return state.withLock { $0.size }
    }

    /// Replaces the file with `lines` alone (`rewrite(_:keepingFrom:)` keeping nothing after them).
    public func rewrite(_ lines: [[UInt8]]) throws(AtomicFile.Failure) {
        let end = size
        try rewrite(lines, keepingFrom: end)
    }

    /// Copies bytes `start..<end` of this file to `nfd`, a megabyte at a time; returns how many.
    private func copyTail(from start: Int, to end: Int, into nfd: Int32, what: String) throws(AtomicFile.Failure) -> Int {
        guard start < end else { return 0 }
        let rfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard rfd >= 0 else { throw AtomicFile.Failure(step: "open \(path)", code: errno) }
        defer { Glibc.close(rfd) }
        var chunk = [UInt8](repeating: 0, count: min(1 << 20, end - start))
        var at = start
        while at < end {
            let want = min(chunk.count, end - at)
            let n = chunk.withUnsafeMutableBytes { pread(rfd, $0.baseAddress!, want, off_t(at)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AtomicFile.Failure(step: "read \(path)", code: errno)
            }
            guard n > 0 else { throw AtomicFile.Failure(step: "read \(path)", code: EIO) }
            try AtomicFile.writeAll(nfd, Array(chunk[..<n]), what: what)
            at += n
        }
        return end - start
    }

    /// Syncs every line written so far.
    public func sync() throws(AtomicFile.Failure) {
        try state.withLock { (s: inout State) throws(AtomicFile.Failure) in try writeHeld(&s) }
        guard fdatasync(fd) == 0 else { throw AtomicFile.Failure(step: "fdatasync \(path)", code: errno) }
    }

    /// Stops the syncing thread (waiting appends are still answered).
    public func close() {
        state.withLock { s in
            try? writeHeld(&s)
            s.closed = true
        }
        wake.lock()
        wake.signal()
        wake.unlock()
    }

    /// Syncs and removes the file: its content is in the lockfile now.
    public func remove() throws(AtomicFile.Failure) {
        try sync()
        close()
        try AtomicFile.remove(path)
    }
}
