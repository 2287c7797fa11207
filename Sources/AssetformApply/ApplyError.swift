public import AssetformCore

/// Why apply could not record its work: the one error of this layer (what the service refused
/// is a `RemoteError`, reported per action). Each case carries where; `description` is what a
/// person reads, and says plainly when it is a bug of ours.
public enum ApplyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The journal could not be written.
    case journal(path: String, reason: String)
    /// The journal could not be removed once the lockfile held all of it.
    case journalRemoval(path: String, reason: String)
    /// A change that does not fit the lockfile was asked of the ledger: a bug in assetform.
    case refused(LockfileChange.Refusal)
    /// The lockfile could not be written; the journal keeps every result for the next run,
    /// unless it could not be written either (`complete` false).
    case lockfile(StateError, journal: String, complete: Bool = true)
    /// Apply asked for something its own plan or lockfile rules out: a bug in assetform.
    case bug(String)

    public var description: String {
        switch self {
        case .journal(let path, let reason): "cannot write the journal \(path): \(reason)"
        case .journalRemoval(let path, let reason): "cannot remove the journal \(path): \(reason)"
        case .refused(let refusal):
            "internal error: \(refusal) (this is a bug in assetform; please report it with the command you ran and this message)"
        case .lockfile(let error, let journal, true): "\(error); the journal \(journal) keeps every result for the next run"
        case .lockfile(let error, let journal, false):
            "\(error); the journal \(journal) could not be written either and lacks some results: the next apply "
                + "settles each create it lacks by listing (0-0 cannot list: it warns of each one it registers again)"
        case .bug(let what):
            "internal error: \(what) (this is a bug in assetform; please report it with the command you ran and this message)"
        }
    }

    /// Whether every result is in the lockfile all the same: only the journal, which then holds
    /// nothing more, could not be removed (the next run replays it to no effect).
    public var recordedAll: Bool {
        if case .journalRemoval = self { return true }
        return false
    }

    /// Whether the user can do anything about it (else: report it).
    public var isBug: Bool {
        switch self {
        case .bug, .refused: true
        default: false
        }
    }
}
