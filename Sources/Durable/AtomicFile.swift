import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Replaces a file's contents so that a reader, or a crash at any instant, sees either the old
/// file or the new one whole: a temporary file beside it, fsync, rename, fsync of the folder.
private let writes = Atomic<Int>(0)

public enum AtomicFile {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let step: String
        public let code: Int32
        public var description: String { "\(step): \(String(cString: strerror(code)))" }
    }

    public static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        let folder = Self.folder(of: path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        // Unique per write, so that two writers in one process never share a temporary file.
        let temporary = folder + "/." + name + ".tmp-\(getpid())-\(writes.add(1, ordering: .relaxed).newValue)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(step: "create \(temporary)", code: errno) }
        var done = false
        defer { if !done { unlink(temporary) } }
        do throws(Failure) {
            try writeAll(fd, bytes, what: temporary)
            guard fsync(fd) == 0 else { throw Failure(step: "fsync \(temporary)", code: errno) }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw Failure(step: "rename \(temporary) to \(path)", code: errno) }
        done = true
        syncFolder(folder)
    }

    /// Writes every byte, retrying short writes and interruptions.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], what: String) throws(Failure) {
        var failure: Failure?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = Failure(step: "write \(what)", code: errno)
                    return
                }
                offset += n
            }
        }
        if let failure { throw failure }
    }

    /// fsync of a folder, so that a rename or a new file in it survives a crash.
    public static func syncFolder(_ folder: String) {
        let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// Makes a folder if it is not there yet.
    public static func makeFolder(_ folder: String) throws(Failure) {
        if mkdir(folder, 0o755) != 0 && errno != EEXIST { throw Failure(step: "make the folder \(folder)", code: errno) }
    }

    public static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
