extension Planner {
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
}
