import YAML

/// The assets of each group, decoded as the parser hands over each entry of the group's
/// `assets` mapping (`MappingStream`), so that the entries' nodes are freed one by one and the
/// manifest's assets are never a tree at once. The decoder later takes each group's result by
/// the mapping's position, with the diagnostics found in it.
final class StreamedAssets {
    struct Group {
        var assets: [Asset] = []
        var ok = true
        var decoder = ManifestDecoder()
        var seen = ManifestDecoder.Seen(capacity: 0)

        mutating func take(key: Node, value: Node) {
            if let asset = decoder.assetEntry(key: key, value: value, seen: &seen) {
                assets.append(asset)
            } else {
                ok = false
            }
        }
    }

    private(set) var groups: [Mark: Group] = [:]

    /// The stream of every group's `assets` mapping into `groups`.
    var stream: MappingStream {
        MappingStream(
            path: ["groups", nil, "assets"],
            begin: { [self] mark, _ in groups[mark] = Group() },
            entry: { [self] mark, key, value in groups[mark]?.take(key: key, value: value) })
    }
}
