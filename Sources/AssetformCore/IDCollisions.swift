/// Finds an id read twice among many (a lockfile's 100,000 asset ids) for a fraction of what a
/// `Set<String>` costs: each id's 64-bit hash is kept, and at the end each hash's upper half goes
/// in an open-addressed table of 4 bytes a slot (1 MiB for 100,000 ids); an id whose fingerprint
/// is already in its slot's run is only a suspect, confirmed (or not: two ids with one
/// fingerprint) against the ids themselves, which is rare.
struct IDCollisions {
    /// Each id's hash and where it was read, in the order read: written in order, these stay
    /// cheap while the lockfile is read; the table that finds a hash read twice is made at the
    /// end, in one pass that keeps it in the cache (made as the ids were read, it missed the cache
    /// at nearly every id, most of the reader's time for them).
    private var hashes: [UInt64] = []
    private var offsets: [UInt32] = []

    /// `expected`: about how many ids will be inserted.
    init(expected: Int = 1024) {
        hashes.reserveCapacity(expected)
        offsets.reserveCapacity(expected)
    }

    /// `offset`: where the id was read (a lockfile is far below 4 GiB).
    mutating func insert(_ id: String, at offset: Int) {
        if let hash = id.utf8.withContiguousStorageIfAvailable(Self.hash) {
            insert(hash: hash, at: offset)
        } else {
            var id = id
            insert(hash: id.withUTF8(Self.hash), at: offset)
        }
    }

    /// `insert` of an id's UTF-8 bytes as the lockfile holds them (no String needed).
    mutating func insert(utf8 id: UnsafeBufferPointer<UInt8>, at offset: Int) {
        insert(hash: Self.hash(id), at: offset)
    }

    private mutating func insert(hash: UInt64, at offset: Int) {
        hashes.append(hash)
        offsets.append(UInt32(clamping: offset))
    }

    /// The first id read again (in the order read) that is a true duplicate among `ids` (every id
    /// read), with where it was read again. `idAt` reads the id at an offset `insert` was given
    /// again: only those whose fingerprint was seen before (the suspects, which are rare) are.
    func firstDuplicate(among ids: some Sequence<String>, idAt: (Int) -> String?) -> (id: String, offset: Int)? {
        var size = 1024
        while size < hashes.count * 2 { size *= 2 }
        var table = [UInt32](repeating: 0, count: size)
        let mask = size - 1
        var suspects: [(id: String, offset: Int)] = []
        for (n, hash) in hashes.enumerated() {
            let print = Self.fingerprint(hash)
            var i = Int(truncatingIfNeeded: hash) & mask
            var seen = false
            while table[i] != 0 {
                if table[i] == print {
                    seen = true
                    break
                }
                i = (i + 1) & mask
            }
            if !seen {
                table[i] = print
            } else if let id = idAt(Int(offsets[n])) {
                suspects.append((id, Int(offsets[n])))
            }
        }
        guard !suspects.isEmpty else { return nil }
        let wanted = Set(suspects.map(\.id))
        var counts: [String: Int] = [:]
        for id in ids where wanted.contains(id) { counts[id, default: 0] += 1 }
        return suspects.first { (counts[$0.id] ?? 0) > 1 }
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
