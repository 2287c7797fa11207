import AssetformEmulator
import Foundation
import Testing

@testable import AssetformCore

@Suite("Ids read twice among many")
struct IDCollisionsTests {
    /// Thousands of ids (more than the table was told to expect): an id read twice is found,
    /// with where it was read again, wherever its first and second readings were; no id read
    /// once is named.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func foundWhereverItWasRead(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let n = 2000 + Int(random.next() % 3000)
        let ids = (0..<n).map { "asset-2026010100\(String(format: "%04d", $0 / 100))-\(random.next() % 1_000_000)-\($0)" }
        var clean = IDCollisions(expected: 4)
        for (i, id) in ids.enumerated() { clean.insert(id, at: i) }
        #expect(clean.firstDuplicate(among: ids, idAt: { ids[$0] }) == nil, "seed \(seed)")

        // The id read first at `again` is read again before the id at `at` (or at the end).
        var table = IDCollisions(expected: 4)
        let again = Int(random.next() % UInt64(n))
        let at = again + 1 + Int(random.next() % UInt64(n - again))
        let readAgainAt = 10 * n
        var byOffset: [Int: String] = [readAgainAt: ids[again]]
        var read: [String] = []
        for (i, id) in ids.enumerated() {
            if i == at {
                read.append(ids[again])
                table.insert(ids[again], at: readAgainAt)
            }
            read.append(id)
            table.insert(id, at: i)
            byOffset[i] = id
        }
        if at == n {
            read.append(ids[again])
            table.insert(ids[again], at: readAgainAt)
        }
        let found = table.firstDuplicate(among: read, idAt: { byOffset[$0] })
        #expect(found?.id == ids[again], "seed \(seed): \(ids[again]) read at \(again) and again at \(at)")
        #expect(found?.offset == readAgainAt, "seed \(seed)")
    }

    /// Ids of every length from 0 to 40 bytes (the hash reads eight at a time, then the rest)
    /// are told apart when they differ in any one byte: none is even a suspect.
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
        var suspects: [String] = []
        #expect(
            table.firstDuplicate(
                among: ids,
                idAt: {
                    suspects.append(ids[$0]); return ids[$0]
                }) == nil)
        #expect(suspects.isEmpty, "\(suspects)")
    }
}
