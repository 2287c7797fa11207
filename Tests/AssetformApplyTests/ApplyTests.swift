import AssetformApply
import AssetformCore
import AssetformRemote
import Foundation
import Testing
import YAML

/// A folder for one test's lockfile and journal.
final class Scratch: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("assetform-apply-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var lockfile: String { path + "/m.lock" }
    var journal: String { path + "/m.lock.journal" }
    func bytes(_ file: String) -> [UInt8] { Array(FileManager.default.contents(atPath: file) ?? Data()) }
}

func addr(_ text: String) -> Address { try! Address(parsing: text) }

let provider = Provider(api: .seedance)
let mark = Mark(line: 1, column: 1)

/// A manifest of one group `g` with `count` image assets a0, a1, …
func manifest(_ count: Int) -> Manifest {
    Manifest(
        provider: provider,
        groups: [
            Group(
                key: "g", name: "G",
                assets: (0..<count).map {
                    Asset(key: "a\($0)", url: "https://cdn.example.com/\($0).png", type: .image, mark: mark)
                },
                mark: mark)
        ])
}

func run(
    _ plan: Plan, lockfile: Lockfile, service: MemoryService, scratch: Scratch,
    interrupts: AsyncStream<Void> = AsyncStream { _ in }
) async throws -> ApplyReport {
    var options = ApplyOptions(wait: .zero, workers: 4)
    options.attempts = 3
    let run = ApplyRun(
        plan: plan, lockfile: lockfile, service: service, policy: CallPolicy(limits: Limits()), api: .seedance,
        settings: .init(lockfilePath: scratch.lockfile, journalPath: scratch.journal, options: options, grace: .seconds(1)),
        interrupts: interrupts, events: { _ in })
    return try await run.run()
}

@Suite("apply's run, with a service in memory")
struct ApplyRunTests {
    @Test func aPlanIsExecutedAndRecordedAndTheJournalRemoved() async throws {
        let scratch = try Scratch()
        let service = MemoryService()
        let lock = Lockfile(for: provider)
        let plan = Planner(capabilities: .seedance).plan(manifest(3), lock: lock, remote: RemoteState(listedGroups: []))
        let report = try await run(plan, lockfile: lock, service: service, scratch: scratch)
        #expect(report.created == 4 && report.failed.isEmpty && report.stopped == nil)
        let written = try #require(try Lockfile.load(path: scratch.lockfile))
        #expect(written.groups["g"]?.assets.count == 3)
        #expect(written.trackedIDs == Set(service.state.withLock { $0.groups.map(\.id) + $0.assets.map(\.id) }))
        #expect(!FileManager.default.fileExists(atPath: scratch.journal), "nothing open: the journal is gone")
    }

    /// An asset adopted Failed is recorded with the service's reason, as a refresh would record
    /// it: `show` and the next plan say why without looking again.
    @Test func anAssetAdoptedFailedIsRecordedWithItsReason() async throws {
        let scratch = try Scratch()
        var lock = Lockfile(for: provider)
        lock.groups["g"] = LockedGroup(id: "group-1", name: "G")
        let failure = RemoteAsset.Failure(code: "InvalidParameter.DownloadFailed", message: "404")
        let spec = Plan.AssetSpec(name: "a0", type: .image, url: "https://cdn.example.com/0.png", revision: nil)
        let plan = Plan(
            steps: [
                Plan.Step(
                    address: addr("g/a0"), action: .adoptAsset(spec, id: "asset-x", status: .failed, failure: failure),
                    reason: "found")
            ], unchanged: [], warnings: [])
        _ = try await run(plan, lockfile: lock, service: MemoryService(), scratch: scratch)
        let record = try #require(try Lockfile.load(path: scratch.lockfile)?.groups["g"]?.assets["a0"])
        #expect(record.id == "asset-x" && record.status == .failed && record.failure == failure)
    }

    @Test func aCreateWhoseAnswerWasLostIsFoundByListingNotMadeTwice() async throws {
        let scratch = try Scratch()
        let service = MemoryService()
        service.state.withLock { $0.loseAnswers = 1 }
        let lock = Lockfile(for: provider)
        let plan = Planner(capabilities: .seedance).plan(manifest(3), lock: lock, remote: RemoteState(listedGroups: []))
        let report = try await run(plan, lockfile: lock, service: service, scratch: scratch)
        #expect(service.state.withLock { $0.creates } == 3, "no duplicate")
        #expect(report.recovered == 1 && report.created == 3)
        #expect(try Lockfile.load(path: scratch.lockfile)?.groups["g"]?.assets.count == 3)
    }

