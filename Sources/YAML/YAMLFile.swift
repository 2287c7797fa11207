import Glibc

/// Reads a source file whole, refusing one larger than the limit before reading it.
public enum YAMLFile {
    /// `ownFile`: a file the tool itself writes (the lockfile, its journal). It must be a regular
    /// file, and is opened without following a link and without blocking, so a link or a FIFO
    /// planted there is refused instead of read (or waited on forever).
    public static func read(path: String, maxBytes: Int = YAMLLimits().maxBytes, ownFile: Bool = false) throws(YAMLError)
        -> [UInt8]
    {
        let (fd, info) = try openChecked(path: path, maxBytes: maxBytes, ownFile: ownFile)
        defer { close(fd) }
        // Room for the whole file and the read that finds its end: a regular file is read into
        // one allocation, never grown (and copied) at twice its size, nor filled with zeros
        // before it is read into. A pipe, or a file that grew, is read into room twice as large.
        var capacity = ((info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : 0) + (1 << 16)
        var bytes: [UInt8] = []
        while true {
            var failure: Int32 = 0
            var full = false
            let before = bytes
            bytes = [UInt8](unsafeUninitializedCapacity: capacity) { room, n in
                n = before.count
                _ = room.initialize(from: before)
                while n < room.count && n <= maxBytes {
                    let got = Glibc.read(fd, room.baseAddress! + n, room.count - n)
                    if got < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        return
                    }
                    if got == 0 { return }
                    n += got
                }
                full = true
            }
            if failure != 0 {
                errno = failure
                throw ioError(path)
            }
            if !full || bytes.count > maxBytes { break }
            capacity *= 2
        }
        if bytes.count > maxBytes {
            throw YAMLError(.fileTooLarge(limit: maxBytes), YAMLParser.tooLargeMessage(maxBytes), at: nil)
        }
        return bytes
    }

    /// One of the tool's own files (`ownFile` rules), mapped read-only instead of read, for
    /// `body` to go through once from the start. `release(offset)` says that the bytes before
    /// `offset` are done with: their pages leave this process's memory (they are read from the
    /// file again if touched), so a 30 MB lockfile is never 30 MB of the process's memory at once.
    ///
    /// The tool replaces these files by renaming a new one over them, never by changing them in
    /// place, so the mapped file does not change while it is read.
    public static func withMapped<T, E: Error>(
        path: String, maxBytes: Int, _ body: (UnsafeBufferPointer<UInt8>, _ release: (Int) -> Void) throws(E) -> T
    ) throws(YAMLError) -> Result<T, E> {
        let (fd, info) = try openChecked(path: path, maxBytes: maxBytes, ownFile: true)
        defer { close(fd) }
        let size = Int(info.st_size)
        guard size > 0 else {
            return Result { () throws(E) in try body(UnsafeBufferPointer(start: nil, count: 0), { _ in }) }
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            // A file system that cannot map files: read it instead.
            let bytes = try read(path: path, maxBytes: maxBytes, ownFile: true)
            return bytes.withUnsafeBufferPointer { buffer in Result { () throws(E) in try body(buffer, { _ in }) } }
        }
        defer { munmap(base, size) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var released = 0
        let bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: size)
        return Result { () throws(E) in
            try body(bytes) { offset in
                let end = min(offset, size) / page * page
                guard end - released >= 1 << 20 else { return }  // a megabyte at a time
                _ = madvise(base + released, end - released, MADV_DONTNEED)
                released = end
            }
        }
    }

    /// Opens `path` for reading with the checks every read makes; returns it with its status.
    private static func openChecked(path: String, maxBytes: Int, ownFile: Bool) throws(YAMLError) -> (Int32, stat) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (ownFile ? O_NOFOLLOW | O_NONBLOCK : 0))
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP && ownFile {
                throw YAMLError(
                    .io, "\(path) is a symbolic link; assetform reads and writes it only as a real file (name the real file)",
                    at: nil)
            }
            let error = ioError(path)
            throw code == ENOENT ? YAMLError(.missingFile, error.message, at: nil) : error
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = ioError(path)
            close(fd)
            throw error
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw YAMLError(.io, "\(path) is a folder, not a file", at: nil)
        }
        if ownFile && (info.st_mode & S_IFMT) != S_IFREG {
            close(fd)
            throw YAMLError(.io, "\(path) is not a regular file; assetform reads and writes it only as one", at: nil)
        }
        // A regular file is refused by its size, without reading it; a pipe by what it yields.
        if (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) > maxBytes {
            close(fd)
            throw YAMLError(.fileTooLarge(limit: maxBytes), YAMLParser.tooLargeMessage(maxBytes), at: nil)
        }
        return (fd, info)
    }

    private static func ioError(_ path: String) -> YAMLError {
        YAMLError(.io, "cannot read \(path): \(String(cString: strerror(errno)))", at: nil)
    }
}
