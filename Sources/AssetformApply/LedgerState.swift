import AssetformCore
import Durable

/// What the ledger holds, and every change to it, made under the ledger's lock: the lockfile as
/// the run changes it, the ids claimed, the intents still open, and the journal's lines (each
/// appended under the same lock, so that the journal's order is the lockfile's).
struct LedgerState {
    var lockfile: Lockfile
    let journal: AppendLog
    /// The journal's first line.
    let beginLine: [UInt8]
    var claimed: Set<String>
    var nextSeq = 1
    /// The intents whose create has no result yet, with where each one's line starts in the
    /// journal (0 once it is only in a compacted journal's head).
    var open: [Int: (intent: JournalRecord.Intent, offset: Int)] = [:]
    /// Records appended since the lockfile was last written.
    var unwritten = 0
    /// True while a write of the lockfile is under way; the writers waiting for their turn.
    var writing = false
    var writeQueue: [CheckedContinuation<Void, Never>] = []

    init(lockfile: Lockfile, journal: AppendLog, beginLine: [UInt8]) {
        self.lockfile = lockfile
        self.journal = journal
        self.beginLine = beginLine
        claimed = lockfile.trackedIDs
    }

    @discardableResult
    mutating func append(_ record: JournalRecord) throws(ApplyError) -> Int {
        let line: Int
        do {
            line = try journal.append(record.line)
        } catch {
            throw .journal(path: journal.path, reason: "\(error)")
        }
        unwritten += 1
        return line
    }

    /// Appends the intent `make` gives for the next sequence number; returns that number and
    /// the intent's line, for the wait until it is on disk.
    mutating func intent(_ make: (Int) -> JournalRecord.Intent) throws(ApplyError) -> (seq: Int, line: Int) {
        let seq = nextSeq
        nextSeq += 1
        let intent = make(seq)
        let offset = journal.size
        let line = try append(.intent(intent))
        open[seq] = (intent, offset)
        return (seq, line)
    }

    mutating func abandon(_ seq: Int) throws(ApplyError) {
        guard open.removeValue(forKey: seq) != nil else { return }
        try append(.abandon(seq: seq))
    }

    mutating func record(_ change: LockfileChange, closing seq: Int?) throws(ApplyError) {
        if let refusal = lockfile.refusal(of: change) {
            throw .refused(refusal)
        }
        try append(.change(change, seq: seq))
        if let seq { open[seq] = nil }
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

    mutating func settle(_ address: Address, status: AssetStatus, failure: RemoteAsset.Failure?) throws(ApplyError) {
        guard var a = lockfile.asset(at: address), a.status != status || a.failure != failure else { return }
        a.status = status
        a.failure = failure
        try record(.asset(address, a), closing: nil)
    }

    /// The lockfile now holds every line of the journal before byte `cut`: the journal keeps
    /// only what it does not hold — its first line, the intents still open from before `cut`,
    /// and its lines from `cut` on, copied from the file itself — so that a run of 100,000
    /// creates neither leaves a journal of 100,000 records nor holds their lines in memory. A
    /// compaction that fails leaves the journal as it was (it is only longer).
    mutating func compact(cut: Int) {
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
}
