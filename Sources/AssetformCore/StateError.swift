/// Why a file the tool keeps — the lockfile, its journal, a saved plan — cannot be used: the
/// one error of this layer outside the manifest (whose problems are `ManifestProblem`s). Each
/// case carries where and what; `description` is the message a person reads, and the file is
/// always left as it was.
public enum StateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file cannot be read (missing rights, a link, not a regular file, too large).
    case unreadable(path: String, reason: String)
    /// Not JSON at all, from this position on.
    case notJSON(path: String, line: Int, column: Int, file: FileKind)
    /// JSON, but not what assetform writes: `detail` says what is off; the position, where known.
    case notOurs(path: String, line: Int?, column: Int?, file: FileKind, detail: String)
    /// A lockfile (or a saved plan) written for another service.
    case otherProvider(path: String, line: Int?, file: FileKind, written: LockedProvider, used: LockedProvider)
    /// A journal whose first record names another lockfile.
    case journalOfAnotherLockfile(path: String, line: Int, journal: String, lockfile: String)
    /// A journal that does not start with its lockfile's lineage.
    case journalWithoutBegin(path: String)
    /// A journal record that cannot be applied to the lockfile it belongs to.
    case journalChangeRefused(path: String, line: Int, LockfileChange.Refusal)
    /// The lockfile could not be written.
    case cannotWrite(path: String, reason: String)

    public enum FileKind: String, Sendable, Equatable {
        case lockfile = "the lockfile"
        case journal = "the journal"
        case plan = "the saved plan"
    }

    public var description: String {
        func show(_ p: LockedProvider) -> String { "api \(p.api) at \(p.baseURL), project \(p.projectName)" }
        func at(_ path: String, _ line: Int?, _ column: Int?) -> String {
            guard let line else { return path }
            return "\(path):\(line):\(column ?? 1)"
        }
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): \(reason)"
        case .notJSON(let path, let line, let column, .plan):
            return "\(path):\(line):\(column): error: the saved plan is not valid JSON"
        case .notJSON(let path, let line, let column, let file):
            return "\(path):\(line):\(column): error: \(file.rawValue) is not valid JSON; it was left as it is"
        case .notOurs(let path, let line, let column, .journal, let detail):
            // (The detail says more than the line's shape: a record that replays to a lockfile no
            // write could make.)
            let what = detail.isEmpty ? "this line is not a journal record assetform wrote" : "the journal's \(detail)"
            return "\(at(path, line, column)): error: \(what); the journal and the lockfile were left as they are"
        case .notOurs(let path, let line, let column, .plan, let detail):
            return "\(at(path, line, column)): error: not a plan assetform saved (\(detail))"
        case .notOurs(let path, let line, let column, let file, let detail):
            return
                "\(at(path, line, column)): error: \(file.rawValue) is not one assetform wrote (\(detail)); it was left as it is"
        case .otherProvider(let path, let line, .journal, let written, _):
            return "\(at(path, line, 1)): error: the journal was written for \(show(written)); it was left as it is"
        case .otherProvider(let path, _, _, let written, let used):
            return "\(path) was written for \(show(written)); this run uses \(show(used)). "
                + "It was left as it is: use --lock to keep a lockfile per service."
        case .journalOfAnotherLockfile(let path, let line, let journal, let lockfile):
            return "\(path):\(line):1: error: the journal belongs to another lockfile (lineage \(journal), the lockfile's is "
                + "\(lockfile)); both were left as they are"
        case .journalWithoutBegin(let path):
            return "\(path):1:1: error: the journal does not begin with its lockfile's lineage; it was left as it is"
        case .journalChangeRefused(let path, let line, let refusal):
            return "\(path):\(line):1: error: \(refusal); the journal and the lockfile were left as they are"
        case .cannotWrite(let path, let reason):
            return "cannot write the lockfile \(path): \(reason)"
        }
    }
}
