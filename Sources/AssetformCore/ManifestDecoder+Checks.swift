import YAML

extension ManifestDecoder {
    /// `checks:` (SPEC §10): per type, the limits preflight checks a source against. A value of
    /// null (`~`) turns that limit off.
    /// `checks:` over the provider's defaults (`CheckLimits.defaults(for:)`).
    mutating func decodeChecks(_ node: Node, api: API?) -> CheckLimits {
        var checks = CheckLimits.defaults(for: api)
        if node.scalar?.kind == .null { return checks }
        guard case .mapping(let m) = node else {
            error(
                .wrongType(field: "checks", expected: "a mapping (image, video, audio)", found: node.kindDescription),
                at: node.mark)
            return checks
        }
        for entry in m.entries {
            guard let key = fieldName(entry.key, in: "checks") else { continue }
            guard let type = AssetType(rawValue: key) else {
                unknown(entry.key, key, in: "checks", allowed: ManifestKeys.checks)
                continue
            }
            checks[type] = decodeMediaLimits(entry.value, type: type, defaults: checks[type])
        }
        return checks
    }

    private mutating func decodeMediaLimits(_ node: Node, type: AssetType, defaults: CheckLimits.Media)
        -> CheckLimits.Media
    {
        var media = defaults
        if node.scalar?.kind == .null { return media }
        let context = "checks.\(type.rawValue)"
        guard case .mapping(let m) = node else {
            error(.wrongType(field: context, expected: "a mapping of limits", found: node.kindDescription), at: node.mark)
            return media
        }
        let allowed = CheckLimits.keys(for: type)
        var marks: [String: Mark] = [:]
        for entry in m.entries {
            guard let key = fieldName(entry.key, in: context) else { continue }
            guard allowed.contains(key) else {
                unknown(entry.key, key, in: context, allowed: allowed)
                continue
            }
            marks[key] = entry.value.mark
            let field = "\(context).\(key)"
            let off = entry.value.scalar?.kind == .null
            switch key {
            case "max_bytes": media.maxBytes = off ? nil : byteCount(entry.value, field: field) ?? media.maxBytes
            case "min_side": media.minSide = off ? nil : integer(entry.value, field: field, range: 1...1_000_000) ?? media.minSide
            case "max_side": media.maxSide = off ? nil : integer(entry.value, field: field, range: 1...1_000_000) ?? media.maxSide
            case "min_pixels":
                media.minPixels = off ? nil : integer(entry.value, field: field, range: 1...1_000_000_000_000) ?? media.minPixels
            case "max_pixels":
                media.maxPixels = off ? nil : integer(entry.value, field: field, range: 1...1_000_000_000_000) ?? media.maxPixels
            case "min_aspect":
                media.minAspect = off ? nil : positiveNumber(entry.value, field: field, what: "width / height") ?? media.minAspect
            case "max_aspect":
                media.maxAspect = off ? nil : positiveNumber(entry.value, field: field, what: "width / height") ?? media.maxAspect
            case "min_duration": media.minDuration = off ? nil : seconds(entry.value, field: field) ?? media.minDuration
            case "max_duration": media.maxDuration = off ? nil : seconds(entry.value, field: field) ?? media.maxDuration
            case "min_fps":
                media.minFrameRate =
                    off ? nil : positiveNumber(entry.value, field: field, what: "frames per second") ?? media.minFrameRate
            default:
                media.maxFrameRate =
                    off ? nil : positiveNumber(entry.value, field: field, what: "frames per second") ?? media.maxFrameRate
            }
        }
        // A range the other way round accepts nothing: a mistake, at whichever end was written.
        func order<T: Comparable>(_ low: T?, _ high: T?, _ lowKey: String, _ highKey: String) {
            guard let low, let high, low > high, let mark = marks[highKey] ?? marks[lowKey] else { return }
            error(
                .invalidLimit(
                    field: "\(context).\(marks[highKey] != nil ? highKey : lowKey)",
                    reason: "\(lowKey) is more than \(highKey), so nothing would pass"),
                at: mark)
        }
        order(media.minSide, media.maxSide, "min_side", "max_side")
        order(media.minPixels, media.maxPixels, "min_pixels", "max_pixels")
        order(media.minAspect, media.maxAspect, "min_aspect", "max_aspect")
        order(media.minDuration, media.maxDuration, "min_duration", "max_duration")
        order(media.minFrameRate, media.maxFrameRate, "min_fps", "max_fps")
        return media
    }

    /// `30MB`, `512KB`, or a whole number of bytes.
    private mutating func byteCount(_ node: Node, field: String) -> Int? {
        if let s = node.scalar, s.kind == .string || s.kind == .int, let v = ByteCountText.parse(s.value), v > 0 {
            return v
        }
        let found = node.scalar.map { "\"\($0.value)\"" } ?? node.kindDescription
        error(.invalidLimit(field: field, reason: "must be a size (e.g. 30MB, 512KB, or bytes), not \(found)"), at: node.mark)
        return nil
    }

    /// A positive number under 1,000,000: a width/height ratio, or frames per second (`what`
    /// says which, in the error).
    private mutating func positiveNumber(_ node: Node, field: String, what: String) -> Double? {
        if let s = node.scalar, s.kind == .int || s.kind == .float, let v = Double(s.value), v.isFinite, v > 0, v < 1e6 {
            return v
        }
        let found = node.scalar.map { "\"\($0.value)\"" } ?? node.kindDescription
        error(.invalidLimit(field: field, reason: "must be a positive number (\(what)), not \(found)"), at: node.mark)
        return nil
    }

    /// `15s`, `1m30s`, or a number of seconds.
    private mutating func seconds(_ node: Node, field: String) -> Double? {
        if let s = node.scalar {
            if s.kind == .int || s.kind == .float, let v = Double(s.value), v.isFinite, v >= 0, v < 1e9 { return v }
            if let d = DurationText.parse(s.value) { return Double(d.inMilliseconds) / 1000 }
        }
        error(.invalidDuration(field: field, found: node.scalar?.value ?? node.kindDescription), at: node.mark)
        return nil
    }
}
