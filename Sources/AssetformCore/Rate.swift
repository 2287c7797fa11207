/// How fast one class of call may go (SPEC §6): `N` or `N/s` per second; `N/min` per minute,
/// paced evenly with no burst (services that count writes per minute refuse a burst); `auto`,
/// which starts at the documented rate, rises while the service accepts and halves on
/// throttling, never above a cap; or `unlimited`.
public enum Rate: Sendable, Equatable, CustomStringConvertible, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    case unlimited
    case perSecond(Double)
    /// Calls per minute.
    case perMinute(Double)
    case auto

    public init(floatLiteral value: Double) { self = .perSecond(value) }
    public init(integerLiteral value: Int) { self = .perSecond(Double(value)) }

    /// Calls per second a fixed rate allows; nil for `unlimited` and `auto`.
    public var fixedPerSecond: Double? {
        switch self {
        case .perSecond(let r): r
        case .perMinute(let n): n / 60
        case .unlimited, .auto: nil
        }
    }

    public var description: String {
        switch self {
        case .unlimited: "unlimited"
        case .perSecond(let r): "\(Self.number(r))/s"
        case .perMinute(let n): "\(Self.number(n))/min"
        case .auto: "auto"
        }
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}

/// The rate of each class of call. The defaults: `auto` for creates (from 1/s up to 30/s: the
/// account's real limit is unknown to most users, from 1/s to 30/s or per minute by tier), and
/// the documented per-account limits for the others.
public struct Rates: Sendable, Equatable {
    public var createAsset: Rate
    public var write: Rate
    public var read: Rate

    public init(createAsset: Rate = .auto, write: Rate = 30, read: Rate = 100) {
        self.createAsset = createAsset
        self.write = write
        self.read = read
    }

    /// Where `auto` starts and the most it reaches, per class: the documented rates (API.md §1).
    public static let autoCreateAsset = AutoRange(start: 1, cap: 30)
    public static let autoWrite = AutoRange(start: 5, cap: 30)
    public static let autoRead = AutoRange(start: 30, cap: 100)

    public struct AutoRange: Sendable, Equatable {
        public var start: Double
        public var cap: Double
    }
}
