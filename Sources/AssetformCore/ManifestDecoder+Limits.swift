import YAML

extension ManifestDecoder {
    private static let limitKeys = ManifestKeys.limits
    private static let rateKeys = ManifestKeys.rate

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
            case "processing":
                if let v = integer(entry.value, field: field, range: 1...100_000) { limits.processing = v }
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

    /// `N` or `N/s` (requests per second, 0.001 to 1,000,000), `N/min` (requests per minute, the
    /// same bounds once divided by 60), `auto`, or `unlimited`. (Rates outside those bounds are
    /// mistakes, and would overflow the schedule's arithmetic.)
    private mutating func rate(_ node: Node, field: String) -> Rate? {
        if let s = node.scalar, s.kind == .string || s.kind == .int || s.kind == .float {
            let text = s.value
            if text == "unlimited" { return .unlimited }
            if text == "auto" { return .auto }
            let perMinute = text.hasSuffix("/min")
            let number = perMinute ? text.dropLast(4) : text.hasSuffix("/s") ? text.dropLast(2) : Substring(text)
            if let v = Double(number), v.isFinite, (0.001...1_000_000).contains(perMinute ? v / 60 : v) {
                return perMinute ? .perMinute(v) : .perSecond(v)
            }
        }
        let found = node.scalar.map { "\"\($0.value)\"" } ?? node.kindDescription
        error(
            .invalidLimit(
                field: field,
                reason: "must be requests per second (N or N/s, from 0.001 to 1000000), per minute (N/min), auto, "
                    + "or unlimited, not \(found)"),
            at: node.mark)
        return nil
    }

    private mutating func duration(_ node: Node, field: String) -> Duration? {
        guard let s = node.scalar, let d = DurationText.parse(s.value) else {
            error(.invalidDuration(field: field, found: node.scalar?.value ?? node.kindDescription), at: node.mark)
            return nil
        }
        return d
    }
}
