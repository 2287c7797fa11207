import YAML

extension ManifestDecoder {
    private static let limitKeys = ["concurrency", "rate", "attempts", "timeout", "wait"]
    private static let rateKeys = ["create_asset", "write", "read"]

    mutating func decodeLimits(_ node: Node) -> Limits {
        var limits = Limits()
        if node.scalar?.kind == .null { return limits }
        guard case .mapping(let m) = node else {
            error(.wrongType(field: "limits", expected: "a mapping", found: node.kindDescription), at: node.mark)
            return limits
        }
        for entry in m.entries {
            guard let key = fieldName(entry.key, in: "limits") else { continue }
            let field = "limits.\(key)"
            switch key {
            case "concurrency":
                if let v = integer(entry.value, field: field, range: 1...1024) { limits.concurrency = v }
            case "attempts":
                if let v = integer(entry.value, field: field, range: 1...100) { limits.attempts = v }
            case "timeout":
                if let v = duration(entry.value, field: field) {
                    if v > .zero {
                        limits.timeout = v
                    } else {
                        error(.invalidLimit(field: field, reason: "must be more than zero"), at: entry.value.mark)
                    }
                }
            case "wait":
                if let v = duration(entry.value, field: field) { limits.wait = v }
            case "rate":
                limits.rates = decodeRates(entry.value)
            default:
                unknown(entry.key, key, in: "limits", allowed: Self.limitKeys)
            }
        }
        return limits
    }

    private mutating func decodeRates(_ node: Node) -> Rates {
        var rates = Rates()
        guard case .mapping(let m) = node else {
            error(
                .wrongType(field: "limits.rate", expected: "a mapping (create_asset, write, read)", found: node.kindDescription),
                at: node.mark)
            return rates
        }
        for entry in m.entries {
            guard let key = fieldName(entry.key, in: "limits.rate") else { continue }
            guard Self.rateKeys.contains(key) else {
                unknown(entry.key, key, in: "limits.rate", allowed: Self.rateKeys)
                continue
            }
            guard let rate = rate(entry.value, field: "limits.rate.\(key)") else { continue }
            switch key {
            case "create_asset": rates.createAsset = rate
            case "write": rates.write = rate
            default: rates.read = rate
            }
        }
        return rates
    }

    /// A number of requests per second from 0.001 to 1,000,000, or `unlimited` (nil). (Rates
    /// outside that range are mistakes, and would overflow the schedule's arithmetic.)
    private mutating func rate(_ node: Node, field: String) -> Double?? {
        if let s = node.scalar, s.value == "unlimited" { return .some(nil) }
        guard let s = node.scalar, let v = s.double, v.isFinite, v >= 0.001, v <= 1_000_000 else {
            let found = node.scalar.map { "\"\($0.value)\"" } ?? node.kindDescription
            error(
                .invalidLimit(
                    field: field,
                    reason: "must be a number of requests per second from 0.001 to 1000000, or unlimited, not \(found)"),
                at: node.mark)
            return nil
        }
        return .some(v)
    }

    private mutating func duration(_ node: Node, field: String) -> Duration? {
        guard let s = node.scalar, let d = DurationText.parse(s.value) else {
            error(.invalidDuration(field: field, found: node.scalar?.value ?? node.kindDescription), at: node.mark)
            return nil
        }
        return d
    }
}
