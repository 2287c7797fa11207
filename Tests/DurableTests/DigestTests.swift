import Durable
import Foundation
import Testing

@Suite("SHA-256 digests (swift-crypto), against known answers")
struct DigestTests {
    /// FIPS 180-4 examples and the empty message.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func knownAnswers(_ message: String, _ digest: String) {
        #expect(Digest.sha256Hex(message) == digest)
        #expect(Digest.sha256Hex(Array(message.utf8)) == digest)
    }

    @Test func aFileIsDigestedAMegabyteAtATimeAsItsBytesAre() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Seeded bytes, over two reads and a half.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<(5 << 19)).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        #expect(Digest.sha256Hex(fileAt: path) == Digest.sha256Hex(bytes))
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        #expect(Digest.sha256Hex(fileAt: path) == Digest.sha256Hex(""))
        #expect(Digest.sha256Hex(fileAt: path + "-missing") == nil)
    }
}
