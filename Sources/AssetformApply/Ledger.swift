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
    /// The intents whose create has no result yet, with where each one's line starts in the
    /// journal (0 once it is only in a compacted journal's head).
    private var open: [Int: (intent: JournalRecord.Intent, offset: Int)] = [:]
    /// Records appended since the lockfile was last written.
    public private(set) var unwritten = 0
    /// Whether this run has recorded any change: a run that made none leaves the lockfile (or
    /// its absence) as it found it, its serial too.
    public private(set) var hasChanges = false
    /// A record could not be appended: the journal lacks some of this run's results.
    private var journalFailed = false
    /// The journal's first line.
    private let beginLine: [UInt8]

    /// Starts a journal at `journalPath` for `lockfile` (a journal already there must have been
    /// replayed and removed first).
    public init(lockfile: Lockfile, journalPath: String) throws(ApplyError) {
        self.lockfile = lockfile
        beginLine = JournalRecord.begin(lineage: lockfile.lineage, provider: lockfile.provider).line
        do {
            journal = try AppendLog(path: journalPath)
            try journal.append(beginLine)
            try journal.sync()
        } catch {
            throw .journal(path: journalPath, reason: "\(error)")
        }
        claimed = lockfile.trackedIDs
    }

    /// `held`: the line may wait for the journal's next write (an intent, which counts only once
    /// `durable`); every other record is written at once, when its result is known.
    @discardableResult
    private func append(_ record: JournalRecord, held: Bool = false) throws(ApplyError) -> Int {
        let line: Int
        do {
            line = try journal.append(record.line, held: held)
        } catch {
            journalFailed = true
            throw .journal(path: journal.path, reason: "\(error)")
        }
        unwritten += 1
        return line
    }

    // MARK: - Creates

    /// Journals a create about to be sent, and returns its sequence number once the intent is
    /// on disk. The wait for the disk is shared with the other creates of the moment, and made
    /// off the actor: recording goes on meanwhile, and the journal's wake-up goes straight to the
    /// caller.
    public nonisolated func intent(_ make: @Sendable (Int) -> JournalRecord.Intent) async -> Result<Int, ApplyError> {
        let seq: Int
        let line: Int
        switch await appendIntent(make) {
        case .success(let appended): (seq, line) = appended
        case .failure(let error): return .failure(error)
        }
        do {
            try await journal.durable(line)
        } catch {
            return .failure(.journal(path: journal.path, reason: "\(error)"))
        }
        return .success(seq)
    }

    /// Appends the intent `make` gives for the next sequence number: (that number, its line).
    private func appendIntent(_ make: @Sendable (Int) -> JournalRecord.Intent) -> Result<(Int, Int), ApplyError> {
        let seq = nextSeq
        nextSeq += 1
        let intent = make(seq)
        let offset = journal.size
        do throws(ApplyError) {
            let line = try append(.intent(intent), held: true)
            open[seq] = (intent, offset)
            return .success((seq, line))
        } catch {
            return .failure(error)
        }
    }

    /// The create of `seq` did not happen.
    public func abandon(_ seq: Int) throws(ApplyError) {
        guard open.removeValue(forKey: seq) != nil else { return }
        try append(.abandon(seq: seq))
    }

    // MARK: - Changes

    /// Journals `change` and makes it to the lockfile; `seq` closes the intent whose create made
    /// the object. The ids it records are claimed.
    /// `earlier`: intents of earlier tries of the same create (0-0, sent again), closed after
    /// the change is journaled, so that no instant finds the object made and nothing recorded.
    public func record(_ change: LockfileChange, closing seq: Int? = nil, earlier: [Int] = []) throws(ApplyError) {
        if let refusal = lockfile.refusal(of: change) {
            throw .refused(refusal)
        }
        try append(.change(change, seq: seq))
        hasChanges = true
        if let seq { open[seq] = nil }
        for e in earlier { try abandon(e) }
        switch change {
        case .group(_, let g): claimed.insert(g.id)
        case .asset(_, let a): claimed.insert(a.id)
        case .forget, .move: break
        }
        do {
            try lockfile.apply(change)
        } catch {
            throw .refused(error)
        }
    }

    /// A new status (and failure) for a tracked asset.
    public func settle(_ address: Address, status: AssetStatus, failure: RemoteAsset.Failure?) throws(ApplyError) {
        guard var a = lockfile.asset(at: address), a.status != status || a.failure != failure else { return }
        a.status = status
        a.failure = failure
        try record(.asset(address, a))
    }

    /// `settle(_:status:failure:)` for many assets at once; stops at the first that cannot be
    /// recorded. Returns how many were, and that failure.
    public func settle(_ batch: [(Address, AssetStatus, RemoteAsset.Failure?)]) -> (count: Int, failure: ApplyError?) {
        for (i, (address, status, failure)) in batch.enumerated() {
            do throws(ApplyError) {
                try settle(address, status: status, failure: failure)
            } catch {
                return (i, error)
            }
        }
        return (batch.count, nil)
    }

    /// The lockfile now holds every line of the journal before byte `cut`: the journal keeps
    /// only what it does not hold — its first line, the intents still open from before `cut`,
    /// and its lines from `cut` on, copied from the file itself — so that a run of 100,000
    /// creates neither leaves a journal of 100,000 records nor holds their lines in memory. A
    /// compaction that fails leaves the journal as it was (it is only longer).
    private func compact(cut: Int) {
        let before = open.filter { $0.value.offset < cut }.sorted { $0.key < $1.key }
        let head = [beginLine] + before.map { JournalRecord.intent($0.value.intent).line }
        guard (try? journal.rewrite(head, keepingFrom: cut)) != nil else { return }
        // Where the open intents' lines are now: in the head, or moved with the rest.
        let headSize = head.reduce(0) { $0 + $1.count + 1 }
        for seq in open.keys {
            let offset = open[seq]!.offset
            open[seq]!.offset = offset < cut ? 0 : offset - cut + headSize
        }
    }

    // MARK: - Reading
    // What the executor needs, read here: a copy of the lockfile alive outside the actor while a
    // change is made would make that change copy its group's whole table of assets.

    /// The remote id of the group at `key`, if tracked.
    public func groupID(of key: String) -> String? { lockfile.groups[key]?.id }

    /// The remote id tracked at `address` (a group's or an asset's), if any.
    public func trackedID(at address: Address) -> String? { lockfile.id(at: address) }

    /// The assets tracked in the group at `key`.
    public func assetCount(inGroup key: String) -> Int { lockfile.groups[key]?.assets.count ?? 0 }

    /// The asset tracked at `address`, if any.
    public func asset(at address: Address) -> LockedAsset? { lockfile.asset(at: address) }

    /// The group tracked at `key`, with its name and description as recorded (and no assets).
    public func groupRecord(_ key: String) -> LockedGroup? {
        lockfile.groups[key].map { LockedGroup(id: $0.id, name: $0.name, description: $0.description) }
    }

    /// Claims a remote id for one address: false when something already tracks it.
    public func claim(_ id: String) -> Bool { claimed.insert(id).inserted }

    public func isClaimed(_ id: String) -> Bool { claimed.contains(id) }

    // MARK: - Writing the lockfile

    /// True while a write of the lockfile is under way; the writers waiting for their turn.
    private var writing = false
    private var writeQueue: [CheckedContinuation<Void, Never>] = []

    /// Writes the lockfile as it now is (one serial later), encoding it off the actor so that
    /// recording goes on meanwhile. Writes take turns (checkpoints, the final write): the
    /// ledger is the lockfile's one writer. The journal stays: `finish` removes it once nothing
    /// is open.
    public nonisolated func writeLockfile(to path: String) async throws(ApplyError) {
        var (snapshot, count, cut, journalFailed) = await beginWrite()
        let result: Result<Void, ApplyError>
        do throws(StateError) {
            try snapshot.write(to: path)
            result = .success(())
        } catch {
            result = .failure(.lockfile(error, journal: journal.path, complete: !journalFailed))
        }
        await endWrite(serial: (try? result.get()).map { snapshot.serial }, records: count, cut: cut)
        try result.get()
    }

    private func beginWrite() async -> (Lockfile, Int, Int, Bool) {
        if writing {
            await withCheckedContinuation { writeQueue.append($0) }
        }
        writing = true
        return (lockfile, unwritten, journal.size, journalFailed)
    }

    private func endWrite(serial: Int?, records: Int, cut: Int) {
        if let serial {
            lockfile.serial = serial
            unwritten -= records
            compact(cut: cut)
        }
        if writeQueue.isEmpty {
            writing = false
        } else {
            writeQueue.removeFirst().resume()  // the turn passes straight on
        }
    }

    /// Writes the lockfile and, when no create is of unknown outcome, removes the journal.
    /// Returns whether the journal was removed.
    @discardableResult
    public func finish(lockfilePath: String) async throws(ApplyError) -> Bool {
        // Nothing recorded: the lockfile on disk is this one already (an apply stopped before
        // any change, by a refused key, writes nothing).
        if hasChanges || !open.isEmpty { try await writeLockfile(to: lockfilePath) }
        guard open.isEmpty else {
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
