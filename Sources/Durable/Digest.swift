import Crypto

/// SHA-256 digests in hex, from swift-crypto: a manifest's fingerprint in a saved plan, and an
/// API key kept (by the emulator) only as a digest.
public enum Digest {
    public static func sha256Hex(_ text: String) -> String { sha256Hex(Array(text.utf8)) }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in Crypto.SHA256.hash(data: bytes) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
