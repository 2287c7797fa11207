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

    /// Manifests of at least this many assets, against a lockfile of at least as many, are
    /// planned in two parts at once by `planConcurrently` (where no group's plan depends on
    /// another's: nothing can be adopted).
    public var concurrentAbove = 20_000

    /// `remote` nil means `--no-refresh`: trust the lockfile.
    public func plan(_ manifest: Manifest, lock: Lockfile?, remote: RemoteState?) -> Plan {
        let moves = MoveResolution(manifest, lock: lock)
        let parts = self.parts(manifest, lock: lock, remote: remote).enumerated().map { i, part in
            planGroups(manifest, part, first: i == 0, moves: moves, remote: remote)
        }
        return assemble(parts, manifest, lock: lock, moves: moves, remote: remote)
    }

    /// `plan`, its parts planned at once on two threads: the same plan.
    public func planConcurrently(_ manifest: Manifest, lock: Lockfile?, remote: RemoteState?) async -> Plan {
        let moves = MoveResolution(manifest, lock: lock)
        let parts = self.parts(manifest, lock: lock, remote: remote)
        guard parts.count == 2 else {
            // One part: planned here, on the moves already worked out.
            let whole = planGroups(manifest, parts[0], first: true, moves: moves, remote: remote)
            return assemble([whole], manifest, lock: lock, moves: moves, remote: remote)
        }
        async let second = planGroups(manifest, parts[1], first: false, moves: moves, remote: remote)
        let first = planGroups(manifest, parts[0], first: true, moves: moves, remote: remote)
        return assemble([first, await second], manifest, lock: lock, moves: moves, remote: remote)
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
    ) -> Work {
        var work = Work(planner: self, moves: moves, remote: remote, withMoves: first)
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

    /// The parts' steps in the manifest's order, then what the lockfile tracks that the
    /// manifest no longer declares; and what the flags add.
    private func assemble(_ parts: [Work], _ manifest: Manifest, lock: Lockfile?, moves: MoveResolution, remote: RemoteState?)
        -> Plan
    {
        var work = parts[0]
        for part in parts.dropFirst() {
            work.steps += part.steps
            work.unchanged += part.unchanged
            work.warnings += part.warnings
            work.heldBack += part.heldBack
        }
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

    /// `--prune`: forgets become deletes (a group's tracked assets are deleted before it, each
    /// a step of its own). `--prune-failed`: a Failed asset left alone is deleted; one created
    /// again (`--retry-failed`, a changed url) has its old asset deleted first, which frees its
    /// slot before the new create. Only ids the lockfile tracks are ever named.
    ///
    /// Not deleted: an object the service says is already gone (forgotten, as without the flag),
    /// the old record of an asset registered again in another group (it moved; its create may
    /// yet fail), and the old asset a replace leaves behind unless it failed (a video task may
    /// still use it).
    func pruning(_ steps: [Plan.Step], lock: Lockfile?, remote: RemoteState?, moved: Set<Address>) -> [Plan.Step] {
        func gone(_ id: String) -> Bool { remote?.missing.contains(id) ?? false }
        func failed(_ id: String, at address: Address) -> Bool {
            (remote?.assets[id]?.status ?? lock?.asset(at: address)?.status) == .failed
        }
        var out: [Plan.Step] = []
        for step in steps {
            switch step.action {
            case .forget(let id) where prune && !gone(id) && !moved.contains(step.address):
                if step.address.isGroup, let group = lock?.groups[step.address.group] {
                    // The old record of an asset registered again in another group stays, and so
                    // does its group, which still holds it: the new create may yet fail.
                    var registeredElsewhere = 0
                    for (key, a) in group.assets.sorted(by: { $0.key < $1.key }) where !gone(a.id) {
                        let address = Address(group: step.address.group, asset: key)
                        if moved.contains(address) {
                            registeredElsewhere += 1
                            continue
                        }
                        out.append(
                            Plan.Step(
                                address: address, action: .delete(id: a.id),
                                reason: "its group left the manifest; deleted (--prune)"))
                    }
                    let n = group.assets.count
                    if registeredElsewhere > 0 {
                        let m = registeredElsewhere
                        out.append(
                            Plan.Step(
                                address: step.address, action: .forget(id: id),
                                reason: "not in the manifest; only forgotten, not deleted (--prune): it holds the old "
                                    + "record\(m == 1 ? "" : "s") of \(m) asset\(m == 1 ? "" : "s") registered again in "
                                    + "another group, whose create may yet fail"))
                    } else {
                        out.append(
                            Plan.Step(
                                address: step.address, action: .delete(id: id),
                                reason:
                                    "not in the manifest; deleted (--prune) after its \(n) tracked asset\(n == 1 ? "" : "s"), "
                                    + "unless it holds objects this lockfile does not track (then it is only forgotten)"))
                    }
                } else {
                    let why = step.reason.hasPrefix("not in the manifest") ? "not in the manifest" : step.reason
                    out.append(Plan.Step(address: step.address, action: .delete(id: id), reason: "\(why); deleted (--prune)"))
                }
            case .failed(let id, let failure) where pruneFailed:
                let why = failure.map { "\($0.code): \($0.message)" } ?? "no reason given"
                out.append(
                    Plan.Step(
                        address: step.address, action: .delete(id: id),
                        reason: "failed remotely (\(why)); deleted (--prune-failed); the next apply creates it again "
                            + "unless it leaves the manifest"))
            case .replaceAsset(_, let old, _, _, _, let failure) where pruneFailed && failed(old, at: step.address):
                let code = failure?.code ?? remote?.assets[old]?.failure?.code ?? lock?.asset(at: step.address)?.failure?.code
                out.append(
                    Plan.Step(
                        address: step.address, action: .delete(id: old),
                        reason: "failed remotely\(code.map { " (\($0))" } ?? ""); deleted (--prune-failed) before it is "
                            + "created again"))
                out.append(step)
            default:
                out.append(step)
            }
        }
        return out
    }

    /// The manifest's `moved:` entries that cannot be made against this lockfile (their new
    /// address is already tracked), as errors at their lines: planning refuses them.
    public static func moveConflicts(_ manifest: Manifest, lock: Lockfile?) -> [Diagnostic] {
        // Only `moved:` entries can conflict: without any, the moves are not worked out twice.
        guard !manifest.moved.isEmpty else { return [] }
        return MoveResolution(manifest, lock: lock).conflicts
    }
}

/// One planning pass over some of the manifest's groups.
private struct Work: Sendable {
    let planner: Planner
    /// The lockfile with the plan's moves made.
    let lock: Lockfile?
    let remote: RemoteState?
    let moves: MoveResolution
    var steps: [Plan.Step]
    var unchanged: [Address] = []
    var warnings: [String] = []
    /// Creates not planned: the group holds untracked assets Processing with hidden names.
    var heldBack: [Address] = []
    /// Remote ids the lockfile tracks, or this plan adopts: never adopted twice. Only kept when
    /// anything can be adopted (a refresh that listed).
    var claimed: Set<String> = []

    init(planner: Planner, moves: MoveResolution, remote: RemoteState?, withMoves: Bool) {
        self.planner = planner
        self.lock = moves.lock
        self.remote = remote
        self.moves = moves
        self.steps = withMoves ? moves.steps : []
        if remote != nil && planner.capabilities.canList, let lock { claimed = lock.trackedIDs }
    }

    var canAdopt: Bool { remote != nil && planner.capabilities.canList }

    func isGone(_ id: String) -> Bool { remote?.missing.contains(id) ?? false }

    // MARK: - Groups

    mutating func plan(_ group: Group) {
        let address = Address(group: group.key)
        let locked = lock?.groups[group.key]
        var remoteID: String?
        var fresh = false
        if let locked, !isGone(locked.id) {
            remoteID = locked.id
            planUpdate(group, locked)
        } else if let adopted = adoptableGroup(named: group.name) {
            remoteID = adopted.id
            claimed.insert(adopted.id)
            steps.append(
                Plan.Step(
                    address: address, action: .adoptGroup(id: adopted.id, name: group.name, description: group.description),
                    reason: "found by name (\(adopted.id)); this lockfile did not create it; recorded without a billed call"))
            // Remote assets in it that this manifest does not declare: someone else's, perhaps.
            let declared = Set(group.assets.map { "\($0.type.rawValue)/\($0.name)" })
            // (Those whose names are hidden while Processing are said apart, below.)
            let foreign = (remote?.listedAssets[adopted.id] ?? []).filter {
                !declared.contains("\($0.type?.rawValue ?? "")/\($0.name)") && !claimed.contains($0.id)
                    && !$0.nameIsHidden
            }
            if !foreign.isEmpty {
                warnings.append(
                    "\(group.key): the group \(adopted.id) it adopts holds \(foreign.count) remote asset\(foreign.count == 1 ? "" : "s") "
                        + "this manifest does not declare and nothing tracks; another manifest or the console may manage that group"
                )
            }
            if let d = group.description, d != adopted.description {
                appendUpdate(
                    group, id: adopted.id, name: nil, description: Plan.FieldChange(before: adopted.description, after: d))
            }
        } else {
            fresh = true
            steps.append(
                Plan.Step(
                    address: address, action: .createGroup(name: group.name, description: group.description, gone: locked?.id),
                    reason: locked.map { "the remote group \($0.id) is gone" } ?? "new"))
        }
        var tracked = 0
        let held = heldBack.count
        for asset in group.assets {
            let record = locked?.assets[asset.key]
            if record != nil { tracked += 1 }
            plan(
                asset, in: group, groupID: remoteID, locked: fresh ? nil : record, groupIsNew: fresh && locked != nil,
                gone: fresh ? record?.id : nil)
        }
        if heldBack.count > held, let remoteID {
            let n = heldBack.count - held
            let hidden = remote?.listedAssets[remoteID]?.count(where: \.nameIsHidden) ?? 0
            warnings.append(
                "\(group.key): the group \(remoteID) holds \(hidden) asset\(hidden == 1 ? "" : "s") nothing tracks that "
                    + "\(hidden == 1 ? "is" : "are") still Processing, and the service hides \(hidden == 1 ? "its name" : "their names") "
                    + "until Active: any may be one this manifest declares (made by a run whose lockfile is lost). "
                    + "\(n) create\(n == 1 ? " is" : "s are") held back, not billed: plan again once they are Active, "
                    + "and each found is adopted")
        }
        // Tracked assets that left the manifest: none when every tracked key is still declared
        // (a group's asset keys are unique: the manifest's decoder refuses a key twice).
        if let locked, tracked < locked.assets.count {
            let keys = Set(group.assets.map(\.key))
            // Only the few that left the manifest are sorted, not every tracked asset.
            for (key, a) in locked.assets.filter({ !keys.contains($0.key) }).sorted(by: { $0.key < $1.key }) {
                let address = Address(group: group.key, asset: key)
                steps.append(
                    Plan.Step(
                        address: address, action: .forget(id: a.id),
                        reason: moves.forgetReasons[address] ?? "not in the manifest; the remote asset stays"))
            }
        }
    }

    mutating func planUpdate(_ group: Group, _ locked: LockedGroup) {
        let seen = remote?.groups[locked.id]
        var name: Plan.FieldChange?
        var description: Plan.FieldChange?
        if group.name != locked.name {
            name = Plan.FieldChange(before: locked.name, after: group.name)
        } else if let seen, seen.name != group.name {
            name = Plan.FieldChange(before: seen.name, after: group.name)
        }
        if let d = group.description {
            if d != locked.description {
                description = Plan.FieldChange(before: locked.description, after: d)
            } else if let seen, seen.description != d {
                description = Plan.FieldChange(before: seen.description, after: d)
            }
        }
        if name == nil && description == nil {
            unchanged.append(Address(group: group.key))
        } else {
            appendUpdate(group, id: locked.id, name: name, description: description)
        }
    }

    mutating func appendUpdate(_ group: Group, id: String, name: Plan.FieldChange?, description: Plan.FieldChange?) {
        let step = Plan.Step(
            address: Address(group: group.key), action: .updateGroup(id: id, name: name, description: description), reason: "")
        guard planner.capabilities.canUpdate else {
            warnings.append("\(group.key): \(describe(step.changes)) cannot be changed in place on 0-0 (it has no update call)")
            unchanged.append(step.address)
            return
        }
        steps.append(Plan.Step(address: step.address, action: step.action, reason: describe(step.changes)))
    }

    /// The oldest listed group of that name that nothing tracks.
    func adoptableGroup(named name: String) -> RemoteGroup? {
        guard canAdopt, let listed = remote?.listedGroups else { return nil }
        return listed.filter { $0.name == name && !claimed.contains($0.id) }.min { ($0.createTime ?? 0) < ($1.createTime ?? 0) }
    }

    // MARK: - Assets

    /// `gone`: the id the lockfile tracked for it in a group that is gone.
    mutating func plan(
        _ asset: Asset, in group: Group, groupID: String?, locked: LockedAsset?, groupIsNew: Bool, gone: String? = nil
    ) {
        let address = Address(group: group.key, asset: asset.key)
        // Made only for the steps that carry it (most assets of a big plan are unchanged).
        var spec: Plan.AssetSpec { Plan.AssetSpec(name: asset.name, type: asset.type, url: asset.url, revision: asset.revision) }
        func add(_ action: Plan.Action, _ reason: String) {
            steps.append(Plan.Step(address: address, action: action, reason: reason))
        }
        guard let locked else {
            if !groupIsNew, let groupID, let found = adoptableAsset(asset, in: groupID) {
                claimed.insert(found.id)
                add(
                    .adoptAsset(spec, id: found.id, status: found.status),
                    "found by name in its group (\(found.id), \(found.status.rawValue)); this lockfile did not create it; "
                        + "recorded without a billed call"
                        + (found.status == .failed
                            ? "; it failed remotely (\(found.failure.map { "\($0.code): \($0.message)" } ?? "no reason given")) "
                                + "and is created again only with --retry-failed or a changed url" : ""))
            } else if let across = moves.acrossGroups[address] {
                add(
                    .replaceAsset(spec, old: across.id, url: nil, type: nil, revision: nil, failure: nil),
                    "\(across.how), in another group: the service cannot move an asset between groups, so it is "
                        + "registered here again (one billed create); the old asset \(across.id) stays remotely, untracked")
            } else if !groupIsNew, let groupID, hiddenProcessing(in: groupID, type: asset.type) > 0 {
                // One of them may be this asset, made by a run whose lockfile is lost: a create
                // now could be a billed duplicate. Held back until their names show.
                heldBack.append(address)
            } else {
                add(.createAsset(spec, gone: gone), groupIsNew ? "its group is created again" : "new")
            }
            return
        }
        if locked.url != asset.url || locked.type != asset.type {
            let url = locked.url != asset.url ? Plan.FieldChange(before: locked.url, after: asset.url) : nil
            let type =
                locked.type != asset.type ? Plan.FieldChange(before: locked.type.rawValue, after: asset.type.rawValue) : nil
            add(
                .replaceAsset(spec, old: locked.id, url: url, type: type, revision: nil, failure: nil),
                (url != nil ? "url changed" : "type changed") + "; the old asset \(locked.id) stays remotely, untracked")
            return
        }
        // A revision names the content behind the URL: a new one means it changed.
        if let revision = asset.revision, revision != locked.revision {
            add(
                .replaceAsset(
                    spec, old: locked.id, url: nil, type: nil,
                    revision: Plan.FieldChange(before: locked.revision, after: revision), failure: nil),
                "revision changed; the old asset \(locked.id) stays remotely, untracked")
            return
        }
        if isGone(locked.id) {
            add(.createAsset(spec, gone: locked.id), "the remote asset \(locked.id) is gone")
            return
        }
        if planner.replace.contains(where: { address.isCovered(by: $0) }) {
            add(
                .replaceAsset(spec, old: locked.id, url: nil, type: nil, revision: nil, failure: nil),
                "replaced on request (--replace); the old asset \(locked.id) stays remotely, untracked")
            return
        }
        let seen = remote?.assets[locked.id]
        let status = seen?.status ?? locked.status
        switch status {
        case .failed:
            let failure = seen?.failure ?? locked.failure
            let why = failure.map { "\($0.code): \($0.message)" } ?? "no reason given"
            if planner.retryFailed {
                add(
                    .replaceAsset(spec, old: locked.id, url: nil, type: nil, revision: nil, failure: failure),
                    "it failed remotely (\(why)); --retry-failed creates it again")
            } else {
                add(
                    .failed(id: locked.id, failure: failure),
                    "failed remotely (\(why)); created again only with --retry-failed or a changed url")
            }
        case .processing:
            add(.wait(id: locked.id), "Processing")
            // A new name is given now: the service hides the name while Processing, so only the
            // lockfile's is compared.
            if asset.name != locked.name { rename(locked.id, Plan.FieldChange(before: locked.name, after: asset.name)) }
        case .active:
            var name: Plan.FieldChange?
            if asset.name != locked.name {
                name = Plan.FieldChange(before: locked.name, after: asset.name)
            } else if let seen, !seen.name.isEmpty, seen.name != asset.name {
                name = Plan.FieldChange(before: seen.name, after: asset.name)
            }
            guard let name else {
                unchanged.append(address)
                return
            }
            if !rename(locked.id, name) { unchanged.append(address) }
        }
        /// An update of the name, or on 0-0 a warning that it cannot be made; whether it is planned.
        @discardableResult
        func rename(_ id: String, _ name: Plan.FieldChange) -> Bool {
            let changes = [Plan.Change(field: "name", before: name.before, after: name.after)]
            guard planner.capabilities.canUpdate else {
                warnings.append("\(address): \(describe(changes)) cannot be changed in place on 0-0 (it has no update call)")
                return false
            }
            add(.updateAsset(id: id, name: name), describe(changes))
            return true
        }
    }

    /// Listed assets of the group that nothing tracks, still Processing with their name hidden
    /// (the service may show `""` until it is Active), and of `type` where the service says.
    func hiddenProcessing(in groupID: String, type: AssetType) -> Int {
        guard canAdopt, let listed = remote?.listedAssets[groupID] else { return 0 }
        return listed.count {
            $0.nameIsHidden && ($0.type == nil || $0.type == type) && !claimed.contains($0.id)
        }
    }

    /// A listed asset of the same name and type in the group that nothing tracks: Active first,
    /// then Processing, then the oldest; a Failed one only when there is no other, it failed on
    /// the manifest's url (a changed url is created again, SPEC §5), and failed assets are not
    /// being created again (`--retry-failed`): it is recorded as it is, not registered again
    /// unasked.
    func adoptableAsset(_ asset: Asset, in groupID: String) -> RemoteAsset? {
        guard canAdopt, let listed = remote?.listedAssets[groupID] else { return nil }
        func rank(_ a: RemoteAsset) -> Int { a.status == .active ? 0 : a.status == .processing ? 1 : 2 }
        return listed.filter {
            $0.name == asset.name && $0.type == asset.type && !claimed.contains($0.id)
                && ($0.status != .failed || (!planner.retryFailed && $0.url == asset.url))
        }
        .min { a, b in (rank(a), a.createTime ?? 0) < (rank(b), b.createTime ?? 0) }
    }

    // MARK: - Forgets and targets

    mutating func forgetUnmanaged(_ manifest: Manifest) {
        let keys = Set(manifest.groups.map(\.key))
        for (key, g) in (lock?.groups ?? [:]).sorted(by: { $0.key < $1.key }) where !keys.contains(key) {
            let n = g.assets.count
            steps.append(
                Plan.Step(
                    address: Address(group: key), action: .forget(id: g.id),
                    reason: "not in the manifest; the remote group (and its \(n) asset\(n == 1 ? "" : "s")) stays"))
        }
    }

    func describe(_ changes: [Plan.Change]) -> String {
        changes.map { "\($0.field): \(quote($0.before)) → \(quote($0.after))" }.joined(separator: ", ")
    }

    func quote(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "(none)" }

    /// The steps the targets name: a target covers itself and, for a group, its assets; an
    /// asset brings its group's create or adopt along (the asset needs the group's id).
    mutating func finish(targets: [Address]) -> Plan {
        // A moved object is counted by its move, not as unchanged too.
        if !moves.steps.isEmpty {
            let moved = Set(moves.steps.map(\.address))
            unchanged.removeAll { moved.contains($0) }
        }
        guard !targets.isEmpty else {
            return Plan(steps: steps, unchanged: unchanged, warnings: warnings, heldBack: heldBack)
        }
        let groupsOfTargetedAssets = Set(targets.filter { !$0.isGroup }.map(\.group))
        func inScope(_ address: Address) -> Bool { targets.contains { address.isCovered(by: $0) } }
        // The old record of an asset registered again in another group goes with its new one.
        var oldOfKept = Set<Address>()
        for (to, across) in moves.acrossGroups where inScope(to) { oldOfKept.insert(across.from) }
        // A group that left the manifest is one forget step at the group's address: a target
        // naming one of its assets forgets (or, with --prune, deletes) that asset alone.
        var narrowed: [Plan.Step] = []
        narrowed.reserveCapacity(steps.count)
        for s in steps {
            guard s.verb == .forget, s.kind == .group, !targets.contains(s.address),
                groupsOfTargetedAssets.contains(s.address.group), let locked = lock?.groups[s.address.group]
            else {
                narrowed.append(s)
                continue
            }
            let keys = Set(targets.filter { $0.group == s.address.group }.compactMap(\.asset))
            for key in keys.sorted() {
                guard let a = locked.assets[key] else { continue }
                let target = Address(group: s.address.group, asset: key)
                narrowed.append(
                    Plan.Step(
                        address: target, action: .forget(id: a.id),
                        reason: moves.forgetReasons[target] ?? "not in the manifest (its group left it); the remote asset stays"))
            }
        }
        let kept = narrowed.filter { s in
            if case .move(let from, _) = s.action, inScope(from) { return true }
            if s.verb == .forget && oldOfKept.contains(s.address) { return true }
            return inScope(s.address)
                || (s.kind == .group && groupsOfTargetedAssets.contains(s.address.group)
                    && (s.verb == .create || s.verb == .adopt || s.verb == .move))
        }
        return Plan(
            steps: kept, unchanged: unchanged.filter(inScope), warnings: warnings, heldBack: heldBack.filter(inScope))
    }
}
