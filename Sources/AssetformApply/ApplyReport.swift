public import AssetformCore
public import AssetformRemote
import Synchronization

/// What happened to one action of the plan.
public enum Outcome: Sendable, Equatable {
    /// Created (or, for a replace, created anew); `recovered` when its create's answer was lost
    /// and the object was found by listing instead of being created again.
    case created(id: String, status: AssetStatus?, recovered: Bool)
    case adopted(id: String)
    case updated
    case forgotten
    /// Deleted remotely, and dropped from the lockfile (`--prune`, `--prune-failed`).
    case deleted
    /// A group to delete that still holds objects this lockfile does not track: only forgotten.
    case keptHolding(Int)
    /// Its lockfile record moved to a new address.
    case moved
    /// Left to the waiting phase (Processing).
    case waiting
}

/// Why an action failed, as the user is told.
public struct Problem: Sendable, Equatable, CustomStringConvertible {
    public var address: Address
    /// The service's code, when it gave one.
    public var code: String?
    public var message: String
    /// Whether trying again later may succeed: the service could not be reached, failed (5xx)
    /// or stayed throttled; or the action was not tried because another failed first.
    public var temporary: Bool
    /// A create that may have been made after all (its outcome stayed unknown): the run may
    /// have changed something.
    public var outcomeUnknown: Bool

    public init(address: Address, code: String?, message: String, temporary: Bool = false, outcomeUnknown: Bool = false) {
        self.address = address
        self.code = code
        self.message = message
        self.temporary = temporary
        self.outcomeUnknown = outcomeUnknown
    }

    public var description: String { "\(address): " + (code.map { "\($0): " } ?? "") + message }
}

/// What apply reports as it goes.
public enum ApplyEvent: Sendable {
    case started(Plan.Step)
    /// Started, then stopped before its call was sent (the run was interrupted or stopped
    /// early): nothing was billed, and the next apply does it.
    case notSent(Plan.Step)
    case completed(Plan.Step, Outcome)
    case failed(Plan.Step?, Problem)
    /// A Processing asset became Active or Failed.
    case settled(address: Address, status: AssetStatus, failure: RemoteAsset.Failure?)
    /// Waiting for Processing assets: how many remain.
    case waiting(remaining: Int)
    /// On 0-0, a create whose answer was lost was sent again: the service may hold a duplicate.
    case possibleDuplicate(address: Address)
}

/// The summary of a run (SPEC §6): created, updated, adopted, unchanged, failed with reasons,
/// calls, throttled responses, time spent waiting.
public struct ApplyReport: Sendable {
    public var created = 0
    public var replaced = 0
    public var recovered = 0
    public var updated = 0
    public var adopted = 0
    public var forgotten = 0
    public var deleted = 0
    /// Groups not deleted because they hold objects this lockfile does not track (forgotten instead).
    public var keptGroups: [Problem] = []
    public var moved = 0
    public var unchanged = 0
    public var active = 0
    public var failed: [Problem] = []
    /// Assets that failed in an earlier run and were left alone (no `--retry-failed`): reported,
    /// not counted as failures of this run.
    public var failedEarlier: [Problem] = []
    public var possibleDuplicates: [Address] = []
    /// Assets left out of this run because their source failed its check (`--skip-failed-checks`).
    public var leftOut: [Address] = []
    /// Creates the plan held back: their group holds untracked assets Processing with hidden
    /// names (`Plan.heldBack`).
    public var heldBack: [Address] = []
    /// Failed assets deleted (`--prune-failed`) that the manifest still declares: the next apply
    /// creates them again, so the run has not converged.
    public var toCreateAgain: [Address] = []
    /// The assets this run deleted remotely (`--prune`, `--prune-failed`).
    public var deletedAssets: [Address] = []
    /// Still Processing when apply stopped waiting.
    public var stillProcessing: [Address] = []
    /// Actions not started because the run stopped early.
    public var notStarted = 0
    public var calls = CallCounters()
    public var waited: Duration = .zero
    /// Why the wait for Processing assets ended before `wait` was over (the service stopped
    /// answering), when it did.
    public var waitCutShort: String?
    /// The most of this run's assets Processing at once, as far as the run knew.
    public var processingPeak = 0
    /// Per class of call that made two calls or more: the rate achieved between its first start
    /// and its last answer, and the rate in force at the end (`auto` moves it).
    public var rates: [CallClass: AchievedRate] = [:]
    /// Why the run stopped early: an interruption, or an error that would repeat for every action.
    public var stopped: Stop?
    /// The run's results could not all be recorded at its end (the lockfile, or the journal,
    /// could not be written): the error says where they are.
    public var unrecorded: ApplyError?

    public enum Stop: Sendable, Equatable {
        case interrupted
        /// `temporary`: the service could not be reached or stayed throttled; later may succeed.
        /// `call`: the call that failed, when a call did. `recording`: what failed was
        /// recording the work (the journal or the lockfile), not the service.
        case fatal(String, temporary: Bool = false, call: String? = nil, recording: Bool = false)
    }

    public init() {}

    /// Whether any remote object or lockfile entry changed.
    public var changedAnything: Bool {
        created + replaced + recovered + updated + adopted + forgotten + moved + deleted > 0
    }

    /// Whether the run changed anything, or may have: a create sent again on 0-0, or one whose
    /// outcome stayed unknown.
    public var mayHaveChanged: Bool {
        changedAnything || !possibleDuplicates.isEmpty || failed.contains(where: \.outcomeUnknown)
    }
}

/// Set once, from anywhere: the run stops dispatching.
public final class StopFlag: Sendable {
    private let state = Mutex<ApplyReport.Stop?>(nil)

    public init() {}

    /// Records why; the first reason wins. Returns whether this call set it.
    @discardableResult
    public func stop(_ why: ApplyReport.Stop) -> Bool {
        state.withLock { s in
            guard s == nil else { return false }
            s = why
            return true
        }
    }

    public var reason: ApplyReport.Stop? { state.withLock { $0 } }
    public var isSet: Bool { reason != nil }
}
