import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A file that only grows, a line at a time, for a journal: every append is one `write` (so a
/// crash leaves at most a torn last line), and a durable append returns only once the line is on
/// disk. Concurrent durable appends share their `fdatasync`s.
public final class AppendLog: Sendable {
    public let path: String
    private let fd: Int32
    private struct Counters {
        var written = 0
        var synced = 0
        var closed = false
    }
    private let state = Mutex(Counters())

    /// Opens (or creates) the file for appending.
    public init(path: String) throws(AtomicFile.Failure) {
        self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFile.Failure(step: "open \(path)", code: errno) }
        self.fd = fd
        // The new file's name is on disk too.
        AtomicFile.syncFolder(AtomicFile.folder(of: path))
    }

    deinit { close(fd) }

    /// Appends `line` (a newline is added); with `durable`, returns once it (and every line
    /// before it) is on disk.
    public func append(_ line: [UInt8], durable: Bool) throws(AtomicFile.Failure) {
        let bytes = line + [UInt8(ascii: "\n")]
        let mine: Int = try state.withLock { (s: inout Counters) throws(AtomicFile.Failure) -> Int in
            guard !s.closed else { throw AtomicFile.Failure(step: "append to \(path)", code: EBADF) }
            try AtomicFile.writeAll(fd, bytes, what: path)
            s.written += 1
            return s.written
        }
        if durable { try sync(upTo: mine) }
    }

    /// Every line appended so far is on disk once this returns.
    public func sync() throws(AtomicFile.Failure) {
        try sync(upTo: state.withLock { $0.written })
    }

    private func sync(upTo line: Int) throws(AtomicFile.Failure) {
        let target: Int? = state.withLock { s in s.synced >= line ? nil : s.written }
        guard let target else { return }  // another append's sync covered this line
        guard fdatasync(fd) == 0 else { throw AtomicFile.Failure(step: "fdatasync \(path)", code: errno) }
        state.withLock { $0.synced = max($0.synced, target) }
    }

    /// Syncs and removes the file: its content is in the lockfile now.
    public func remove() throws(AtomicFile.Failure) {
        try sync()
        state.withLock { $0.closed = true }
        guard unlink(path) == 0 || errno == ENOENT else { throw AtomicFile.Failure(step: "remove \(path)", code: errno) }
        AtomicFile.syncFolder(AtomicFile.folder(of: path))
    }
}
