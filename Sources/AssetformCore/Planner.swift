/// Plans: a pure function of the manifest, the lockfile and the refreshed remote state (SPEC §5).
public struct Planner: Sendable {
    public var capabilities: Capabilities
    /// Create again assets that failed remotely.
    public var retryFailed = false
    /// Limit the plan to these addresses (a group includes its assets; an asset includes its
    /// group where the group must be created or adopted first); empty: everything.
    public var targets: [String] = []

    public init(capabilities: Capabilities, retryFailed: Bool = false, targets: [String] = []) {
        self.capabilities = capabilities
        self.retryFailed = retryFailed
        self.targets = targets
    }

    /// `remote` nil means `--no-refresh`: trust the lockfile.
    public func plan(_ manifest: Manifest, lock: Lockfile?, remote: RemoteState?) -> Plan {
        var work = Work(planner: self, lock: lock, remote: remote)
        for group in manifest.groups { work.plan(group) }
        work.forgetUnmanaged(manifest)
        return work.finish(targets: targets)
    }
}

/// One planning pass.
private struct Work {
    let planner: Planner
    let lock: Lockfile?
    let remote: RemoteState?
    var steps: [Plan.Step] = []
    var unchanged: [String] = []
    var warnings: [String] = []
    /// Remote ids the lockfile tracks, or this plan adopts: never adopted twice. Only kept when
    /// anything can be adopted (a refresh that listed).
    var claimed: Set<String> = []

    init(planner: Planner, lock: Lockfile?, remote: RemoteState?) {
        self.planner = planner
        self.lock = lock
        self.remote = remote
        if remote != nil && planner.capabilities.canList {
            for g in lock?.groups.values ?? [:].values {
                claimed.insert(g.id)
                for a in g.assets.values { claimed.insert(a.id) }
            }
        }
    }

    var canAdopt: Bool { remote != nil && planner.capabilities.canList }

    func isGone(_ id: String) -> Bool { remote?.missing.contains(id) ?? false }

    // MARK: - Groups

    mutating func plan(_ group: Group) {
        let locked = lock?.groups[group.key]
        var remoteID: String?
        var fresh = false
        if let locked, !isGone(locked.id) {
            remoteID = locked.id
            planUpdate(group, locked)
        } else if let adopted = adoptableGroup(named: group.name) {
            remoteID = adopted.id
            claimed.insert(adopted.id)
            var step = groupStep(group, .adopt, "found by name (\(adopted.id)); recorded without a billed call")
            step.remoteID = adopted.id
            steps.append(step)
            if let d = group.description, d != adopted.description {
                appendUpdate(
                    group, id: adopted.id, changes: [Plan.Change(field: "description", before: adopted.description, after: d)])
            }
        } else {
            fresh = true
            let reason = locked.map { "the remote group \($0.id) is gone" } ?? "new"
            steps.append(groupStep(group, .create, reason))
        }
        for asset in group.assets {
            plan(
                asset, in: group, groupID: remoteID, locked: fresh ? nil : locked?.assets[asset.key],
                groupIsNew: fresh && locked != nil)
        }
        if let locked {
            let keys = Set(group.assets.map(\.key))
            // Only the few that left the manifest are sorted, not every tracked asset.
            for (key, a) in locked.assets.filter({ !keys.contains($0.key) }).sorted(by: { $0.key < $1.key }) {
                var step = Plan.Step(
                    address: group.key + "/" + key, kind: .asset, action: .forget,
                    reason: "not in the manifest; the remote asset stays",
                    groupKey: group.key, assetKey: key)
                step.remoteID = a.id
                steps.append(step)
            }
        }
    }

    func groupStep(_ group: Group, _ action: Plan.Action, _ reason: String) -> Plan.Step {
        var step = Plan.Step(address: group.key, kind: .group, action: action, reason: reason, groupKey: group.key)
        step.name = group.name
        step.description = group.description
        return step
    }

    mutating func planUpdate(_ group: Group, _ locked: LockedGroup) {
        let seen = remote?.groups[locked.id]
        var changes: [Plan.Change] = []
        if group.name != locked.name {
            changes.append(Plan.Change(field: "name", before: locked.name, after: group.name))
        } else if let seen, seen.name != group.name {
            changes.append(Plan.Change(field: "name", before: seen.name, after: group.name))
        }
        if let d = group.description {
            if d != locked.description {
                changes.append(Plan.Change(field: "description", before: locked.description, after: d))
            } else if let seen, seen.description != d {
                changes.append(Plan.Change(field: "description", before: seen.description, after: d))
            }
        }
        if changes.isEmpty {
            unchanged.append(group.key)
        } else {
            appendUpdate(group, id: locked.id, changes: changes)
        }
    }

    mutating func appendUpdate(_ group: Group, id: String, changes: [Plan.Change]) {
        guard planner.capabilities.canUpdate else {
            warnings.append("\(group.key): \(describe(changes)) cannot be changed in place on 0-0 (it has no update call)")
            unchanged.append(group.key)
            return
        }
        var step = groupStep(group, .update, describe(changes))
        step.changes = changes
        step.remoteID = id
        steps.append(step)
    }

    /// The oldest listed group of that name that nothing tracks.
    func adoptableGroup(named name: String) -> RemoteGroup? {
        guard canAdopt, let listed = remote?.listedGroups else { return nil }
        return listed.filter { $0.name == name && !claimed.contains($0.id) }.min { ($0.createTime ?? 0) < ($1.createTime ?? 0) }
    }

