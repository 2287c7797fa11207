/// What apply would do (SPEC §5): one step per change, in manifest order, forgets last. Each
/// step's action carries exactly the data its execution needs, so nothing downstream re-checks
/// the plan or looks fields up by name.
public struct Plan: Sendable, Equatable {
    /// The kind of change, as the text and JSON forms name it and as the summary counts it.
    public enum Verb: String, Sendable, CaseIterable {
        case create, adopt, move, update, replace, wait, forget, delete
        /// A remote asset that failed and is left alone (no `--retry-failed`, same url): reported.
        case failed

        /// The sign the text form shows.
        public var sign: String {
            switch self {
            case .create: "+"
            case .update: "~"
            case .replace: "-/+"
            case .adopt: "="
            case .move: "→"
            case .wait: "…"
            case .forget: "-"
            case .delete: "x"
            case .failed: "!"
            }
        }

        /// Whether apply would change anything (remotely, or in the lockfile) for it.
        public var isChange: Bool { self != .wait && self != .failed }
    }

    public enum Kind: String, Sendable { case group, asset }

    /// A field's value before a change (nil: it had none) and after it.
    public struct FieldChange: Sendable, Equatable {
        public var before: String?
        public var after: String

        public init(before: String?, after: String) {
            self.before = before
            self.after = after
        }
    }

    /// An asset as the manifest wants it registered. (Its rarely set fields are boxed: a plan of
    /// 100,000 creates holds as many of these.)
    public struct AssetSpec: Sendable, Equatable {
        public var name: String
        public var type: AssetType
        public var url: String
        private var rare: RareFields?

        /// Recorded in the lockfile: a later change registers it again.
        public var revision: String? {
            get { rare?.revision }
            set { rare = RareFields.make(revision: newValue, source: source) }
        }

        /// What preflight saw of the source (`--check-urls`), recorded with what the create makes.
        public var source: SourceFingerprint? {
            get { rare?.source }
            set { rare = RareFields.make(revision: revision, source: newValue) }
        }

        public init(name: String, type: AssetType, url: String, revision: String? = nil, source: SourceFingerprint? = nil) {
            self.name = name
            self.type = type
            self.url = url
            self.rare = RareFields.make(revision: revision, source: source)
        }

        public static func == (a: AssetSpec, b: AssetSpec) -> Bool {
            a.name == b.name && a.type == b.type && a.url == b.url && a.revision == b.revision && a.source == b.source
        }
    }

    public enum Action: Sendable, Equatable {
        /// A new group; `gone` is the id of the tracked group that disappeared, if any.
        case createGroup(name: String, description: String?, gone: String?)
        /// A listed group of the manifest's name that nothing tracks, recorded without a call.
        case adoptGroup(id: String, name: String, description: String?)
        /// (Boxed, as the rare cases larger than a create are: every step of a plan takes the
        /// size of its largest case.)
        indirect case updateGroup(id: String, name: FieldChange?, description: FieldChange?)
        /// A billed create; `gone` is the id of the tracked asset that disappeared, if any.
        case createAsset(AssetSpec, gone: String?)
        /// A billed create whose old asset `old` stays remotely, untracked: its url, type or
        /// revision changed (the changes given), it failed and `--retry-failed` asks again
        /// (`failure`), or it was asked for (`--replace`), or it moved to another group.
        ///
        /// Boxed (`indirect`): it is twice the size of any other case, and every step of a plan
        /// would otherwise take its size.
        indirect case replaceAsset(
            AssetSpec, old: String, url: FieldChange?, type: FieldChange?, revision: FieldChange?,
            failure: RemoteAsset.Failure?)
        /// A listed asset of the manifest's name and type in its group that nothing tracks.
        /// `failure`: the service's reason, for one adopted Failed (recorded with it).
        indirect case adoptAsset(AssetSpec, id: String, status: AssetStatus, failure: RemoteAsset.Failure?)
        case updateAsset(id: String, name: FieldChange)
        /// A tracked asset still Processing: apply waits for it.
        case wait(id: String)
        /// Tracked, and no longer in the manifest: dropped from the lockfile; the remote object stays.
        case forget(id: String)
        /// Deleted remotely (`--prune`, `--prune-failed`), then dropped from the lockfile: the
        /// upstream's dialects only. Never anything the lockfile does not track.
        case delete(id: String)
        /// The record of `id` moves from `from` to the step's address (a key renamed): no call.
        case move(from: Address, id: String)
        /// A tracked asset that failed remotely, left alone: reported.
        case failed(id: String, failure: RemoteAsset.Failure?)

