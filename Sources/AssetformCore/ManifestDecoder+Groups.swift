import YAML

extension ManifestDecoder {
    private static let groupKeys = ManifestKeys.group
    private static let assetKeys = ManifestKeys.asset

    mutating func decodeGroups(_ node: Node) -> [Group] {
        if node.scalar?.kind == .null { return [] }
        guard case .mapping(let m) = node else {
            error(
                .wrongType(field: "groups", expected: "a mapping of group keys to groups", found: node.kindDescription),
                at: node.mark)
            return []
        }
        var groups: [Group] = []
        groups.reserveCapacity(m.entries.count)
        // Compared byte for byte, as the service compares names (`ExactText`).
        var names: [ExactText: Mark] = [:]
        for entry in m.entries {
            guard let key = groupOrAssetKey(entry.key, kind: "group") else { continue }
            guard let decoded = decodeGroup(key: key, mark: entry.key.mark, entry.value) else { continue }
            // A group with errors elsewhere still has its name checked: every violation at once.
            if let name = decoded.name {
                if let first = names[ExactText(name)] {
                    error(.duplicateName(name, kind: "group", first: first), at: decoded.nameMark ?? entry.key.mark)
                } else {
                    names[ExactText(name)] = decoded.nameMark ?? entry.key.mark
                }
            }
            if let group = decoded.group { groups.append(group) }
        }
        return groups
    }

    /// A key of `groups` or of a group's `assets`, checked against the key rule.
    private mutating func groupOrAssetKey(_ node: Node, kind: String) -> String? {
        guard case .scalar(let s) = node, s.kind != .null, s.kind != .bool else {
            error(.wrongType(field: "a \(kind) key", expected: "a word", found: node.kindDescription), at: node.mark)
            return nil
        }
        if let reason = AssetKey.problem(s.value) {
            error(.invalidKey(s.value, kind: kind, reason: reason), at: node.mark)
            return nil
        }
        return s.value
    }

    /// A group, or nil where it has an error (reported); and its name (nil where the name itself
    /// is in error), for the check of names used twice.
    private mutating func decodeGroup(key: String, mark: Mark, _ node: Node) -> (
        group: Group?, name: String?, nameMark: Mark?
    )? {
        var name: String?
        var nameMark: Mark?
        var nameFailed = false
        var description: String?
        var assets: [Asset] = []
        var ok = true
        switch node {
        case .scalar(let s) where s.kind == .null:
            break
        case .mapping(let m):
            for entry in m.entries {
                guard let field = fieldName(entry.key, in: "group \"\(key)\"") else { continue }
                switch field {
                case "name":
                    name = label(entry.value, field: "name", max: 64)
                    nameMark = entry.value.mark
                    nameFailed = name == nil
                    ok = ok && name != nil
                case "description":
                    description = label(entry.value, field: "description", max: 300, allowEmpty: true)
                    ok = ok && description != nil
                case "assets":
                    guard let decoded = decodeAssets(entry.value, group: key) else { ok = false; continue }
                    assets = decoded
                default:
                    unknown(entry.key, field, in: "group \"\(key)\"", allowed: Self.groupKeys)
                    ok = false
                }
            }
        default:
            error(
                .wrongType(
                    field: "group \"\(key)\"", expected: "a mapping (name, description, assets)", found: node.kindDescription),
                at: node.mark)
            return nil
        }
        if ok, assets.isEmpty {
            warning(.emptyGroup(key), at: mark)
        }
        let checkedName = nameFailed ? nil : name ?? key
        guard ok else { return (nil, checkedName, nameMark) }
        return (Group(key: key, name: name, description: description, assets: assets, mark: mark), checkedName, nameMark)
    }

    // MARK: - Assets

    /// What a group has seen so far, to find names, keys and URLs used twice.
    struct Seen {
        var names: [ExactText: Mark] = [:]
        var urls: [ExactText: Mark] = [:]
        var keys: [String: Mark] = [:]

        init(capacity: Int) {
            names.reserveCapacity(capacity)
            urls.reserveCapacity(capacity)
        }
    }

    private mutating func decodeAssets(_ node: Node, group: String) -> [Asset]? {
        var assets: [Asset] = []
        var ok = true
        switch node {
        case .scalar(let s) where s.kind == .null:
            return []
        case .mapping(let m):
            if let streamed = streamedAssets[m.mark] {
                // Decoded as the parser handed over each entry (`StreamedAssets`).
                diagnostics += streamed.diagnostics
                return streamed.assets
            }
            var seen = Seen(capacity: m.entries.count)
            assets.reserveCapacity(m.entries.count)
            for entry in m.entries {
                if let asset = assetEntry(key: entry.key, value: entry.value, seen: &seen) {
                    assets.append(asset)
                } else {
                    ok = false
                }
            }
        case .sequence(let list):
            var seen = Seen(capacity: list.items.count)
            seen.keys.reserveCapacity(list.items.count)
            assets.reserveCapacity(list.items.count)
            for item in list.items {
                guard case .scalar = item, let url = text(item, field: "an item of a URL list") else {
                    if case .scalar = item {
                    } else {
                        error(
                            .wrongType(
                                field: "an item of a URL list",
                                expected: "a URL (for more fields, write the assets as a mapping of keys)",
                                found: item.kindDescription), at: item.mark)
                    }
                    ok = false
                    continue
                }
                guard let parsed = sourceURL(url, at: item.mark) else { ok = false; continue }
                let key = parsed.derivedKey
                if AssetKey.problem(key) != nil {
                    error(.underivableKey(url: url, derived: key), at: item.mark)
                    ok = false
                    continue
                }
                if let first = seen.keys[key] {
                    error(.derivedKeyCollision(key, first: first), at: item.mark)
                    ok = false
                    continue
                }
                seen.keys[key] = item.mark
                if let asset = finishAsset(
                    key: key, url: parsed, urlMark: item.mark, type: nil, name: nil, mark: item.mark, seen: &seen)
                {
                    assets.append(asset)
                } else {
                    ok = false
                }
            }
        default:
            error(
                .wrongType(
                    field: "assets", expected: "a mapping of asset keys to assets, or a list of URLs", found: node.kindDescription
                ), at: node.mark)
            return nil
        }
        return ok ? assets : nil
    }

