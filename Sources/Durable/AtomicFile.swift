import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Replaces a file's contents so that a reader, or a crash at any instant, sees either the old
/// file or the new one whole: a temporary file beside it, fsync, rename, fsync of the folder.
/// The temporary's name is unpredictable and it is created exclusively without following a
/// link, and a symbolic link at the destination is refused: nothing planted in the folder can
/// make the tool write elsewhere.
private let writes = Atomic<Int>(0)

public enum AtomicFile {
    public struct Failure: Error, CustomStringConvertible, Sendable, Equatable {
        public let step: String
        public let code: Int32
        public var description: String {
            code == ELOOP
                ? "\(step): it is a symbolic link, and assetform does not write through links (remove it, or name the real file)"
                : "\(step): \(String(cString: strerror(code)))"
        }

        public init(step: String, code: Int32) {
            self.step = step
            self.code = code
        }
    }

    public static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        try write(to: path) { (put: ([UInt8]) throws(Failure) -> Void) throws(Failure) in try put(bytes) }
    }

    /// `write(_:to:)` for contents made a part at a time: `produce` hands each part to `put`, which
    /// writes it to the temporary file at once, so the whole never has to be in memory.
    public static func write(
        to path: String, _ produce: (_ put: ([UInt8]) throws(Failure) -> Void) throws(Failure) -> Void
    ) throws(Failure) {
        let folder = Self.folder(of: path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        try refuseLink(path)
        // Unique per write (two writers in one process never share one) and unpredictable (no one
        // can plant a file or a link at its name beforehand); O_EXCL|O_NOFOLLOW refuse one anyway.
        var fd: Int32 = -1
        var temporary = ""
        for _ in 0..<8 {
            temporary =
                folder + "/." + name + ".tmp-\(getpid())-\(writes.add(1, ordering: .relaxed).newValue)-"
                + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw Failure(step: "create \(temporary)", code: errno) }
        var done = false
        defer { if !done { unlink(temporary) } }
        do throws(Failure) {
            try produce { (part: [UInt8]) throws(Failure) in try writeAll(fd, part, what: temporary) }
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

    /// Removes the temporary files a write of `path` left when its process was killed before its
    /// rename (`.NAME.tmp-…` beside it; regular files only). Only for a caller that holds what
    /// keeps every other writer of `path` out: any such file is then a leftover. Returns how
    /// many were removed.
    @discardableResult
    public static func removeLeftovers(of path: String) -> Int {
        let folder = Self.folder(of: path)
        let prefix = "." + (path.split(separator: "/").last.map(String.init) ?? path) + ".tmp-"
        guard let dir = opendir(folder) else { return 0 }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(prefix) { names.append(name) }
        }
        closedir(dir)
        var removed = 0
        for name in names {
            let file = folder + "/" + name
            var info = stat()
            guard lstat(file, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if unlink(file) == 0 { removed += 1 }
        }
        if removed > 0 { syncFolder(folder) }
        return removed
    }

    /// Refuses `path` when it is a symbolic link (a missing file is fine): a rename would replace
    /// the link, and writing through it would change a file elsewhere.
    public static func refuseLink(_ path: String) throws(Failure) {
        var info = stat()
        if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK {
            throw Failure(step: "write \(path)", code: ELOOP)
        }
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

    /// Removes a file (already gone is fine) and makes the removal durable.
    public static func remove(_ path: String) throws(Failure) {
        guard unlink(path) == 0 || errno == ENOENT else { throw Failure(step: "remove \(path)", code: errno) }
        syncFolder(folder(of: path))
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
