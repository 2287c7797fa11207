import AssetformCore
import Durable
import Foundation
import JSON
import Testing

@Suite("The lockfile: golden encoding, atomic writes, refusals")
struct LockfileTests {
    static let sample: Lockfile = {
        var l = Lockfile(
            lineage: "5f0c2a8e-1111-4222-8333-444455556666", serial: 7,
            provider: LockedProvider(api: "seedance", baseURL: "https://gogogotoken.com", projectName: "default"))
        l.groups["characters"] = LockedGroup(
            id: "group-20260318071900-ab12c", name: "角色素材组", description: "角色参考素材",
            assets: [
                "hero-front": LockedAsset(
                    id: "asset-20260318072044-n8bcl", name: "角色正面图", ref: "asset://asset-20260318072044-n8bcl", status: .active,
                    type: .image, url: "https://cdn.example.com/hero/front.png"),
                "broken": LockedAsset(
                    id: "asset-20260318072045-zzzzz", name: "broken", ref: "asset://asset-20260318072045-zzzzz", status: .failed,
                    type: .video, url: "https://cdn.example.com/b.mp4",
                    failure: RemoteAsset.Failure(code: "InvalidParameter.DownloadFailed", message: "could not download")),
            ])
        return l
    }()

    static let golden = """
        {
          "groups": {
            "characters": {
              "assets": {
                "broken": {
                  "failure": {
                    "code": "InvalidParameter.DownloadFailed",
                    "message": "could not download"
                  },
                  "id": "asset-20260318072045-zzzzz",
                  "name": "broken",
                  "ref": "asset://asset-20260318072045-zzzzz",
                  "status": "Failed",
                  "type": "video",
                  "url": "https://cdn.example.com/b.mp4"
                },
                "hero-front": {
                  "id": "asset-20260318072044-n8bcl",
                  "name": "角色正面图",
                  "ref": "asset://asset-20260318072044-n8bcl",
                  "status": "Active",
                  "type": "image",
                  "url": "https://cdn.example.com/hero/front.png"
                }
              },
              "description": "角色参考素材",
              "id": "group-20260318071900-ab12c",
              "name": "角色素材组"
            }
          },
          "lineage": "5f0c2a8e-1111-4222-8333-444455556666",
          "provider": {
            "api": "seedance",
            "base_url": "https://gogogotoken.com",
            "project_name": "default"
          },
          "serial": 7,
          "version": 1
        }

        """

    @Test func encodesByteForByte() {
        #expect(String(decoding: Self.sample.encoded(), as: UTF8.self) == Self.golden)
    }

    @Test func roundTrips() throws {
        #expect(try Lockfile.decode(Array(Self.golden.utf8), path: "x.lock") == Self.sample)
    }

    @Test func writesAtomicallyAndCountsSerials() throws {
        let dir = try Folder()
        let path = dir.path("assets.lock")
        var lock = Self.sample
        try lock.write(to: path)
        #expect(lock.serial == 8)
        try lock.write(to: path)
        let read = try #require(try Lockfile.load(path: path))
        #expect(read.serial == 9)
        #expect(read.lineage == Self.sample.lineage, "the lineage never changes")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["assets.lock"], "no temporary file left behind")
        #expect(try Lockfile.load(path: dir.path("none.lock")) == nil)
    }

