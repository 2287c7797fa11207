/// What a class of call achieved in a run, for its summary.
public struct AchievedRate: Sendable, Equatable {
    /// Calls a second between the class's first start and its last answer.
    public var achieved: Double
    /// The rate in force at the end; nil: no limit.
    public var current: Double?
    /// Whether the rate in force is not the one configured: `auto`, which moves by design, or a
    /// class that throttling slowed and that had not recovered by the end. Only then is the
    /// rate in force worth saying beside the achieved one.
    public var moved: Bool

    public init(achieved: Double, current: Double?, moved: Bool) {
        self.achieved = achieved
        self.current = current
        self.moved = moved
    }
}
