public import AssetformCore
import Durable
import Foundation

/// The lockfile as a run changes it, and its journal (SPEC §6): every change is appended to the
/// journal the moment it is known (an intent durably, before its create is sent), then made to
/// the lockfile in memory, which is written out periodically and at the end. Remote ids are
/// claimed here, so that no object is ever tracked at two addresses.
public actor Ledger {
    public private(set) var lockfile: Lockfile
    private let journal: AppendLog
    private var claimed: Set<String> = []
    private var nextSeq = 1
    private var open: [Int: JournalRecord.Intent] = [:]
    /// Records appended since the lockfile was last written.
    public private(set) var unwritten = 0

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Starts a journal at `journalPath` for `lockfile` (a journal already there must have been
    /// replayed and removed first).
    public init(lockfile: Lockfile, journalPath: String) throws(Failure) {
        self.lockfile = lockfile
        do {
            journal = try AppendLog(path: journalPath)
            try journal.append(JournalRecord.begin(lineage: lockfile.lineage, provider: lockfile.provider).line)
            try journal.sync()
        } catch {
            throw Failure(description: "cannot write the journal: \(error)")
        }
        for g in lockfile.groups.values {
            claimed.insert(g.id)
            for a in g.assets.values { claimed.insert(a.id) }
        }
    }

    @discardableResult
    private func append(_ record: JournalRecord) throws(Failure) -> Int {
        let line: Int
        do {
            line = try journal.append(record.line)
        } catch {
            throw Failure(description: "cannot write the journal: \(error)")
        }
        unwritten += 1
        return line
    }

    // MARK: - Creates

    /// Journals a create about to be sent, and returns its sequence number once the intent is
    /// on disk (its wait for the disk shared with the other creates of the moment).
    public func intent(_ make: (Int) -> JournalRecord.Intent) async -> Result<Int, Failure> {
        let seq = nextSeq
        nextSeq += 1
        let intent = make(seq)
        let line: Int
        do throws(Failure) {
            line = try append(.intent(intent))
        } catch {
            return .failure(error)
        }
        open[seq] = intent
        do {
            try await journal.durable(line)
        } catch {
            return .failure(Failure(description: "cannot write the journal: \(error)"))
        }
        return .success(seq)
    }

    /// The create of `seq` did not happen.
    public func abandon(_ seq: Int) throws(Failure) {
        guard open.removeValue(forKey: seq) != nil else { return }
        try append(.abandon(seq: seq))
    }

    /// Creates whose outcome is still unknown.
    public var openIntents: [JournalRecord.Intent] { open.values.sorted { $0.seq < $1.seq } }

    // MARK: - Changes

    /// Records a group (its assets stay as they are); `seq` closes the intent that made it.
    public func record(group key: String, _ group: LockedGroup, closing seq: Int? = nil) throws(Failure) {
        var g = group
        g.assets = [:]
        try append(.group(address: key, g, seq: seq))
        if let seq { open[seq] = nil }
        claimed.insert(g.id)
        g.assets = lockfile.groups[key]?.assets ?? [:]
        lockfile.groups[key] = g
    }

    /// Records an asset of a recorded group; `seq` closes the intent that made it.
    public func record(asset key: String, in group: String, _ asset: LockedAsset, closing seq: Int? = nil) throws(Failure) {
        guard lockfile.groups[group] != nil else {
            throw Failure(description: "internal: \(group)/\(key) recorded before its group (this is a bug)")
        }
        try append(.asset(group: group, key: key, asset, seq: seq))
        if let seq { open[seq] = nil }
        claimed.insert(asset.id)
        lockfile.groups[group]!.assets[key] = asset
    }

    /// A new status (and failure) for a tracked asset, found by id.
    public func settle(group: String, key: String, status: AssetStatus, failure: RemoteAsset.Failure?) throws(Failure) {
        guard var a = lockfile.groups[group]?.assets[key], a.status != status || a.failure != failure else { return }
        a.status = status
        a.failure = failure
        try record(asset: key, in: group, a)
    }

    public func forget(_ address: String) throws(Failure) {
        try append(.forget(address: address))
        lockfile.remove(address: address)
    }

    /// Claims a remote id for one address: false when something already tracks it.
    public func claim(_ id: String) -> Bool { claimed.insert(id).inserted }

    public func isClaimed(_ id: String) -> Bool { claimed.contains(id) }

    // MARK: - Writing the lockfile

    /// Writes the lockfile as it now is (one serial later), encoding it off the actor so that
    /// recording goes on meanwhile. The journal stays: `finish` removes it once nothing is open.
    /// Not to be called twice at once.
    public nonisolated func writeLockfile(to path: String) async throws(Failure) {
        var (snapshot, count) = await takeSnapshot()
        do throws(Lockfile.Failure) {
            try snapshot.write(to: path)
        } catch {
            throw Failure(description: error.description)
        }
        await wrote(serial: snapshot.serial, records: count)
    }

    private func takeSnapshot() -> (Lockfile, Int) { (lockfile, unwritten) }

    private func wrote(serial: Int, records: Int) {
        lockfile.serial = serial
        unwritten -= records
    }

    /// Writes the lockfile and, when no create is of unknown outcome, removes the journal.
    /// Returns whether the journal was removed.
    @discardableResult
    public func finish(lockfilePath: String) async throws(Failure) -> Bool {
        try await writeLockfile(to: lockfilePath)
        guard open.isEmpty else {
            do { try journal.sync() } catch { throw Failure(description: "cannot write the journal: \(error)") }
            journal.close()
            return false
        }
        do {
            try journal.remove()
        } catch {
            throw Failure(description: "cannot remove the journal: \(error)")
        }
        return true
    }

    /// Seconds since 1970, for intents.
    public static func now() -> Double { Date().timeIntervalSince1970 }
}
