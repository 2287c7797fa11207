/// Plans: a pure function of the manifest, the lockfile and the refreshed remote state (SPEC §5).
public struct Planner: Sendable {
    public var capabilities: Capabilities
    /// Create again assets that failed remotely.
    public var retryFailed = false
    /// Limit the plan to these addresses (a group includes its assets; an asset includes its
    /// group where the group must be created or adopted first); empty: everything.
    public var targets: [Address] = []
    /// Register these again (`--replace`): an asset, or every asset of a group. The content
    /// behind a URL may change while the URL stays the same.
    public var replace: [Address] = []
    /// `--prune`: delete (where the dialect can) what the lockfile tracks and the manifest no
    /// longer declares, instead of forgetting it.
    public var prune = false
    /// `--prune-failed`: delete the tracked assets that failed remotely (they hold quota).
    public var pruneFailed = false

    public init(
        capabilities: Capabilities, retryFailed: Bool = false, targets: [Address] = [], replace: [Address] = [],
        prune: Bool = false, pruneFailed: Bool = false
    ) {
        self.capabilities = capabilities
        self.retryFailed = retryFailed
        self.targets = targets
        self.replace = replace
        self.prune = prune
        self.pruneFailed = pruneFailed
    }

    /// Records that match their asset byte for byte are taken as unchanged without the general
    /// rules (`PlanningPass`), which would find the same. On, but for the tests that check that.
    public var unchangedShortcut = true

    /// Manifests of at least this many assets, against a lockfile of at least as many, are
    /// planned in two parts at once by `planConcurrently` (where no group's plan depends on
    /// another's: nothing can be adopted).
    public var concurrentAbove = 20_000

    /// `remote` nil means `--no-refresh`: trust the lockfile.
    public func plan(_ manifest: Manifest, lock: Lockfile?, remote: RemoteState?) -> Plan {
        let moves = MoveResolution(manifest, lock: lock)
        let parts = self.parts(manifest, lock: lock, remote: remote)
        var whole = planGroups(manifest, parts[0], first: true, moves: moves, remote: remote)
        for part in parts.dropFirst() {
            whole.append(planGroups(manifest, part, first: false, moves: moves, remote: remote))
        }
        return assemble(consume whole, manifest, lock: lock, moves: moves, remote: remote)
    }

    /// `plan`, its parts planned at once on two threads: the same plan.
    public func planConcurrently(_ manifest: Manifest, lock: Lockfile?, remote: RemoteState?) async -> Plan {
        let parts = self.parts(manifest, lock: lock, remote: remote)
        guard parts.count == 2 else {
            let moves = MoveResolution(manifest, lock: lock)
            // One part: planned here, on the moves already worked out.
            let whole = planGroups(manifest, parts[0], first: true, moves: moves, remote: remote)
            return assemble(consume whole, manifest, lock: lock, moves: moves, remote: remote)
        }
        // The groups none of whose assets can be renamed, found on both threads first.
        async let settledInSecond = MoveResolution.settledGroups(manifest, parts[1], lock: lock)
        let settled = MoveResolution.settledGroups(manifest, parts[0], lock: lock).union(await settledInSecond)
        let moves = MoveResolution(manifest, lock: lock, settled: settled)
        async let second = planGroups(manifest, parts[1], first: false, moves: moves, remote: remote)
        var whole = planGroups(manifest, parts[0], first: true, moves: moves, remote: remote)
        whole.append(await second)
        return assemble(consume whole, manifest, lock: lock, moves: moves, remote: remote)
    }

    /// The manifest's groups in parts planned apart: two of about as many assets each when the
    /// manifest and its lockfile are large and no group's plan depends on another's (adopting
    /// claims remote ids for the whole plan), otherwise one.
    public func parts(_ manifest: Manifest, lock: Lockfile?, remote: RemoteState?) -> [Range<Int>] {
        let n = manifest.groups.count
        let total = manifest.assetCount
        // Only against a large lockfile: the parts' steps are copied into one list at the end,
        // which costs more than it saves where most assets are created (a first plan), and
        // less where most are compared with their records and unchanged.
        guard n > 1, total >= max(concurrentAbove, 1), (lock?.assetCount ?? 0) >= max(concurrentAbove, 1),
            !(remote != nil && capabilities.canList)
        else { return [0..<n] }
        // After the group that reaches half the assets (before it, when it is the last).
        var seen = 0
        var cut = n - 1
        for (i, group) in manifest.groups.enumerated() {
            seen += group.assets.count
            if seen * 2 >= total {
                cut = min(i + 1, n - 1)
                break
            }
        }
        return [0..<cut, cut..<n]
    }

