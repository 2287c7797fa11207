import ArgumentParser
import AssetformCore

/// What `plan` and `apply` both take to shape a plan: one definition of each flag, its check
/// against the session, and the planner it makes.
struct PlanningOptions: ParsableArguments {
    @Flag(help: "Create again the assets that failed remotely.")
    var retryFailed = false

    @Flag(help: "Treat any adoption (a remote object of the same name that this lockfile did not create) as a conflict.")
    var noAdopt = false

    @Option(
        name: .customLong("replace"),
        help: "Register this asset (or every asset of this group) again, though its url is the same; repeatable.",
        transform: Address.argument)
    var replace: [Address] = []

    @Option(
        name: .customLong("target"), help: "Limit the plan to this address (GROUP or GROUP/ASSET); repeatable.",
        transform: Address.argument)
    var targets: [Address] = []

    @Flag(
        help:
            "Delete remotely what this lockfile tracks and the manifest no longer declares, instead of forgetting it (volcengine and byteplus; cannot be undone)."
    )
    var prune = false

    @Flag(help: "Delete remotely the tracked assets that failed (they hold quota) (volcengine and byteplus).")
    var pruneFailed = false

    /// A replace that the targets leave out would silently not happen: bad usage.
    func validate() throws {
        guard !targets.isEmpty else { return }
        for r in replace where !targets.contains(where: { r.isCovered(by: $0) || $0.isCovered(by: r) }) {
            throw ValidationError(
                "--replace \(r) is outside every --target, so nothing would be replaced; add --target \(r), or drop --target")
        }
    }

    /// Whether any of them changes what would be planned (a saved plan cannot be changed).
    var shapeThePlan: Bool { retryFailed || !replace.isEmpty || !targets.isEmpty || prune || pruneFailed }

    /// Every address named must be one the session knows, and the manifest's moves must fit
    /// the lockfile.
    func check(_ session: Session) throws {
        let api = session.manifest.provider.api
        if prune || pruneFailed, !Capabilities.of(api).canDelete {
            throw CommandError.cannotDelete(api: api.rawValue, flag: prune ? "--prune" : "--prune-failed")
        }
        try session.checkTargets(targets)
        try session.checkReplacements(replace)
        try session.checkMoves()
    }

    func planner(for api: API) -> Planner {
        Planner(
            capabilities: .of(api), retryFailed: retryFailed, targets: targets, replace: replace, prune: prune,
            pruneFailed: pruneFailed)
    }
}