    @Test func onADialectThatCannotListItIsSentAgainAndCountedAsAPossibleDuplicate() async throws {
        let scratch = try Scratch()
        let service = MemoryService(canList: false)
        service.state.withLock { $0.loseAnswers = 1 }
        let lock = Lockfile(for: provider)
        let plan = Planner(capabilities: .zeroZero).plan(manifest(2), lock: lock, remote: nil)
        let report = try await run(plan, lockfile: lock, service: service, scratch: scratch)
        #expect(service.state.withLock { $0.creates } == 3)
        #expect(report.possibleDuplicates.count == 1)
    }

    /// A listing that leaves an object out is not proof that it is gone: a GET says so, or the
    /// object is there after all, and nothing is created again (a billed duplicate).
    @Test func anObjectAListingLeavesOutIsGoneOnlyWhenAGetSaysSo() async throws {
        let scratch = try Scratch()
        let service = MemoryService()
        var lock = Lockfile(for: provider)
        let plan = Planner(capabilities: .seedance).plan(manifest(3), lock: lock, remote: nil)
        _ = try await run(plan, lockfile: lock, service: service, scratch: scratch)
        lock = try #require(try Lockfile.load(path: scratch.lockfile))
        let ids = lock.groups["g"]!.assets.mapValues(\.id)
        // One asset left out of listings; then the whole group too (its assets with it).
        for hidden in [[ids["a1"]!], [lock.groups["g"]!.id]] {
            service.state.withLock { $0.unlisted = Set(hidden) }
            let state = try await Refresh.forPlanning(manifest(3), lock: lock, service: service)
            #expect(state.missing.isEmpty, "\(hidden): \(state.missing)")
            let again = Planner(capabilities: .seedance).plan(manifest(3), lock: lock, remote: state)
            #expect(again.billedCreates == 0 && !again.hasChanges, "\(again.steps)")
            let (_, drift) = try await Refresh.drift(manifest(3), lock: lock, service: service)
            #expect(!drift.contains { if case .gone = $0 { true } else { false } }, "\(drift)")
        }
        // A group found by its GET is listed: an untracked asset in it is adopted, not created.
        let groupID = lock.groups["g"]!.id
        _ = try await service.createAsset(
            groupID: groupID, name: "a3", type: .image, url: "https://cdn.example.com/3.png", beforeSend: nil)
        service.state.withLock { $0.unlisted = [groupID] }
        let adopting = try await Refresh.forPlanning(manifest(4), lock: lock, service: service)
        let adopted = Planner(capabilities: .seedance).plan(manifest(4), lock: lock, remote: adopting)
        #expect(adopted.billedCreates == 0 && adopted.count(.adopt) == 1, "\(adopted.steps)")
        service.state.withLock { $0.unlisted = [] }
        // Gone for real: the GET says NotFound, and it is created again.
        service.state.withLock { s in
            s.unlisted = []
            s.assets.removeAll { $0.id == ids["a2"]! }
        }
        let state = try await Refresh.forPlanning(manifest(3), lock: lock, service: service)
        #expect(state.missing == [ids["a2"]!])
        #expect(Planner(capabilities: .seedance).plan(manifest(3), lock: lock, remote: state).billedCreates == 1)
    }

