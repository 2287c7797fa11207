public import AssetformCore
public import AssetformRemote

/// Finds what a create of unknown outcome made (SPEC §6), on a dialect that can list: the
/// group's listing is searched for an untracked object of that name made since the intent (an
/// older one was not made by it: a replace leaves one behind). An asset still Processing
/// may show an empty name: while the group holds such assets, made after the intent and
/// tracked by nobody, the search waits for them to settle before it concludes there is none.
public struct Reconciler: Sendable {
    public let service: any AssetService
    /// Claims an id for the address being reconciled: false when something tracks it already.
    public let claim: @Sendable (String) async -> Bool
    public let isClaimed: @Sendable (String) async -> Bool
    /// How long to wait for nameless Processing assets to settle.
    public let patience: Duration

    /// Clock difference allowed between this machine and the service.
    static let skew = 5.0

    public init(
        service: any AssetService, patience: Duration, claim: @escaping @Sendable (String) async -> Bool,
        isClaimed: @escaping @Sendable (String) async -> Bool
    ) {
        self.service = service
        self.patience = patience
        self.claim = claim
        self.isClaimed = isClaimed
    }

    public struct Wanted: Sendable {
        public var name: String
        public var type: AssetType
        /// When the create's intent was journaled (seconds since 1970).
        public var since: Double

        public init(name: String, type: AssetType, since: Double) {
            self.name = name
            self.type = type
            self.since = since
        }
    }

    /// For each wanted asset of one group, the asset its create made (claimed), or nil when it
    /// made none.
    public func assets(in groupID: String, wanted: [Wanted]) async throws(RemoteError) -> [RemoteAsset?] {
        var found = [RemoteAsset?](repeating: nil, count: wanted.count)
        var resolved = [Bool](repeating: false, count: wanted.count)
        let earliest = (wanted.map(\.since).min() ?? 0) - Self.skew
        let deadline = ContinuousClock.now + patience
        var delay = Duration.milliseconds(250)
        while true {
            let listed = try await service.allAssets(groupIDs: [groupID])
            for (i, w) in wanted.enumerated() where !resolved[i] {
                // Made by that create: the same name and type, not tracked, and not older than
                // the intent. An older one of that name was never made by it: a replace leaves the
                // asset it replaces behind, of the same name, and that one must not be taken for
                // the new one (the first made after the intent is).
                let candidates = listed.filter {
                    $0.name.isSameText(as: w.name) && ($0.type == nil || $0.type == w.type) && Self.madeSince(w.since, $0)
                }
                .sorted { ($0.createTime ?? .infinity) < ($1.createTime ?? .infinity) }
                for c in candidates {
                    if await claim(c.id) {
                        found[i] = c
                        resolved[i] = true
                        break
                    }
                }
            }
            if resolved.allSatisfy({ $0 }) { return found }
            var unsettled = 0
            for a in listed where a.nameIsHidden && (a.createTime ?? .infinity) >= earliest {
                if await !isClaimed(a.id) { unsettled += 1 }
            }
            if unsettled == 0 { return found }
            guard ContinuousClock.now + delay < deadline else {
                throw RemoteError(
                    .ambiguous, call: "ListAssets",
                    message:
                        "\(unsettled) asset\(unsettled == 1 ? " is" : "s are") still Processing without a name after \(DurationText.format(patience)); "
                        + "the create's outcome stays unknown, and the next apply looks again")
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    /// Whether `asset` may have been made by a create whose intent was journaled at `since`: not
    /// made before it (by more than the clocks may differ); one whose time is not known may be.
    static func madeSince(_ since: Double, _ asset: RemoteAsset) -> Bool {
        (asset.createTime ?? .infinity) >= since - skew
    }

    /// The group a create of unknown outcome made (claimed), or nil when it made none.
    public func group(named name: String, since: Double) async throws(RemoteError) -> RemoteGroup? {
        // (As for assets: one older than the intent was never made by it.)
        let listed = try await service.allGroups().filter {
            $0.name.isSameText(as: name) && ($0.createTime ?? .infinity) >= since - Self.skew
        }
        .sorted { ($0.createTime ?? .infinity) < ($1.createTime ?? .infinity) }
        for g in listed {
            if await claim(g.id) { return g }
        }
        return nil
    }
}
