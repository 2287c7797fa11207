import JSON
import Testing

@Suite("Keys sorted by their UTF-8 bytes")
struct UTF8OrderTests {
    /// `precedesByUTF8` against the generic comparison of the two `UTF8View`s, on seeded random
    /// texts (ASCII, accents, CJK, emoji, shared prefixes, empty), and on substrings' copies.
    @Test func agreesWithTheGenericComparison() {
        let seed: UInt64 = 20_261_203
        var random = SplitMix(seed)
        let pieces = ["", "a", "b", "assets", "asset", "Z", "é", "e\u{301}", "名", "名前", "😀", "\u{7F}", "~", " ", "0", "9"]
        func text() -> String {
            (0..<Int(random.next() % 5)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
        }
        for _ in 0..<5000 {
            let (a, b) = (text(), text())
            #expect(
                a.precedesByUTF8(b) == a.utf8.lexicographicallyPrecedes(b.utf8),
                "seed \(seed): \(Array(a.utf8)) against \(Array(b.utf8))")
        }
        let long = String(repeating: "x", count: 40)
        #expect(String(long.dropLast()).precedesByUTF8(long))
        #expect(!long.precedesByUTF8(String(long.dropLast())))
        #expect(!long.precedesByUTF8(long))
        #expect("".precedesByUTF8("a") && !"".precedesByUTF8(""))
        // Canonically equal, different bytes: ordered by the bytes, not by String's own `<`.
        #expect("e\u{301}".precedesByUTF8("é"))
    }

    private struct SplitMix {
        var state: UInt64
        init(_ seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
