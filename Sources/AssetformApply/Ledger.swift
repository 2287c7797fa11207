public import AssetformCore
import Durable
import Synchronization

/// The lockfile as a run changes it, and its journal (SPEC §6): every change is appended to the
/// journal the moment it is known (an intent durably, before its create is sent), then made to
/// the lockfile in memory, which is written out periodically and at the end. Remote ids are
/// claimed here, so that no object is ever tracked at two addresses.
///
/// Its state is behind a lock, not an actor: a create changes it twice (its intent, its result)
/// in a few microseconds each, and a hop to an actor and back would cost more than the change.
/// Nothing waits while holding the lock but the journal's own writes.
public final class Ledger: Sendable {
    private let state: Mutex<LedgerState>
    private let journal: AppendLog

    /// Starts a journal at `journalPath` for `lockfile` (a journal already there must have been
    /// replayed and removed first).
    public init(lockfile: Lockfile, journalPath: String) throws(ApplyError) {
        let beginLine = JournalRecord.begin(lineage: lockfile.lineage, provider: lockfile.provider).line
        do {
            journal = try AppendLog(path: journalPath)
            try journal.append(beginLine)
            try journal.sync()
        } catch {
            throw .journal(path: journalPath, reason: "\(error)")
        }
        state = Mutex(LedgerState(lockfile: lockfile, journal: journal, beginLine: beginLine))
    }

    /// The lockfile as the run has changed it so far.
    public var lockfile: Lockfile {
        get async { state.withLock { $0.lockfile } }
    }

    /// Records appended since the lockfile was last written.
    public var unwritten: Int {
        get async { state.withLock { $0.unwritten } }
    }

    // MARK: - Creates

    /// Journals a create about to be sent, and returns its sequence number once the intent is
    /// on disk (its wait for the disk shared with the other creates of the moment).
    public func intent(_ make: (Int) -> JournalRecord.Intent) async -> Result<Int, ApplyError> {
        let appended = state.withLock { s in Result { () throws(ApplyError) in try s.intent(make) } }
        let seq: Int
        let line: Int
        switch appended {
        case .success(let a): (seq, line) = a
        case .failure(let f): return .failure(f)
        }
        do {
            try await journal.durable(line)
        } catch {
            return .failure(.journal(path: journal.path, reason: "\(error)"))
        }
        return .success(seq)
    }

    /// The create of `seq` did not happen.
    public func abandon(_ seq: Int) async throws(ApplyError) {
        try state.withLock { (s: inout LedgerState) throws(ApplyError) in try s.abandon(seq) }
    }

    // MARK: - Changes

    /// Journals `change` and makes it to the lockfile; `seq` closes the intent whose create made
    /// the object. The ids it records are claimed.
    public func record(_ change: LockfileChange, closing seq: Int? = nil) async throws(ApplyError) {
        try state.withLock { (s: inout LedgerState) throws(ApplyError) in try s.record(change, closing: seq) }
    }

    /// A new status (and failure) for a tracked asset.
    public func settle(_ address: Address, status: AssetStatus, failure: RemoteAsset.Failure?) async throws(ApplyError) {
        try state.withLock { (s: inout LedgerState) throws(ApplyError) in
            try s.settle(address, status: status, failure: failure)
        }
    }

    /// `settle(_:status:failure:)` for many assets at once; stops at the first that cannot be
    /// recorded. Returns how many were, and that failure.
    public func settle(_ batch: [(Address, AssetStatus, RemoteAsset.Failure?)]) async -> (count: Int, failure: ApplyError?) {
        state.withLock { s in
            for (i, (address, status, failure)) in batch.enumerated() {
                do throws(ApplyError) {
                    try s.settle(address, status: status, failure: failure)
                } catch {
                    return (i, error)
                }
            }
            return (batch.count, nil)
        }
    }

    // MARK: - Reading
    // What the executor needs, read here: a copy of the lockfile alive outside the ledger while
    // a change is made would make that change copy its group's whole table of assets.

    /// The remote id of the group at `key`, if tracked.
    public func groupID(of key: String) async -> String? { state.withLock { $0.lockfile.groups[key]?.id } }

    /// The remote id tracked at `address` (a group's or an asset's), if any.
    public func trackedID(at address: Address) async -> String? { state.withLock { $0.lockfile.id(at: address) } }

    /// The assets tracked in the group at `key`.
    public func assetCount(inGroup key: String) async -> Int {
        state.withLock { $0.lockfile.groups[key]?.assets.count ?? 0 }
    }

    /// The asset tracked at `address`, if any.
    public func asset(at address: Address) async -> LockedAsset? { state.withLock { $0.lockfile.asset(at: address) } }

    /// The group tracked at `key`, with its name and description as recorded (and no assets).
    public func groupRecord(_ key: String) async -> LockedGroup? {
        state.withLock { s in
            s.lockfile.groups[key].map { LockedGroup(id: $0.id, name: $0.name, description: $0.description) }
        }
    }

    /// Claims a remote id for one address: false when something already tracks it.
    public func claim(_ id: String) async -> Bool { state.withLock { $0.claimed.insert(id).inserted } }

    public func isClaimed(_ id: String) async -> Bool { state.withLock { $0.claimed.contains(id) } }

    // MARK: - Writing the lockfile

    /// Writes the lockfile as it now is (one serial later), encoding it outside the lock so that
    /// recording goes on meanwhile. Writes take turns (checkpoints, the final write): the
    /// ledger is the lockfile's one writer. The journal stays: `finish` removes it once nothing
    /// is open.
    public func writeLockfile(to path: String) async throws(ApplyError) {
        await takeWriteTurn()
        // The snapshot, its records and the journal's length, all at one moment.
        var (snapshot, count, cut) = state.withLock { s in (s.lockfile, s.unwritten, s.journal.size) }
        let result: Result<Void, ApplyError>
        do throws(StateError) {
            try snapshot.write(to: path)
            result = .success(())
        } catch {
            result = .failure(.lockfile(error, journal: journal.path))
        }
        let serial = (try? result.get()).map { snapshot.serial }
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let serial {
                s.lockfile.serial = serial
                s.unwritten -= count
                s.compact(cut: cut)
            }
            guard !s.writeQueue.isEmpty else {
                s.writing = false
                return nil
            }
            return s.writeQueue.removeFirst()  // the turn passes straight on
        }
        next?.resume()
        try result.get()
    }

    private func takeWriteTurn() async {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s in
                guard s.writing else {
                    s.writing = true
                    return true
                }
                s.writeQueue.append(turn)
                return false
            }
            if now { turn.resume() }
        }
    }

    /// Writes the lockfile and, when no create is of unknown outcome, removes the journal.
    /// Returns whether the journal was removed.
    @discardableResult
    public func finish(lockfilePath: String) async throws(ApplyError) -> Bool {
        try await writeLockfile(to: lockfilePath)
        guard state.withLock({ $0.open.isEmpty }) else {
            do { try journal.sync() } catch { throw .journal(path: journal.path, reason: "\(error)") }
            journal.close()
            return false
        }
        do {
            try journal.remove()
        } catch {
            throw .journalRemoval(path: journal.path, reason: "\(error)")
        }
        return true
    }
}
