import Crypto
import Foundation

/// SHA-256 digests in hex, from swift-crypto: a manifest's fingerprint in a saved plan, and an
/// API key kept (by the emulator) only as a digest.
public enum Digest {
    public static func sha256Hex(_ text: String) -> String { sha256Hex(Array(text.utf8)) }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        var stream = Stream()
        bytes.withUnsafeBufferPointer { stream.update($0) }
        return stream.hex()
    }

    /// A SHA-256 taken a part at a time, as the bytes go by (a lockfile's, as it is read).
    public struct Stream {
        private var hasher = Crypto.SHA256()

        public init() {}

        public mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
        }

        /// The digest of every byte given, in hex.
        public func hex() -> String {
            let hex = Array("0123456789abcdef".utf8)
            var out: [UInt8] = []
            out.reserveCapacity(64)
            for byte in hasher.finalize() {
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 15)])
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The SHA-256 of the file at `path`, read a megabyte at a time (a lockfile of 100,000
    /// assets is 30 MB); nil when it cannot be read.
    public static func sha256Hex(fileAt path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var stream = Stream()
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 20) } catch { return nil }
            // (nil, or empty: the end of the file)
            guard let chunk, !chunk.isEmpty else { break }
            chunk.withUnsafeBytes { stream.update($0.bindMemory(to: UInt8.self)) }
        }
        return stream.hex()
    }
}