    /// One entry of a group's `assets` mapping; nil when it has an error (reported).
    mutating func assetEntry(key node: Node, value: Node, seen: inout Seen) -> Asset? {
        guard let key = groupOrAssetKey(node, kind: "asset") else { return nil }
        return decodeAsset(key: key, keyMark: node.mark, value, seen: &seen)
    }

    private mutating func decodeAsset(key: String, keyMark: Mark, _ node: Node, seen: inout Seen) -> Asset? {
        switch node {
        case .scalar:
            guard let url = text(node, field: "url"), let parsed = sourceURL(url, at: node.mark) else {
                _ = checkName(key, at: keyMark, seen: &seen)  // every violation at once
                return nil
            }
            return finishAsset(key: key, url: parsed, urlMark: node.mark, type: nil, name: nil, mark: keyMark, seen: &seen)
        case .mapping(let m):
            var url: (SourceURL, Mark)?
            var type: (AssetType, Mark)?
            var name: (String, Mark)?
            var revision: String?
            var ok = true
            var nameFailed = false
            for entry in m.entries {
                guard let field = fieldName(entry.key, in: "asset \"\(key)\"") else { ok = false; continue }
                switch field {
                case "url":
                    if let text = text(entry.value, field: "url"), let parsed = sourceURL(text, at: entry.value.mark) {
                        url = (parsed, entry.value.mark)
                    } else {
                        ok = false
                    }
                case "type":
                    guard let text = text(entry.value, field: "type") else { ok = false; continue }
                    guard let t = AssetType(rawValue: text) else {
                        error(.unknownAssetType(found: text), at: entry.value.mark)
                        ok = false
                        continue
                    }
                    type = (t, entry.value.mark)
                case "name":
                    if let text = label(entry.value, field: "name", max: 64) {
                        name = (text, entry.value.mark)
                    } else {
                        ok = false
                        nameFailed = true
                    }
                case "revision":
                    revision = label(entry.value, field: "revision", max: 64)
                    ok = ok && revision != nil
                default:
                    unknown(entry.key, field, in: "asset \"\(key)\"", allowed: Self.assetKeys)
                    ok = false
                }
            }
            guard ok, let (parsed, urlMark) = url else {
                if ok { error(.missingKey("url", in: "asset \"\(key)\""), at: keyMark) }
                // Its name is checked all the same: every violation at once.
                if !nameFailed { _ = checkName(name?.0 ?? key, at: name?.1 ?? keyMark, seen: &seen) }
                return nil
            }
            var asset = finishAsset(
                key: key, url: parsed, urlMark: urlMark, type: type, name: name, mark: keyMark, seen: &seen)
            asset?.revision = revision
            return asset
        case .sequence:
            error(
                .wrongType(
                    field: "asset \"\(key)\"", expected: "a URL or a mapping (url, type, name, revision)",
                    found: node.kindDescription),
                at: node.mark)
            return nil
        }
    }

    private mutating func sourceURL(_ text: String, at mark: Mark) -> SourceURL? {
        switch SourceURL.parse(text, hosts: &hosts) {
        case .success(let url):
            return url
        case .failure(let failure):
            error(.invalidURL(field: "url", reason: failure.reason), at: mark)
            return nil
        }
    }

    /// The checks every asset shares, whatever form it is written in: its type, and the names
    /// and URLs already used in its group.
    private mutating func finishAsset(
        key: String, url: SourceURL, urlMark: Mark, type: (AssetType, Mark)?, name: (String, Mark)?, mark: Mark,
        seen: inout Seen
    ) -> Asset? {
        let remoteName = name?.0 ?? key
        let nameIsNew = checkName(remoteName, at: name?.1 ?? mark, seen: &seen)
        let inferred = url.inferredType
        let resolvedType: AssetType
        if let (declared, typeMark) = type {
            resolvedType = declared
            if let inferred, inferred != declared {
                warning(.typeDisagreesWithExtension(type: declared.rawValue, inferred: inferred.rawValue), at: typeMark)
            }
        } else if let inferred {
            resolvedType = inferred
        } else {
            error(.typeRequired(url: url.text), at: urlMark)
            return nil
        }
        guard nameIsNew else { return nil }
        if let first = seen.urls.updateValue(urlMark, forKey: ExactText(url.text)) {
            seen.urls[ExactText(url.text)] = first
            warning(.duplicateURL(url.text, first: first), at: urlMark)
        }
        return Asset(key: key, url: url.text, type: resolvedType, name: remoteName, mark: mark)
    }

    /// Whether `remoteName` is new in its group; a name used before is an error at `mark`.
    private mutating func checkName(_ remoteName: String, at mark: Mark, seen: inout Seen) -> Bool {
        if let first = seen.names.updateValue(mark, forKey: ExactText(remoteName)) {
            seen.names[ExactText(remoteName)] = first
            error(.duplicateName(remoteName, kind: "asset", first: first), at: mark)
            return false
        }
        return true
    }
}