        public var verb: Verb {
            switch self {
            case .createGroup, .createAsset: .create
            case .adoptGroup, .adoptAsset: .adopt
            case .updateGroup, .updateAsset: .update
            case .replaceAsset: .replace
            case .wait: .wait
            case .forget: .forget
            case .delete: .delete
            case .move: .move
            case .failed: .failed
            }
        }

        /// The remote object concerned: adopted, updated, waited for, failed, left behind
        /// (replace, forget), or gone (create again).
        public var remoteID: String? {
            switch self {
            case .createGroup(_, _, let gone), .createAsset(_, let gone): gone
            case .adoptGroup(let id, _, _), .updateGroup(let id, _, _), .adoptAsset(_, let id, _, _), .updateAsset(let id, _),
                .wait(let id), .forget(let id), .delete(let id), .failed(let id, _), .move(_, let id):
                id
            case .replaceAsset(_, let old, _, _, _, _): old
            }
        }
    }

    /// One changed field, for people (the text and JSON forms).
    public struct Change: Sendable, Equatable {
        public var field: String
        public var before: String?
        public var after: String?

        public init(field: String, before: String?, after: String?) {
            self.field = field
            self.before = before
            self.after = after
        }
    }

    public struct Step: Sendable, Equatable {
        public var address: Address
        public var action: Action
        /// Why, in words (the text form shows it).
        public var reason: String

        public init(address: Address, action: Action, reason: String) {
            self.address = address
            self.action = action
            self.reason = reason
        }

        public var verb: Verb { action.verb }
        public var kind: Kind { address.isGroup ? .group : .asset }
        public var remoteID: String? { action.remoteID }

        /// Whether this step makes a billed CreateAsset call.
        public var isBilled: Bool {
            switch action {
            case .createAsset, .replaceAsset: true
            default: false
            }
        }

        /// The name the manifest gives the object created, adopted or replaced.
        public var name: String? {
            switch action {
            case .createGroup(let name, _, _), .adoptGroup(_, let name, _): name
            case .createAsset(let spec, _), .replaceAsset(let spec, _, _, _, _, _), .adoptAsset(let spec, _, _, _): spec.name
            default: nil
            }
        }

        /// The fields an update or a replace changes.
        public var changes: [Change] {
            func change(_ field: String, _ c: FieldChange?) -> [Change] {
                c.map { [Change(field: field, before: $0.before, after: $0.after)] } ?? []
            }
            switch action {
            case .updateGroup(_, let name, let description): return change("name", name) + change("description", description)
            case .updateAsset(_, let name): return change("name", name)
            case .replaceAsset(_, _, let url, let type, let revision, _):
                return change("url", url) + change("type", type) + change("revision", revision)
            default: return []
            }
        }
    }

    public var steps: [Step]
    /// Objects that need nothing.
    public var unchanged: [Address]
    /// Things the plan cannot do, said to the user (0-0 renames, ambiguous names).
    public var warnings: [String]
    /// Assets not created yet, and not planned: their group holds untracked assets still
    /// Processing whose names the service hides, any of which may be one of them. Not converged.
    public var heldBack: [Address]

    public init(steps: [Step], unchanged: [Address], warnings: [String], heldBack: [Address] = []) {
        self.steps = steps
        self.unchanged = unchanged
        self.warnings = warnings
        self.heldBack = heldBack
    }

    // Counted in place: a filter would copy every step (its strings retained and released), and
    // a plan of 100,000 steps is counted a dozen times over for its summary.
    public var billedCreates: Int {
        var n = 0
        for i in steps.indices where steps[i].isBilled { n += 1 }
        return n
    }

    public var hasChanges: Bool { steps.contains { $0.verb.isChange } }

    public func count(_ verb: Verb) -> Int {
        var n = 0
        for i in steps.indices where steps[i].verb == verb { n += 1 }
        return n
    }
}