    /// An outage that makes every create and loses every answer: each try sent again may make one
    /// more, billed. The tries sent again are paid from the run's retry budget (and wait a
    /// backoff), as every retry is: an outage does not send every create `attempts` times.
    @Test(arguments: [false, true])
    func anOutageSendsCreatesAgainOnlyAsTheRetryBudgetAllows(canList: Bool) async throws {
        let scratch = try Scratch()
        let service = MemoryService(canList: canList)
        if canList {
            // Refused after the send (a 5xx the listing then shows made nothing), every time.
            service.state.withLock { $0.unmadeFailures = 10_000 }
        } else {
            service.state.withLock { $0.loseAnswers = 10_000 }
        }
        let lock = Lockfile(for: provider)
        let plan = Planner(capabilities: canList ? .seedance : .zeroZero).plan(manifest(40), lock: lock, remote: nil)
        var options = ApplyOptions(wait: .zero, workers: 8)
        options.attempts = 6
        // Ten retries' worth.
        let policy = CallPolicy(
            limits: Limits(), backoff: Backoff(base: .milliseconds(1), cap: .milliseconds(5)),
            budget: RetryBudget(capacity: 50, retryCost: 5, timeoutCost: 5))
        let report = try await ApplyRun(
            plan: plan, lockfile: lock, service: service, policy: policy, api: canList ? .seedance : .zeroZero,
            settings: .init(lockfilePath: scratch.lockfile, journalPath: scratch.journal, options: options, grace: .seconds(1)),
            interrupts: AsyncStream { _ in }, events: { _ in }
        ).run()
        let creates = service.state.withLock { $0.creates }
        // 40 first tries and 10 more; without the budget, 40 × 6 = 240.
        #expect(creates == 50, "\(creates) creates")
        #expect(report.calls.retries == 10)
        #expect(report.failed.count == 40)
        if !canList {
            #expect(report.failed.allSatisfy { $0.outcomeUnknown }, "their intents stay open for the next run")
        }
    }

    @Test func onADialectThatCannotListACreateWhoseTriesAllEndedUnknownStaysOpenForTheNextRun() async throws {
        let scratch = try Scratch()
        let service = MemoryService(canList: false)
        // Every try of the one asset's create is made, and its answer lost (3 tries).
        service.state.withLock { $0.loseAnswers = 3 }
        let lock = Lockfile(for: provider)
        let plan = Planner(capabilities: .zeroZero).plan(manifest(1), lock: lock, remote: nil)
        let report = try await run(plan, lockfile: lock, service: service, scratch: scratch)
        #expect(service.state.withLock { $0.creates } == 3)
        #expect(report.failed.count == 1 && report.failed.first?.outcomeUnknown == true, "\(report.failed)")
        // Sent again twice: each resend is a possible duplicate, said when it is sent.
        #expect(report.possibleDuplicates.count == 2)
        #expect(report.calls.retries == 2, "each resend is counted as a retry")
        // Its tries' intents stay in the journal: the next run reports it as a possible duplicate
        // (once) before it creates it again.
        let replay = try JournalReplay.replay(
            scratch.bytes(scratch.journal), path: scratch.journal, onto: lock, provider: lock.provider)
        #expect(replay.openIntents.count == 3 && Set(replay.openIntents.map(\.address)) == [addr("g/a0")])
        let settled = try await Recovery.settle(
            replay.openIntents, lockfile: replay.lockfile, service: service, patience: .zero)
        #expect(settled.possibleDuplicates == [addr("g/a0")])
    }

    @Test func onADialectThatCannotListAResendThatIsRefusedIsNoPossibleDuplicateAndTheFirstTryStaysOpen() async throws {
        let scratch = try Scratch()
        let service = MemoryService(canList: false)
        // The first try is made and its answer lost; the second is refused.
        service.state.withLock {
            $0.loseAnswers = 1
            $0.refuseCreates = 1
        }
        let lock = Lockfile(for: provider)
        let plan = Planner(capabilities: .zeroZero).plan(manifest(1), lock: lock, remote: nil)
        let report = try await run(plan, lockfile: lock, service: service, scratch: scratch)
        #expect(service.state.withLock { $0.creates } == 2)
        #expect(report.possibleDuplicates.isEmpty, "the resend made nothing")
        #expect(report.failed.first?.outcomeUnknown == true, "\(report.failed)")
        let replay = try JournalReplay.replay(
            scratch.bytes(scratch.journal), path: scratch.journal, onto: lock, provider: lock.provider)
        #expect(replay.openIntents.map(\.address) == [addr("g/a0")], "the first try, for the next run")
    }

