import AssetformCore
import Testing

/// An address in a test (always well formed there).
func addr(_ text: String) -> Address { try! Address(parsing: text) }

@Suite("The journal: lines, replay onto the lockfile, torn tails and refusals")
struct JournalTests {
    static let provider = LockedProvider(api: "seedance", baseURL: "https://gogogotoken.com", projectName: "default")
    static let lineage = "5f0c2a8e-1111-4222-8333-444455556666"

    static func bytes(_ records: [JournalRecord], torn: String = "") -> [UInt8] {
        records.flatMap { $0.line + [UInt8(ascii: "\n")] } + Array(torn.utf8)
    }

    static let asset = LockedAsset(
        id: "asset-1", name: "front", ref: "asset://asset-1", status: .processing, type: .image,
        url: "https://cdn.example.com/front.png")

    @Test func everyRecordReadsBackAsWritten() {
        let records: [JournalRecord] = [
            .begin(lineage: Self.lineage, provider: Self.provider),
            .intent(.init(seq: 1, at: 1_763_700_000.25, address: addr("chars"), name: "角色", description: "d")),
            .intent(
                .init(
                    seq: 2, at: 1_763_700_001, address: addr("chars/front"), name: "front", groupID: "group-1", type: .image,
                    url: "https://cdn.example.com/front.png")),
            .abandon(seq: 2),
            .change(.group(key: "chars", LockedGroup(id: "group-1", name: "角色", description: "d")), seq: 1),
            .change(.asset(addr("chars/front"), Self.asset), seq: nil),
            .change(
                .asset(
                    addr("chars/bad"),
                    LockedAsset(
                        id: "asset-2", name: "bad", ref: "asset://asset-2", status: .failed, type: .video,
                        url: "https://x.example.com/b.mp4",
                        failure: RemoteAsset.Failure(code: "InvalidParameter.URL", message: "no"))), seq: 3),
            .change(.forget(addr("chars/old")), seq: nil),
            .intent(
                .init(
                    seq: 4, at: 1_763_700_002, address: addr("chars/side"), name: "side", groupID: "group-1", type: .image,
                    url: "https://cdn.example.com/side.png", revision: "v2")),
            .change(
                .asset(
                    addr("chars/side"),
                    LockedAsset(
                        id: "asset-4", name: "side", ref: "asset://asset-4", status: .active, type: .image,
                        url: "https://cdn.example.com/side.png", revision: "v2")), seq: 4),
            .change(.move(from: addr("chars/side"), to: addr("chars/left"), id: "asset-4"), seq: nil),
            .change(.move(from: addr("chars"), to: addr("characters"), id: "group-1"), seq: nil),
        ]
        for r in records {
            #expect(JournalRecord(line: r.line) == r, "\(String(decoding: r.line, as: UTF8.self))")
        }
    }

    @Test func replayGivesBackCompletedChangesAndOpenIntents() throws {
        let journal = Self.bytes([
            .begin(lineage: Self.lineage, provider: Self.provider),
            .intent(.init(seq: 1, at: 1, address: addr("chars"), name: "Characters")),
            .change(.group(key: "chars", LockedGroup(id: "group-1", name: "Characters")), seq: 1),
            .intent(
                .init(seq: 2, at: 2, address: addr("chars/front"), name: "front", groupID: "group-1", type: .image, url: "u")),
            .change(.asset(addr("chars/front"), Self.asset), seq: 2),
            .intent(.init(seq: 3, at: 3, address: addr("chars/side"), name: "side", groupID: "group-1", type: .image, url: "u")),
            .intent(.init(seq: 4, at: 4, address: addr("chars/back"), name: "back", groupID: "group-1", type: .image, url: "u")),
            .abandon(seq: 4),
        ])
        let replay = try JournalReplay.replay(journal, path: "m.lock.journal", onto: nil, provider: Self.provider)
        #expect(replay.lockfile.lineage == Self.lineage, "a journal without a lockfile gives its lineage")
        #expect(replay.lockfile.asset(at: addr("chars/front")) == Self.asset)
        #expect(replay.openIntents.map(\.address) == [addr("chars/side")], "only the create with neither result nor abandon")
        #expect(replay.records == 8)
        #expect(!replay.tornTail)
    }

