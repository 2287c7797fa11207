import Glibc

/// Reads a source file whole, refusing one larger than the limit before reading it.
public enum YAMLFile {
    /// `ownFile`: a file the tool itself writes (the lockfile, its journal). It must be a regular
    /// file, and is opened without following a link and without blocking, so a link or a FIFO
    /// planted there is refused instead of read (or waited on forever).
    public static func read(path: String, maxBytes: Int = YAMLLimits().maxBytes, ownFile: Bool = false) throws(YAMLError)
        -> [UInt8]
    {
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
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ioError(path) }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw YAMLError(.io, "\(path) is a folder, not a file", at: nil)
        }
        if ownFile && (info.st_mode & S_IFMT) != S_IFREG {
            throw YAMLError(.io, "\(path) is not a regular file; assetform reads and writes it only as one", at: nil)
        }
        // A regular file is refused by its size, without reading it; a pipe by what it yields.
        if (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) > maxBytes {
            throw YAMLError(.fileTooLarge(limit: maxBytes), YAMLParser.tooLargeMessage(maxBytes), at: nil)
        }
        let chunk = 1 << 16
        var bytes: [UInt8] = []
        // Room for the whole file and the read that finds its end: a regular file is read into
        // one allocation, never grown (and copied) at twice its size.
        bytes.reserveCapacity(((info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : 0) + chunk)
        while true {
            if bytes.count > maxBytes {
                throw YAMLError(.fileTooLarge(limit: maxBytes), YAMLParser.tooLargeMessage(maxBytes), at: nil)
            }
            let old = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            let n = bytes.withUnsafeMutableBufferPointer { Glibc.read(fd, $0.baseAddress! + old, chunk) }
            if n < 0 {
                if errno == EINTR {
                    bytes.removeLast(chunk)
                    continue
                }
                throw ioError(path)
            }
            bytes.removeLast(chunk - n)
            if n == 0 { break }
        }
        if bytes.count > maxBytes {
            throw YAMLError(.fileTooLarge(limit: maxBytes), YAMLParser.tooLargeMessage(maxBytes), at: nil)
        }
        return bytes
    }

    private static func ioError(_ path: String) -> YAMLError {
        YAMLError(.io, "cannot read \(path): \(String(cString: strerror(errno)))", at: nil)
    }
}
