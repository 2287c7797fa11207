public import AssetformCore
import Durable
import Foundation
import Synchronization

/// The lockfile as a run changes it, and its journal (SPEC §6): every change is appended to the
/// journal the moment it is known (an intent durably, before its create is sent), then made to
/// the lockfile in memory, which is written out periodically and at the end. Remote ids are
/// claimed here, so that no object is ever tracked at two addresses.
///
/// Its state is behind one lock, held only for what each call does to it (never across a wait):
/// the executor's many tasks record and read without hopping to an actor and back, two hops a
/// create, which a run of thousands of creates a second feels. A checkpoint's compaction copies
/// the journal's newest lines under it (those written while the lockfile was).
public final class Ledger: Sendable {
    private let journal: AppendLog
    /// The journal's first line.
    private let beginLine: [UInt8]
    private let state: Mutex<State>

    private struct State {
        var lockfile: Lockfile
        var claimed: Set<String> = []
        var nextSeq = 1
        /// The intents whose create has no result yet, with where each one's line starts in the
        /// journal (0 once it is only in a compacted journal's head).
        var open: [Int: (intent: JournalRecord.Intent, offset: Int)] = [:]
        /// Records appended since the lockfile was last written.
        var unwritten = 0
        /// Whether this run has recorded any change: a run that made none leaves the lockfile
        /// (or its absence) as it found it, its serial too.
        var hasChanges = false
        /// A record could not be appended: the journal lacks some of this run's results.
        var journalFailed = false
        /// The intents whose result is in the lockfile (in memory) but could not be journaled:
        /// open until a lockfile write that holds the result succeeds.
        var inLockfileOnly: Set<Int> = []
        /// True while a write of the lockfile is under way; the writers waiting for their turn.
        var writing = false
        var writeQueue: [CheckedContinuation<Void, Never>] = []
    }

    /// Starts a journal at `journalPath` for `lockfile` (a journal already there must have been
    /// replayed and removed first).
    public init(lockfile: Lockfile, journalPath: String) throws(ApplyError) {
        beginLine = JournalRecord.begin(lineage: lockfile.lineage, provider: lockfile.provider).line
        do {
            journal = try AppendLog(path: journalPath)
            try journal.append(beginLine)
            try journal.sync()
        } catch {
            throw .journal(path: journalPath, reason: "\(error)")
        }
        state = Mutex(State(lockfile: lockfile, claimed: lockfile.trackedIDs))
    }

    /// The lockfile as recorded so far.
    public var lockfile: Lockfile { state.withLock { $0.lockfile } }
    /// Records appended since the lockfile was last written.
    public var unwritten: Int { state.withLock { $0.unwritten } }
    /// Whether this run has recorded any change.
    public var hasChanges: Bool { state.withLock { $0.hasChanges } }

    /// `held`: the line may wait for the journal's next write (an intent, which counts only once
    /// `durable`); every other record is written at once, when its result is known.
    @discardableResult
    private func append(_ record: JournalRecord, held: Bool = false, _ s: inout State) throws(ApplyError) -> Int {
        let line: Int
        do {
            line = try journal.append(record.line, held: held)
        } catch {
            s.journalFailed = true
            throw .journal(path: journal.path, reason: "\(error)")
        }
        s.unwritten += 1
        return line
    }

    // MARK: - Creates

    /// Journals a create about to be sent, and returns its sequence number once the intent is
    /// on disk. The wait for the disk is shared with the other creates of the moment; recording
    /// goes on meanwhile, and the journal's wake-up goes straight to the caller.
    public func intent(_ make: @Sendable (Int) -> JournalRecord.Intent) async -> Result<Int, ApplyError> {
        let seq: Int
        let line: Int
        switch appendIntent(make) {
        case .success(let appended): (seq, line) = appended
        case .failure(let error): return .failure(error)
        }
        do {
            try await journal.durable(line)
        } catch {
            // Not sent: the intent is closed, so that no run counts it as a create of unknown
            // outcome (on 0-0 it would be reported as a possible duplicate). Its line may not be
            // in the file (a held line that could not be written is dropped); the abandon, if it
            // can still be written, closes it where it is.
            state.withLock { s in
                if s.open.removeValue(forKey: seq) != nil { _ = try? append(.abandon(seq: seq), &s) }
            }
            return .failure(.journal(path: journal.path, reason: "\(error)"))
        }
        return .success(seq)
    }

    /// Appends the intent `make` gives for the next sequence number: (that number, its line).
    private func appendIntent(_ make: (Int) -> JournalRecord.Intent) -> Result<(Int, Int), ApplyError> {
        state.withLock { s in
            let seq = s.nextSeq
            s.nextSeq += 1
            let intent = make(seq)
            let offset = journal.size
            do throws(ApplyError) {
                let line = try append(.intent(intent), held: true, &s)
                s.open[seq] = (intent, offset)
                return .success((seq, line))
            } catch {
                return .failure(error)
            }
        }
    }

