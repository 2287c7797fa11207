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
        return bytes.allSatisfy { c in
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                true
            default: false
            }
        }
    }
}
