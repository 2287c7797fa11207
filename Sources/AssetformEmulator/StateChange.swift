/// One change to the emulator's objects, as `StateLog` keeps it: the whole record after a create
/// or an update, the id of what a delete removed, a key's billed creates, or a reset. Replayed
/// in order onto the state file's snapshot, changes give the state the emulator answered from.
struct StateChange: Codable, Sendable {
    /// The tenant (dialect and key digest) changed; nil only for a reset.
    var tenant: String?
    var group: GroupRecord?
    var asset: AssetRecord?
    var removedGroup: String?
    var removedAsset: String?
    /// The tenant's billed creates after the change.
    var billed: Int?
    var reset: Bool?
}

extension PersistedState {
    /// `change` made on this state (as the emulator made it: a record made or changed keeps its
    /// place in creation order; a replayed record already there is changed in place).
    mutating func replay(_ change: StateChange) {
        if change.reset == true {
            tenants = [:]
            billed = [:]
            return
        }
        guard let key = change.tenant else { return }
        var tenant = tenants[key] ?? Tenant()
        if let g = change.group {
            if tenant.groups[g.id] == nil { tenant.groupOrder.append(g.id) }
            tenant.groups[g.id] = g
            tenant.nextSequence = max(tenant.nextSequence, g.sequence)
        }
        if let a = change.asset {
            if tenant.assets[a.id] == nil {
                tenant.assetOrder.append(a.id)
                tenant.groupAssets[a.groupID, default: []].append(a.id)
            }
            tenant.assets[a.id] = a
            tenant.nextSequence = max(tenant.nextSequence, a.sequence)
        }
        if let id = change.removedAsset { tenant.removeAsset(id) }
        if let id = change.removedGroup { _ = tenant.removeGroup(id) }
        if let n = change.billed { billed = (billed ?? [:]).merging([key: n]) { _, new in new } }
        tenants[key] = tenant
    }
}
