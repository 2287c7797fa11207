import Crypto

/// SHA-256 and HMAC-SHA256 from swift-crypto, as bytes: what the upstream's request signature
/// (`RequestSignature`) is made of.
enum SHA256Hasher {
    static func hash(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    static func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }
}
