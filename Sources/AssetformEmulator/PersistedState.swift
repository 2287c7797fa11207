/// What `--state FILE` holds: objects per dialect and key digest, and the billed creates per key
/// digest (a balance survives a restart); the other counters are not kept.
struct PersistedState: Codable, Sendable {
    var format = 1
    var tenants: [String: Tenant]
    /// Absent in files written before it was kept.
    var billed: [String: Int]?
    /// The last `StateLog` file whose changes this holds (absent: none, or written before the
    /// changes were logged).
    var logThrough: Int? = nil
}
