import AssetformEmulator
import Foundation
import Testing

@testable import AssetformCore

@Suite("Ids read twice among many")
struct IDCollisionsTests {
    /// A table made for a few ids and given thousands grows many times over: every id read twice
    /// is still found, whenever its first reading was, and no id read once is named.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func foundThroughEveryGrowth(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let n = 2000 + Int(random.next() % 3000)
        let ids = (0..<n).map { "asset-2026010100\(String(format: "%04d", $0 / 100))-\(random.next() % 1_000_000)-\($0)" }
        var clean = IDCollisions(expected: 4)
        for (i, id) in ids.enumerated() { clean.insert(id, at: i) }
        #expect(clean.firstDuplicate(among: ids) == nil, "seed \(seed)")

        var table = IDCollisions(expected: 4)
        let again = Int(random.next() % UInt64(n))
        let at = again + 1 + Int(random.next() % UInt64(n - again))
        var read: [String] = []
        for (i, id) in ids.enumerated() {
            if i == at { read.append(ids[again]); table.insert(ids[again], at: -1) }
            read.append(id)
            table.insert(id, at: i)
        }
        if at == n { read.append(ids[again]); table.insert(ids[again], at: -1) }
        let found = table.firstDuplicate(among: read)
        #expect(found?.id == ids[again], "seed \(seed): \(ids[again]) read at \(again) and again at \(at)")
        #expect(found?.offset == -1, "seed \(seed)")
    }

    /// Ids of every length from 0 to 40 bytes (the hash reads eight at a time, then the rest)
    /// are told apart when they differ in any one byte.
    @Test func everyLengthAndByteCounts() {
        var ids: [String] = []
        for length in 0...40 {
            let base = String(repeating: "a", count: length)
            ids.append(base)
            for i in 0..<length {
                var bytes = Array(base.utf8)
                bytes[i] = UInt8(ascii: "b")
                ids.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        var table = IDCollisions(expected: 8)
        for (i, id) in ids.enumerated() { table.insert(id, at: i) }
        #expect(table.firstDuplicate(among: ids) == nil)
        #expect(table.suspects.isEmpty, "\(table.suspects.map(\.id))")
    }
}