    @Test func aTornLastLineIsIgnoredAndItsIntentStaysOpen() throws {
        var journal = Self.bytes([
            .begin(lineage: Self.lineage, provider: Self.provider),
            .intent(.init(seq: 1, at: 1, address: addr("chars"), name: "Characters")),
        ])
        let result = JournalRecord.change(.group(key: "chars", LockedGroup(id: "group-1", name: "Characters")), seq: 1).line
        journal += result.prefix(result.count / 2)  // killed in the middle of the write
        let replay = try JournalReplay.replay(journal, path: "j", onto: nil, provider: Self.provider)
        #expect(replay.tornTail)
        #expect(replay.openIntents.map(\.seq) == [1])
        #expect(replay.lockfile.groups.isEmpty)
    }

    @Test func replayOverALockfileThatHasItAlreadyChangesNothing() throws {
        var lock = Lockfile(lineage: Self.lineage, provider: Self.provider)
        lock.groups["chars"] = LockedGroup(id: "group-1", name: "Characters", assets: ["front": Self.asset])
        let journal = Self.bytes([
            .begin(lineage: Self.lineage, provider: Self.provider),
            .change(.group(key: "chars", LockedGroup(id: "group-1", name: "Characters")), seq: nil),
            .change(.asset(addr("chars/front"), Self.asset), seq: nil),
        ])
        let replay = try JournalReplay.replay(journal, path: "j", onto: lock, provider: Self.provider)
        #expect(replay.lockfile == lock, "replaying twice is harmless")
    }

