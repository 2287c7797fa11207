/// Finds an id read twice among many (a lockfile's 100,000 asset ids) for a fraction of what a
/// `Set<String>` costs: each id is kept as a 64-bit hash in an open-addressed table, and an id
/// whose hash is there already is only a suspect, confirmed (or not: two ids with one hash)
/// against the ids themselves at the end, which is rare.
struct IDCollisions {
    private var table: [UInt64]
    private var mask: Int
    private var count = 0
    /// Ids whose hash was seen before, with where they were read.
    private(set) var suspects: [(id: String, offset: Int)] = []

    /// `expected`: about how many ids will be inserted.
    init(expected: Int = 1024) {
        var size = 1024
        while size < expected * 2 { size *= 2 }
        table = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    mutating func insert(_ id: String, at offset: Int) {
        var id = id
        let hash = id.withUTF8 { Self.hash($0) }
        if count * 2 >= table.count { grow() }
        var i = Int(truncatingIfNeeded: hash) & mask
        while table[i] != 0 {
            if table[i] == hash {
                suspects.append((id, offset))
                return
            }
            i = (i + 1) & mask
        }
        table[i] = hash
        count += 1
    }

    /// The first suspect that is a true duplicate among `ids` (every id read), with its offset.
    func firstDuplicate(among ids: some Sequence<String>) -> (id: String, offset: Int)? {
        guard !suspects.isEmpty else { return nil }
        let wanted = Set(suspects.map(\.id))
        var seen: [String: Int] = [:]
        for id in ids where wanted.contains(id) { seen[id, default: 0] += 1 }
        return suspects.first { (seen[$0.id] ?? 0) > 1 }
    }

    private mutating func grow() {
        let old = table
        table = [UInt64](repeating: 0, count: old.count * 2)
        mask = table.count - 1
        for hash in old where hash != 0 {
            var i = Int(truncatingIfNeeded: hash) & mask
            while table[i] != 0 { i = (i + 1) & mask }
            table[i] = hash
        }
    }

    /// FNV-1a over the bytes, then a finalizer that spreads them over the low bits; never 0
    /// (the table's empty slot).
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h == 0 ? 1 : h
    }
}
