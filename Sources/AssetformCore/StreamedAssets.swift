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
        var seen: ManifestDecoder.Seen

        init(capacity: Int) {
            seen = ManifestDecoder.Seen(capacity: capacity)
            assets.reserveCapacity(capacity)
        }

        mutating func take(key: Node, value: Node) {
            if let asset = decoder.assetEntry(key: key, value: value, seen: &seen) {
                assets.append(asset)
            } else {
                ok = false
            }
        }
    }

    /// What a group's streamed `assets` mapping gave: its assets (nil when one had an error)
    /// and the diagnostics found in it.
    struct Result {
        var assets: [Asset]?
        var diagnostics: [Diagnostic]
    }

    /// Every group's result, by the position of its `assets` mapping.
    var groups: [Mark: Result] {
        finishCurrent()
        return done
    }

    private var done: [Mark: Result] = [:]
    /// The mapping being streamed (entries come one mapping at a time: these never nest).
    private var current: (mark: Mark, group: Group)?

    /// Keeps the current group's result; its sets of names and URLs are dropped.
    private func finishCurrent() {
        if let (mark, group) = current {
            var assets = group.assets
            // Room reserved from a larger group before it is given back.
            if assets.capacity > 2 * assets.count + 64 { assets = Array(assets) }
            done[mark] = Result(assets: group.ok ? assets : nil, diagnostics: group.decoder.diagnostics)
        }
        current = nil
    }

    /// The stream of every group's `assets` mapping into `groups`.
    var stream: MappingStream {
        MappingStream(
            path: ["groups", nil, "assets"],
            begin: { [self] mark, _ in
                // Room for as many assets as the group before had.
                let capacity = current?.group.assets.count ?? 0
                finishCurrent()
                current = (mark, Group(capacity: capacity))
            },
            entry: { [self] mark, key, value in
                guard current?.mark == mark else { return }
                current!.group.take(key: key, value: value)
            })
    }
}
