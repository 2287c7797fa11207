/// What preflight (`--check-urls`, SPEC §10) does to a plan: which of its steps register a
/// source, what it saw of each, and the steps left out because their source failed its check.
extension Plan {
    /// The assets this plan creates (new, replaced, created again): the billed calls a source
    /// check can spare.
    public var registrations: [(address: Address, spec: AssetSpec)] {
        steps.compactMap { step in
            switch step.action {
            case .createAsset(let spec, _), .replaceAsset(let spec, _, _, _, _, _): (step.address, spec)
            default: nil
            }
        }
    }

    /// The plan with what preflight saw of each source, recorded with what its create makes.
    public func recording(sources: [Address: SourceFingerprint]) -> Plan {
        guard !sources.isEmpty else { return self }
        var plan = self
        for i in plan.steps.indices {
            guard let source = sources[plan.steps[i].address] else { continue }
            switch plan.steps[i].action {
            case .createAsset(var spec, let gone):
                spec.source = source
                plan.steps[i].action = .createAsset(spec, gone: gone)
            case .replaceAsset(var spec, let old, let url, let type, let revision, let failure):
                spec.source = source
                plan.steps[i].action = .replaceAsset(spec, old: old, url: url, type: type, revision: revision, failure: failure)
            default: break
            }
        }
        return plan
    }

    /// The plan without the registrations of `addresses` (their source failed its check), each
    /// named in a warning. Nothing else depends on an asset's create, so nothing else changes.
    public func leavingOut(_ addresses: Set<Address>, because reason: String) -> Plan {
        guard !addresses.isEmpty else { return self }
        var plan = self
        var removed = Set<Address>()
        plan.steps.removeAll { step in
            guard addresses.contains(step.address) else { return false }
            switch step.action {
            case .createAsset, .replaceAsset:
                removed.insert(step.address)
                return true
            default: return false
            }
        }
        plan.warnings += removed.sorted { $0.description < $1.description }.map { "\($0): left out of this run: \(reason)" }
        return plan
    }
}
