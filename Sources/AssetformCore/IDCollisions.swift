/// Finds an id read twice among many (a lockfile's 100,000 asset ids) for a fraction of what a
/// `Set<String>` costs: each id is kept as a 32-bit fingerprint in an open-addressed table of
/// 4 bytes a slot (1 MiB for 100,000 ids: a table of 64-bit hashes, twice that, cost a miss of
/// the cache and the TLB at nearly every insert, most of the insert's time), and an id whose
/// fingerprint is already in its slot's run is only a suspect, confirmed (or not: two ids with one
/// fingerprint) against the ids themselves at the end, which is rare.
struct IDCollisions {
    private var table: [UInt32]
    private var mask: Int
    /// Every hash put in the table, in order: a larger table is filled again from them (a slot
    /// keeps too little of its hash to say where it goes in a larger one). Written in order, so
    /// cheap to keep.
    private var hashes: [UInt64] = []
    /// Ids whose fingerprint was seen before, with where they were read.
    private(set) var suspects: [(id: String, offset: Int)] = []

    /// `expected`: about how many ids will be inserted.
    init(expected: Int = 1024) {
        var size = 1024
        while size < expected * 2 { size *= 2 }
        table = [UInt32](repeating: 0, count: size)
        mask = size - 1
        hashes.reserveCapacity(expected)
    }

    mutating func insert(_ id: String, at offset: Int) {
        var id = id
        let hash = id.withUTF8 { Self.hash($0) }
        if hashes.count * 2 >= table.count { grow() }
        if put(hash) {
            hashes.append(hash)
        } else {
            suspects.append((id, offset))
        }
    }

    /// Puts `hash`'s fingerprint in its slot's run; false when the run has it already.
    private mutating func put(_ hash: UInt64) -> Bool {
        let print = Self.fingerprint(hash)
        var i = Int(truncatingIfNeeded: hash) & mask
        while table[i] != 0 {
            if table[i] == print { return false }
            i = (i + 1) & mask
        }
        table[i] = print
        return true
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
        table = [UInt32](repeating: 0, count: table.count * 2)
        mask = table.count - 1
        for hash in hashes { _ = put(hash) }
    }

    /// The 32 bits kept of a hash (the upper ones: the slot comes from the lower); never 0, the
    /// table's empty slot.
    private static func fingerprint(_ hash: UInt64) -> UInt32 {
        let print = UInt32(truncatingIfNeeded: hash >> 32)
        return print == 0 ? 1 : print
    }

    /// Eight bytes at a time (an id is about 26), then a finalizer that spreads them over the
    /// low bits.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bytes.count)
        var i = 0
        let raw = UnsafeRawBufferPointer(bytes)
        while i + 8 <= raw.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < raw.count {
            tail |= UInt64(raw[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }
}