    /// The steps of some of the manifest's groups; the first part also holds the moves (which
    /// come first: apply makes them before anything else) and room for the whole plan.
    private func planGroups(
        _ manifest: Manifest, _ part: Range<Int>, first: Bool, moves: MoveResolution, remote: RemoteState?
    ) -> PlanningPass {
        var work = PlanningPass(planner: self, moves: moves, remote: remote, withMoves: first)
        // At most a step per group and asset of either side: one allocation, never grown (and
        // copied) at twice its size. Room never written takes no memory.
        let groups = manifest.groups[part]
        let assets = groups.reduce(0) { $0 + $1.assets.count }
        work.steps.reserveCapacity(
            first
                ? moves.steps.count + manifest.groups.count + manifest.assetCount + (moves.lock?.groups.count ?? 0)
                    + (moves.lock?.assetCount ?? 0)
                : groups.count + assets + groups.reduce(0) { $0 + (moves.lock?.groups[$1.key]?.assets.count ?? 0) })
        // The unchanged too: the first part's list gets the others' appended.
        work.unchanged.reserveCapacity(first ? manifest.groups.count + manifest.assetCount : groups.count + assets)
        for group in groups { work.plan(group) }
        return work
    }

    /// The passes' steps (in the manifest's order), then what the lockfile tracks that the
    /// manifest no longer declares; and what the flags add. `work` is taken, not copied: its
    /// lists (a hundred thousand entries in a big plan) grow in place.
    private func assemble(
        _ work: consuming PlanningPass, _ manifest: Manifest, lock: Lockfile?, moves: MoveResolution,
        remote: RemoteState?
    )
        -> Plan
    {
        work.forgetUnmanaged(manifest)
        var plan = work.finish(targets: targets)
        if capabilities.canDelete && (prune || pruneFailed) {
            plan.steps = pruning(plan.steps, lock: moves.lock, remote: remote, moved: Set(moves.forgetReasons.keys))
        }
        // 0-0 cannot list: without a lockfile nothing tells a new asset from one registered before.
        if !capabilities.canList, lock?.groups.isEmpty ?? true, plan.billedCreates > 0 {
            plan.warnings.append(
                "0-0 cannot list what is registered: with no lockfile, assetform cannot tell whether these assets were "
                    + "registered before. If they were (a lost lockfile), applying registers them again and bills it. "
                    + "Restore the lockfile, or record what exists with `assetform import`, before applying.")
        }
        // …nor can it tell whether an asset this lockfile tracked and forgot still exists.
        if !capabilities.canList, let forgotten = lock?.forgotten, !forgotten.isEmpty {
            let back = plan.steps.filter {
                if case .createAsset(_, gone: nil) = $0.action { forgotten[$0.address] != nil } else { false }
            }
            if !back.isEmpty {
                let named = back.prefix(5).map { "\($0.address) (was \(forgotten[$0.address]!))" }.joined(separator: ", ")
                plan.warnings.append(
                    "\(back.count) asset\(back.count == 1 ? "" : "s") this lockfile tracked and forgot \(back.count == 1 ? "is" : "are") "
                        + "created again: \(named)\(back.count > 5 ? ", …" : ""). 0-0 cannot list: if "
                        + "\(back.count == 1 ? "it still exists" : "they still exist"), applying registers a billed duplicate. "
                        + "Record what exists with `assetform import` instead.")
            }
        }
        // …and with one, a tracked object the service says is gone may not be: a GET of the wrong
        // project or platform finds nothing too.
        let again = plan.steps.filter { if case .createAsset(_, gone: _?) = $0.action { true } else { false } }.count
        if !capabilities.canList, again > 0 {
            plan.warnings.append(
                "\(again) asset\(again == 1 ? "" : "s") the lockfile tracked \(again == 1 ? "is" : "are") gone by the service's "
                    + "answer, and will be registered again. If the service is wrong about that (another project_name or "
                    + "platform than the one that registered them), applying makes billed duplicates: check the provider "
                    + "settings first, or `assetform forget` those addresses and `assetform import` what exists.")
        }
        return plan
    }

    /// The manifest's `moved:` entries that cannot be made against this lockfile (their new
    /// address is already tracked), as errors at their lines: planning refuses them.
    public static func moveConflicts(_ manifest: Manifest, lock: Lockfile?) -> [Diagnostic] {
        // Only `moved:` entries can conflict: without any, the moves are not worked out twice.
        guard !manifest.moved.isEmpty else { return [] }
        return MoveResolution(manifest, lock: lock).conflicts
    }
}
