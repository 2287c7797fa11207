import Durable
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A folder for one test, removed after it.
final class Folder: Sendable {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("assetform-durable-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    var entries: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? [] }
    func text(_ name: String) -> String? { try? String(contentsOfFile: path + "/" + name, encoding: .utf8) }
}

@Suite("Durable files: atomic replacement, the append log, the exclusive lock")
struct FileTests {
    @Test func anAtomicWriteReplacesWholeAndLeavesNoTemporary() throws {
        let folder = try Folder()
        try AtomicFile.write(Array("one\n".utf8), to: folder.path + "/f")
        try AtomicFile.write(Array("two\n".utf8), to: folder.path + "/f")
        #expect(folder.text("f") == "two\n")
        #expect(folder.entries == ["f"])
    }

    @Test func anAtomicWriteRefusesALinkAtTheDestination() throws {
        let folder = try Folder()
        try "victim\n".write(toFile: folder.path + "/victim", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/f", withDestinationPath: folder.path + "/victim")
        #expect(throws: AtomicFile.Failure.self) { try AtomicFile.write(Array("x".utf8), to: folder.path + "/f") }
        #expect(folder.text("victim") == "victim\n")
        #expect(folder.entries == ["f", "victim"], "no temporary left")
    }

    @Test func leftoversOfAKilledWriteAreRemovedAndNothingElse() throws {
        let folder = try Folder()
        for name in [
            "m.lock", ".m.lock.tmp-123-1-abc", ".m.lock.tmp-456-2-def", ".m.lock.journal.tmp-7-1-x", ".m.locks.tmp-1", "other",
        ] {
            try "x".write(toFile: folder.path + "/" + name, atomically: false, encoding: .utf8)
        }
        try FileManager.default.createSymbolicLink(
            atPath: folder.path + "/.m.lock.tmp-9-9-link", withDestinationPath: folder.path + "/other")
        try FileManager.default.createDirectory(atPath: folder.path + "/.m.lock.tmp-dir", withIntermediateDirectories: false)
        #expect(AtomicFile.removeLeftovers(of: folder.path + "/m.lock") == 2)
        #expect(
            folder.entries == [
                ".m.lock.journal.tmp-7-1-x", ".m.lock.tmp-9-9-link", ".m.lock.tmp-dir", ".m.locks.tmp-1", "m.lock", "other",
            ],
            "only regular files of that name's writes")
        #expect(AtomicFile.removeLeftovers(of: folder.path + "/m.lock.journal") == 1)
        #expect(AtomicFile.removeLeftovers(of: folder.path + "/nowhere/m.lock") == 0)
    }

    @Test func theAppendLogKeepsEveryLineAndRefusesALink() async throws {
        let folder = try Folder()
        let log = try AppendLog(path: folder.path + "/j")
        var last = 0
        for i in 0..<100 { last = try log.append(Array("line \(i)".utf8)) }
        try await log.durable(last)
        #expect(folder.text("j")?.split(separator: "\n").count == 100)
        try log.remove()
        #expect(folder.entries.isEmpty)
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/k", withDestinationPath: folder.path + "/elsewhere")
        #expect(throws: AtomicFile.Failure.self) { _ = try AppendLog(path: folder.path + "/k") }
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/elsewhere"))
    }

    /// A held line waits for the next write of the file: another append's, a rewrite's, or the
    /// syncing thread's before the sync that makes it durable. Lines keep the order appended,
    /// and `size` counts the held ones.
    @Test func heldLinesGoWithTheNextWriteInOrder() async throws {
        let folder = try Folder()
        let log = try AppendLog(path: folder.path + "/j")
        try log.append(Array("one".utf8), held: true)
        try log.append(Array("two".utf8), held: true)
        #expect(folder.text("j") == "", "held: not written yet")
        #expect(log.size == 8)
        let three = try log.append(Array("three".utf8))
        #expect(folder.text("j") == "one\ntwo\nthree\n", "carried by the next append, before it")
        try await log.durable(three)
        // Held alone: the sync that makes it durable writes it first.
        let four = try log.append(Array("four".utf8), held: true)
        #expect(four == 4)
        try await log.durable(four)
        #expect(folder.text("j") == "one\ntwo\nthree\nfour\n")
        // A rewrite writes the held lines before it keeps the tail.
        let cut = log.size
        try log.append(Array("five".utf8), held: true)
        let size = try log.rewrite([Array("head".utf8)], keepingFrom: cut)
        #expect(folder.text("j") == "head\nfive\n" && size == 10 && log.size == 10)
        // Held lines reach the file when it is removed... or synced.
        try log.append(Array("six".utf8), held: true)
        try log.sync()
        #expect(folder.text("j") == "head\nfive\nsix\n")
        try log.remove()
    }