    @Test func onADialectThatCannotListACreateAnsweredSuccessUnreadablyIsNeverSentAgainAndStopsTheRun() async throws {
        let scratch = try Scratch()
        let service = MemoryService(canList: false)
        service.state.withLock { $0.unreadableAnswers = 1 }
        let lock = Lockfile(for: provider)
        let plan = Planner(capabilities: .zeroZero).plan(manifest(1), lock: lock, remote: nil)
        let report = try await run(plan, lockfile: lock, service: service, scratch: scratch)
        #expect(service.state.withLock { $0.creates } == 1, "sent once: it was made")
        #expect(report.stopped != nil, "the run stops: every create would be answered so")
        #expect(report.failed.first?.outcomeUnknown == true, "\(report.failed)")
        let replay = try JournalReplay.replay(
            scratch.bytes(scratch.journal), path: scratch.journal, onto: lock, provider: lock.provider)
        #expect(replay.openIntents.map(\.address) == [addr("g/a0")])
    }

    @Test func aLockfileThatCannotBeWrittenAtTheEndLeavesTheReportAndTheJournal() async throws {
        let scratch = try Scratch()
        // A folder where the lockfile goes: every write of it fails.
        try FileManager.default.createDirectory(atPath: scratch.lockfile, withIntermediateDirectories: false)
        let service = MemoryService()
        let lock = Lockfile(for: provider)
        let plan = Planner(capabilities: .seedance).plan(manifest(3), lock: lock, remote: RemoteState(listedGroups: []))
        let report = try await run(plan, lockfile: lock, service: service, scratch: scratch)
        #expect(report.created == 4 && report.failed.isEmpty, "what was made is reported")
        guard case .lockfile(_, let journal, true)? = report.unrecorded else {
            Issue.record("expected the lockfile's failure, got \(String(describing: report.unrecorded))")
            return
        }
        #expect(journal == scratch.journal)
        #expect(report.unrecorded?.description.contains("keeps every result for the next run") == true)
        // The journal holds it all: replayed, it is the lockfile the run would have written.
        let replay = try JournalReplay.replay(
            scratch.bytes(scratch.journal), path: scratch.journal, onto: lock, provider: lock.provider)
        #expect(replay.lockfile.groups["g"]?.assets.count == 3 && replay.openIntents.isEmpty)
    }

    @Test func anInterruptStopsDispatchingAndEverythingDoneIsRecorded() async throws {
        let scratch = try Scratch()
        let service = MemoryService()
        let lock = Lockfile(for: provider)
        let plan = Planner(capabilities: .seedance).plan(manifest(50), lock: lock, remote: RemoteState(listedGroups: []))
        let (interrupts, signal) = AsyncStream.makeStream(of: Void.self)
        signal.yield()  // before anything starts
        let report = try await run(plan, lockfile: lock, service: service, scratch: scratch, interrupts: interrupts)
        #expect(report.stopped == .interrupted)
        let made = service.state.withLock { $0.assets.count }
        #expect(made < 50, "dispatching stopped")
        #expect(try Lockfile.load(path: scratch.lockfile)?.assetCount ?? 0 == made, "all that was made is recorded")
    }
}

@Suite("The ledger and the journal: one vocabulary, the same lockfile either way")
struct LedgerTests {
    static let asset = LockedAsset(
        id: "asset-1", name: "a", ref: "asset://asset-1", status: .processing, type: .image, url: "https://cdn.example.com/a.png")

    /// The same changes, recorded live and replayed from the journal, give byte-identical lockfiles.
    @Test func liveRecordingAndReplayGiveByteIdenticalLockfiles() async throws {
        let scratch = try Scratch()
        let start = Lockfile(for: provider)
        let ledger = try Ledger(lockfile: start, journalPath: scratch.journal)
        let seq = try await ledger.intent { JournalRecord.Intent(seq: $0, at: 1, address: addr("g"), name: "G") }.get()
        try ledger.record(.group(key: "g", LockedGroup(id: "group-1", name: "G")), closing: seq)
        try ledger.record(.asset(addr("g/a"), Self.asset))
        try ledger.settle(addr("g/a"), status: .active, failure: nil)
        try ledger.record(
            .asset(addr("g/b"), LockedAsset(id: "asset-2", name: "b", ref: "r", status: .active, type: .video, url: "u")))
        try ledger.record(.forget(addr("g/b")))
        let journal = scratch.bytes(scratch.journal)
        try await ledger.writeLockfile(to: scratch.lockfile)
        let live = scratch.bytes(scratch.lockfile)

        let replayed = try JournalReplay.replay(journal, path: scratch.journal, onto: start, provider: start.provider)
        var again = replayed.lockfile
        try again.write(to: scratch.path + "/replayed.lock")
        #expect(scratch.bytes(scratch.path + "/replayed.lock") == live)
        #expect(replayed.openIntents.isEmpty)
        // The lockfile holds it all now: the journal is compacted to its first line, and replayed
        // onto the lockfile it changes nothing.
        let compacted = scratch.bytes(scratch.journal)
        #expect(compacted.split(separator: UInt8(ascii: "\n")).count == 1, "\(String(decoding: compacted, as: UTF8.self))")
        let written = try #require(try Lockfile.load(path: scratch.lockfile))
        let onto = try JournalReplay.replay(compacted, path: scratch.journal, onto: written, provider: start.provider)
        #expect(onto.lockfile == written)
    }

