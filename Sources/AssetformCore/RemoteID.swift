/// The shape of an id the service gives (a group's or an asset's): letters, digits, `-` and
/// `_`, at most 128 bytes. Nothing else (escapes, shell syntax, paths) is ever stored or printed
/// as an id, whether it came from the service or from a lockfile edited by hand.
public enum RemoteID {
    public static let maxLength = 128

    public static func isWellFormed(_ id: String) -> Bool {
        var id = id
        return id.withUTF8 { isWellFormed($0) }
    }

    public static func isWellFormed(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        // A lockfile's every id is checked as it is read: one table look-up per byte.
        return allowed.withUnsafeBufferPointer { table in bytes.allSatisfy { table[Int($0)] } }
    }

    /// Per byte value: whether it may be in an id.
    private static let allowed: [Bool] = (0..<256).map { b in
        let c = UInt8(b)
        return (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
    }
}