    /// The create of `seq` did not happen.
    public func abandon(_ seq: Int) throws(ApplyError) {
        try state.withLock { (s: inout State) throws(ApplyError) in try abandon(seq, &s) }
    }

    private func abandon(_ seq: Int, _ s: inout State) throws(ApplyError) {
        guard s.open.removeValue(forKey: seq) != nil else { return }
        try append(.abandon(seq: seq), &s)
    }

    // MARK: - Changes

    /// Journals `change` and makes it to the lockfile; `seq` closes the intent whose create made
    /// the object. The ids it records are claimed.
    /// `earlier`: intents of earlier tries of the same create (0-0, sent again), closed after
    /// the change is journaled, so that no instant finds the object made and nothing recorded.
    public func record(_ change: LockfileChange, closing seq: Int? = nil, earlier: [Int] = []) throws(ApplyError) {
        try state.withLock { (s: inout State) throws(ApplyError) in try record(change, closing: seq, earlier: earlier, &s) }
    }

    /// A change the journal cannot take (a full disk) is still made to the lockfile, whose
    /// writes may still succeed, so that what a create made is not lost with it (its intent
    /// stays open, and with it the journal); the journal's error is thrown after (the run stops).
    /// So `.journal` is thrown only once the change is made; `.refused`, before anything is.
    private func record(_ change: LockfileChange, closing seq: Int?, earlier: [Int], _ s: inout State) throws(ApplyError) {
        if let refusal = s.lockfile.refusal(of: change) {
            throw .refused(refusal)
        }
        var unjournaled: ApplyError?
        do throws(ApplyError) {
            try append(.change(change, seq: seq), &s)
        } catch {
            unjournaled = error
        }
        s.hasChanges = true
        if unjournaled == nil {
            if let seq { s.open[seq] = nil }
            for e in earlier {
                do throws(ApplyError) {
                    try abandon(e, &s)
                } catch {
                    unjournaled = error
                }
            }
        } else {
            // Its intent (and its earlier tries') stays open where the result could not be
            // journaled: until a lockfile write holds the result, the journal must still say
            // that a create may have been made. That write closes them (`endWrite`).
            s.inLockfileOnly.formUnion((seq.map { [$0] } ?? []) + earlier)
        }
        switch change {
        case .group(_, let g): s.claimed.insert(g.id)
        case .asset(_, let a): s.claimed.insert(a.id)
        case .forget, .move: break
        }
        do {
            try s.lockfile.apply(change)
        } catch {
            throw .refused(error)
        }
        if let unjournaled { throw unjournaled }
    }

    /// A new status (and failure) for a tracked asset.
    public func settle(_ address: Address, status: AssetStatus, failure: RemoteAsset.Failure?) throws(ApplyError) {
        try state.withLock { (s: inout State) throws(ApplyError) in try settle(address, status: status, failure: failure, &s) }
    }

    private func settle(_ address: Address, status: AssetStatus, failure: RemoteAsset.Failure?, _ s: inout State)
        throws(ApplyError)
    {
        guard var a = s.lockfile.asset(at: address), a.status != status || a.failure != failure else { return }
        a.status = status
        a.failure = failure
        try record(.asset(address, a), closing: nil, earlier: [], &s)
    }

    /// `settle(_:status:failure:)` for many assets at once; stops at the first that cannot be
    /// recorded. Returns how many were, and that failure.
    public func settle(_ batch: [(Address, AssetStatus, RemoteAsset.Failure?)]) -> (count: Int, failure: ApplyError?) {
        state.withLock { s in
            for (i, (address, status, failure)) in batch.enumerated() {
                do throws(ApplyError) {
                    try settle(address, status: status, failure: failure, &s)
                } catch {
                    // One the journal could not take is made to the lockfile all the same (`record`).
                    guard case .journal = error else { return (i, error) }
                    return (i + 1, error)
                }
            }
            return (batch.count, nil)
        }
    }

    /// The lockfile now holds every line of the journal before byte `cut`: the journal keeps
    /// only what it does not hold — its first line, the intents still open from before `cut`,
    /// and its lines from `cut` on, copied from the file itself — so that a run of 100,000
    /// creates neither leaves a journal of 100,000 records nor holds their lines in memory. A
    /// compaction that fails leaves the journal as it was (it is only longer).
    private func compact(cut: Int, _ s: inout State) {
        let before = s.open.filter { $0.value.offset < cut }.sorted { $0.key < $1.key }
        let head = [beginLine] + before.map { JournalRecord.intent($0.value.intent).line }
        guard (try? journal.rewrite(head, keepingFrom: cut)) != nil else { return }
        // Where the open intents' lines are now: in the head, or moved with the rest.
        let headSize = head.reduce(0) { $0 + $1.count + 1 }
        for seq in s.open.keys {
            let offset = s.open[seq]!.offset
            s.open[seq]!.offset = offset < cut ? 0 : offset - cut + headSize
        }
    }