    /// A large lockfile is mapped and let go of as it is read, and written a part at a time:
    /// what is read is what was written, and a fault near its end is still named at its line
    /// (the pages let go of are read again from the file for the message).
    @Test func aLargeLockfileIsReadAsWrittenAndItsFaultsArePlaced() throws {
        let dir = try Folder()
        let path = dir.path("big.lock")
        var lock = Lockfile(lineage: "l", serial: 1, provider: Self.sample.provider)
        for g in 0..<4 {
            var group = LockedGroup(id: "group-\(g)", name: "组 \(g)")
            for a in 0..<5000 {
                let id = "asset-\(g)-\(a)"
                group.assets["a\(a)"] = LockedAsset(
                    id: id, name: "素材 \(a)", ref: a % 7 == 0 ? id : "asset://" + id, status: a % 11 == 0 ? .failed : .active,
                    type: .image, url: "https://cdn.example.com/\(g)/\(a).png",
                    failure: a % 11 == 0 ? RemoteAsset.Failure(code: "C\(a)", message: "m") : nil,
                    revision: a % 13 == 0 ? "r\(a)" : nil)
            }
            lock.groups["g\(g)"] = group
        }
        try lock.write(to: path)
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes == lock.encoded(), "written a part at a time, it is the same bytes")
        #expect(bytes.count > 4 << 20, "large enough to be let go of in parts")
        #expect(try Lockfile.load(path: path) == lock)
        // The digest of the bytes it was read from, hashed as they went by (before each part was
        // let go of): the file's own.
        let read = try #require(try Lockfile.load(path: path, digest: true))
        #expect(read.lock == lock && read.sha256 == Digest.sha256Hex(bytes) && read.sha256 == Digest.sha256Hex(fileAt: path))
        #expect(try Lockfile.load(path: path, digest: false)?.sha256 == nil)
        #expect(try Lockfile.load(path: dir.path("none.lock"), digest: true) == nil)
        // Broken in its last lines: the position is still right.
        var broken = bytes
        broken.removeLast(3)
        broken += Array("x}\n".utf8)
        try Data(broken).write(to: URL(fileURLWithPath: path))
        let lines = broken.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
        #expect {
            _ = try Lockfile.load(path: path)
        } throws: { error in
            guard case .notJSON(_, let line, _, _) = error as? StateError else { return false }
            return line == lines - 1
        }
    }

    @Test func corruptLockfileIsNamedWithItsPositionAndNotTouched() throws {
        let dir = try Folder()
        let path = dir.path("assets.lock")
        try "{\n  \"groups\": {\n    oops\n}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: StateError.notJSON(path: path, line: 3, column: 5, file: .lockfile)) { try Lockfile.load(path: path) }
        #expect(
            StateError.notJSON(path: path, line: 3, column: 5, file: .lockfile).description
                == "\(path):3:5: error: the lockfile is not valid JSON; it was left as it is")
        let foreign = dir.path("foreign.lock")
        try #"{"version": 9}"#.write(toFile: foreign, atomically: true, encoding: .utf8)
        #expect(
            throws: StateError.notOurs(path: foreign, line: nil, column: nil, file: .lockfile, detail: "version 9, expected 1")
        ) { try Lockfile.load(path: foreign) }
    }

    /// A hand-edited lockfile may hold its fields in any order: a reference read before its id,
    /// or an id given twice, ends as the same record `LockedAsset`'s own init makes; a status or
    /// type no lockfile has leaves the record incomplete.
    @Test func anAssetsFieldsReadTheSameInAnyOrder() throws {
        func read(_ fields: String) throws -> LockedAsset? {
            let text = """
                {"version": 1, "lineage": "l", "serial": 1,
                 "provider": {"api": "seedance", "base_url": "https://x", "project_name": "default"},
                 "groups": {"g": {"id": "G", "name": "g", "assets": {"a": {\(fields)}}}}}
                """
            return try Lockfile.decode(Array(text.utf8), path: "x").groups["g"]?.assets["a"]
        }
        let common = #""name": "n", "status": "Active", "type": "image", "url": "https://cdn/a.png""#
        for (fields, id, ref) in [
            (#""id": "A1", "ref": "asset://A1""#, "A1", "asset://A1"),
            (#""ref": "asset://A1", "id": "A1""#, "A1", "asset://A1"),
            (#""id": "A1", "ref": "A1""#, "A1", "A1"),
            (#""id": "A1", "ref": "asset:/\/A1""#, "A1", "asset://A1"),
            (#""id": "A1", "ref": "asset://B2""#, "A1", "asset://B2"),
        ] {
            let got = try #require(try read(fields + ", " + common), "\(fields)")
            let want = LockedAsset(id: id, name: "n", ref: ref, status: .active, type: .image, url: "https://cdn/a.png")
            // Byte for byte: String's `==` would call canonically equivalent texts equal.
            #expect(got == want && got.ref.utf8.elementsEqual(ref.utf8) && got.id.utf8.elementsEqual(id.utf8), "\(fields)")
        }
        let statuses = #""id": "A1", "ref": "asset://A1", "name": "n", "type": "video", "url": "u", "status": "#
        #expect(try read(statuses + #""Processing""#)?.status == .processing)
        #expect(try read(statuses + #""Failed""#)?.status == .failed)
        #expect(
            try read(#""id": "A1", "ref": "A1", "name": "n", "status": "Active", "url": "u", "type": "audio""#)?.type == .audio)
        for bad in [#""Active ""#, #""active""#, #""""#] {
            #expect(throws: StateError.self, "\(bad)") { try read(statuses + bad) }
        }
        // A field twice (JSON allows it): which one counts would be the reader's choice, and a
        // person reading the file may see the other.
        #expect(throws: StateError.self) { try read(#""id": "A1", "ref": "asset://A1", "id": "A2", "# + common) }
    }

    /// A record with its fields in the order a lockfile writes them is read by a shortcut: whatever
    /// it holds (escapes, other scripts, a hand-written reference, a status no lockfile has), it
    /// reads as the same record with its fields in another order does, or is refused for the same
    /// reason; compact or spaced.
    @Test func aRecordInTheWrittenOrderReadsAsInAnyOther() throws {
        func outcome(_ fields: [(String, String)], spaced: Bool) -> String {
            let record = fields.map { #""\#($0.0)":\#(spaced ? " " : "")"\#($0.1)""# }.joined(separator: spaced ? ",\n  " : ",")
            let text = """
                {"version": 1, "lineage": "l", "serial": 1,
                 "provider": {"api": "seedance", "base_url": "https://x", "project_name": "default"},
                 "groups": {"g": {"id": "G", "name": "g", "assets": {"a": {\(record)}, "b": {\(record.replacingOccurrences(of: "A1", with: "B1"))}}}}}
                """
            do {
                let lock = try Lockfile.decode(Array(text.utf8), path: "x")
                return ["a", "b"].map { key in
                    guard let a = lock.groups["g"]?.assets[key] else { return "missing \(key)" }
                    return [a.id, a.name, a.ref, a.status.rawValue, a.type.rawValue, a.url].map { Array($0.utf8).description }
                        .joined(separator: " ")
                }.joined(separator: "; ")
            } catch {
                // The message, without its place (the fields are elsewhere in another order).
                return String(error.description.drop { $0 != " " })
            }
        }
        let usual = [
            ("id", "A1"), ("name", "n"), ("ref", "asset://A1"), ("status", "Active"), ("type", "image"),
            ("url", "https://cdn/a.png"),
        ]
        var cases: [[(String, String)]] = [usual]
        for (field, values) in [
            ("id", ["x y", "图1", #"A\u0031"#, ""]),
            ("name", ["参考图 1", #"n\u0007"#, #"\u53c2\u8003"#, "", "café"]),
            ("ref", ["A1", "asset://B2", #"asset:\/\/A1"#, #"asset://A1\u001b[2J"#, ""]),
            ("status", ["Processing", "Failed", "Weird", "active"]),
            ("type", ["video", "audio", "movie"]),
            ("url", [#"https:\/\/cdn\/a.png"#, "https://cdn/图.png"]),
        ] {
            for value in values { cases.append(usual.map { $0.0 == field ? ($0.0, value) : $0 }) }
        }
        for fields in cases {
            for spaced in [false, true] {
                let written = outcome(fields, spaced: spaced)
                let reversed = outcome(fields.reversed(), spaced: spaced)
                #expect(written == reversed, "\(fields)")
            }
        }
        #expect(outcome(usual, spaced: false).hasPrefix(Array("A1".utf8).description), "the usual record is read")
    }

    @Test func oneServiceHoweverItsAddressIsSpelled() {
        func provider(_ url: String, api: String = "seedance", project: String = "default") -> LockedProvider {
            LockedProvider(api: api, baseURL: url, projectName: project)
        }
        let written = provider("https://gogogotoken.com")
        for same in [
            "https://GOGOGOTOKEN.com", "https://gogogotoken.com:443", "HTTPS://GoGoGoToken.com:443/", "https://gogogotoken.com/",
        ] {
            #expect(provider(same) == written, "\(same)")
        }
        for other in [
            "https://gogogotoken.com:8443", "https://other.example.com", "https://gogogotoken.com/v2", "http://gogogotoken.com",
        ] {
            #expect(provider(other) != written, "\(other)")
        }
        #expect(provider("http://127.0.0.1:80/") == provider("http://127.0.0.1"))
        #expect(provider("https://[::1]:443") == provider("https://[::1]"))
        #expect(provider("https://gogogotoken.com", api: "0-0") != written)
        #expect(provider("https://gogogotoken.com", project: "other") != written)
        // The path keeps its case: a service may tell /V1 from /v1.
        #expect(provider("https://x.example.com/V1") != provider("https://x.example.com/v1"))
    }

    /// The lockfile's own fields once each, and a provider only as the tool writes one: a hand
    /// edit that adds a second `groups` (whose records one reader or another would lose), or a
    /// provider that no manifest could name, is refused.
    @Test func aFieldTwiceOrAProviderNoManifestCouldNameIsRefused() {
        func problem(_ text: String) -> String? {
            do {
                _ = try Lockfile.decode(Array(text.utf8), path: "x.lock")
                return nil
            } catch {
                return error.description
            }
        }
        let provider = #"{"api": "seedance", "base_url": "https://x.example.com", "project_name": "default"}"#
        #expect(problem(#"{"version": 1, "lineage": "l", "serial": 1, "provider": \#(provider), "groups": {}}"#) == nil)
        for (text, field) in [
            (#"{"version": 1, "lineage": "l", "serial": 1, "provider": \#(provider), "groups": {}, "groups": {}}"#, "groups"),
            (#"{"version": 1, "lineage": "l", "serial": 1, "serial": 2, "provider": \#(provider), "groups": {}}"#, "serial"),
            (#"{"version": 1, "lineage": "l", "lineage": "m", "serial": 1, "provider": \#(provider), "groups": {}}"#, "lineage"),
        ] {
            let said = problem(text)
            #expect(said?.contains("the field \"\(field)\" is recorded twice") == true, "\(said ?? "accepted")")
            #expect(said?.hasPrefix("x.lock:1:") == true, "with its place: \(said ?? "accepted")")
        }
        for bad in [
            #"{"api": "seedance", "base_url": "https://x\u001b[31m.example.com", "project_name": "default"}"#,
            #"{"api": "seedance", "base_url": "https://user:pw@x.example.com", "project_name": "default"}"#,
            #"{"api": "seedance", "base_url": "https://x.example.com/?token=abc", "project_name": "default"}"#,
            #"{"api": "seedance", "base_url": "http://x.example.com", "project_name": "default"}"#,
            #"{"api": "seedance", "base_url": "https://x.example.com", "project_name": "a\u001b[2Jb"}"#,
            #"{"api": "nope", "base_url": "https://x.example.com", "project_name": "default"}"#,
        ] {
            let said = problem(#"{"version": 1, "lineage": "l", "serial": 1, "provider": \#(bad), "groups": {}}"#)
            #expect(said?.contains("provider") == true, "\(bad): \(said ?? "accepted")")
        }
    }

    /// What only a hand edit makes: an id that is not an id's shape, one id at two addresses, a
    /// reference with control characters, a status or type no lockfile has. Each is refused with
    /// its place; the id at two addresses names both.
    @Test func aHandEditedRecordThatCannotBeIsRefusedWithItsPlace() throws {
        func problem(_ groups: String) -> String? {
            let text = """
                {"version": 1, "lineage": "l", "serial": 1,
                 "provider": {"api": "seedance", "base_url": "https://x", "project_name": "default"},
                 "groups": \(groups)}
                """
            do {
                _ = try Lockfile.decode(Array(text.utf8), path: "x.lock")
                return nil
            } catch {
                return error.description
            }
        }
        func asset(_ id: String, ref: String? = nil, status: String = "Active", type: String = "image") -> String {
            #"{"id": "\#(id)", "ref": "\#(ref ?? "asset://" + id)", "name": "n", "status": "\#(status)", "type": "\#(type)", "url": "https://cdn/a.png"}"#
        }
        #expect(problem(#"{"g": {"id": "G", "name": "g", "assets": {"a": \#(asset("A1")), "b": \#(asset("B1"))}}}"#) == nil)
        let twice = problem(
            #"{"g": {"id": "G", "name": "g", "assets": {"a": \#(asset("A1"))}}, "h": {"id": "H", "name": "h", "assets": {"b": \#(asset("A1"))}}}"#
        )
        #expect(twice?.contains("x.lock:3:") == true, "\(twice ?? "accepted")")
        #expect(twice?.contains("the id A1 is tracked at g/a and h/b") == true, "\(twice ?? "accepted")")
        let groupTwice = problem(#"{"g": {"id": "G", "name": "g", "assets": {}}, "h": {"id": "G", "name": "h", "assets": {}}}"#)
        #expect(groupTwice?.contains("the id G is tracked at g and h") == true, "\(groupTwice ?? "accepted")")
        // One key twice in an object (JSON allows it): one record would be lost, so it is refused
        // at the second, whether its record has the usual shape or not, and for a group too.
        for second in [asset("A2"), asset("A2", ref: "custom"), asset("A1")] {
            let keyTwice = problem(#"{"g": {"id": "G", "name": "g", "assets": {"a": \#(asset("A1")), "a": \#(second)}}}"#)
            #expect(keyTwice?.contains("asset g/a is recorded twice") == true, "\(keyTwice ?? "accepted")")
            #expect(keyTwice?.contains("x.lock:3:") == true, "\(keyTwice ?? "accepted")")
        }
        let groupKeyTwice = problem(
            #"{"g": {"id": "G", "name": "g", "assets": {}}, "g": {"id": "H", "name": "h", "assets": {}}}"#)
        #expect(groupKeyTwice?.contains("group g is recorded twice") == true, "\(groupKeyTwice ?? "accepted")")
        let groupPastedTwice = problem(
            #"{"g": {"id": "G", "name": "g", "assets": {}}, "g": {"id": "G", "name": "g", "assets": {}}}"#)
        #expect(groupPastedTwice?.contains("group g is recorded twice") == true, "\(groupPastedTwice ?? "accepted")")
        // A field twice, in a group's record or an asset's, is refused the same way.
        let groupFieldTwice = problem(#"{"g": {"id": "G", "name": "g", "id": "H", "assets": {}}}"#)
        #expect(groupFieldTwice?.contains("group g's field \"id\" is recorded twice") == true, "\(groupFieldTwice ?? "accepted")")
        let assetFieldTwice = problem(
            #"{"g": {"id": "G", "name": "g", "assets": {"a": {"id": "A1", "ref": "asset://A1", "name": "n", "status": "Active", "type": "image", "url": "https://cdn/a.png", "name": "m"}}}}"#
        )
        #expect(
            assetFieldTwice?.contains("asset g/a: its field \"name\" is recorded twice") == true,
            "\(assetFieldTwice ?? "accepted")")
        #expect(assetFieldTwice?.hasPrefix("x.lock:3:") == true, "\(assetFieldTwice ?? "accepted")")
        // A group's id and an asset's may be alike on some service: they are told apart.
        #expect(problem(#"{"g": {"id": "X", "name": "g", "assets": {"a": \#(asset("X"))}}}"#) == nil)
        for (record, says) in [
            (asset(#"x\u001b]0;pwned\u0007"#), #"the id "x\e]0;pwned\x07" is not an id"#),
            (asset("图1"), #"the id "图1" is not an id"#),
            (asset("A1", ref: #"asset://A1\u001b[2J"#), #"its ref "asset://A1\e[2J" holds control characters"#),
            (asset("A1", status: "Weird"), "its status is not one of Processing, Active, Failed"),
            (asset("A1", type: "movie"), "its type is not one of image, video, audio"),
        ] {
            let said = problem(#"{"g": {"id": "G", "name": "g", "assets": {"a": \#(record)}}}"#)
            #expect(said?.contains("asset g/a: " + says) == true, "\(said ?? "accepted")")
            #expect(said?.hasPrefix("x.lock:3:") == true, "with its place: \(said ?? "accepted")")
        }
        // The id tracked twice is placed at its second copy's opening quote, whether that record
        // is read in the usual shape or field by field (a revision makes it unusual), and
        // whatever its first copy's shape.
        // (`usual`: the fields in the order a lockfile writes them, read in one go.)
        let usual =
            #"{"id": "A1", "name": "n", "ref": "asset://A1", "status": "Active", "type": "image", "url": "https://cdn/a.png"}"#
        for (first, second) in [
            (usual, usual),
            (asset("A1"), asset("A1")),
            (
                usual,
                #"{"id":  "A1", "name": "n", "ref": "asset://A1", "revision": "r", "status": "Active", "type": "image", "url": "https://cdn/a.png"}"#
            ),
            (
                #"{"id": "\u0041\u0031", "name": "n", "ref": "asset://A1", "status": "Active", "type": "image", "url": "https://cdn/a.png"}"#,
                usual
            ),
        ] {
            let groups = #"{"g": {"id": "G", "name": "g", "assets": {"a": \#(first), "b": \#(second)}}}"#
            let line3 = #" "groups": "# + groups
            let quote = line3.utf8.count - line3.utf8.split(separator: UInt8(ascii: "b")).last!.count
            // The opening quote of the second record's id: after `"b": {"id":` and its spaces.
            let tail = Array(line3.utf8)[quote...]
            let idKey = tail.firstRange(of: Array(#""id":"#.utf8))!.upperBound
            let column = tail[idKey...].firstIndex { $0 != UInt8(ascii: " ") }! + 1
            let said = problem(groups)
            #expect(said?.hasPrefix("x.lock:3:\(column):") == true, "\(said ?? "accepted")")
            #expect(said?.contains("the id A1 is tracked at g/a and g/b") == true, "\(said ?? "accepted")")
        }
        // A group's own problem is placed at its record's `{`, on its line, not after the colon.
        let nameless = problem("{\"g\":\n  {\"id\": \"G\", \"assets\": {}}}")
        #expect(nameless?.hasPrefix("x.lock:4:3:") == true, "\(nameless ?? "accepted")")
    }

    /// A serial no lockfile reaches (a hand edit) is refused on reading: the next write's would
    /// overflow.
    @Test func aSerialPastAnyALockfileReachesIsRefused() throws {
        func decode(_ serial: String) -> String? {
            let text = """
                {"version": 1, "lineage": "l", "serial": \(serial),
                 "provider": {"api": "seedance", "base_url": "https://x", "project_name": "default"}, "groups": {}}
                """
            do {
                _ = try Lockfile.decode(Array(text.utf8), path: "x.lock")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(decode("9007199254740992") == nil, "2^53, the largest (a write refuses to go past it)")
        for bad in ["9223372036854775807", "9007199254740993", "-1"] {
            #expect(
                decode(bad)?.contains("its serial \(bad) is not from 0 to 9007199254740992") == true,
                "\(decode(bad) ?? "accepted")")
        }
    }

    /// On 0-0 only: what is forgotten is remembered by address and id, until tracked again; the
    /// record is written, sorted, and read back (`forgotten`), and absent when empty.
    @Test func zeroZeroRemembersWhatItForgot() throws {
        var lock = Lockfile(for: Provider(api: .zeroZero))
        try lock.apply(.group(key: "g", LockedGroup(id: "group-1", name: "g")))
        for (k, id) in [("b", "Asset-2"), ("a", "Asset-1")] {
            try lock.apply(
                .asset(
                    Address(group: "g", asset: k),
                    LockedAsset(id: id, name: k, ref: id, status: .active, type: .image, url: "https://c.example.com/\(k).png")))
        }
        try lock.apply(.forget(Address(group: "g", asset: "a")))
        #expect(lock.forgotten == [Address(group: "g", asset: "a"): "Asset-1"])
        try lock.apply(.forget(Address(group: "g")))
        #expect(lock.forgotten.count == 2 && lock.groups.isEmpty)
        let text = String(decoding: lock.encoded(), as: UTF8.self)
        #expect(
            text.contains("\"forgotten\": {\n    \"g/a\": \"Asset-1\",\n    \"g/b\": \"Asset-2\"\n  },\n  \"groups\": {}"),
            "\(text)")
        let back = try Lockfile.decode(lock.encoded(), path: "x.lock")
        #expect(back == lock)
        try lock.apply(.group(key: "g", LockedGroup(id: "group-9", name: "g")))
        try lock.apply(
            .asset(
                Address(group: "g", asset: "a"),
                LockedAsset(
                    id: "Asset-9", name: "a", ref: "Asset-9", status: .active, type: .image, url: "https://c.example.com/a.png")))
        #expect(lock.forgotten == [Address(group: "g", asset: "b"): "Asset-2"], "tracked again: not forgotten")
        // Elsewhere (the service can list, or delete), nothing is kept.
        var seedance = Lockfile(for: Provider(api: .seedance))
        try seedance.apply(.group(key: "g", LockedGroup(id: "group-1", name: "g")))
        try seedance.apply(.forget(Address(group: "g")))
        #expect(seedance.forgotten.isEmpty && !String(decoding: seedance.encoded(), as: UTF8.self).contains("forgotten"))
    }

    @Test func aLockfileForAnotherServiceIsRefused() throws {
        let other = LockedProvider(api: "seedance", baseURL: "http://127.0.0.1:9000", projectName: "default")
        let refusal = StateError.otherProvider(
            path: "assets.lock", line: nil, file: .lockfile, written: Self.sample.provider, used: other)
        #expect(throws: refusal) { try Self.sample.check(against: other, path: "assets.lock") }
        #expect(
            refusal.description
                == "assets.lock was written for api seedance at https://gogogotoken.com, project default; this run uses api seedance at http://127.0.0.1:9000, project default. It was left as it is: use --lock to keep a lockfile per service."
        )
        try Self.sample.check(against: Self.sample.provider, path: "assets.lock")
    }

    @Test func pathBesideTheManifest() {
        #expect(Lockfile.path(forManifest: "assets.yaml") == "assets.lock")
        #expect(Lockfile.path(forManifest: "dir/film.yml") == "dir/film.lock")
        #expect(Lockfile.path(forManifest: "manifest") == "manifest.lock")
    }

    @Test func lineagesAreUUIDs() {
        let a = Lockfile.newLineage()
        #expect(
            a.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", options: .regularExpression)
                != nil)
        #expect(a != Lockfile.newLineage())
    }

    @Test func refreshUpdatesStatusesAndReportsDrift() {
        var remote = RemoteState()
        remote.groups["group-20260318071900-ab12c"] = RemoteGroup(
            id: "group-20260318071900-ab12c", name: "renamed", description: "角色参考素材")
        remote.assets["asset-20260318072044-n8bcl"] = RemoteAsset(
            id: "asset-20260318072044-n8bcl", name: "角色正面图", type: .image, groupID: "g", status: .active)
        remote.missing = ["asset-20260318072045-zzzzz"]
        var lock = Self.sample
        lock.groups["characters"]!.assets["hero-front"]!.status = .processing
        let (refreshed, drift) = lock.refreshed(with: remote)
        #expect(refreshed.groups["characters"]?.assets["hero-front"]?.status == .active)
        #expect(refreshed.groups["characters"]?.name == "角色素材组", "names stay as applied")
        #expect(
            drift.map(\.description) == [
                "characters: renamed remotely: \"角色素材组\" → \"renamed\"",
                "characters/broken: the remote object asset-20260318072045-zzzzz is gone",
                "characters/hero-front: Processing → Active",
            ])
    }
}

/// A temporary folder, removed when the test ends.
final class Folder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("assetform-core-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite("The lockfile's byte writer agrees with JSON's pretty printer")
struct LockfileEncodingTests {
    /// The same document as a JSON tree, printed by `JSONValue.pretty`: the reference.
    static func reference(_ l: Lockfile) -> [UInt8] {
        func s(_ x: String) -> JSONValue { .string(x) }
        let groups: [(String, JSONValue)] = l.groups.map { key, g in
            let assets: [(String, JSONValue)] = g.assets.map { k, a in
                var f: [(String, JSONValue)] = [
                    ("url", s(a.url)), ("type", s(a.type.rawValue)), ("status", s(a.status.rawValue)), ("ref", s(a.ref)),
                    ("name", s(a.name)), ("id", s(a.id)),
                ]
                if let x = a.failure { f.append(("failure", .object([("message", s(x.message)), ("code", s(x.code))]))) }
                if let r = a.revision { f.append(("revision", s(r))) }
                return (k, .object(f))
            }
            var f: [(String, JSONValue)] = [("name", s(g.name)), ("id", s(g.id)), ("assets", .object(assets))]
            if let d = g.description { f.append(("description", s(d))) }
            return (key, .object(f))
        }
        let doc = JSONValue.object([
            ("version", .int(Lockfile.version)), ("serial", .int(l.serial)),
            (
                "provider",
                .object([
                    ("project_name", s(l.provider.projectName)), ("base_url", s(l.provider.baseURL)), ("api", s(l.provider.api)),
                ])
            ),
            ("lineage", s(l.lineage)), ("groups", .object(groups)),
        ])
        return Array((doc.pretty + "\n").utf8)
    }

    @Test func emptyAndOddShapes() throws {
        var l = Lockfile(lineage: "l", serial: 3, provider: LockfileTests.sample.provider)
        #expect(l.encoded() == Self.reference(l), "no groups")
        l.groups["empty"] = LockedGroup(id: "g0", name: "no assets")
        l.groups["Zed"] = LockedGroup(id: "g1", name: "quote \" and \\ and \u{1} and 角色", description: "")
        l.groups["Zed"]!.assets["b"] = LockfileTests.sample.groups["characters"]!.assets["broken"]!
        l.groups["Zed"]!.assets["A"] = LockfileTests.sample.groups["characters"]!.assets["hero-front"]!
        l.groups["Zed"]!.assets["r"] = LockedAsset(
            id: "asset-r", name: "revised", ref: "asset://asset-r", status: .failed, type: .audio,
            url: "https://cdn.example.com/r.mp3", failure: RemoteAsset.Failure(code: "c", message: "m"), revision: "2 \"b\"")
        l.groups["é"] = LockedGroup(id: "g2", name: "accented key", description: "line\nbreak")
        #expect(String(decoding: l.encoded(), as: UTF8.self) == String(decoding: Self.reference(l), as: UTF8.self))
        // A key no manifest can have (an edited lockfile) is refused on reading, naming it.
        #expect(
            throws: StateError.notOurs(
                path: "x", line: 48, column: 10, file: .lockfile,
                detail: "the group key \"é\" holds \"é\"; keys use only A–Z a–z 0–9 . _ -")
        ) { try Lockfile.decode(l.encoded(), path: "x") }
        l.groups["é"] = nil
        #expect(try Lockfile.decode(l.encoded(), path: "x") == l, "and it reads back")
    }

    @Test func manyAssets() {
        var l = LockfileTests.sample
        for i in 0..<500 {
            l.groups["g\(i % 7)", default: LockedGroup(id: "id\(i % 7)", name: "n\(i % 7)")].assets["a\(i)"] = LockedAsset(
                id: "asset-\(i)", name: "名 \(i)", ref: "asset://asset-\(i)", status: i % 3 == 0 ? .processing : .active,
                type: .image, url: "https://cdn.example.com/\(i).png?x=\(i)", revision: i % 4 == 0 ? "r\(i)" : nil)
        }
        #expect(l.encoded() == Self.reference(l))
    }
}
