import Foundation
import Testing

@testable import AssetformEmulator

/// The `--state` file's change log: what is logged is replayed, in order, onto the snapshot at
/// start; a line cut short at the end of a file is left out, a bad line before it is an error.
@Suite("The emulator's state: changes logged before they are answered")
struct StateLogTests {
    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("statelog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    static func group(_ id: String, _ name: String, _ sequence: Int) -> GroupRecord {
        GroupRecord(
            id: id, name: name, description: "", projectName: "default", createTime: 1, updateTime: 1, sequence: sequence)
    }

    static func asset(_ id: String, in group: String, _ sequence: Int) -> AssetRecord {
        AssetRecord(
            id: id, name: id, sourceURL: "https://c.example.com/\(id).png", assetType: "Image", groupID: group,
            projectName: "default", createTime: 1, updateTime: 1, readyTime: 2, fails: false, sequence: sequence)
    }

    /// An empty state written in `dir`, and its log, from the first file on.
    static func started(in dir: String) throws -> (StateFile, StateLog) {
        let store = StateFile(path: dir + "/state.json")
        try store.write(PersistedState(tenants: [:], billed: nil, logThrough: 0))
        return (store, StateLog(statePath: store.path, after: 0))
    }

    @Test func changesAreReplayedInOrderOntoTheSnapshot() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (store, fresh) = try Self.started(in: dir)
        var log = fresh
        var appended = true
        appended = log.append(StateChange(tenant: "t", group: Self.group("g1", "one", 1))) && appended
        appended = log.append(StateChange(tenant: "t", asset: Self.asset("a1", in: "g1", 2), billed: 1)) && appended
        appended = log.append(StateChange(tenant: "t", asset: Self.asset("a2", in: "g1", 3), billed: 2)) && appended
        // The next file: a rename and a delete after a snapshot that was never written.
        #expect(log.rotate() == 1)
        appended = log.append(StateChange(tenant: "t", group: Self.group("g1", "renamed", 1))) && appended
        appended = log.append(StateChange(tenant: "t", removedAsset: "a1")) && appended
        #expect(appended)
        let state = try #require(try store.load())
        let tenant = try #require(state.tenants["t"])
        #expect(tenant.groups["g1"]?.name == "renamed")
        #expect(tenant.groupOrder == ["g1"])
        #expect(tenant.assetOrder == ["a2"])
        #expect(tenant.groupAssets["g1"] == ["a2"])
        #expect(tenant.nextSequence == 3)
        #expect(state.billed?["t"] == 2)
        #expect(state.logThrough == 2)
        // Written again, the files it holds are removed; a reset empties everything.
        try store.write(state)
        #expect(StateLog.generations(of: store.path).isEmpty)
        var after = StateLog(statePath: store.path, after: 2)
        let reset = after.append(StateChange(reset: true))
        #expect(reset)
        #expect(try store.load()?.tenants.isEmpty == true)
    }

    @Test func aLineCutShortAtTheEndIsLeftOutAndABadOneBeforeItIsAnError() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (store, fresh) = try Self.started(in: dir)
        var log = fresh
        let appended = log.append(StateChange(tenant: "t", group: Self.group("g1", "one", 1)))
        #expect(appended)
        let file = log.path(1)
        let torn = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try torn.seekToEnd()
        try torn.write(contentsOf: Data(#"{"tenant":"t","gro"#.utf8))
        try torn.close()
        #expect(try store.load()?.tenants["t"]?.groups["g1"]?.name == "one")
        // After a write cut short the next change goes to the next file (as `append` does once a
        // write fails): both files are read, the cut line left out.
        var next = StateLog(statePath: store.path, after: 1)
        let renamed = next.append(StateChange(tenant: "t", group: Self.group("g1", "two", 1)))
        #expect(renamed)
        #expect(try store.load()?.tenants["t"]?.groups["g1"]?.name == "two")
        try FileManager.default.removeItem(atPath: next.path(2))
        // The same bytes with a change after them: not a write cut short, but a damaged file.
        let damaged = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try damaged.seekToEnd()
        try damaged.write(contentsOf: Data("\n".utf8) + (try JSONEncoder().encode(StateChange(reset: true))) + Data("\n".utf8))
        try damaged.close()
        #expect(throws: EmulatorError.self) { try store.load() }
    }
}
