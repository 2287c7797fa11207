import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SPEC §8: the files the tool writes are never written through a link someone planted, and what
/// `refs --format env` prints is safe to `eval`.
@Suite("files are not written through links; refs --format env is safe to eval", .serialized)
struct FileSafetyTests {
    static let manifest = """
        version: 1
        provider:
          api: seedance
          api_key_env: SAFETY_KEY
        groups:
          g1:
            assets:
              a1: https://cdn.example.com/a1.png

        """

    /// A folder holding the manifest and a victim file a link may point at.
    final class Folder: Sendable {
        let path: String
        init(manifest: String = FileSafetyTests.manifest) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("assetform-files-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try manifest.write(toFile: path + "/m.yaml", atomically: true, encoding: .utf8)
            try "VICTIM-CONTENT\n".write(toFile: path + "/victim", atomically: true, encoding: .utf8)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        /// No service is reached: every refusal comes before the first call. The address is one
        /// nothing listens on, in case one did not.
        func run(_ arguments: [String], baseURL: String? = "http://127.0.0.1:9") async throws -> ChildProcess.Output {
            var environment = ["SAFETY_KEY": "safety-key-0123"]
            environment["ASSETFORM_BASE_URL"] = baseURL
            return try await ChildProcess.run(arguments, environment: environment, limit: .seconds(60))
        }

        var victim: String { (try? String(contentsOfFile: path + "/victim", encoding: .utf8)) ?? "" }
    }

    @Test(arguments: ["refresh", "apply"])
    func aLinkAtTheLockFileIsRefusedAndItsTargetUntouched(_ command: String) async throws {
        let folder = try Folder()
        try FileManager.default.createSymbolicLink(
            atPath: folder.path + "/m.lock.lck", withDestinationPath: folder.path + "/victim")
        let out = try await folder.run(
            [command, folder.path + "/m.yaml", "--auto-approve"].filter { command == "apply" || $0 != "--auto-approve" })
        #expect(out.status == 1, "\(out.all)")
        #expect(out.stderr.contains("m.lock.lck") && out.stderr.contains("symbolic link"), "\(out.stderr)")
        #expect(folder.victim == "VICTIM-CONTENT\n", "the link's target is untouched")
        #expect(!out.all.contains("VICTIM-CONTENT"), "its content is not printed")
    }

    @Test func aLockfileThatIsALinkIsRefusedBeforeAnyCall() async throws {
        let folder = try Folder()
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/m.lock", withDestinationPath: folder.path + "/victim")
        let out = try await folder.run(["apply", folder.path + "/m.yaml", "--auto-approve"])
        #expect(out.status == 1, "\(out.all)")
        #expect(out.stderr.contains("m.lock is a symbolic link") && out.stderr.contains("--lock"), "\(out.stderr)")
        #expect(folder.victim == "VICTIM-CONTENT\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.path + "/m.lock")
        #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink, "the link is left as it was")
    }