    /// A held line that cannot be written (a full device) makes its `durable` fail: the caller
    /// learns it is not on disk, and nothing later is said to be.
    @Test func aHeldLineThatCannotBeWrittenIsNeverDurable() async throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let log = try AppendLog(path: "/dev/full")
        let line = try log.append(Array("intent".utf8), held: true)
        #expect(log.size == 7)
        await #expect(throws: AtomicFile.Failure.self) { try await log.durable(line) }
        #expect(log.size == 0, "dropped: not written later, in front of another line")
        await #expect(throws: AtomicFile.Failure.self) { try await log.durable(line) }
        // (A device cannot be truncated back: nothing more is appended to it at all.)
        #expect(throws: AtomicFile.Failure.self) { try log.append(Array("another".utf8), held: true) }
        log.close()
    }

    /// A rewrite keeps its head, then the file from the offset given on (copied a megabyte at a
    /// time), and appends go on after it.
    @Test func aRewriteKeepsItsHeadAndTheTailFromAnOffset() async throws {
        let folder = try Folder()
        let log = try AppendLog(path: folder.path + "/j")
        var cut = 0
        for i in 0..<3000 {
            if i == 1000 { cut = log.size }
            // Lines of about 1 KiB: the tail is more than a megabyte.
            try log.append(Array("line \(i) ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 1000))
        }
        let size = try log.rewrite([Array("head".utf8), Array("open".utf8)], keepingFrom: cut)
        let last = try log.append(Array("after".utf8))
        try await log.durable(last)
        let lines = folder.text("j")!.split(separator: "\n")
        #expect(lines.count == 2 + 2000 + 1)
        #expect(lines[0] == "head" && lines[1] == "open" && lines[2].hasPrefix("line 1000 ") && lines.last == "after")
        #expect(lines[2001].hasPrefix("line 2999 "))
        #expect(size + "after\n".utf8.count == log.size)
        #expect(log.size == (try FileManager.default.attributesOfItem(atPath: folder.path + "/j")[.size] as! Int))
        #expect(throws: AtomicFile.Failure.self) { try log.rewrite([], keepingFrom: log.size + 1) }
        // Lines alone: nothing of the file kept after them.
        try log.rewrite([Array("only".utf8)])
        #expect(folder.text("j") == "only\n" && log.size == 5)
        #expect(folder.entries == ["j"], "no temporary left")
        try log.remove()
    }

    @Test func theLockIsExclusiveNamesItsHolderAndIsReleasedOnce() throws {
        let folder = try Folder()
        let path = folder.path + "/m.lock.lck"
        #expect(ExclusiveLock.currentHolder(path: path) == nil, "no file: nobody")
        let held = try ExclusiveLock.acquire(path: path, holder: "pid 1 test")
        #expect(ExclusiveLock.currentHolder(path: path) == "pid 1 test", "a look names the holder")
        #expect {
            _ = try ExclusiveLock.acquire(path: path, holder: "pid 2")
        } throws: { error in
            guard case .held(_, let holder)? = error as? ExclusiveLock.Failure else { return false }
            return holder == "pid 1 test"
        }
        held.release()
        held.release()  // a second release does nothing
        #expect(!FileManager.default.fileExists(atPath: path))
        let again = try ExclusiveLock.acquire(path: path, holder: "pid 3")
        held.release()  // the old holder's late release leaves the new holder's file alone
        #expect(FileManager.default.fileExists(atPath: path))
        again.release()
        try "pid 4, gone\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(ExclusiveLock.currentHolder(path: path) == nil, "a file left by a dead holder: nobody holds it")
        let third = try ExclusiveLock.acquire(path: path, holder: "pid 5")
        #expect(third.tookOverFrom == "pid 4, gone", "a look takes nothing")
        third.release()
    }

    @Test func aLockFileThatIsNotItsOwnIsRefused() throws {
        let folder = try Folder()
        try "victim\n".write(toFile: folder.path + "/victim", atomically: true, encoding: .utf8)
        #expect(link(folder.path + "/victim", folder.path + "/m.lck") == 0)
        #expect(throws: ExclusiveLock.Failure.self) { _ = try ExclusiveLock.acquire(path: folder.path + "/m.lck", holder: "x") }
        #expect(folder.text("victim") == "victim\n")
    }
}