    /// A checkpoint keeps in the journal only what the lockfile does not hold: the intents still
    /// open and what came after it; replayed onto that lockfile, it gives the live one.
    @Test func aCheckpointCompactsTheJournal() async throws {
        let scratch = try Scratch()
        let start = Lockfile(for: provider)
        let ledger = try Ledger(lockfile: start, journalPath: scratch.journal)
        try ledger.record(.group(key: "g", LockedGroup(id: "group-1", name: "G")))
        for i in 0..<200 {
            try ledger.record(
                .asset(
                    addr("g/a\(i)"),
                    LockedAsset(id: "asset-\(i)", name: "a\(i)", ref: "r", status: .active, type: .image, url: "u\(i)")))
        }
        let open = try await ledger.intent {
            JournalRecord.Intent(
                seq: $0, at: 3, address: addr("g/late"), name: "late", groupID: "group-1", type: .image, url: "u")
        }.get()
        try await ledger.writeLockfile(to: scratch.lockfile)
        try ledger.record(.forget(addr("g/a7")))
        let lines = scratch.bytes(scratch.journal).split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 3, "begin, the open intent, the forget after the checkpoint: \(lines.count) lines")
        let written = try #require(try Lockfile.load(path: scratch.lockfile))
        let replay = try JournalReplay.replay(
            scratch.bytes(scratch.journal), path: scratch.journal, onto: written, provider: start.provider)
        #expect(replay.openIntents.map(\.seq) == [open], "the open create is still known")
        var live = ledger.lockfile
        live.serial = replay.lockfile.serial
        #expect(replay.lockfile == live)
        #expect(replay.lockfile.asset(at: addr("g/a7")) == nil && replay.lockfile.assetCount == 199)
    }

    /// Checkpoints while records and intents keep coming: whatever a compaction kept, the
    /// journal replayed onto the last lockfile written gives the live one, and the creates still
    /// open. Seeded; the seed is printed on failure.
    @Test func checkpointsDuringRecordsLoseNothing() async throws {
        let seed: UInt64 = 18
        let scratch = try Scratch()
        let start = Lockfile(for: provider)
        let ledger = try Ledger(lockfile: start, journalPath: scratch.journal)
        try ledger.record(.group(key: "g", LockedGroup(id: "group-1", name: "G")))
        let stillOpen = try await withThrowingTaskGroup(of: [Int].self) { tasks in
            tasks.addTask {
                var random = seed
                var open: [Int] = []
                for i in 0..<3000 {
                    let seq = try await ledger.intent {
                        JournalRecord.Intent(
                            seq: $0, at: 1, address: addr("g/a\(i)"), name: "a\(i)", groupID: "group-1", type: .image,
                            url: "u\(i)")
                    }.get()
                    random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    switch (random >> 33) % 10 {
                    case 0: open.append(seq)  // its outcome never known
                    case 1: try ledger.abandon(seq)
                    default:
                        try ledger.record(
                            .asset(
                                addr("g/a\(i)"),
                                LockedAsset(
                                    id: "asset-\(i)", name: "a\(i)", ref: "r", status: .active, type: .image, url: "u\(i)")),
                            closing: seq)
                    }
                    if i % 97 == 0 { await Task.yield() }
                }
                return open
            }
            tasks.addTask {
                for _ in 0..<6 {
                    try await ledger.writeLockfile(to: scratch.lockfile)
                    await Task.yield()
                }
                return []
            }
            return try await tasks.reduce(into: [Int]()) { $0 += $1 }
        }
        try await ledger.writeLockfile(to: scratch.lockfile)
        try ledger.record(.forget(addr("g/a5")))
        let written = try #require(try Lockfile.load(path: scratch.lockfile))
        let replay = try JournalReplay.replay(
            scratch.bytes(scratch.journal), path: scratch.journal, onto: written, provider: start.provider)
        #expect(replay.openIntents.map(\.seq).sorted() == stillOpen.sorted(), "seed \(seed)")
        var live = ledger.lockfile
        live.serial = replay.lockfile.serial
        #expect(replay.lockfile == live, "seed \(seed)")
    }

    @Test func aTornTailAndAnIntentWithoutAResult() async throws {
        let scratch = try Scratch()
        let start = Lockfile(for: provider)
        let ledger = try Ledger(lockfile: start, journalPath: scratch.journal)
        try ledger.record(.group(key: "g", LockedGroup(id: "group-1", name: "G")))
        let seq = try await ledger.intent {
            JournalRecord.Intent(seq: $0, at: 2, address: addr("g/a"), name: "a", groupID: "group-1", type: .image, url: "u")
        }.get()
        #expect(try await ledger.finish(lockfilePath: scratch.lockfile) == false, "an open intent keeps the journal")
        // A crash in the middle of the next line.
        let torn = JournalRecord.change(.asset(addr("g/a"), Self.asset), seq: seq).line
        let handle = try #require(FileHandle(forWritingAtPath: scratch.journal))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(torn.prefix(torn.count / 2)))
        try handle.close()
        // Replayed onto the lockfile the run wrote (the journal keeps only what that one lacks).
        let written = try Lockfile.load(path: scratch.lockfile)
        let replay = try JournalReplay.replay(scratch.bytes(scratch.journal), path: "j", onto: written, provider: start.provider)
        #expect(replay.tornTail)
        #expect(replay.openIntents.map(\.seq) == [seq], "its result never completed: the create is of unknown outcome")
        #expect(replay.lockfile.groups["g"]?.assets.isEmpty == true)
    }

    @Test func aChangeThatDoesNotFitIsRefusedNotDropped() async throws {
        let scratch = try Scratch()
        let ledger = try Ledger(lockfile: Lockfile(for: provider), journalPath: scratch.journal)
        #expect(throws: ApplyError.refused(.assetWithoutGroup(addr("nope/a")))) {
            try ledger.record(.asset(addr("nope/a"), Self.asset))
        }
    }
}

