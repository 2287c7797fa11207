extension Planner {
    /// `--prune`: forgets become deletes (a group's tracked assets are deleted before it, each
    /// a step of its own). `--prune-failed`: a Failed asset left alone, or out of the manifest
    /// (alone or with its group, which is only forgotten), is deleted; one created
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
                    for (key, a) in group.assets.sorted(by: { $0.key < $1.key }) {
                        let address = Address(group: step.address.group, asset: key)
                        if moved.contains(address) {
                            registeredElsewhere += 1
                            continue
                        }
                        // One gone already is deleted too (a delete of what is gone is done at
                        // once): the group is deleted only once nothing it held is tracked.
                        out.append(
                            Plan.Step(
                                address: address, action: .delete(id: a.id),
                                reason: gone(a.id)
                                    ? "its group left the manifest; the remote asset is gone already: dropped from the lockfile"
                                    : "its group left the manifest; deleted (--prune)"))
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
            case .forget(let id) where pruneFailed && !gone(id) && !moved.contains(step.address):
                // Out of the manifest without --prune: forgotten, but what failed remotely is
                // deleted first (it may hold a quota slot, and untracked, no later run could).
                if !step.address.isGroup {
                    if failed(id, at: step.address) {
                        out.append(
                            Plan.Step(
                                address: step.address, action: .delete(id: id),
                                reason: "not in the manifest, and failed remotely; deleted (--prune-failed)"))
                        continue
                    }
                } else if let group = lock?.groups[step.address.group] {
                    for (key, a) in group.assets.sorted(by: { $0.key < $1.key }) where !gone(a.id) {
                        let address = Address(group: step.address.group, asset: key)
                        guard !moved.contains(address), failed(a.id, at: address) else { continue }
                        out.append(
                            Plan.Step(
                                address: address, action: .delete(id: a.id),
                                reason: "its group left the manifest, and it failed remotely; deleted (--prune-failed)"))
                    }
                }
                out.append(step)
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
                // (Its old asset does not stay: the step above deletes it.)
                out.append(
                    Plan.Step(
                        address: step.address, action: step.action,
                        reason: step.reason.replacing(
                            "the old asset \(old) stays remotely, untracked", with: "the old asset \(old) is deleted first")))
            default:
                out.append(step)
            }
        }
        return out
    }
}
