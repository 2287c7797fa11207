import AssetformCore

/// The test hook `ASSETFORM_RESOLVE` (as curl's `--resolve`): `HOST:PORT:ADDRESS[:PORT2]`,
/// several separated by commas or spaces. A preflight request to HOST:PORT connects to
/// ADDRESS:PORT2 (PORT2 defaults to PORT) while TLS and HTTP still name HOST. It is honoured by
/// preflight only (never by the asset service's client), so tests can serve "public" hosts from
/// a local server without leaving the machine.
public struct ResolveOverrides: Sendable, Equatable {
    public static let variable = "ASSETFORM_RESOLVE"

    public struct Target: Sendable, Equatable {
        public var address: String
        public var port: Int
    }

    private var entries: [String: Target] = [:]

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }

    /// Where HOST:PORT connects instead, if the hook says.
    public func target(host: String, port: Int) -> Target? { entries["\(host.lowercased()):\(port)"] }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let entry: String
        public var description: String {
            "\(ResolveOverrides.variable): \"\(entry.visible)\" is not HOST:PORT:ADDRESS or HOST:PORT:ADDRESS:PORT"
        }
    }

    /// Parses the variable's value; an entry that does not parse is an error naming it.
    public static func parse(_ text: String) throws(Failure) -> ResolveOverrides {
        var overrides = ResolveOverrides()
        for entry in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }) {
            var parts = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            // An IPv6 address in brackets holds colons of its own.
            if let open = parts.firstIndex(where: { $0.hasPrefix("[") }),
                let close = parts[open...].firstIndex(where: { $0.hasSuffix("]") })
            {
                let joined = parts[open...close].joined(separator: ":").dropFirst().dropLast()
                parts.replaceSubrange(open...close, with: [String(joined)])
            }
            guard parts.count == 3 || parts.count == 4, !parts[0].isEmpty, !parts[2].isEmpty,
                let port = Int(parts[1]), (1...65535).contains(port)
            else { throw Failure(entry: String(entry)) }
            var to = port
            if parts.count == 4 {
                guard let p = Int(parts[3]), (1...65535).contains(p) else { throw Failure(entry: String(entry)) }
                to = p
            }
            overrides.entries["\(parts[0].lowercased()):\(port)"] = Target(address: parts[2], port: to)
        }
        return overrides
    }
}
