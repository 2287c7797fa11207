import Durable
import Foundation

/// The `--state FILE` store: JSON, written atomically (a temporary file, fsync, rename, fsync of
/// the folder). A file that does not parse is an error and is never replaced.
struct StateFile: Sendable {
    let path: String

    /// The state as written, with the changes logged since replayed onto it (`StateLog`).
    /// `removingStale`: logged changes left without their state file are removed.
    ///
    /// Another emulator may be writing them meanwhile (a `plan --emulate` reads beside a running
    /// `apply --emulate`): it replaces the file and then removes the logs the file holds. A read
    /// that saw the file change, or a log go, while it read is made again (a few times; then the
    /// last is taken, as it was read), so that it never pairs an older file with logs already
    /// gone.
    func load(removingStale: Bool = true) throws -> PersistedState? {
        var last: PersistedState?
        for _ in 0..<5 {
            let (state, steady) = try loadOnce(removingStale: removingStale)
            if steady { return state }
            last = state ?? last
        }
        return last
    }

    /// One read; `steady` when the file and its logs did not change while it was made.
    private func loadOnce(removingStale: Bool) throws -> (state: PersistedState?, steady: Bool) {
        let before = Self.identity(path)
        guard let before else {
            // Changes of a state file that is gone belong to nothing.
            if removingStale { StateLog(statePath: path, after: 0).remove(through: .max) }
            return (nil, true)
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            if Self.identity(path) != before { return (nil, false) }
            throw EmulatorError.corruptState(path: path, reason: "\(error.localizedDescription)")
        }
        do {
            var state = try JSONDecoder().decode(PersistedState.self, from: data)
            let (changes, through, complete) = try StateLog.pending(path, after: state.logThrough ?? 0)
            for change in changes { state.replay(change) }
            state.logThrough = through
            guard state.format == 1 else {
                throw EmulatorError.corruptState(path: path, reason: "unknown format \(state.format)")
            }
            if let problem = state.problem {
                throw EmulatorError.corruptState(path: path, reason: problem)
            }
            // A log that went while it was read: the file that holds it is newer than this one.
            return (state, complete && Self.identity(path) == before)
        } catch let error as EmulatorError {
            throw error
        } catch {
            if Self.identity(path) != before { return (nil, false) }
            throw EmulatorError.corruptState(path: path, reason: "not an emulator state file: \(error)")
        }
    }

    /// The file as it is now (its inode and change time; replaced atomically, it is another), or
    /// nil when there is none.
    static func identity(_ path: String) -> [Int]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [Int(info.st_ino), info.st_ctim.tv_sec, info.st_ctim.tv_nsec, Int(info.st_size)]
    }

    /// Writes `state`, then removes the logged changes it holds.
    func write(_ state: PersistedState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(state)
        do {
            try AtomicFile.write(Array(data), to: path)
        } catch {
            throw EmulatorError.cannotWriteState(path: path, reason: "\(error)")
        }
        if let through = state.logThrough { StateLog(statePath: path, after: through).remove(through: through) }
    }
}

extension PersistedState {
    /// A time or a count no emulator writes (a hand edit): every time is a Unix time from 0 to
    /// year 2286, every count from 0 to 2^40, so that no arithmetic on them overflows.
    var problem: String? {
        let times = 0.0...1e10
        let counts = 0...(1 << 40)
        for (key, tenant) in tenants {
            if !counts.contains(tenant.nextSequence) { return "\(key): nextSequence \(tenant.nextSequence) is out of range" }
            for g in tenant.groups.values {
                if !times.contains(g.createTime) || !times.contains(g.updateTime) || !counts.contains(g.sequence) {
                    return "\(key): group \(g.id) has a time or sequence out of range"
                }
            }
            for a in tenant.assets.values {
                if !times.contains(a.createTime) || !times.contains(a.updateTime) || !times.contains(a.readyTime)
                    || !counts.contains(a.sequence)
                {
                    return "\(key): asset \(a.id) has a time or sequence out of range"
                }
            }
        }
        if let (key, n) = billed?.first(where: { !counts.contains($0.value) }) { return "\(key): billed \(n) is out of range" }
        return nil
    }
}