    @Test func aDanglingLinkAtTheJournalMakesNoFileAppearAtItsTarget() async throws {
        let folder = try Folder()
        let target = folder.path + "/planted-by-someone"
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/m.lock.journal", withDestinationPath: target)
        let out = try await folder.run(["apply", folder.path + "/m.yaml", "--auto-approve"])
        #expect(out.status == 1, "\(out.all)")
        #expect(out.stderr.contains("m.lock.journal is a symbolic link"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test(arguments: ["m.lock", "m.lock.journal"])
    func aFIFOWhereTheLockfileOrJournalGoesIsRefusedNotWaitedOn(_ name: String) async throws {
        let folder = try Folder()
        #expect(mkfifo(folder.path + "/" + name, 0o600) == 0)
        let out = try await folder.run(["plan", folder.path + "/m.yaml", "--no-refresh"])
        #expect(!out.signalled, "plan waited on the FIFO: \(out.all)")
        #expect(out.status == 1, "\(out.all)")
        #expect(out.stderr.contains(name) && out.stderr.contains("not a regular file"), "\(out.stderr)")
    }

    @Test func aHardLinkAtTheLockFileIsRefusedAndItsTargetUntouched() async throws {
        let folder = try Folder()
        #expect(link(folder.path + "/victim", folder.path + "/m.lock.lck") == 0)
        let out = try await folder.run(["refresh", folder.path + "/m.yaml"])
        #expect(out.status == 1, "\(out.all)")
        #expect(out.stderr.contains("m.lock.lck") && out.stderr.contains("hard link"), "\(out.stderr)")
        #expect(folder.victim == "VICTIM-CONTENT\n")
        #expect(!out.all.contains("VICTIM-CONTENT"))
    }

    // MARK: - refs --format env

    static func lockfile(_ assets: [(group: String, asset: String, ref: String)]) -> String {
        var groups: [String: [String: Any]] = [:]
        for (i, a) in assets.enumerated() {
            var g = groups[a.group] ?? ["id": "group-20260101000000-g000\(i)", "name": a.group, "assets": [String: Any]()]
            var list = g["assets"] as! [String: Any]
            list[a.asset] = [
                "id": "asset-20260101000000-a000\(i)", "name": a.asset, "ref": a.ref, "status": "Active", "type": "image",
                "url": "https://cdn.example.com/\(a.asset).png",
            ]
            g["assets"] = list
            groups[a.group] = g
        }
        let document: [String: Any] = [
            "groups": groups, "lineage": "5f0c2a8e-1111-4222-8333-444455556666",
            "provider": ["api": "seedance", "base_url": "https://gogogotoken.com", "project_name": "default"], "serial": 1,
            "version": 1,
        ]
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    @Test func envValuesAreQuotedSoThatEvalRunsNothingFromThem() async throws {
        let folder = try Folder()
        // A lockfile edited by hand (or by someone else): the value carries shell syntax.
        let evil = "asset://x'$(touch \(folder.path)/pwned)`touch \(folder.path)/pwned2`\"; echo hi"
        try Self.lockfile([("g1", "a1", evil)]).write(toFile: folder.path + "/m.lock", atomically: true, encoding: .utf8)
        let out = try await folder.run(["refs", folder.path + "/m.yaml", "--format", "env"], baseURL: nil)
        #expect(out.status == 0, "\(out.all)")
        let script = folder.path + "/eval.sh"
        try "eval \"$(cat \(folder.path)/env.txt)\"\nprintf '%s' \"$ASSETFORM_REF_G1_A1\" > \(folder.path)/value.txt\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        try out.stdout.write(toFile: folder.path + "/env.txt", atomically: true, encoding: .utf8)
        let shell = try await ChildProcess.run([script], executable: "/bin/sh", limit: .seconds(30))
        #expect(shell.status == 0, "\(shell.all)")
        #expect(try String(contentsOfFile: folder.path + "/value.txt", encoding: .utf8) == evil, "the value round-trips")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/pwned"))
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/pwned2"))
    }

    @Test func refsNotActiveAreExportedAndSaidOnStderr() async throws {
        let folder = try Folder()
        let lock = Self.lockfile([("g1", "a1", "asset://asset-20260101000000-a0000")])
            .replacingOccurrences(of: #""status" : "Active""#, with: #""status" : "Failed""#)
        try #require(lock.contains("Failed"))
        try lock.write(toFile: folder.path + "/m.lock", atomically: true, encoding: .utf8)
        let out = try await folder.run(["refs", folder.path + "/m.yaml", "--format", "env"], baseURL: nil)
        #expect(out.status == 0, "\(out.all)")
        #expect(out.stdout == "ASSETFORM_REF_G1_A1='asset://asset-20260101000000-a0000'\n", "\(out.stdout)")
        #expect(out.stderr.contains("1 ref is not Active: g1/a1 (Failed)"), "\(out.stderr)")
    }

    @Test func twoAddressesGivingOneVariableNameAreAnErrorNamingBoth() async throws {
        let folder = try Folder(
            manifest: Self.manifest + "  a-b:\n    assets:\n      c: https://cdn.example.com/c.png\n"
                + "  a:\n    assets:\n      b-c: https://cdn.example.com/bc.png\n")
        try Self.lockfile([("a-b", "c", "asset://one"), ("a", "b-c", "asset://two")])
            .write(toFile: folder.path + "/m.lock", atomically: true, encoding: .utf8)
        let out = try await folder.run(["refs", folder.path + "/m.yaml", "--format", "env"], baseURL: nil)
        #expect(out.status == 1, "\(out.all)")
        #expect(out.stderr.contains("a-b/c") && out.stderr.contains("a/b-c") && out.stderr.contains("ASSETFORM_REF_A_B_C"))
        #expect(out.stdout.isEmpty, "nothing half-printed")
    }

    @Test func everyClashIsNamedWithAllItsAddresses() async throws {
        let folder = try Folder(
            manifest: Self.manifest + "  a-b:\n    assets:\n      c: https://cdn.example.com/c.png\n"
                + "  a:\n    assets:\n      b-c: https://cdn.example.com/bc.png\n      b.c: https://cdn.example.com/bd.png\n"
                + "  x:\n    assets:\n      y-z: https://cdn.example.com/yz.png\n"
                + "  x-y:\n    assets:\n      z: https://cdn.example.com/z.png\n")
        try Self.lockfile([
            ("a-b", "c", "asset://one"), ("a", "b-c", "asset://two"), ("a", "b.c", "asset://three"),
            ("x", "y-z", "asset://four"), ("x-y", "z", "asset://five"),
        ])
        .write(toFile: folder.path + "/m.lock", atomically: true, encoding: .utf8)
        let out = try await folder.run(["refs", folder.path + "/m.yaml", "--format", "env"], baseURL: nil)
        #expect(out.status == 1, "\(out.all)")
        #expect(out.stderr.contains("all give the variable ASSETFORM_REF_A_B_C"), "\(out.stderr)")
        for address in ["a-b/c", "a/b-c", "a/b.c", "x/y-z", "x-y/z"] { #expect(out.stderr.contains(address), "\(address)") }
        #expect(out.stderr.contains("both give the variable ASSETFORM_REF_X_Y_Z"), "\(out.stderr)")
        #expect(out.stdout.isEmpty, "nothing half-printed")
    }
}
