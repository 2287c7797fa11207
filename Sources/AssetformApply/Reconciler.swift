public import AssetformCore
public import AssetformRemote

/// Finds what a create of unknown outcome made (SPEC §6), on a dialect that can list: the
/// group's listing is searched for an untracked object of that name made since the intent (or,
/// where none is, shortly before it, as the clocks may differ; never long before: a replace
/// leaves one behind). An asset still Processing
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
        /// The id tracked at the address when the create was decided (the asset a replace
        /// replaces, or one gone): nothing made before it, by the service's clock, is taken for
        /// what the create made.
        public var replacing: String?

        public init(name: String, type: AssetType, since: Double, replacing: String? = nil) {
            self.name = name
            self.type = type
            self.since = since
            self.replacing = replacing
        }
    }

    /// For each wanted asset of one group, the asset its create made (claimed), or nil when it
    /// made none.
    public func assets(in groupID: String, wanted: [Wanted]) async throws(RemoteError) -> [RemoteAsset?] {
        var found = [RemoteAsset?](repeating: nil, count: wanted.count)
        var resolved = [Bool](repeating: false, count: wanted.count)
        // Nameless Processing assets are waited for as far back as one may be taken (below).
        let earliest = (wanted.map(\.since).min() ?? 0) - Self.fallbackWindow
        let deadline = ContinuousClock.now + patience
        var delay = Duration.milliseconds(250)
        while true {
            let listed = try await service.allAssets(groupIDs: [groupID])
            for (i, w) in wanted.enumerated() where !resolved[i] {
                // Made by that create: the same name and type, not tracked, and made since the
                // intent (give or take `skew`): the first of those. Where there is none, one made
                // a little before it (the clocks may differ by more: then this machine's runs
                // ahead) — never long before: a replace leaves the asset it replaces behind, of the
                // same name, and that one must not be taken for the new one: nor anything made
                // before the asset it replaces (left behind by an earlier replace).
                let floor = w.replacing.flatMap { id in listed.first { $0.id == id }?.createTime }
                let candidates = listed.filter {
                    $0.name.isSameText(as: w.name) && ($0.type == nil || $0.type == w.type)
                        && Self.mayHaveMade(w.since, $0.createTime, recent: $0.status != .failed, after: floor)
                }
                .sorted { a, b in
                    let (ra, rb) = (Self.madeSince(w.since, a.createTime), Self.madeSince(w.since, b.createTime))
                    return ra != rb ? ra : (a.createTime ?? .infinity) < (b.createTime ?? .infinity)
                }
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

    /// How much earlier than an intent an object may have been made, by the service's clock, and
    /// still be taken for what its create made when nothing made since is found: a clock that
    /// runs ahead of the service's by less than this still finds its create's object (else it
    /// would be sent again, billed). A replace made longer ago than this left nothing that can be
    /// taken for the new one.
    static let fallbackWindow = 600.0

    /// Made since an intent journaled at `since` (give or take `skew`); one whose time is not
    /// known may be.
    static func madeSince(_ since: Double, _ createTime: Double?) -> Bool {
        (createTime ?? .infinity) >= since - skew
    }

    /// Whether an object made at `createTime` may be what a create whose intent was journaled
    /// at `since` made: made since it, or (a Failed one excepted, which a create just made
    /// would not be yet) within `fallbackWindow` before it and after `after` (when the time of
    /// the asset it replaces is known).
    static func mayHaveMade(_ since: Double, _ createTime: Double?, recent: Bool, after floor: Double? = nil) -> Bool {
        madeSince(since, createTime)
            || (recent && (createTime ?? .infinity) >= since - fallbackWindow
                && floor.map { (createTime ?? .infinity) > $0 } != false)
    }

    /// The group a create of unknown outcome made (claimed), or nil when it made none.
    public func group(named name: String, since: Double) async throws(RemoteError) -> RemoteGroup? {
        // (As for assets: made since the intent first, then a little before it, never long before.)
        let listed = try await service.allGroups().filter {
            $0.name.isSameText(as: name) && Self.mayHaveMade(since, $0.createTime, recent: true)
        }
        .sorted { a, b in
            let (ra, rb) = (Self.madeSince(since, a.createTime), Self.madeSince(since, b.createTime))
            return ra != rb ? ra : (a.createTime ?? .infinity) < (b.createTime ?? .infinity)
        }
        for g in listed {
            if await claim(g.id) { return g }
        }
        return nil
    }
}
