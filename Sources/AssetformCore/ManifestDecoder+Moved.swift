import YAML

extension ManifestDecoder {
    private static let moveKeys = ManifestKeys.move

    /// `moved:`: a list of `{from: OLD, to: NEW}`, both addresses of one kind.
    mutating func decodeMoved(_ node: Node) -> [Move] {
        if node.scalar?.kind == .null { return [] }
        guard case .sequence(let list) = node else {
            error(
                .wrongType(field: "moved", expected: "a list of {from: OLD, to: NEW} entries", found: node.kindDescription),
                at: node.mark)
            return []
        }
        var moves: [Move] = []
        var froms: [Address: Mark] = [:]
        var tos: [Address: Mark] = [:]
        for item in list.items {
            guard case .mapping(let m) = item else {
                error(
                    .wrongType(
                        field: "an entry of moved", expected: "a mapping {from: OLD, to: NEW}", found: item.kindDescription),
                    at: item.mark)
                continue
            }
            var ends: [String: Address] = [:]
            var ok = true
            for entry in m.entries {
                guard let field = fieldName(entry.key, in: "an entry of moved") else { ok = false; continue }
                guard Self.moveKeys.contains(field) else {
                    unknown(entry.key, field, in: "an entry of moved", allowed: Self.moveKeys)
                    ok = false
                    continue
                }
                guard let text = text(entry.value, field: "moved.\(field)") else { ok = false; continue }
                do {
                    ends[field] = try Address(parsing: text)
                } catch {
                    self.error(.invalidMove(error.description), at: entry.value.mark)
                    ok = false
                }
            }
            for key in Self.moveKeys where m[key] == nil {
                error(.missingKey(key, in: "an entry of moved"), at: item.mark)
                ok = false
            }
            guard ok, let from = ends["from"], let to = ends["to"] else { continue }
            if from == to {
                error(.invalidMove("from and to are both \(from)"), at: item.mark)
                continue
            }
            if from.isGroup != to.isGroup {
                error(
                    .invalidMove(
                        "\(from) is \(from.isGroup ? "a group" : "an asset") and \(to) is \(to.isGroup ? "a group" : "an asset"); "
                            + "a move keeps its kind"), at: item.mark)
                continue
            }
            if let first = froms[from] {
                error(.duplicateMove(from, end: "from", first: first), at: item.mark)
                continue
            }
            if let first = tos[to] {
                error(.duplicateMove(to, end: "to", first: first), at: item.mark)
                continue
            }
            froms[from] = item.mark
            tos[to] = item.mark
            moves.append(Move(from: from, to: to, mark: item.mark))
        }
        return moves
    }

    /// The moves against what the manifest declares: the old address must be gone from it (or
    /// both would claim one record); a new address it does not declare (and no later entry
    /// moves on: a chain) is most likely a typo.
    mutating func checkMoves(_ moves: [Move], groups: [Group]) {
        guard !moves.isEmpty else { return }
        var declared = Set<Address>()
        for g in groups {
            declared.insert(Address(group: g.key))
            for a in g.assets { declared.insert(Address(group: g.key, asset: a.key)) }
        }
        let froms = Set(moves.map(\.from))
        for move in moves {
            if declared.contains(move.from) {
                error(.moveFromStillDeclared(move.from), at: move.mark)
            } else if !declared.contains(move.to) && !froms.contains(move.to) {
                warning(.moveToUndeclared(move.to), at: move.mark)
            }
        }
    }
}
