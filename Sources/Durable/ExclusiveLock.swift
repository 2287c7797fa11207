import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One holder at a time for a resource (a lockfile), across processes: an `flock` on a lock
/// file that also says who holds it. The kernel drops the lock when its process dies, however it
/// dies, so a file left by a dead process is simply taken over.
public final class ExclusiveLock: Sendable {
    public let path: String
    private let fd: Int32
    /// What the file said when it was taken over from a process that died holding it.
    public let tookOverFrom: String?
    private let released = Mutex(false)

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Someone else holds it; `holder` is what the lock file says about them.
        case held(path: String, holder: String)
        case io(AtomicFile.Failure)
        /// Something other than the lock's own file is there (a FIFO, a device, a hard link).
        case notOwn(path: String)

        public var description: String {
            switch self {
            case .notOwn(let path):
                "cannot lock: \(path) is not a regular file of its own (a hard link, a FIFO or a device); remove it"
            case .held(let path, let holder): "\(path) is held by \(holder)"
            case .io(let f): "cannot lock: \(f)"
            }
        }
    }

    private init(path: String, fd: Int32, tookOverFrom: String?) {
        self.path = path
        self.fd = fd
        self.tookOverFrom = tookOverFrom
    }

    /// Takes the lock at once, or fails naming the holder. `holder` is written into the file
    /// (pid, host, time and command) for whoever is refused next.
    public static func acquire(path: String, holder: String) throws(Failure) -> ExclusiveLock {
        // A look (`currentHolder`) holds a shared lock for an instant: a few tries, 10 ms apart,
        // before the lock counts as held.
        var looks = 5
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .io(AtomicFile.Failure(step: "open \(path)", code: errno)) }
            // Only a file of its own: not a FIFO or a device, and not a hard link to a file
            // elsewhere (which the holder's line would overwrite, and whose content would be shown).
            var own = stat()
            guard fstat(fd, &own) == 0, (own.st_mode & S_IFMT) == S_IFREG, own.st_nlink <= 1 else {
                close(fd)
                throw .notOwn(path: path)
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                let said = read(fd)
                close(fd)
                if code == EWOULDBLOCK && looks > 0 {
                    looks -= 1
                    usleep(10_000)
                    continue
                }
                if code == EWOULDBLOCK {
                    throw .held(path: path, holder: said.isEmpty ? "another process (it has not said who yet)" : said)
                }
                throw .io(AtomicFile.Failure(step: "flock \(path)", code: code))
            }
            // The holder before may have removed the file between our open and our flock: then
            // this lock is on a file nobody else will see, and we start again.
            var mine = stat()
            var named = stat()
            guard fstat(fd, &mine) == 0, stat(path, &named) == 0, mine.st_ino == named.st_ino, mine.st_dev == named.st_dev
            else {
                close(fd)
                continue
            }
            let before = read(fd)
            let bytes = Array((holder + "\n").utf8)
            do throws(AtomicFile.Failure) {
                guard ftruncate(fd, 0) == 0 else { throw AtomicFile.Failure(step: "truncate \(path)", code: errno) }
                guard lseek(fd, 0, SEEK_SET) == 0 else { throw AtomicFile.Failure(step: "seek \(path)", code: errno) }
                try AtomicFile.writeAll(fd, bytes, what: path)
                fsync(fd)
            } catch {
                close(fd)
                throw .io(error)
            }
            return ExclusiveLock(path: path, fd: fd, tookOverFrom: before.isEmpty ? nil : before)
        }
    }

    /// Waits for the lock up to `timeout`, trying every 100 ms.
    public static func acquire(path: String, holder: String, timeout: Duration) async throws(Failure) -> ExclusiveLock {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                return try acquire(path: path, holder: holder)
            } catch {
                guard case .held = error, ContinuousClock.now < deadline else { throw error }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Who holds the lock at `path` now, as its file says; nil when nobody does (or there is no
    /// file). It looks without taking the lock: a shared `flock` for an instant, which a taker
    /// at that very instant sees as held (and may wait for, or retry).
    public static func currentHolder(path: String) -> String? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var own = stat()
        guard fstat(fd, &own) == 0, (own.st_mode & S_IFMT) == S_IFREG else { return nil }
        guard flock(fd, LOCK_SH | LOCK_NB) != 0 else {
            flock(fd, LOCK_UN)
            return nil
        }
        guard errno == EWOULDBLOCK else { return nil }
        let said = read(fd)
        return said.isEmpty ? "another process" : said
    }

    /// Removes the file and lets go; once, however often it is called (an interrupt and the
    /// normal end may both ask). The file is removed only while it is still this lock's: one
    /// that another run has put in its place stays.
    public func release() {
        // Under the mutex: a second caller returns only once the first has let go.
        released.withLock { done in
            guard !done else { return }
            done = true
            var mine = stat()
            var named = stat()
            if fstat(fd, &mine) == 0, lstat(path, &named) == 0, mine.st_ino == named.st_ino, mine.st_dev == named.st_dev {
                unlink(path)
            }
            close(fd)
        }
    }

    private static func read(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return "" }
        return String(decoding: buffer[..<n], as: UTF8.self).trimmingSuffixNewlines()
    }
}

extension String {
    fileprivate func trimmingSuffixNewlines() -> String {
        var s = Substring(self)
        while s.last == "\n" || s.last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