    // MARK: - Reading
    // What the executor needs, read here: a copy of the lockfile alive outside the lock while a
    // change is made would make that change copy its group's whole table of assets.

    /// The remote id of the group at `key`, if tracked.
    public func groupID(of key: String) -> String? { state.withLock { $0.lockfile.groups[key]?.id } }

    /// The remote id tracked at `address` (a group's or an asset's), if any.
    public func trackedID(at address: Address) -> String? { state.withLock { $0.lockfile.id(at: address) } }

    /// The assets tracked in the group at `key`.
    public func assetCount(inGroup key: String) -> Int { state.withLock { $0.lockfile.groups[key]?.assets.count ?? 0 } }

    /// The asset tracked at `address`, if any.
    public func asset(at address: Address) -> LockedAsset? { state.withLock { $0.lockfile.asset(at: address) } }

    /// The group tracked at `key`, with its name and description as recorded (and no assets).
    public func groupRecord(_ key: String) -> LockedGroup? {
        state.withLock { s in
            s.lockfile.groups[key].map { LockedGroup(id: $0.id, name: $0.name, description: $0.description) }
        }
    }

    /// Claims a remote id for one address: false when something already tracks it.
    public func claim(_ id: String) -> Bool { state.withLock { $0.claimed.insert(id).inserted } }

    public func isClaimed(_ id: String) -> Bool { state.withLock { $0.claimed.contains(id) } }

    // MARK: - Writing the lockfile

    /// Writes the lockfile as it now is (one serial later), encoding it outside the lock so that
    /// recording goes on meanwhile. Writes take turns (checkpoints, the final write): the
    /// ledger is the lockfile's one writer. The journal stays: `finish` removes it once nothing
    /// is open.
    public func writeLockfile(to path: String) async throws(ApplyError) {
        var (snapshot, count, cut, journalFailed, inLockfileOnly) = await beginWrite()
        let result: Result<Void, ApplyError>
        do throws(StateError) {
            try snapshot.write(to: path)
            result = .success(())
        } catch {
            result = .failure(.lockfile(error, journal: journal.path, complete: !journalFailed))
        }
        endWrite(
            serial: (try? result.get()).map { snapshot.serial }, records: count, cut: cut, inLockfileOnly: inLockfileOnly)
        try result.get()
    }

    /// Waits for the turn to write, and takes it: (the lockfile, the records it holds that were
    /// unwritten, the length of the journal's file then, whether the journal lacks a record,
    /// the intents whose result only the lockfile holds).
    private func beginWrite() async -> (Lockfile, Int, Int, Bool, Set<Int>) {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s in
                if s.writing {
                    s.writeQueue.append(turn)
                    return false
                }
                s.writing = true
                return true
            }
            if now { turn.resume() }
        }
        // The turn is held (`writing`): the snapshot is taken with the journal's length at once.
        // The cut is where the written lines end: held lines (intents, past it) may yet be
        // dropped, and a cut among them would fall inside a later line.
        return state.withLock { s in (s.lockfile, s.unwritten, journal.writtenSize, s.journalFailed, s.inLockfileOnly) }
    }

    private func endWrite(serial: Int?, records: Int, cut: Int, inLockfileOnly: Set<Int>) {
        let next: CheckedContinuation<Void, Never>? = state.withLock { s in
            if let serial {
                s.lockfile.serial = serial
                s.unwritten -= records
                // Their results are on disk now, in the lockfile.
                for seq in inLockfileOnly { s.open[seq] = nil }
                s.inLockfileOnly.subtract(inLockfileOnly)
                compact(cut: cut, &s)
            }
            if s.writeQueue.isEmpty {
                s.writing = false
                return nil
            }
            return s.writeQueue.removeFirst()  // the turn passes straight on
        }
        next?.resume()
    }

    /// Writes the lockfile and, when no create is of unknown outcome, removes the journal.
    /// Returns whether the journal was removed.
    @discardableResult
    public func finish(lockfilePath: String) async throws(ApplyError) -> Bool {
        // Nothing recorded: the lockfile on disk is this one already (an apply stopped before
        // any change, by a refused key, writes nothing).
        let (changed, anyOpen) = state.withLock { ($0.hasChanges, !$0.open.isEmpty) }
        if changed || anyOpen { try await writeLockfile(to: lockfilePath) }
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
