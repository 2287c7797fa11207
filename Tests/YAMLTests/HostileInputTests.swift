import Foundation
import Testing
import YAML

/// Inputs meant to hurt: each must fail fast with a clear message, in bounded memory.
@Suite("Hostile input")
struct HostileInputTests {
    @Test func aliasBombStopsAtTheNodeLimit() {
        // The "billion laughs": nine levels of nine aliases each, 387 million nodes expanded.
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for i in 1...9 {
            let p = "*a\(i - 1)"
            text += "a\(i): &a\(i) [\(Array(repeating: p, count: 9).joined(separator: ", "))]\n"
        }
        let error = parseError(text)
        #expect(error?.kind == .tooManyNodes(limit: YAMLLimits().maxNodes))
        #expect(error?.message.contains("alias bomb") == true)
        #expect(error?.mark != nil)
    }

    @Test func deepFlowNestingIsRefused() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let error = parseError(text)
        #expect(error?.kind == .nestingTooDeep(limit: 256))
        #expect(error?.mark == Mark(line: 1, column: 257))
    }

    @Test func deepBlockNestingIsRefused() {
        var text = ""
        for depth in 0..<10_000 { text += String(repeating: " ", count: depth) + "k:\n" }
        let error = parseError(text)
        #expect(error?.kind == .nestingTooDeep(limit: 256))
    }

    @Test func largeFileIsRefusedBeforeReading() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("assetform-\(UUID()).yaml").path
        // A sparse 100 MB file: refused by its size, so reading it costs nothing.
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 100 << 20)
        try handle.close()
        do {
            _ = try YAMLFile.read(path: path)
            Issue.record("expected the file to be refused")
        } catch {
            #expect(error.kind == .fileTooLarge(limit: 64 << 20))
            #expect(error.message.contains("64 MiB"))
        }
    }

    @Test func largeBufferIsRefusedToo() {
        let error = parseError(Array(repeating: UInt8(ascii: "a"), count: 2048), limits: YAMLLimits(maxBytes: 1024))
        #expect(error?.kind == .fileTooLarge(limit: 1024))
    }

    @Test func invalidUTF8IsReportedWithItsPosition() {
        var bytes = Array("version: 1\nname: ab".utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array("\n".utf8)
        let error = parseError(bytes)
        #expect(error?.kind == .encoding)
        #expect(error?.mark == Mark(line: 2, column: 9))
        #expect(error?.message.contains("not valid UTF-8") == true)
    }

    @Test func nulBytesAreRefused() {
        var bytes = Array("a: b".utf8)
        bytes.append(0)
        bytes += Array("c\n".utf8)
        let error = parseError(bytes)
        #expect(error?.kind == .encoding)
        #expect(error?.message.contains("NUL") == true)
        #expect(error?.mark == Mark(line: 1, column: 5))
    }

    @Test func aSecondDocumentIsRefused() {
        let error = parseError("a: 1\n---\nb: 2\n")
        #expect(error?.kind == .multipleDocuments)
        #expect(error?.mark == Mark(line: 2, column: 1))
    }

    @Test func tabIndentationGetsAHint() {
        let error = parseError("a:\n\tb: 1\n")
        #expect(error?.kind == .syntax)
        #expect(error?.mark?.line == 2)
        #expect(error?.message.contains("tabs cannot indent YAML") == true)
    }

    @Test func syntaxErrorsCarryLibYAMLsPosition() {
        let error = parseError("a: [1, 2\nb: 3\n")
        #expect(error?.kind == .syntax)
        #expect(error?.message.hasPrefix("YAML syntax:") == true)
        #expect(error?.mark != nil)
    }

    @Test func manyDistinctNodesBeyondTheLimitAreRefused() {
        let text = (0..<200).map { "k\($0): v" }.joined(separator: "\n")
        #expect(parseError(text, limits: YAMLLimits(maxNodes: 100))?.kind == .tooManyNodes(limit: 100))
    }
}
