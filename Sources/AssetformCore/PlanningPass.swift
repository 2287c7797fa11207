/// One planning pass over some of the manifest's groups.
struct PlanningPass: Sendable {
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

    /// The steps and findings of a pass over the groups after this one's, after this one's.
    /// (Called on a pass that nothing else holds: its lists grow in place, not copied whole.)
    mutating func append(_ later: PlanningPass) {
        steps += later.steps
        unchanged += later.unchanged
        warnings += later.warnings
        heldBack += later.heldBack
    }

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
            // Two or more remote groups of that name: the oldest is adopted, said with the others'
            // ids (assets in those are not looked at, and would be registered again).
            let others = (remote?.listedGroups ?? []).filter {
                $0.name.isSameText(as: group.name) && $0.id != adopted.id && !claimed.contains($0.id)
            }
            if !others.isEmpty {
                warnings.append(
                    "\(group.key): \(others.count + 1) remote groups are named \"\(group.name.visible)\"; the oldest, "
                        + "\(adopted.id), is adopted, not \(others.map(\.id).sorted().joined(separator: ", ")); "
                        + "to take another, `assetform import \(group.key) ID` before applying")
            }
            steps.append(
                Plan.Step(
                    address: address, action: .adoptGroup(id: adopted.id, name: group.name, description: group.description),
                    reason: "found by name (\(adopted.id)); this lockfile did not create it; recorded without a billed call"))
            // Remote assets in it that this manifest does not declare: someone else's, perhaps.
            let declared = Set(group.assets.map { ExactText("\($0.type.rawValue)/\($0.name)") })
            // (Those whose names are hidden while Processing are said apart, below.)
            let foreign = (remote?.listedAssets[adopted.id] ?? []).filter {
                !declared.contains(ExactText("\($0.type?.rawValue ?? "")/\($0.name)")) && !claimed.contains($0.id)
                    && !$0.nameIsHidden
            }
            if !foreign.isEmpty {
                warnings.append(
                    "\(group.key): the group \(adopted.id) it adopts holds \(foreign.count) remote asset\(foreign.count == 1 ? "" : "s") "
                        + "this manifest does not declare and nothing tracks; another manifest or the console may manage that group"
                )
            }
            if let d = group.description, !same(d, adopted.description) {
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
        // Most assets of a large plan are unchanged: with nothing refreshed and nothing to
        // replace, a record that matches byte for byte is unchanged without the general rules
        // below (which it would pass the same way; any other record goes through them).
        let records =
            planner.unchangedShortcut && !fresh && remote == nil && planner.replace.isEmpty ? locked?.assets : nil
        for j in group.assets.indices {
            // (The asset is read in place: no copy of it is made for the records that match.)
            if let records, let i = records.index(forKey: group.assets[j].key),
                records.values[i].isUnchanged(as: group.assets[j])
            {
                tracked += 1
                unchanged.append(Address(group: group.key, asset: group.assets[j].key))
                continue
            }
            let asset = group.assets[j]
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
        if !group.name.isSameText(as: locked.name) {
            name = Plan.FieldChange(before: locked.name, after: group.name)
        } else if let seen, !seen.name.isSameText(as: group.name) {
            name = Plan.FieldChange(before: seen.name, after: group.name)
        }
        if let d = group.description {
            if !same(d, locked.description) {
                description = Plan.FieldChange(before: locked.description, after: d)
            } else if let seen, !same(seen.description, d) {
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
        return listed.filter { $0.name.isSameText(as: name) && !claimed.contains($0.id) }.min {
            ($0.createTime ?? 0) < ($1.createTime ?? 0)
        }
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
            // (Never at a key this plan's moves just emptied, its record gone to a new key: an
            // asset of its name there is an older one, not the new url's.)
            if !groupIsNew, moves.moved[address] == nil, let groupID, let (found, others) = adoptableAsset(asset, in: groupID) {
                // A newer one of its type, Processing with its name hidden, may be it (a
                // replace's): held back until the names show, neither adopted nor created.
                guard !hiddenNewer(than: found, in: groupID, type: asset.type) else {
                    heldBack.append(address)
                    return
                }
                claimed.insert(found.id)
                if !others.isEmpty {
                    warnings.append(
                        "\(address): \(others.count + 1) remote \(asset.type.rawValue) assets in its group are named "
                            + "\"\(asset.name.visible)\" and tracked by nothing; the newest, \(found.id), is adopted, not "
                            + "\(others.map(\.id).joined(separator: ", ")) (a replace leaves the asset it replaces behind); "
                            + "to take another, `assetform import \(address) ID` before applying")
                }
                add(
                    .adoptAsset(spec, id: found.id, status: found.status, failure: found.status == .failed ? found.failure : nil),
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
        let urlChanged = !locked.url.isSameText(as: asset.url)
        if urlChanged || locked.type != asset.type {
            let url = urlChanged ? Plan.FieldChange(before: locked.url, after: asset.url) : nil
            let type =
                locked.type != asset.type ? Plan.FieldChange(before: locked.type.rawValue, after: asset.type.rawValue) : nil
            add(
                .replaceAsset(spec, old: locked.id, url: url, type: type, revision: nil, failure: nil),
                (url != nil ? "url changed" : "type changed") + "; the old asset \(locked.id) stays remotely, untracked")
            return
        }
        // A revision names the content behind the URL: a new one means it changed.
        if let revision = asset.revision, !same(revision, locked.revision) {
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
            if !asset.name.isSameText(as: locked.name) {
                rename(locked.id, Plan.FieldChange(before: locked.name, after: asset.name))
            }
        case .active:
            var name: Plan.FieldChange?
            if !asset.name.isSameText(as: locked.name) {
                name = Plan.FieldChange(before: locked.name, after: asset.name)
            } else if let seen, !seen.name.isEmpty, !seen.name.isSameText(as: asset.name) {
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

    /// A listed asset of the same name and type in the group that nothing tracks, and the others
    /// that could have been taken. The newest is taken: a replace (a new url or revision) leaves
    /// the asset it replaces behind, of the same name, so the newest is the manifest's content
    /// where an older one is not. A Failed one only when it failed on the manifest's url (a
    /// changed url is created again, SPEC §5) and failed assets are not being created again
    /// (`--retry-failed`): it is recorded as it is, not registered again unasked.
    func adoptableAsset(_ asset: Asset, in groupID: String) -> (taken: RemoteAsset, others: [RemoteAsset])? {
        guard canAdopt, let listed = remote?.listedAssets[groupID] else { return nil }
        let candidates = listed.filter {
            $0.name.isSameText(as: asset.name) && $0.type == asset.type && !claimed.contains($0.id)
        }
        // Newest first, whatever its status; where times are missing or equal, the larger id
        // (ids are stamped with their time).
        .sorted { a, b in (a.createTime ?? 0) != (b.createTime ?? 0) ? (a.createTime ?? 0) > (b.createTime ?? 0) : a.id > b.id }
        guard let taken = candidates.first else { return nil }
        // The newest Failed: taken only when it failed on the manifest's url and is not to be
        // created again; otherwise the asset is created, never an older one adopted in its
        // place (that one holds an earlier url's content).
        if taken.status == .failed && (planner.retryFailed || !same(taken.url, asset.url)) { return nil }
        return (taken, Array(candidates.dropFirst()))
    }

    /// Whether the group holds an untracked asset Processing with its name hidden, of `type`,
    /// made after `candidate`: it may be the newest of the name (a replace's, its lockfile lost),
    /// which adopting `candidate` would pass over; the asset is held back until names show.
    func hiddenNewer(than candidate: RemoteAsset, in groupID: String, type: AssetType) -> Bool {
        guard let listed = remote?.listedAssets[groupID] else { return false }
        return listed.contains {
            $0.nameIsHidden && ($0.type == nil || $0.type == type) && !claimed.contains($0.id)
                && ($0.createTime ?? .infinity) > (candidate.createTime ?? 0)
        }
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

    /// Texts compared as the service compares them: byte for byte (`isSameText`); nil only
    /// equals nil.
    func same(_ a: String?, _ b: String?) -> Bool { a.isSameText(as: b) }

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
            // A group's move that takes such an old record where its forget finds it.
            if s.kind == .group && s.verb == .move && oldOfKept.contains(where: { $0.group == s.address.group }) { return true }
            if s.verb == .forget && oldOfKept.contains(s.address) { return true }
            return inScope(s.address)
                || (s.kind == .group && groupsOfTargetedAssets.contains(s.address.group)
                    && (s.verb == .create || s.verb == .adopt || s.verb == .move))
        }
        return Plan(
            steps: kept, unchanged: unchanged.filter(inScope), warnings: warnings, heldBack: heldBack.filter(inScope))
    }
}