@Suite("Lockfile.apply: every change in one place")
struct LockfileApplyTests {
    @Test func changes() throws {
        var lock = Lockfile(for: provider)
        let a = LockedAsset(id: "asset-1", name: "a", ref: "asset://asset-1", status: .active, type: .image, url: "u")
        #expect(throws: LockfileChange.Refusal.assetWithoutGroup(addr("g/a"))) { try lock.apply(.asset(addr("g/a"), a)) }
        try lock.apply(.group(key: "g", LockedGroup(id: "group-1", name: "G")))
        try lock.apply(.asset(addr("g/a"), a))
        try lock.apply(.group(key: "g", LockedGroup(id: "group-1", name: "G2")))
        #expect(lock.groups["g"]?.name == "G2" && lock.asset(at: addr("g/a")) == a, "a group change keeps its assets")
        #expect(lock.trackedIDs == ["group-1", "asset-1"])
        #expect(throws: LockfileChange.Refusal.notAnAssetAddress(addr("g"))) { try lock.apply(.asset(addr("g"), a)) }
        try lock.apply(.forget(addr("g/a")))
        #expect(lock.groups["g"]?.assets.isEmpty == true)
        try lock.apply(.forget(addr("g")))
        #expect(lock.groups.isEmpty)
    }

    @Test func addressesAreParsedInOnePlace() throws {
        #expect(try Address(parsing: "chars/front") == Address(group: "chars", asset: "front"))
        #expect(try Address(parsing: "chars").isGroup)
        for bad in ["chars/", "/front", "a/b/c", "", "-x", "a b", "ä"] {
            #expect(throws: Address.Malformed.self) { try Address(parsing: bad) }
        }
    }
}
