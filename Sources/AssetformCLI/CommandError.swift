import AssetformCore
import AssetformRemote
import Durable

/// A command's refusal, for the user to act on: the one error of the CLI layer (the other
/// layers' errors — `StateError`, `ApplyError`, `RemoteError`, `RemoteSettings.Failure` — reach
/// the user as they are). Each case carries what it names; `description` is what is printed
/// after `error:`.
enum CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    // MARK: Addresses and the manifest
    case unknownTarget(Address, manifest: String)
    case notInManifest(Address, manifest: String)
    case notInLockfile(Address, lockfile: String)
    case noLockfile(path: String, hint: String?)

    // MARK: import
    case alreadyTracked(Address, id: String)
    /// The id is tracked at another address already.
    case trackedElsewhere(id: String, by: Address)
    case typeMismatch(id: String, found: AssetType, address: Address, wanted: AssetType, manifest: String)
    case inAnotherGroup(id: String, group: String, key: String, tracked: String)
    case groupUnknown(id: String, key: String)
    /// `tracked`: where the lockfile tracks the key FROM names, when it is not at FROM.
    case cannotMove(LockfileChange.Refusal, lockfile: String, tracked: Address? = nil)
    case moveOfDeclared(Address, manifest: String)
    case movedInThisPlan(Address, to: Address)

    // MARK: refs --format env
    /// Addresses as the lockfile spells them (a lockfile edited by hand may hold any key).
    case noShellName(String, name: String)
    /// Each variable name two addresses or more give (`names`), with those addresses.
    case sameShellName(names: [String], addresses: [[String]])

    // MARK: apply
    case tooManyCreates(Int, max: Int)
    case tooManyDeletes(Int, max: Int)
    /// `--prune` on a dialect with no delete call.
    case cannotDelete(api: String, flag: String)
    /// Preflight (`--check-urls`): sources that would make a create fail.
    case sourceChecksFailed(Int, manifest: String, diagnostics: [Diagnostic])
    /// Preflight could not start (`ASSETFORM_RESOLVE`, `SSL_CERT_FILE`).
    case preflightSetup(String)
    /// `--no-adopt`, and the plan adopts these remote objects (address, id).
    case adoptionRefused([Adoption], manifest: String)
    case needsConfirmation
    case cancelled
    case stalePlan(path: String, changes: [Staleness])

    // MARK: files and the lock
    case cannotWrite(path: String, what: String, reason: String)
    /// A file operation that failed (`AtomicFile.Failure` says which and why).
    case file(AtomicFile.Failure)
    case link(path: String)
    /// `waited`: the --lock-timeout given, if one was.
    case lockHeld(path: String, holder: String, waited: Duration? = nil)
    case lock(ExclusiveLock.Failure)
    case openIntents(count: Int, journal: String, command: String)

    /// A state the command's own checks rule out.
    case bug(String)
    /// The manifest has errors; they were reported where they are.
    case invalidManifest(path: String, diagnostics: [Diagnostic])

    /// Trying again later may succeed: another run holds the lock.
    var isTemporary: Bool {
        if case .lockHeld = self { return true }
        return false
    }

    var description: String {
        switch self {
        case .unknownTarget(let a, let manifest):
            "--target \(a) names nothing in \(manifest) or its lockfile (addresses are GROUP or GROUP/ASSET)"
        case .notInManifest(let a, let manifest):
            a.isGroup ? "\(a) is not a group or asset of \(manifest)" : "\(a) is not an asset of \(manifest)"
        case .notInLockfile(let a, let lockfile): "\(a) is not in \(lockfile)"
        case .noLockfile(let path, let hint): "there is no lockfile at \(path)" + (hint.map { "; \($0)" } ?? "")
        case .alreadyTracked(let a, let id): "\(a) is already tracked as \(id); forget it first"
        case .trackedElsewhere(let id, let other):
            "\(id) is already tracked as \(other); an object is tracked at one address only (forget \(other) first)"
        case .typeMismatch(let id, let found, let a, let wanted, let manifest):
            "\(id) is \(found.rawValue), but \(a) is \(wanted.rawValue) in \(manifest)"
        case .inAnotherGroup(let id, let group, let key, let tracked):
            "\(id) belongs to the group \(group), but \(key) is tracked as \(tracked)"
        case .groupUnknown(let id, let key): "\(id) does not say which group it belongs to; import \(key) first"
        case .cannotMove(let refusal, let lockfile, let tracked):
            "cannot move in \(lockfile): \(refusal)"
                + (tracked.map { " (it tracks \($0), where its group's move took it: move that, within its group)" } ?? "")
                + "; nothing was changed"
        case .moveOfDeclared(let a, let manifest):
            "\(a) is still declared in \(manifest): once its record moved, the next apply would register it again "
                + "(a billed create). Rename the key in the manifest first; nothing was changed"
        case .movedInThisPlan(let a, let to):
            "\(a) moves to \(to) in this plan (a renamed key): name it by its new address, --replace \(to)"
        case .noShellName(let a, let name): "\(a) gives no valid shell variable name (\(name))"
        case .sameShellName(let names, let addresses):
            zip(names, addresses).map { name, same in
                let listed =
                    same.count == 2
                    ? "\(same[0]) and \(same[1]) both give"
                    : same.dropLast().joined(separator: ", ") + " and \(same.last!) all give"
                return "\(listed) the variable \(name)"
            }.joined(separator: "; ") + "; rename all but one key of each (or use --format json)"
        case .tooManyCreates(let n, let max):
            "the plan makes \(n) billed create\(n == 1 ? "" : "s"), more than --max-creates \(max); nothing was changed"
        case .adoptionRefused(let adoptions, let manifest):
            "--no-adopt: the plan would adopt remote objects this lockfile did not create: "
                + adoptions.map { "\($0.address) (\($0.id))" }.joined(separator: ", ")
                + ". Record them with `assetform import \(manifest) ADDR ID`, or give them other names. Nothing was changed."
        case .needsConfirmation:
            "apply asks for confirmation, and stdin is not a terminal: pass --auto-approve to apply without asking "
                + "(or apply a saved plan with --plan FILE). Nothing was changed."
        case .cancelled: "apply cancelled; nothing was changed"
        case .stalePlan(let path, let changes):
            "the saved plan \(path) is stale: " + changes.map(\.description).joined(separator: "; ")
                + ". Nothing was changed; make a new plan."
        case .cannotWrite(let path, let what, let reason): "cannot write \(what) to \(path): \(reason)"
        case .file(let failure): "cannot \(failure)"
        case .link(let path):
            "\(path) is a symbolic link; assetform writes its lockfile and journal only as real files. "
                + "Pass the real path with --lock, or replace the link with the file"
        case .lockHeld(let path, let holder, nil):
            "another run holds the lockfile: \(path) is held by \(holder). Wait for it to finish, or pass --lock-timeout DUR to wait."
        case .lockHeld(let path, let holder, let waited?):
            "another run holds the lockfile: \(path) is held by \(holder), still after --lock-timeout "
                + "\(DurationText.format(waited)). Wait for it to finish, or pass a longer --lock-timeout."
        case .lock(let failure): failure.description
        case .openIntents(let count, let journal, let command):
            "an interrupted apply left \(count) create\(count == 1 ? "" : "s") of unknown outcome in \(journal); "
                + "run `assetform apply` first, which settles them, then \(command)"
        case .bug(let what): "internal error: \(what)"
        case .tooManyDeletes(let n, let max):
            "the plan deletes \(n) object\(n == 1 ? "" : "s"), more than --max-deletes \(max); nothing was changed"
        case .cannotDelete(let api, let flag):
            "\(flag) deletes remote objects, and the \(api) API has no delete call (only volcengine and byteplus do); "
                + (flag == "--prune-failed"
                    ? "without it, a Failed asset stays where it is (--retry-failed registers a declared one again)"
                    : "without it, what leaves the manifest is forgotten (the remote object stays)")
        case .sourceChecksFailed(let n, let manifest, _):
            "\(n) source\(n == 1 ? "" : "s") of \(manifest) failed \(n == 1 ? "its" : "their") check (above); nothing was "
                + "created. Fix the URL\(n == 1 ? "" : "s"), or give --skip-failed-checks to leave "
                + "\(n == 1 ? "that asset" : "those assets") out of this run"
        case .preflightSetup(let why): why
        case .invalidManifest(let path, let diagnostics): Self.notValid(path, diagnostics) + " (above)"
        }
    }

    /// What is said of a manifest with errors (its findings shown at their places).
    static func notValid(_ path: String, _ diagnostics: [Diagnostic]) -> String {
        let n = diagnostics.errors.count
        return "\(path) is not valid: \(n) error\(n == 1 ? "" : "s")"
    }

    /// In one word, for the JSON error object.
    var kind: String {
        switch self {
        case .invalidManifest: "manifest"
        case .lockHeld, .lock: "lock"
        case .link, .file, .cannotWrite: "file"
        case .adoptionRefused, .alreadyTracked, .trackedElsewhere, .cannotMove, .moveOfDeclared, .sameShellName, .noShellName,
            .typeMismatch, .inAnotherGroup, .groupUnknown:
            "conflict"
        case .unknownTarget, .notInManifest, .notInLockfile, .movedInThisPlan: "address"
        case .noLockfile, .openIntents: "state"
        case .stalePlan: "stale_plan"
        case .tooManyCreates: "max_creates"
        case .tooManyDeletes: "max_deletes"
        case .cannotDelete: "unsupported"
        case .sourceChecksFailed: "check"
        case .preflightSetup: "settings"
        case .needsConfirmation, .cancelled: "confirmation"
        case .bug: "internal"
        }
    }

    /// The address it is about, when there is one.
    var address: Address? {
        switch self {
        case .unknownTarget(let a, _), .notInManifest(let a, _), .notInLockfile(let a, _), .alreadyTracked(let a, _),
            .moveOfDeclared(let a, _), .movedInThisPlan(let a, _):
            a
        case .trackedElsewhere(_, let a): a
        default: nil
        }
    }

    struct Adoption: Sendable, Equatable {
        let address: Address
        let id: String
    }

    /// What changed since a plan was saved.
    enum Staleness: Sendable, Equatable, CustomStringConvertible {
        case provider(LockedProvider)
        case manifest(path: String, then: String, now: String)
        case lockfileCreated(path: String, serial: Int)
        case lockfileGone(path: String)
        case lockfileReplaced(path: String, then: String, now: String)
        case lockfileChanged(path: String, then: Int?, now: Int)
        /// Its bytes changed, though its serial did not (a hand edit, a merge resolved by hand).
        case lockfileEdited(path: String)
        /// Made with `--no-refresh`: it never looked at the service.
        case notRefreshed
        /// Made against the in-process emulator and applied against the service, or the other way.
        case emulated(then: Bool)
        /// A step carries a value the manifest does not (the plan was edited).
        case notTheManifests(Address, field: String)
        /// A step no plan made from the lockfile would hold (the plan was edited).
        case notFromTheLockfile(Address, why: String)

        var description: String {
            switch self {
            case .provider(let p): "it was made for api \(p.api) at \(p.baseURL), project \(p.projectName)"
            case .manifest(let path, let then, let now):
                "the manifest \(path) changed (sha256 \(then.prefix(12))… then, \(now.prefix(12))… now)"
            case .lockfileCreated(let path, let serial): "the lockfile \(path) was created since (serial \(serial))"
            case .lockfileGone(let path): "the lockfile \(path) is gone"
            case .lockfileReplaced(let path, let then, let now):
                "the lockfile \(path) was replaced (lineage \(then) then, \(now) now)"
            case .lockfileChanged(let path, let then, let now):
                "the lockfile \(path) changed (serial \(then.map(String.init) ?? "none") then, \(now) now)"
            case .lockfileEdited(let path): "the lockfile \(path) changed, though its serial did not (edited by hand?)"
            case .notRefreshed:
                "it was made with --no-refresh: it never looked at the service, and applying it could register again "
                    + "what exists there (billed); plan again without --no-refresh"
            case .emulated(let then):
                then
                    ? "it was made against the in-process emulator (--emulate); this apply is not"
                    : "it was made against the service; this apply runs against the in-process emulator (--emulate)"
            case .notTheManifests(let address, "address"):
                "it has a step for \(address), which the manifest does not declare (edited by hand?)"
            case .notTheManifests(let address, let field):
                "its step for \(address) carries a \(field) that is not the manifest's (edited by hand?)"
            case .notFromTheLockfile(let address, let why):
                "its step for \(address) is \(why): no plan made from the lockfile holds it (edited by hand?)"
            }
        }
    }

    var isBug: Bool {
        if case .bug = self { return true }
        return false
    }
}
