import Foundation

/// The `--state FILE` store: JSON, written atomically (a temporary file, fsync, rename, fsync of
/// the folder). A file that does not parse is an error and is never replaced.
struct StateFile: Sendable {
    let path: String

    func load() throws -> PersistedState? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw EmulatorError.corruptState(path: path, reason: "\(error.localizedDescription)")
        }
        do {
            let state = try JSONDecoder().decode(PersistedState.self, from: data)
            guard state.format == 1 else {
                throw EmulatorError.corruptState(path: path, reason: "unknown format \(state.format)")
            }
            return state
        } catch let error as EmulatorError {
            throw error
        } catch {
            throw EmulatorError.corruptState(path: path, reason: "not an emulator state file: \(error)")
        }
    }

    func write(_ state: PersistedState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(state)
        do {
            try AtomicWrite.write(data, to: path)
        } catch {
            throw EmulatorError.cannotWriteState(path: path, reason: "\(error)")
        }
    }
}

/// Replaces a file's contents so that a reader, or a crash at any instant, sees either the old
/// file or the new one whole.
enum AtomicWrite {
    struct Failure: Error, CustomStringConvertible {
        let step: String
        let code: Int32
        var description: String { "\(step): \(String(cString: strerror(code)))" }
    }

    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(step: "create \(temporary)", code: errno) }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        let written = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        guard written, fsync(fd) == 0 else {
            let code = errno
            close(fd)
            throw Failure(step: "write \(temporary)", code: code)
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw Failure(step: "rename to \(path)", code: errno) }
        ok = true
        let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }
}
