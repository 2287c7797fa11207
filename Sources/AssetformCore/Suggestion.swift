/// "Did you mean" for a mistyped word among a few known ones.
public enum Suggestion {
    /// The candidate closest to `word`, if it is close enough to be a likely typo.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let w = normalized(word)
        var best: (String, Int)?
        for c in candidates {
            let d = distance(w, normalized(c))
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let (candidate, d) = best else { return nil }
        if d <= max(1, min(3, candidate.count / 3)) { return candidate }
        // A word of a longer key (`create` for `create_asset`), when only one has it.
        guard w.count >= 3 else { return nil }
        let having = candidates.filter { normalized($0).split(separator: "_").contains(w[...]) }
        return having.count == 1 ? having[0] : nil
    }

    private static func normalized(_ s: String) -> [Character] {
        Array(s.lowercased().map { $0 == "-" || $0 == " " ? "_" : $0 })
    }

    /// Levenshtein distance, with a swap of two neighbours counted as one edit.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
