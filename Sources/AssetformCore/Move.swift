public import YAML

/// One entry of the manifest's `moved:` list (SPEC §9): the lockfile record at `from` now
/// belongs at `to` (a key renamed in the manifest), with no billed call.
public struct Move: Sendable, Equatable {
    public var from: Address
    public var to: Address
    /// Where the entry is written.
    public var mark: Mark

    public init(from: Address, to: Address, mark: Mark) {
        self.from = from
        self.to = to
        self.mark = mark
    }

    /// An asset moved to another group: the service has no call for that, so it is registered
    /// there again.
    public var crossesGroups: Bool { !from.isGroup && from.group != to.group }
}