    @Test func movesReplayedOverACheckpointThatHasThemChangeNothing() throws {
        // A run moved chars → people, then people/front → people/hero → people/left, and a
        // checkpoint wrote the lockfile after all of it; then the run died.
        var before = Lockfile(lineage: Self.lineage, provider: Self.provider)
        before.groups["chars"] = LockedGroup(id: "group-1", name: "Characters", assets: ["front": Self.asset])
        let records: [JournalRecord] = [
            .begin(lineage: Self.lineage, provider: Self.provider),
            .change(.move(from: addr("chars"), to: addr("people"), id: "group-1"), seq: nil),
            .change(.move(from: addr("people/front"), to: addr("people/hero"), id: "asset-1"), seq: nil),
            .change(.move(from: addr("people/hero"), to: addr("people/left"), id: "asset-1"), seq: nil),
        ]
        let once = try JournalReplay.replay(Self.bytes(records), path: "j", onto: before, provider: Self.provider).lockfile
        #expect(once.asset(at: addr("people/left"))?.id == "asset-1" && once.groups.count == 1)
        let twice = try JournalReplay.replay(Self.bytes(records), path: "j", onto: once, provider: Self.provider)
        #expect(twice.lockfile == once, "replayed onto the checkpoint, the moves are already made")
        // A move of another object than the one at its old address is refused, naming the line.
        var other = once
        other.groups["people"]!.assets["front"] = LockedAsset(
            id: "asset-9", name: "x", ref: "asset://asset-9", status: .active, type: .image, url: "https://c.example.com/x.png")
        let wrong = Self.bytes([
            .begin(lineage: Self.lineage, provider: Self.provider),
            .change(.move(from: addr("people/front"), to: addr("people/right"), id: "asset-1"), seq: nil),
        ])
        #expect(
            throws: StateError.journalChangeRefused(
                path: "j", line: 2, .moveOfAnotherObject(addr("people/front"), tracked: "asset-9", moved: "asset-1"))
        ) { try JournalReplay.replay(wrong, path: "j", onto: other, provider: Self.provider) }
    }

    @Test func aMoveThenAReplaceReplayedOverTheirCheckpointChangesNothing() throws {
        // A run moved g/old → g/new, then replaced it there (a new url): asset-2 at g/new; a
        // checkpoint wrote the lockfile after both, and the run died before the journal's compaction.
        var before = Lockfile(lineage: Self.lineage, provider: Self.provider)
        before.groups["g"] = LockedGroup(id: "group-1", name: "G", assets: ["old": Self.asset])
        var replaced = Self.asset
        replaced.id = "asset-2"
        replaced.ref = "asset://asset-2"
        let records: [JournalRecord] = [
            .begin(lineage: Self.lineage, provider: Self.provider),
            .change(.move(from: addr("g/old"), to: addr("g/new"), id: "asset-1"), seq: nil),
            .change(.asset(addr("g/new"), replaced), seq: nil),
        ]
        let once = try JournalReplay.replay(Self.bytes(records), path: "j", onto: before, provider: Self.provider).lockfile
        #expect(once.asset(at: addr("g/new"))?.id == "asset-2" && once.asset(at: addr("g/old")) == nil)
        let twice = try JournalReplay.replay(Self.bytes(records), path: "j", onto: once, provider: Self.provider)
        #expect(twice.lockfile == once, "the move its replace superseded is passed over")
    }

    @Test func aForeignOrDamagedJournalIsRefusedWithItsLine() throws {
        let other = Lockfile(lineage: "00000000-0000-4000-8000-000000000000", provider: Self.provider)
        let journal = Self.bytes([.begin(lineage: Self.lineage, provider: Self.provider)])
        #expect(
            throws: StateError.journalOfAnotherLockfile(
                path: "m.lock.journal", line: 1, journal: Self.lineage, lockfile: other.lineage)
        ) {
            try JournalReplay.replay(journal, path: "m.lock.journal", onto: other, provider: Self.provider)
        }
        let damaged = Self.bytes([.begin(lineage: Self.lineage, provider: Self.provider)]) + Array("{\"op\": 1}\n".utf8)
        #expect(
            throws: StateError.notOurs(
                path: "m.lock.journal", line: 2, column: 1, file: .journal, detail: "")
        ) {
            try JournalReplay.replay(damaged, path: "m.lock.journal", onto: nil, provider: Self.provider)
        }
        let elsewhere = LockedProvider(api: "0-0", baseURL: "https://api.0-0.pro", projectName: "default")
        #expect(throws: StateError.otherProvider(path: "j", line: 1, file: .journal, written: Self.provider, used: elsewhere)) {
            try JournalReplay.replay(journal, path: "j", onto: nil, provider: elsewhere)
        }
        let orphan = Self.bytes([.change(.asset(addr("g/a"), Self.asset), seq: nil)])
        #expect(throws: StateError.journalWithoutBegin(path: "j")) {
            try JournalReplay.replay(
                orphan, path: "j", onto: nil, provider: Self.provider)
        }
        // What the lockfile refuses, a journal's record is not: replayed and written, every later
        // command would refuse the lockfile.
        let begin = Self.bytes([
            .begin(lineage: Self.lineage, provider: Self.provider),
            .change(.group(key: "g", LockedGroup(id: "group-1", name: "g")), seq: nil),
        ])
        let record = String(decoding: Self.bytes([.change(.asset(addr("g/a"), Self.asset), seq: nil)]), as: UTF8.self)
        for edited in [
            record.replacingOccurrences(of: #""id":"asset-1""#, with: #""id":"asset-\u001b[2J""#),
            record.replacingOccurrences(of: #""ref":"asset://asset-1""#, with: #""ref":"asset://x\u001b[2J""#),
            record.replacingOccurrences(of: #""ref":"asset://asset-1""#, with: #""ref":"""#),
        ] {
            #expect(edited != record, "\(edited)")
            #expect(
                throws: StateError.notOurs(path: "j", line: 3, column: 1, file: .journal, detail: "")
            ) {
                try JournalReplay.replay(begin + Array(edited.utf8), path: "j", onto: nil, provider: Self.provider)
            }
        }
        let twice =
            begin
            + Self.bytes([
                .change(.asset(addr("g/a"), Self.asset), seq: nil), .change(.asset(addr("g/b"), Self.asset), seq: nil),
            ])
        #expect(
            throws: StateError.notOurs(
                path: "j", line: 4, column: 1, file: .journal,
                detail: "records, replayed, would track the id asset-1 at g/a and g/b, and one remote object has one address")
        ) {
            try JournalReplay.replay(twice, path: "j", onto: nil, provider: Self.provider)
        }
        let refused = Self.bytes([
            .begin(lineage: Self.lineage, provider: Self.provider), .change(.asset(addr("g/a"), Self.asset), seq: nil),
        ])
        #expect(throws: StateError.journalChangeRefused(path: "j", line: 2, .assetWithoutGroup(addr("g/a")))) {
            try JournalReplay.replay(refused, path: "j", onto: nil, provider: Self.provider)
        }
    }
}
