import JSON
import YAML

/// Walks a manifest's node tree by hand (not through Codable), so that unknown keys, wrong types
/// and bad values are all found, each with its position, in one pass.
struct ManifestDecoder {
    var diagnostics: [Diagnostic] = []
    /// The host last found good in an asset's URL (most share one).
    var hosts = HostMemo()
    /// Groups' `assets` mappings decoded while they were parsed, by the mapping's position.
    var streamedAssets: [Mark: StreamedAssets.Result] = [:]

    mutating func error(_ problem: ManifestProblem, at mark: Mark) {
        diagnostics.append(Diagnostic(.error, problem, at: mark))
    }

    mutating func warning(_ problem: ManifestProblem, at mark: Mark) {
        diagnostics.append(Diagnostic(.warning, problem, at: mark))
    }

    mutating func decode(_ root: Node) -> Manifest? {
        guard case .mapping(let m) = root else {
            error(
                .wrongType(field: "the manifest", expected: "a mapping (version, provider, groups)", found: root.kindDescription),
                at: root.mark)
            return nil
        }
        var version: Int?
        var provider: Provider?
        var limits = Limits()
        var groups: [Group] = []
        var moved: [Move] = []
        var checksNode: Node?
        var sawVersion = false
        for entry in m.entries {
            guard let key = fieldName(entry.key, in: "the manifest") else { continue }
            switch key {
            case "version":
                sawVersion = true
                version = decodeVersion(entry.value)
            case "provider":
                provider = decodeProvider(entry.value)
            case "limits":
                limits = decodeLimits(entry.value)
            case "groups":
                groups = decodeGroups(entry.value)
            case "moved":
                moved = decodeMoved(entry.value)
            case "checks":
                checksNode = entry.value  // over the provider's defaults, once the provider is known
            case _ where key.hasPrefix(ManifestKeys.extensionPrefix):
                break  // an extension key: a place for anchors, ignored (as in docker-compose)
            default:
                unknown(entry.key, key, in: "the manifest", allowed: ManifestKeys.top)
            }
        }
        let checks = checksNode.map { decodeChecks($0, api: provider?.api) } ?? CheckLimits.defaults(for: provider?.api)
        if !sawVersion { error(.missingKey("version", in: "the manifest"), at: m.mark) }
        if provider == nil, m["provider"] == nil { error(.missingKey("provider", in: "the manifest"), at: m.mark) }
        checkMoves(moved, groups: groups)
        guard let version, let provider else { return nil }
        return Manifest(
            version: version, provider: provider, limits: limits, groups: groups, moved: moved, checks: checks)
    }

    private mutating func decodeVersion(_ node: Node) -> Int? {
        if let s = node.scalar, s.value == "1", s.kind == .int || s.kind == .string { return 1 }
        error(.unsupportedVersion(found: node.scalar?.value ?? node.kindDescription), at: node.mark)
        return nil
    }

    // MARK: - Shared helpers

    /// The text of a mapping key; reports keys that are not plain text.
    ///
    /// `context` is built only for an error: this runs for every key of every asset.
    mutating func fieldName(_ key: Node, in context: @autoclosure () -> String) -> String? {
        guard case .scalar(let s) = key, s.kind != .null else {
            error(.wrongType(field: "a key in \(context())", expected: "a word", found: key.kindDescription), at: key.mark)
            return nil
        }
        return s.value
    }

    mutating func unknown(_ node: Node, _ key: String, in context: @autoclosure () -> String, allowed: [String]) {
        error(.unknownKey(key, in: context(), suggestion: Suggestion.closest(to: key, in: allowed)), at: node.mark)
    }

    /// A scalar's text. Numbers are taken as written (`name: 2024` is the text "2024");
    /// null and booleans are refused, since they are rarely meant as text.
    mutating func text(_ node: Node, field: String) -> String? {
        guard case .scalar(let s) = node else {
            error(.wrongType(field: field, expected: "a string", found: node.kindDescription), at: node.mark)
            return nil
        }
        switch s.kind {
        case .string, .int, .float:
            return s.value
        case .null:
            error(.wrongType(field: field, expected: "a string", found: "empty"), at: node.mark)
        case .bool:
            error(
                .wrongType(field: field, expected: "a string", found: "the boolean \(s.value) (quote it to mean the text)"),
                at: node.mark)
        case .tagged(let tag):
            error(.wrongType(field: field, expected: "a string", found: "a value tagged \(tag)"), at: node.mark)
        }
        return nil
    }

    /// Text for a remote name or description: 1...`max` characters (Unicode scalars, as the
    /// service counts them), no control characters, no line or paragraph separator (U+2028,
    /// U+2029: line breaks) and no bidirectional embedding, override or isolate (they reorder
    /// what is shown of the text, and of what follows it on a line).
    mutating func label(_ node: Node, field: String, max: Int, allowEmpty: Bool = false) -> String? {
        guard let value = text(node, field: field) else { return nil }
        if let reason = Self.labelProblem(value, max: max, allowEmpty: allowEmpty) {
            error(.invalidText(field: field, reason: reason), at: node.mark)
            return nil
        }
        return value
    }

    static func labelProblem(_ value: String, max: Int, allowEmpty: Bool) -> String? {
        if value.isEmpty { return allowEmpty ? nil : "must not be empty" }
        // On the UTF-8 bytes (this runs for every name): a scalar starts at every byte that is not
        // a continuation byte; C1 controls (U+0080–U+009F) are 0xC2 0x80–0x9F.
        var text = value
        return text.withUTF8 { bytes -> String? in
            var count = 0
            var (before, previous): (UInt8, UInt8) = (0, 0)
            for byte in bytes {
                if byte & 0xC0 != 0x80 { count += 1 }
                if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F) {
                    return byte == 0x0A ? "must be one line" : "must not hold control characters"
                }
                if before == 0xE2, FormatControls.contains(afterE2: previous, byte) {
                    return previous == 0x80 && byte <= 0xA9
                        ? "must be one line (it holds a line or paragraph separator)"
                        : "must not hold bidirectional controls (they reorder what is shown)"
                }
                (before, previous) = (previous, byte)
            }
            return count > max ? "is \(count) characters long; the most is \(max)" : nil
        }
    }

    /// A whole number in `range`.
    mutating func integer(_ node: Node, field: String, range: ClosedRange<Int>) -> Int? {
        guard let s = node.scalar, let v = s.int else {
            error(
                .invalidLimit(
                    field: field,
                    reason: "must be a whole number, not \(node.scalar.map { "\"\($0.value)\"" } ?? node.kindDescription)"),
                at: node.mark)
            return nil
        }
        guard range.contains(v) else {
            error(
                .invalidLimit(field: field, reason: "must be from \(range.lowerBound) to \(range.upperBound), not \(v)"),
                at: node.mark)
            return nil
        }
        return v
    }
}