    // MARK: - Assets

    mutating func plan(_ asset: Asset, in group: Group, groupID: String?, locked: LockedAsset?, groupIsNew: Bool) {
        let address = group.key + "/" + asset.key
        func step(_ action: Plan.Action, _ reason: String) -> Plan.Step {
            var s = Plan.Step(
                address: address, kind: .asset, action: action, reason: reason, groupKey: group.key, assetKey: asset.key)
            s.name = asset.name
            s.url = asset.url
            s.type = asset.type
            return s
        }
        guard let locked else {
            if !groupIsNew, let groupID, let found = adoptableAsset(asset, in: groupID) {
                claimed.insert(found.id)
                var s = step(
                    .adopt, "found by name in its group (\(found.id), \(found.status.rawValue)); recorded without a billed call")
                s.remoteID = found.id
                s.status = found.status
                steps.append(s)
            } else {
                steps.append(step(.create, groupIsNew ? "its group is created again" : "new"))
            }
            return
        }
        if locked.url != asset.url || locked.type != asset.type {
            var s = step(.replace, locked.url != asset.url ? "url changed" : "type changed")
            if locked.url != asset.url { s.changes.append(Plan.Change(field: "url", before: locked.url, after: asset.url)) }
            if locked.type != asset.type {
                s.changes.append(Plan.Change(field: "type", before: locked.type.rawValue, after: asset.type.rawValue))
            }
            s.reason += "; the old asset \(locked.id) stays remotely, untracked"
            s.remoteID = locked.id
            steps.append(s)
            return
        }
        if isGone(locked.id) {
            var s = step(.create, "the remote asset \(locked.id) is gone")
            s.remoteID = locked.id
            steps.append(s)
            return
        }
        let seen = remote?.assets[locked.id]
        let status = seen?.status ?? locked.status
        switch status {
        case .failed:
            let failure = seen?.failure ?? locked.failure
            let why = failure.map { "\($0.code): \($0.message)" } ?? "no reason given"
            if planner.retryFailed {
                var s = step(.replace, "it failed remotely (\(why)); --retry-failed creates it again")
                s.remoteID = locked.id
                s.failure = failure
                steps.append(s)
            } else {
                var s = step(.failed, "failed remotely (\(why)); created again only with --retry-failed or a changed url")
                s.remoteID = locked.id
                s.failure = failure
                steps.append(s)
            }
        case .processing:
            var s = step(.wait, "Processing")
            s.remoteID = locked.id
            steps.append(s)
        case .active:
            var changes: [Plan.Change] = []
            if asset.name != locked.name {
                changes.append(Plan.Change(field: "name", before: locked.name, after: asset.name))
            } else if let seen, !seen.name.isEmpty, seen.name != asset.name {
                changes.append(Plan.Change(field: "name", before: seen.name, after: asset.name))
            }
            if changes.isEmpty {
                unchanged.append(address)
            } else if !planner.capabilities.canUpdate {
                warnings.append("\(address): \(describe(changes)) cannot be changed in place on 0-0 (it has no update call)")
                unchanged.append(address)
            } else {
                var s = step(.update, describe(changes))
                s.changes = changes
                s.remoteID = locked.id
                steps.append(s)
            }
        }
    }

    /// A listed asset of the same name and type in the group that nothing tracks: Active first,
    /// then the oldest.
    func adoptableAsset(_ asset: Asset, in groupID: String) -> RemoteAsset? {
        guard canAdopt, let listed = remote?.listedAssets[groupID] else { return nil }
        return listed.filter {
            $0.name == asset.name && $0.type == asset.type && !claimed.contains($0.id) && $0.status != .failed
        }
        .min { a, b in
            (a.status == .active ? 0 : 1, a.createTime ?? 0) < (b.status == .active ? 0 : 1, b.createTime ?? 0)
        }
    }

    // MARK: - Forgets and targets

    mutating func forgetUnmanaged(_ manifest: Manifest) {
        let keys = Set(manifest.groups.map(\.key))
        for (key, g) in (lock?.groups ?? [:]).sorted(by: { $0.key < $1.key }) where !keys.contains(key) {
            let n = g.assets.count
            var step = Plan.Step(
                address: key, kind: .group, action: .forget,
                reason: "not in the manifest; the remote group (and its \(n) asset\(n == 1 ? "" : "s")) stays", groupKey: key)
            step.remoteID = g.id
            steps.append(step)
        }
    }

    func describe(_ changes: [Plan.Change]) -> String {
        changes.map { "\($0.field): \(quote($0.before)) → \(quote($0.after))" }.joined(separator: ", ")
    }

    func quote(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "(none)" }

    func finish(targets: [String]) -> Plan {
        guard !targets.isEmpty else { return Plan(steps: steps, unchanged: unchanged, warnings: warnings) }
        let wanted = Set(targets)
        let groupsOfTargetedAssets = Set(targets.compactMap { t in t.firstIndex(of: "/").map { String(t[..<$0]) } })
        func inScope(_ address: String, group: String) -> Bool { wanted.contains(address) || wanted.contains(group) }
        let kept = steps.filter { s in
            inScope(s.address, group: s.groupKey)
                || (s.kind == .group && groupsOfTargetedAssets.contains(s.groupKey)
                    && (s.action == .create || s.action == .adopt))
        }
        let keptUnchanged = unchanged.filter { a in inScope(a, group: String(a.split(separator: "/").first ?? "")) }
        return Plan(steps: kept, unchanged: keptUnchanged, warnings: warnings)
    }
}
