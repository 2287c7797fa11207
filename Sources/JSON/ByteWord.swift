/// Eight bytes at a time, for the scans of strings (reading and writing JSON, checking URLs): the
/// usual tests on a 64-bit word, each exact about whether some byte matches (not about which one).
public enum ByteWord {
    public static let ones: UInt64 = 0x0101_0101_0101_0101
    /// Each byte's high bit: a word with none of them set is ASCII.
    public static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Nonzero when some byte of `w` is `b`.
    @inlinable @inline(__always) public static func holds(_ w: UInt64, _ b: UInt8) -> UInt64 {
        let x = w ^ (UInt64(b) &* ones)
        return (x &- ones) & ~x & highs
    }

    /// The index of the first byte (the lowest, in a word loaded little-endian) that `holds` or
    /// `holdsBelow` flags: exact, as their flags may be wrong only above a byte that matches.
    /// `flags` must be nonzero.
    @inlinable @inline(__always) public static func firstFlagged(_ flags: UInt64) -> Int {
        flags.trailingZeroBitCount / 8
    }

    /// Nonzero when some byte of `w` is below `n` (exact for n ≤ 0x80).
    @inlinable @inline(__always) public static func holdsBelow(_ w: UInt64, _ n: UInt8) -> UInt64 {
        (w &- UInt64(n) &* ones) & ~w & highs
    }
}
