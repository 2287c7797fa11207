import Durable
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The changes made since the `--state` file was last written, appended (one JSON line each)
/// before the emulator answers the call that made them: a process killed with SIGKILL (an
/// `apply --emulate` killed with its embedded emulator, too) loses no object a client was told
/// of, where the state file alone, written within a quarter of a second of a change, would.
///
/// The changes go to numbered files beside the state file (`FILE.log.N`). Taking a snapshot to
/// write starts the next number; once the snapshot is written (it says up to which number it
/// holds everything, `logThrough`), the files up to it are removed. At start, the files past
/// the snapshot's number are replayed onto it, in order. A line cut short by a crash is the
/// last of its file, and is left out; any other line that does not read is a corrupt state.
struct StateLog: Sendable {
    let statePath: String
    private(set) var generation: Int
    private var fd: Int32 = -1

    init(statePath: String, after generation: Int) {
        self.statePath = statePath
        self.generation = generation
    }

    func path(_ generation: Int) -> String { "\(statePath).log.\(generation)" }

    /// Appends `change` to the current file (opened on first use); false when it cannot be
    /// written (the snapshot, within a quarter of a second, still keeps the change). After a
    /// write that failed, perhaps part way, the file is ended: its cut line stays its last,
    /// which is left out at start, and the next change goes to the next file.
    mutating func append(_ change: StateChange) -> Bool {
        if fd < 0 {
            generation += 1
            fd = open(path(generation), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o644)
            if fd < 0 { return false }
        }
        guard var line = try? Self.encoder.encode(change) else { return false }
        line.append(UInt8(ascii: "\n"))
        guard (try? AtomicFile.writeAll(fd, Array(line), what: path(generation))) != nil else {
            _ = rotate()
            return false
        }
        return true
    }

    /// Ends the current file: what follows goes to the next. The number of the last file that
    /// holds a change (the snapshot taken now holds everything up to it).
    mutating func rotate() -> Int {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        return generation
    }

    /// Removes the files up to `generation` (a snapshot holding them is written).
    func remove(through generation: Int) {
        for n in Self.generations(of: statePath) where n <= generation { unlink(path(n)) }
    }

    /// The numbers of the change files beside `statePath`, in order.
    static func generations(of statePath: String) -> [Int] {
        let url = URL(fileURLWithPath: statePath)
        let folder = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + ".log."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.compactMap { $0.hasPrefix(prefix) ? Int($0.dropFirst(prefix.count)) : nil }.sorted()
    }

    /// The changes of the files past `generation`, in order, and the last file's number;
    /// `complete` false when one of them went while they were read (another emulator wrote a
    /// state that holds it): its changes are not among them.
    static func pending(_ statePath: String, after generation: Int) throws(EmulatorError) -> (
        changes: [StateChange], through: Int, complete: Bool
    ) {
        var changes: [StateChange] = []
        var through = generation
        var complete = true
        for n in generations(of: statePath) where n > generation {
            let file = "\(statePath).log.\(n)"
            guard let data = FileManager.default.contents(atPath: file) else {
                guard FileManager.default.fileExists(atPath: file) else {
                    complete = false
                    continue
                }
                throw .corruptState(path: file, reason: "it cannot be read")
            }
            let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            for (i, line) in lines.enumerated() where !line.isEmpty {
                do {
                    changes.append(try JSONDecoder().decode(StateChange.self, from: Data(line)))
                } catch {
                    // The last line, with no line break after it: a write cut short.
                    if i == lines.count - 1 { break }
                    throw .corruptState(path: file, reason: "line \(i + 1) is not a change: \(error)")
                }
            }
            through = n
        }
        return (changes, through, complete)
    }

    /// Used only by the emulator's state actor, one call at a time.
    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()
}
