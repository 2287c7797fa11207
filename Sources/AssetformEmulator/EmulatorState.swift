import DequeModule
import Durable
import Foundation
import JSON
import Timing

/// All of the emulator's mutable state, behind one actor: objects per dialect and key, token
/// buckets, counters, and the random source for faults.
actor EmulatorState {
    let configuration: EmulatorConfiguration
    private var tenants: [String: Tenant] = [:]
    private var buckets: [String: TokenBucket] = [:]
    private var pausedUntil: [String: ContinuousClock.Instant] = [:]
    private var random: SplitMix64
    private var stats = Stats()
    /// Whether there are changes not yet written to the state file.
    private(set) var dirty = false
    /// With a state file: each change, logged before the call that made it is answered.
    private var log: StateLog?

    struct Stats {
        var calls: [Dialect: [String: Int]] = [:]
        var throttled: [Dialect: Int] = [:]
        var committedGroups: [Dialect: Int] = [:]
        var committedAssets: [Dialect: Int] = [:]
        var internalErrors = 0
        var droppedResponses = 0
        /// The most assets one key had Processing at once, right after a create.
        var processingPeak: [Dialect: Int] = [:]
        /// Creates refused because the key had its most assets Processing.
        var processingRefused: [Dialect: Int] = [:]
        /// Deletes done (the upstream's `DeleteAssetGroup` / `DeleteAsset`); a group's assets
        /// count with the assets.
        var deletedGroups: [Dialect: Int] = [:]
        var deletedAssets: [Dialect: Int] = [:]
    }

    /// Per tenant, when each asset it created in this process stops Processing, earliest first
    /// (the delay is the same for all, so creation order is that order).
    private var processing: [String: Deque<Double>] = [:]
    /// Per tenant, billed creates made (for `balance`).
    private var billed: [String: Int] = [:]

    /// The writes a per-minute write quota counts (creates, updates and deletes, API.md §1).
    static let writeActions: Set<String> = [
        "CreateAssetGroup", "CreateAsset", "UpdateAssetGroup", "UpdateAsset", "DeleteAssetGroup", "DeleteAsset",
    ]

    init(configuration: EmulatorConfiguration, restoring persisted: PersistedState? = nil) {
        self.configuration = configuration
        random = SplitMix64(seed: configuration.seed ?? UInt64.random(in: .min ... .max))
        tenants = persisted?.tenants ?? [:]
        billed = persisted?.billed ?? [:]
        log =
            configuration.stateReadOnly
            ? nil : configuration.statePath.map { StateLog(statePath: $0, after: persisted?.logThrough ?? 0) }
        // What a restart must not forget: the assets still Processing hold their places.
        let now = Self.now()
        for (tk, tenant) in tenants {
            let ready = tenant.assets.values.map(\.readyTime).filter { $0 > now }.sorted()
            if !ready.isEmpty { processing[tk] = Deque(ready) }
        }
    }

    static func now() -> Double { UTCDate.now() }

    /// The name a key's data is kept under: a digest, never the key.
    static func keyID(_ key: String) -> String { "key-" + Digest.sha256Hex(key).prefix(16) }

    /// Digests of the keys seen, so that a request costs a lookup rather than a SHA-256.
    private var keyIDs: [String: String] = [:]
    /// How many keys' digests are kept (and, four times that, throttling buckets).
    static let keptKeys = 10_000

    private func tenantKey(_ dialect: Dialect, _ key: String) -> String {
        if let id = keyIDs[key] { return dialect.rawValue + ":" + id }
        let id = Self.keyID(key)
        // Only a cache: a client sending a new key with every call must not grow it without end.
        if keyIDs.count >= Self.keptKeys { keyIDs = [:] }
        keyIDs[key] = id
        return dialect.rawValue + ":" + id
    }

    // MARK: - Admission: the checks every call passes before it does anything

    enum Admission: Sendable {
        case admitted
        /// `code` is the throttling code to answer with.
        case throttled(retryAfter: Int, code: String)
        case rejected(APIError)
    }

    /// Counts the call, then applies the key's standing (denied, unsubscribed), the throttle and
    /// the injected 500s, in the order the real gateway would.
    func admit(_ dialect: Dialect, action: String, rateClass: String, key: String) -> Admission {
        stats.calls[dialect, default: [:]][action, default: 0] += 1
        if configuration.deniedKeys.contains(key) {
            return .rejected(APIError(status: 403, code: "AccessDenied", message: "the key is not allowed to call \(action)"))
        }
        if configuration.unsubscribedKeys.contains(key) {
            return .rejected(
                APIError(status: 403, code: "SubscriptionRequired", message: "the account has not enabled the asset service"))
        }
        if configuration.throttle {
            let now = ContinuousClock.now
            if let rate = configuration.writeQuota, Self.writeActions.contains(rateClass),
                let wait = take(tenantKey(dialect, key) + "/writes", rate: rate, burst: 1, now: now)
            {
                stats.throttled[dialect, default: 0] += 1
                return .throttled(retryAfter: max(1, Int(wait.inSeconds.rounded(.up))), code: "QuotaWriteQPMExceeded")
            }
            if let rate = configuration.rates[rateClass], rate > 0,
                let wait = take(
                    tenantKey(dialect, key) + "/" + rateClass, rate: rate,
                    burst: configuration.noBurst.contains(rateClass) ? 1 : configuration.burst, now: now)
            {
                stats.throttled[dialect, default: 0] += 1
                return .throttled(retryAfter: max(1, Int(wait.inSeconds.rounded(.up))), code: configuration.throttleCode)
            }
        }
        if configuration.errorRate > 0, Double.random(in: 0..<1, using: &random) < configuration.errorRate {
            stats.internalErrors += 1
            return .rejected(APIError(status: 500, code: "InternalError", message: "an internal error occurred; try again"))
        }
        return .admitted
    }

    /// A token from a bucket; nil when there was one, else how long until there will be.
    private func take(_ bucketKey: String, rate: Double, burst: Double, now: ContinuousClock.Instant) -> Duration? {
        // A full bucket is as good as a new one: past the bound, those are let go (a client
        // sending a new key with every call must not grow the table without end).
        if buckets.count >= Self.keptKeys * 4, buckets[bucketKey] == nil {
            buckets = buckets.filter { !$0.value.isFull(at: now) }
            // Still that many, all in use: let them all go (each key starts again with a full
            // bucket), so that the next look is as many new keys away.
            if buckets.count >= Self.keptKeys * 2 { buckets = [:] }
        }
        var bucket = buckets[bucketKey] ?? TokenBucket(rate: rate, burst: burst, now: now)
        let wait = bucket.take(now: now)
        buckets[bucketKey] = bucket
        return wait
    }

    /// Added latency for one call, if configured.
    func latency() -> Duration? {
        guard let range = configuration.latency else { return nil }
        if range.lowerBound == range.upperBound { return range.lowerBound }
        let lo = range.lowerBound.inSeconds
        let hi = range.upperBound.inSeconds
        return .milliseconds(Int64(Double.random(in: lo...hi, using: &random) * 1000))
    }

    /// Whether this committed create loses its response (the connection is dropped).
    func dropsResponse() -> Bool {
        guard configuration.dropRate > 0, Double.random(in: 0..<1, using: &random) < configuration.dropRate else { return false }
        stats.droppedResponses += 1
        return true
    }

    // MARK: - Objects

    private func randomSuffix(_ count: Int, alphabet: String) -> String {
        let chars = Array(alphabet)
        return String((0..<count).map { _ in chars[Int(random.next() % UInt64(chars.count))] })
    }

    private func newID(_ dialect: Dialect, prefix: String, now: Double, in tenant: Tenant) -> String {
        while true {
            let id =
                dialect != .zeroZero
                // The upstream's ids carry its local time, UTC+8 (API.md §1): never a UTC time.
                ? "\(prefix)-\(UTCDate.compact(now, offset: 8 * 3600))-\(randomSuffix(5, alphabet: "abcdefghijklmnopqrstuvwxyz0123456789"))"
                : "\(prefix == "asset" ? "Asset" : "group")-\(randomSuffix(16, alphabet: "0123456789abcdef"))"
            if tenant.groups[id] == nil && tenant.assets[id] == nil { return id }
        }
    }

    /// Runs `body` on a key's tenant in place: taking a copy out of `tenants` and writing it
    /// back would copy all of its objects on every call.
    private func withTenant<R>(_ dialect: Dialect, _ key: String, _ body: (inout Tenant) throws(APIError) -> R) throws(APIError)
        -> R
    {
        try body(&tenants[tenantKey(dialect, key), default: Tenant()])
    }

    func createGroup(_ dialect: Dialect, key: String, name: String, description: String, project: String) throws(APIError)
        -> GroupRecord
    {
        let now = Self.now()
        let group = try withTenant(dialect, key) { (tenant) throws(APIError) -> GroupRecord in
            if let max = configuration.maxGroupsPerKey, tenant.groups.count >= max {
                throw APIError(status: 403, code: "QuotaExceeded", message: "the account may hold at most \(max) asset groups")
            }
            let group = GroupRecord(
                id: newID(dialect, prefix: "group", now: now, in: tenant), name: name, description: description,
                projectName: project, createTime: now, updateTime: now, sequence: tenant.sequence())
            tenant.groups[group.id] = group
            tenant.groupOrder.append(group.id)
            return group
        }
        stats.committedGroups[dialect, default: 0] += 1
        record(StateChange(tenant: tenantKey(dialect, key), group: group))
        return group
    }

    func createAsset(
        _ dialect: Dialect, key: String, groupID: String, name: String, type: String, url: String, project: String
    ) throws(APIError) -> AssetRecord {
        let now = Self.now()

        let fails = configuration.failingURLPatterns.contains { URLPattern.matches($0, url) }
        let tk = tenantKey(dialect, key)
        if let balance = configuration.balance, billed[tk, default: 0] >= balance {
            throw APIError(
                status: 402, code: "InsufficientBalance", message: "the account's balance is exhausted; top up to continue")
        }
        // A group that is not there is the answer whatever else holds (the window refuses only
        // what could be made).
        _ = try group(dialect, key: key, id: groupID, project: dialect == .zeroZero ? nil : project)
        var window = processing[tk] ?? []
        while let first = window.first, first <= now { window.removeFirst() }
        if let limit = configuration.processingLimit, window.count >= limit {
            processing[tk] = window
            let first = window.first ?? now + 30
            // A throttle as the client sees it, and counted so: a client that respects the
            // window is never refused.
            stats.throttled[dialect, default: 0] += 1
            stats.processingRefused[dialect, default: 0] += 1
            throw APIError(
                status: 429, code: "AccountFlowLimitExceeded",
                message: "\(window.count) assets are Processing, the most the account may have at once; retry later",
                // A hint, not the whole wait: a client that honours it looks again within 30 s.
                retryAfter: min(30, max(1, Int((first - now).rounded(.up)))))
        }
        let asset = try withTenant(dialect, key) { (tenant) throws(APIError) -> AssetRecord in
            guard let group = tenant.groups[groupID], dialect == .zeroZero || group.projectName == project else {
                throw .notFound("NotFound.group_id", "the asset group \(groupID) does not exist")
            }
            if let max = configuration.maxAssetsPerKey, tenant.assets.count >= max {
                throw APIError(status: 403, code: "QuotaExceeded", message: "the account may hold at most \(max) assets")
            }
            if let pool = configuration.poolSize, tenant.assets.count >= pool {
                throw APIError(
                    status: 429, code: "QuotaSharedPoolExceeded",
                    message: "the shared pool for projects without explicit allocation is full")
            }
            let asset = AssetRecord(
                id: newID(dialect, prefix: "asset", now: now, in: tenant), name: name, sourceURL: url, assetType: type,
                groupID: groupID, projectName: project, createTime: now, updateTime: now,
                readyTime: now + configuration.processingDelay.inSeconds, fails: fails,
                sequence: tenant.sequence())
            tenant.assets[asset.id] = asset
            tenant.assetOrder.append(asset.id)
            tenant.groupAssets[groupID, default: []].append(asset.id)
            return asset
        }
        stats.committedAssets[dialect, default: 0] += 1
        billed[tk, default: 0] += 1
        // In order of readiness (after a restart with another delay, a new one may settle first).
        let at = window.lastIndex { $0 <= asset.readyTime }.map { $0 + 1 } ?? 0
        window.insert(asset.readyTime, at: at)
        processing[tk] = window
        stats.processingPeak[dialect] = max(stats.processingPeak[dialect] ?? 0, window.count)
        record(StateChange(tenant: tk, asset: asset, billed: billed[tk]))
        return asset
    }

    func group(_ dialect: Dialect, key: String, id: String, project: String?) throws(APIError) -> GroupRecord {
        guard let g = tenants[tenantKey(dialect, key)]?.groups[id], project == nil || g.projectName == project else {
            throw .notFound("NotFound.group_id", "the asset group \(id) does not exist")
        }
        return g
    }

    func asset(_ dialect: Dialect, key: String, id: String, project: String?) throws(APIError) -> AssetRecord {
        guard let a = tenants[tenantKey(dialect, key)]?.assets[id], project == nil || a.projectName == project else {
            throw .notFound("NotFound.asset_id", "the asset \(id) does not exist")
        }
        return a
    }

    func updateGroup(_ dialect: Dialect, key: String, id: String, project: String, name: String?, description: String?)
        throws(APIError) -> GroupRecord
    {
        let tk = tenantKey(dialect, key)
        guard var g = tenants[tk]?.groups[id], g.projectName == project else {
            throw .notFound("NotFound.group_id", "the asset group \(id) does not exist")
        }
        if let name { g.name = name }
        if let description { g.description = description }
        g.updateTime = Self.now()
        tenants[tk]?.groups[id] = g
        record(StateChange(tenant: tk, group: g))
        return g
    }

    func updateAsset(_ dialect: Dialect, key: String, id: String, project: String, name: String?) throws(APIError)
        -> AssetRecord
    {
        let tk = tenantKey(dialect, key)
        guard var a = tenants[tk]?.assets[id], a.projectName == project else {
            throw .notFound("NotFound.asset_id", "the asset \(id) does not exist")
        }
        if let name { a.name = name }
        a.updateTime = Self.now()
        tenants[tk]?.assets[id] = a
        record(StateChange(tenant: tk, asset: a))
        return a
    }

    // MARK: - Deletes (the upstream's own dialect)

    /// `DeleteAsset`: the asset is gone at once; it frees its place in the pool, and in the
    /// Processing window if it was still Processing.
    func deleteAsset(_ dialect: Dialect, key: String, id: String, project: String?) throws(APIError) {
        let tk = tenantKey(dialect, key)
        guard let a = tenants[tk]?.assets[id], project == nil || a.projectName == project else {
            throw .notFound("NotFound.asset_id", "the asset \(id) does not exist")
        }
        tenants[tk]?.removeAsset(a.id)
        released(tk, [a])
        stats.deletedAssets[dialect, default: 0] += 1
        record(StateChange(tenant: tk, removedAsset: a.id))
    }

    /// `DeleteAssetGroup`: the group and every asset in it are gone at once (irreversibly).
    func deleteGroup(_ dialect: Dialect, key: String, id: String, project: String?) throws(APIError) {
        let tk = tenantKey(dialect, key)
        guard let g = tenants[tk]?.groups[id], project == nil || g.projectName == project else {
            throw .notFound("NotFound.group_id", "the asset group \(id) does not exist")
        }
        let removed = tenants[tk]?.removeGroup(g.id) ?? []
        released(tk, removed)
        stats.deletedGroups[dialect, default: 0] += 1
        stats.deletedAssets[dialect, default: 0] += removed.count
        record(StateChange(tenant: tk, removedGroup: g.id))
    }

    /// Forgets what a tenant's list cache and Processing window held of deleted assets.
    private func released(_ tk: String, _ removed: [AssetRecord]) {
        // A delete leaves the create count the cache is keyed by as it was: drop the cache.
        listCache[tk] = nil
        guard var window = processing[tk] else { return }
        let now = Self.now()
        for a in removed where a.readyTime > now {
            if let i = window.firstIndex(of: a.readyTime) { window.remove(at: i) }
        }
        processing[tk] = window
    }

    // MARK: - Lists (seedance and volcengine)

    struct ListQuery: Sendable {
        var project: String
        var groupIDs: [String]?
        var statuses: Set<String>?
        var name: String?
        var page: Int
        var size: Int
        var byUpdateTime: Bool
        var descending: Bool
    }

    func listGroups(_ dialect: Dialect, key: String, _ q: ListQuery) -> (items: [GroupRecord], total: Int) {
        guard let tenant = tenants[tenantKey(dialect, key)] else { return ([], 0) }
        let ids = q.groupIDs.map { Set($0) }
        var items = tenant.groupOrder.compactMap { tenant.groups[$0] }.filter {
            $0.projectName == q.project && (ids?.contains($0.id) ?? true) && (q.name.map($0.name.contains) ?? true)
        }
        if q.byUpdateTime { items.sort { ($0.updateTime, $0.sequence) < ($1.updateTime, $1.sequence) } }
        if q.descending { items.reverse() }
        return (Self.page(items, q), items.count)
    }

    /// Assets as a list shows them: a Name filter sees the name shown, so an asset whose name is
    /// hidden while Processing does not match it.
    func listAssets(_ dialect: Dialect, key: String, _ q: ListQuery) -> (items: [AssetRecord], total: Int, now: Double) {
        let now = Self.now()
        let tk = tenantKey(dialect, key)
        guard let tenant = tenants[tk] else { return ([], 0, now) }
        // Paging through the assets of many groups asks the same list again for every page: what
        // it selects by group and project (which no call changes but a create) is kept, so that
        // a page costs its own 100 assets and not a sort of all of them.
        if q.statuses == nil && q.name == nil && !q.byUpdateTime {
            let signature = ListSignature(
                groupIDs: q.groupIDs.map { Array(Set($0)).sorted() }, project: q.project, created: tenant.nextSequence)
            let ids: [String]
            var lists = listCache[tk] ?? []
            if let i = lists.firstIndex(where: { $0.signature == signature }) {
                ids = lists[i].ids
                lists.insert(lists.remove(at: i), at: 0)
            } else {
                ids = orderedAssetIDs(tenant, groupIDs: q.groupIDs, project: q.project)
                lists.insert((signature, ids), at: 0)
                if lists.count > Self.cachedLists { lists.removeLast() }
            }
            listCache[tk] = lists
            let ordered = q.descending ? Array(ids.reversed()) : ids
            return (Self.page(ordered, q).compactMap { tenant.assets[$0] }, ids.count, now)
        }
        var items = orderedAssets(tenant, groupIDs: q.groupIDs).filter { a in
            guard a.projectName == q.project else { return false }
            let status = a.status(at: now)
            if let statuses = q.statuses, !statuses.contains(status.rawValue) { return false }
            if let name = q.name {
                let shown = status == .processing && configuration.hideWhileProcessing ? "" : a.name
                if !shown.contains(name) { return false }
            }
            return true
        }
        if q.byUpdateTime { items.sort { ($0.updateTime, $0.sequence) < ($1.updateTime, $1.sequence) } }
        if q.descending { items.reverse() }
        return (Self.page(items, q), items.count, now)
    }

    /// What a cached list was selected by; `created` changes with every create.
    struct ListSignature: Equatable {
        var groupIDs: [String]?
        var project: String
        var created: Int
    }

    /// The last lists of asset ids per tenant, the latest first: a refresh pages through up to
    /// 8 lists at once (`Refresh.streams`), taking turns.
    private var listCache: [String: [(signature: ListSignature, ids: [String])]] = [:]
    static let cachedLists = 16

    /// Assets of the named groups (or all), in creation order.
    private func orderedAssets(_ tenant: Tenant, groupIDs: [String]?) -> [AssetRecord] {
        guard let groupIDs else { return tenant.assetOrder.compactMap { tenant.assets[$0] } }
        var records = Array(Set(groupIDs)).flatMap { (tenant.groupAssets[$0] ?? []).compactMap { tenant.assets[$0] } }
        records.sort { $0.sequence < $1.sequence }  // by a number, not by looking each up again
        return records
    }

    /// Asset ids of the named groups (or all) and project, in creation order.
    private func orderedAssetIDs(_ tenant: Tenant, groupIDs: [String]?, project: String) -> [String] {
        orderedAssets(tenant, groupIDs: groupIDs).filter { $0.projectName == project }.map(\.id)
    }

    private static func page<T>(_ items: [T], _ q: ListQuery) -> [T] {
        let start = (q.page - 1) * q.size
        guard start < items.count else { return [] }
        return Array(items[start..<min(items.count, start + q.size)])
    }

    // MARK: - Stats, reset, persistence

    func statsJSON() -> JSONValue {
        func perDialect(_ f: (Dialect) -> JSONValue) -> JSONValue {
            .object(Dialect.allCases.map { ($0.rawValue, f($0)) })
        }
        var objects: [Dialect: [(String, JSONValue)]] = [:]
        for (tk, tenant) in tenants.sorted(by: { $0.key < $1.key }) {
            let parts = tk.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let dialect = Dialect(rawValue: String(parts[0])) else { continue }
            objects[dialect, default: []].append(
                (String(parts[1]), .object([("groups", .int(tenant.groups.count)), ("assets", .int(tenant.assets.count))])))
        }
        return .object([
            (
                "calls",
                perDialect { d in
                    .object((self.stats.calls[d] ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })
                }
            ),
            ("throttled", perDialect { .int(self.stats.throttled[$0] ?? 0) }),
            (
                "committed_creates",
                perDialect { d in
                    .object([
                        ("groups", .int(self.stats.committedGroups[d] ?? 0)),
                        ("assets", .int(self.stats.committedAssets[d] ?? 0)),
                    ])
                }
            ),
            ("processing_peak", perDialect { .int(self.stats.processingPeak[$0] ?? 0) }),
            ("processing_refused", perDialect { .int(self.stats.processingRefused[$0] ?? 0) }),
            (
                "committed_deletes",
                perDialect { d in
                    .object([
                        ("groups", .int(self.stats.deletedGroups[d] ?? 0)),
                        ("assets", .int(self.stats.deletedAssets[d] ?? 0)),
                    ])
                }
            ),
            ("internal_errors", .int(stats.internalErrors)),
            ("dropped_responses", .int(stats.droppedResponses)),
            ("objects", perDialect { .object(objects[$0] ?? []) }),
        ])
    }

    func reset() {
        tenants = [:]
        keyIDs = [:]
        listCache = [:]
        buckets = [:]
        processing = [:]
        billed = [:]
        stats = Stats()
        record(StateChange(reset: true))
    }

    /// The state is to be written again (its last write failed).
    func markDirty() { dirty = true }

    /// A change made: logged at once (before its call is answered), written with the next snapshot.
    private func record(_ change: StateChange) {
        dirty = true
        _ = log?.append(change)
    }

    /// The state as it is (written once at start, to find a file that cannot be written then);
    /// the changes logged from now on go to the next log file.
    func snapshot() -> PersistedState {
        PersistedState(tenants: tenants, billed: billed, logThrough: log?.rotate())
    }

    /// The state to write, and marks it written.
    func takeSnapshot() -> PersistedState? {
        guard dirty else { return nil }
        dirty = false
        return snapshot()
    }
}
