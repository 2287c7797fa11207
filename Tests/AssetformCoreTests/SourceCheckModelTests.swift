import AssetformCore
import JSON
import Testing
import YAML

@Suite("Sizes under checks: ByteCountText")
struct ByteCountTextTests {
    @Test func parsesSizesWithAndWithoutUnits() {
        #expect(ByteCountText.parse("30MB") == 30 * 1_048_576)
        #expect(ByteCountText.parse("512KB") == 512 * 1024)
        #expect(ByteCountText.parse("1.5MiB") == 1_572_864)
        #expect(ByteCountText.parse("100") == 100)
        #expect(ByteCountText.parse("100B") == 100)
        #expect(ByteCountText.parse("2 GB") == 2 << 30)
        #expect(ByteCountText.parse("1GiB") == 1 << 30)
        #expect(ByteCountText.parse("4K") == 4096)
        #expect(ByteCountText.parse("0") == 0, "zero is a size; the manifest refuses it as a limit")
    }

    @Test(arguments: ["", "MB", "-1MB", "1e3", "abc", " ", "1.2.3MB", "MB5", "five MB", "+1MB", "1_000"])
    func refusesWhatIsNotASize(text: String) {
        #expect(ByteCountText.parse(text) == nil)
    }

    @Test func formatsInTheLargestUnitWithAtMostOneDecimal() {
        #expect(ByteCountText.format(900) == "900 B")
        #expect(ByteCountText.format(0) == "0 B")
        #expect(ByteCountText.format(1023) == "1023 B")
        #expect(ByteCountText.format(1024) == "1 KiB")
        #expect(ByteCountText.format(1536) == "1.5 KiB")
        #expect(ByteCountText.format(30 << 20) == "30 MiB")
        #expect(ByteCountText.format(15 << 20) == "15 MiB")
        #expect(ByteCountText.format(3 << 30) == "3 GiB")
    }

    @Test func whatIsFormattedParsesBack() {
        for bytes in [0, 900, 1024, 1536, 30 << 20, 3 << 30] {
            let text = ByteCountText.format(bytes).filter { $0 != " " }
            #expect(ByteCountText.parse(text) == bytes, "\(text)")
        }
    }
}

@Suite("checks: in the manifest, decoded and validated at exact positions")
struct ManifestChecksTests {
    /// The top of a manifest that is valid without `checks:`.
    static let top = """
        version: 1
        provider:
          api: seedance
        groups:
          g:
            assets:
              a: https://cdn.example.com/a.png

        """

    static func load(_ yaml: String) -> LoadedManifest {
        ManifestLoader.decode(SourceFile(path: "test.yaml", bytes: Array((top + yaml).utf8)))
    }

    /// The checks of a manifest that loads without findings.
    static func checks(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> CheckLimits {
        let loaded = load(yaml)
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics.map(describe))", sourceLocation: sourceLocation)
        return try #require(loaded.manifest, sourceLocation: sourceLocation).checks
    }

    /// Expects exactly one finding, an error at `marker` whose problem `matches` and whose
    /// message mentions `words`.
    static func expectOneError(
        _ marked: String, at marker: Character, mentioning words: [String],
        matches: (ManifestProblem) -> Bool = { _ in true }, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let fixture = Fixture(top + marked)
        let loaded = fixture.load()
        #expect(loaded.diagnostics.count == 1, "\(loaded.diagnostics.map(describe))", sourceLocation: sourceLocation)
        guard let d = loaded.diagnostics.first else { return }
        #expect(d.severity == .error, sourceLocation: sourceLocation)
        #expect(d.mark != nil && d.mark == fixture.marks[marker], "\(describe(d))", sourceLocation: sourceLocation)
        for word in words {
            #expect(d.message.contains(word), "\(d.message)", sourceLocation: sourceLocation)
        }
        #expect(matches(d.problem), "\(d.problem)", sourceLocation: sourceLocation)
        #expect(loaded.manifest == nil, sourceLocation: sourceLocation)
    }

    // MARK: - Values

    @Test func theDefaultsAreTheUpstreamLimits() throws {
        let defaults = try Self.checks("")
        #expect(defaults == CheckLimits())
        #expect(defaults.image.maxBytes == (30 << 20) - 1, "under 30 MiB")
        #expect(defaults.image.minSide == 300)
        #expect(defaults.image.maxSide == 6000)
        #expect(defaults.image.minAspect == 0.4)
        #expect(defaults.image.maxAspect == 2.5)
        #expect(defaults.image.minDuration == nil && defaults.image.maxDuration == nil)
        #expect(defaults.video.minDuration == 2)
        #expect(defaults.video.maxDuration == 15)
        #expect(defaults.video.minPixels == 409_600)
        #expect(defaults.video.maxPixels == 2_086_876)
        #expect(defaults.video.minFrameRate == 24 && defaults.video.maxFrameRate == 60)
        #expect(defaults.image.minFrameRate == nil && defaults.audio.maxFrameRate == nil)
        #expect(defaults.audio.maxBytes == 15 << 20)
        #expect(defaults.audio.minDuration == 2)
        #expect(defaults.audio.maxDuration == 15)
        #expect(defaults.audio.minSide == nil && defaults.audio.maxPixels == nil)
        #expect(try Self.checks("checks: ~\n") == CheckLimits(), "null: the defaults")
        #expect(try Self.checks("checks: {}\n") == CheckLimits())
        #expect(try Self.checks("checks: {image: ~}\n") == CheckLimits())
    }

    /// BytePlus allows longer and larger videos, and longer audio (API.md §4): its defaults say
    /// so, whether `checks:` comes before or after the provider; what `checks:` names still wins.
    @Test func byteplusDefaultsAllowLongerAndLargerVideos() throws {
        func load(_ text: String) throws -> CheckLimits {
            let loaded = ManifestLoader.decode(SourceFile(path: "b.yaml", bytes: Array(text.utf8)))
            #expect(loaded.diagnostics.filter { $0.severity == .error }.isEmpty, "\(loaded.diagnostics.map(describe))")
            return try #require(loaded.manifest).checks
        }
        let provider = "provider:\n  api: byteplus\n"
        let rest = "version: 1\ngroups:\n  g:\n    assets:\n      a: https://cdn.example.com/a.png\n"
        let plain = try load(provider + rest)
        #expect(plain == CheckLimits.defaults(for: .byteplus))
        #expect(plain.video.maxDuration == 30 && plain.video.maxPixels == 8_295_044 && plain.video.maxBytes == 200 << 20)
        #expect(plain.audio.maxDuration == 30 && plain.image == CheckLimits().image)
        let before = try load("checks: {video: {max_duration: 20s}}\n" + provider + rest)
        let after = try load(provider + rest + "checks: {video: {max_duration: 20s}}\n")
        #expect(before == after && after.video.maxDuration == 20 && after.video.maxPixels == 8_295_044)
        #expect(CheckLimits.defaults(for: .volcengine) == CheckLimits() && CheckLimits.defaults(for: .seedance) == CheckLimits())
    }

    @Test func frameRatesAreNumbersInOrder() throws {
        let checks = try Self.checks("checks: {video: {min_fps: 12, max_fps: 120.5}}\n")
        #expect(checks.video.minFrameRate == 12 && checks.video.maxFrameRate == 120.5)
        #expect(try Self.checks("checks: {video: {max_fps: ~}}\n").video.maxFrameRate == nil)
        Self.expectOneError(
            "checks: {video: {min_fps: 1️⃣fast}}\n", at: "1️⃣", mentioning: ["checks.video.min_fps", "frames per second"])
        Self.expectOneError(
            "checks: {video: {min_fps: 50, max_fps: 1️⃣30}}\n", at: "1️⃣", mentioning: ["min_fps is more than max_fps"])
        Self.expectOneError("checks: {audio: {1️⃣max_fps: 30}}\n", at: "1️⃣", mentioning: ["max_fps"])
    }

    @Test func overridesChangeOnlyWhatTheyName() throws {
        let checks = try Self.checks(
            "checks: {image: {max_bytes: 10MB, min_side: 100}, video: {max_duration: 30s}, audio: {min_duration: 1}}\n")
        var want = CheckLimits()
        want.image.maxBytes = 10 << 20
        want.image.minSide = 100
        want.video.maxDuration = 30
        want.audio.minDuration = 1
        #expect(checks == want)
        #expect(checks.image.maxSide == 6000, "the rest stay the defaults")
    }

    @Test func everyKindOfValue() throws {
        let checks = try Self.checks(
            """
            checks:
              image:
                max_bytes: 1048576
                min_aspect: 0.5
                max_aspect: 3
                min_pixels: 90000
                max_pixels: 36000000
              video:
                max_bytes: 1.5GiB
                min_duration: 1500ms
                max_duration: 1m30s
              audio:
                max_bytes: 512KB
                max_duration: 2.5

            """)
        #expect(checks.image.maxBytes == 1_048_576)
        #expect(checks.image.minAspect == 0.5)
        #expect(checks.image.maxAspect == 3)
        #expect(checks.image.minPixels == 90000)
        #expect(checks.image.maxPixels == 36_000_000)
        #expect(checks.video.maxBytes == 3 << 29)
        #expect(checks.video.minDuration == 1.5)
        #expect(checks.video.maxDuration == 90)
        #expect(checks.audio.maxBytes == 512 << 10)
        #expect(checks.audio.maxDuration == 2.5)
        #expect(checks.audio.minDuration == 2)
    }

    @Test func nullTurnsALimitOff() throws {
        let checks = try Self.checks(
            """
            checks:
              image:
                max_side: ~
                max_aspect: null
              video: {max_duration: ~, max_bytes: ~}

            """)
        #expect(checks.image.maxSide == nil)
        #expect(checks.image.maxAspect == nil)
        #expect(checks.image.minSide == 300, "the others stay")
        #expect(checks.video.maxDuration == nil)
        #expect(checks.video.maxBytes == nil)
        #expect(checks.video.minDuration == 2)
        #expect(checks.audio == CheckLimits().audio)
    }

    @Test func aLimitOffIsNotOrderedAgainstItsOtherEnd() throws {
        let checks = try Self.checks("checks:\n  image: {min_side: 7000, max_side: ~}\n")
        #expect(checks.image.minSide == 7000)
        #expect(checks.image.maxSide == nil)
    }

    // MARK: - Errors

    @Test func anUnknownTypeIsAnErrorAtItsKey() {
        Self.expectOneError(
            "checks:\n  1️⃣picture: {max_bytes: 1MB}\n", at: "1️⃣", mentioning: ["picture", "checks"],
            matches: { if case .unknownKey("picture", "checks", _) = $0 { true } else { false } })
        Self.expectOneError(
            "checks: {image: {}, 1️⃣picture: 3}\n", at: "1️⃣", mentioning: ["picture"],
            matches: { if case .unknownKey("picture", "checks", _) = $0 { true } else { false } })
        expectFindings(
            Self.top + "checks:\n  1️⃣imgae: {max_bytes: 1MB}\n",
            [("1️⃣", .error, .unknownKey("imgae", in: "checks", suggestion: "image"))])
        #expect(Suggestion.closest(to: "create", in: ["create_asset", "write", "read"]) == "create_asset")
        #expect(Suggestion.closest(to: "Asset", in: ["create_asset", "write", "read"]) == "create_asset")
        #expect(Suggestion.closest(to: "max", in: ["max_bytes", "max_side"]) == nil, "two keys have it")
        #expect(Suggestion.closest(to: "at", in: ["create_at"]) == nil, "too short to tell")
    }

    @Test func aKeyTheTypeDoesNotHaveIsAnErrorAtIt() {
        Self.expectOneError(
            "checks:\n  audio: {1️⃣min_side: 3}\n", at: "1️⃣", mentioning: ["min_side", "checks.audio"],
            matches: { if case .unknownKey("min_side", "checks.audio", _) = $0 { true } else { false } })
        Self.expectOneError(
            "checks:\n  image:\n    max_bytes: 1MB\n    1️⃣max_duration: 5s\n", at: "1️⃣",
            mentioning: ["max_duration", "checks.image"],
            matches: { if case .unknownKey("max_duration", "checks.image", _) = $0 { true } else { false } })
    }

    @Test func aBadSize() {
        let reason = { (found: String) in "must be a size (e.g. 30MB, 512KB, or bytes), not \"\(found)\"" }
        expectFindings(
            Self.top + "checks:\n  image:\n    max_bytes: 1️⃣lots\n  audio: {max_bytes: 2️⃣0}\n  video: {max_bytes: 3️⃣-1MB}\n",
            [
                ("1️⃣", .error, .invalidLimit(field: "checks.image.max_bytes", reason: reason("lots"))),
                ("2️⃣", .error, .invalidLimit(field: "checks.audio.max_bytes", reason: reason("0"))),
                ("3️⃣", .error, .invalidLimit(field: "checks.video.max_bytes", reason: reason("-1MB"))),
            ])
    }

    @Test func aBadDuration() {
        expectFindings(
            Self.top + "checks:\n  video:\n    max_duration: 1️⃣soon\n  audio:\n    min_duration: 2️⃣-1\n",
            [
                ("1️⃣", .error, .invalidDuration(field: "checks.video.max_duration", found: "soon")),
                ("2️⃣", .error, .invalidDuration(field: "checks.audio.min_duration", found: "-1")),
            ])
    }

    @Test func aBadSideOrPixelCount() {
        expectFindings(
            Self.top + "checks:\n  image:\n    min_side: 1️⃣0\n    max_pixels: 2️⃣many\n",
            [
                ("1️⃣", .error, .invalidLimit(field: "checks.image.min_side", reason: "must be from 1 to 1000000, not 0")),
                ("2️⃣", .error, .invalidLimit(field: "checks.image.max_pixels", reason: "must be a whole number, not \"many\"")),
            ])
    }

    @Test func anAspectMustBePositive() {
        let reason = { (found: String) in "must be a positive number (width / height), not \"\(found)\"" }
        expectFindings(
            Self.top + "checks:\n  image:\n    min_aspect: 1️⃣0\n    max_aspect: 2️⃣-2.5\n  video: {min_aspect: 3️⃣wide}\n",
            [
                ("1️⃣", .error, .invalidLimit(field: "checks.image.min_aspect", reason: reason("0"))),
                ("2️⃣", .error, .invalidLimit(field: "checks.image.max_aspect", reason: reason("-2.5"))),
                ("3️⃣", .error, .invalidLimit(field: "checks.video.min_aspect", reason: reason("wide"))),
            ])
    }

    /// The reason a range the other way round is refused.
    static func backwards(_ low: String, _ high: String) -> String { "\(low) is more than \(high), so nothing would pass" }

    @Test func aMinimumAboveItsMaximumIsAnErrorAtTheMaximum() {
        expectFindings(
            Self.top + "checks:\n  image: {min_side: 500, max_side: 1️⃣400}\n",
            [
                (
                    "1️⃣", .error,
                    .invalidLimit(field: "checks.image.max_side", reason: Self.backwards("min_side", "max_side"))
                )
            ])
        expectFindings(
            Self.top + "checks:\n  video:\n    max_duration: 2️⃣5s\n    min_duration: 10s\n",
            [
                (
                    "2️⃣", .error,
                    .invalidLimit(
                        field: "checks.video.max_duration", reason: Self.backwards("min_duration", "max_duration"))
                )
            ])
    }

    @Test func aMinimumAboveTheDefaultMaximumIsAnErrorAtTheMinimum() {
        expectFindings(
            Self.top + "checks:\n  image: {min_side: 1️⃣7000}\n  audio: {min_duration: 2️⃣20s}\n",
            [
                (
                    "1️⃣", .error,
                    .invalidLimit(field: "checks.image.min_side", reason: Self.backwards("min_side", "max_side"))
                ),
                (
                    "2️⃣", .error,
                    .invalidLimit(
                        field: "checks.audio.min_duration", reason: Self.backwards("min_duration", "max_duration"))
                ),
            ])
    }

    @Test func checksMustBeAMapping() {
        expectFindings(
            Self.top + "checks: 1️⃣[image]\n",
            [("1️⃣", .error, .wrongType(field: "checks", expected: "a mapping (image, video, audio)", found: "a list"))])
        expectFindings(
            Self.top + "checks:\n  image: 1️⃣[max_bytes]\n",
            [("1️⃣", .error, .wrongType(field: "checks.image", expected: "a mapping of limits", found: "a list"))])
    }
}

@Suite("What a source looked like: SourceFingerprint")
struct SourceFingerprintTests {
    static let monday = "Mon, 02 Mar 2026 10:00:00 GMT"
    static let tuesday = "Tue, 03 Mar 2026 10:00:00 GMT"

    @Test func initDropsWhatItCannotKeep() {
        #expect(SourceFingerprint(contentLength: -1).contentLength == nil)
        #expect(SourceFingerprint(contentLength: 0).contentLength == 0)
        #expect(SourceFingerprint(etag: "\"a\u{7}b\"").etag == nil, "a control character")
        #expect(SourceFingerprint(etag: "\"a\nb\"").etag == nil)
        #expect(SourceFingerprint(etag: "\"é\"").etag == nil, "not ASCII")
        #expect(SourceFingerprint(etag: "").etag == nil)
        let longest = String(repeating: "a", count: SourceFingerprint.maxValueLength)
        #expect(SourceFingerprint(etag: longest).etag == longest)
        #expect(SourceFingerprint(etag: longest + "a").etag == nil, "longer than 200 characters")
        #expect(SourceFingerprint(lastModified: "Mon\u{1B}[2J").lastModified == nil)
        #expect(SourceFingerprint(etag: "\u{1}", lastModified: "").isEmpty)
        #expect(SourceFingerprint(contentLength: 5, etag: "\u{1}") == SourceFingerprint(contentLength: 5))
    }

    @Test func theSameETagIsNoChange() {
        let a = SourceFingerprint(contentLength: 10, etag: "\"x\"", lastModified: Self.monday)
        #expect(a.change(to: a) == nil)
        let b = SourceFingerprint(contentLength: 10, etag: "\"x\"", lastModified: Self.tuesday)
        #expect(a.change(to: b) == nil, "the ETag decides when both have one")
    }

    @Test func anotherETagIsAChangeNamingBoth() throws {
        let a = SourceFingerprint(etag: "\"x\"")
        let change = try #require(a.change(to: SourceFingerprint(etag: "\"y\"")))
        #expect(change.contains("\"x\""), "\(change)")
        #expect(change.contains("\"y\""), "\(change)")
        #expect(change.contains("ETag"), "\(change)")
    }

    @Test func aWeakAndAStrongETagOfOneValueAgree() {
        #expect(SourceFingerprint(etag: "W/\"x\"").change(to: SourceFingerprint(etag: "\"x\"")) == nil)
        #expect(SourceFingerprint(etag: "\"x\"").change(to: SourceFingerprint(etag: "W/\"x\"")) == nil)
        #expect(SourceFingerprint(etag: "W/\"x\"").change(to: SourceFingerprint(etag: "W/\"y\"")) != nil)
    }

    @Test func withoutETagsLastModifiedDecides() throws {
        let a = SourceFingerprint(lastModified: Self.monday)
        let change = try #require(a.change(to: SourceFingerprint(lastModified: Self.tuesday)))
        #expect(change.contains("Last-Modified"), "\(change)")
        #expect(change.contains(Self.monday) && change.contains(Self.tuesday), "\(change)")
        #expect(a.change(to: SourceFingerprint(lastModified: Self.monday)) == nil)
        // One side without an ETag: Last-Modified still decides.
        let both = SourceFingerprint(etag: "\"x\"", lastModified: Self.monday)
        #expect(both.change(to: SourceFingerprint(lastModified: Self.tuesday)) != nil)
    }

    @Test func anotherLengthIsAChange() throws {
        let change = try #require(
            SourceFingerprint(contentLength: 10, etag: "\"x\"").change(to: SourceFingerprint(contentLength: 11, etag: "\"x\"")))
        #expect(change.contains("10") && change.contains("11"), "\(change)")
        #expect(change.contains("length"), "\(change)")
        let both = try #require(
            SourceFingerprint(contentLength: 10, etag: "\"x\"").change(to: SourceFingerprint(contentLength: 11, etag: "\"y\"")))
        #expect(both.contains("ETag") && both.contains("length"), "\(both)")
    }

    @Test func nothingInCommonIsNoChange() {
        let a = SourceFingerprint(etag: "\"x\"")
        #expect(a.change(to: SourceFingerprint(contentLength: 11, lastModified: Self.tuesday)) == nil)
        #expect(SourceFingerprint(contentLength: 10).change(to: SourceFingerprint(etag: "\"y\"")) == nil)
        #expect(SourceFingerprint().change(to: SourceFingerprint(contentLength: 1, etag: "\"y\"")) == nil)
    }

    @Test func jsonRoundTrips() {
        let full = SourceFingerprint(contentLength: 123_456, etag: "\"abc\"", lastModified: Self.tuesday)
        #expect(
            full.json
                == .object([
                    ("content_length", .int(123_456)), ("etag", .string("\"abc\"")), ("last_modified", .string(Self.tuesday)),
                ]))
        #expect(SourceFingerprint(json: full.json) == full)
        for partial in [
            SourceFingerprint(contentLength: 7), SourceFingerprint(etag: "W/\"e\""), SourceFingerprint(lastModified: Self.monday),
        ] {
            #expect(SourceFingerprint(json: partial.json) == partial)
        }
        #expect(SourceFingerprint(contentLength: 7).json == .object([("content_length", .int(7))]))
    }

    @Test func anEmptyOrForeignObjectIsNoFingerprint() {
        #expect(SourceFingerprint(json: .object([])) == nil)
        #expect(SourceFingerprint(json: .string("\"abc\"")) == nil)
        #expect(SourceFingerprint(json: .null) == nil)
        #expect(SourceFingerprint(json: .object([("etag", .string("\u{1}"))])) == nil, "nothing kept")
        #expect(SourceFingerprint(json: .object([("content_length", .string("7"))])) == nil, "a length is a number")
        #expect(SourceFingerprint(json: .object([("size", .int(7))])) == nil)
    }
}

@Suite("Source fingerprints in the lockfile and the journal")
struct SourceRecordTests {
    static let tuesday = "Tue, 03 Mar 2026 10:00:00 GMT"
    static let full = SourceFingerprint(contentLength: 123_456, etag: "\"abc\"", lastModified: SourceRecordTests.tuesday)

    static let sample: Lockfile = {
        var l = Lockfile(
            lineage: "5f0c2a8e-1111-4222-8333-444455556666", serial: 3,
            provider: LockedProvider(api: "seedance", baseURL: "https://gogogotoken.com", projectName: "default"))
        l.groups["chars"] = LockedGroup(
            id: "group-1", name: "Characters",
            assets: [
                "front": LockedAsset(
                    id: "asset-1", name: "front", ref: "asset://asset-1", status: .active, type: .image,
                    url: "https://cdn.example.com/front.png", revision: "v2", source: SourceRecordTests.full),
                "side": LockedAsset(
                    id: "asset-2", name: "side", ref: "asset://asset-2", status: .processing, type: .image,
                    url: "https://cdn.example.com/side.png", source: SourceFingerprint(contentLength: 99)),
                "back": LockedAsset(
                    id: "asset-3", name: "back", ref: "asset://asset-3", status: .failed, type: .video,
                    url: "https://cdn.example.com/back.mp4",
                    failure: RemoteAsset.Failure(code: "InvalidParameter.DownloadFailed", message: "could not download"),
                    source: SourceFingerprint(etag: "W/\"e\"")),
                "plain": LockedAsset(
                    id: "asset-4", name: "plain", ref: "asset://asset-4", status: .active, type: .audio,
                    url: "https://cdn.example.com/plain.mp3"),
            ])
        return l
    }()

    /// The same document as a JSON tree, printed by `JSONValue.pretty` (which sorts keys): the
    /// reference the lockfile's byte writer must agree with.
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
                if let src = a.source, !src.isEmpty { f.append(("source", src.json)) }
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

    @Test func theLockfileWritesSourcesAsThePrettyPrinterWould() {
        let encoded = Self.sample.encoded()
        #expect(String(decoding: encoded, as: UTF8.self) == String(decoding: Self.reference(Self.sample), as: UTF8.self))
    }

    @Test func aSourceSitsBetweenRevisionAndStatusWithItsKeysSorted() {
        let text = String(decoding: Self.sample.encoded(), as: UTF8.self)
        let front = [
            #"          "ref": "asset://asset-1","#,
            #"          "revision": "v2","#,
            #"          "source": {"#,
            #"            "content_length": 123456,"#,
            #"            "etag": "\"abc\"","#,
            #"            "last_modified": "Tue, 03 Mar 2026 10:00:00 GMT""#,
            #"          },"#,
            #"          "status": "Active","#,
        ]
        #expect(text.contains(front.joined(separator: "\n") + "\n"), "\(text)")
        let side = [
            #"          "ref": "asset://asset-2","#,
            #"          "source": {"#,
            #"            "content_length": 99"#,
            #"          },"#,
            #"          "status": "Processing","#,
        ]
        #expect(text.contains(side.joined(separator: "\n") + "\n"), "\(text)")
        let back = [
            #"          "ref": "asset://asset-3","#,
            #"          "source": {"#,
            #"            "etag": "W/\"e\"""#,
            #"          },"#,
            #"          "status": "Failed","#,
        ]
        #expect(text.contains(back.joined(separator: "\n") + "\n"), "\(text)")
        let sources = text.split(separator: "\n").filter { $0.contains(#""source": {"#) }
        #expect(sources.count == 3, "no source for the asset without one")
    }

    @Test func theLockfileReadsSourcesBack() throws {
        #expect(try Lockfile.decode(Self.sample.encoded(), path: "x.lock") == Self.sample)
    }

    @Test func anEmptySourceIsNotWritten() throws {
        var l = Self.sample
        l.groups["chars"]!.assets["plain"]!.source = SourceFingerprint(etag: "\u{1}")
        #expect(l.groups["chars"]!.assets["plain"]!.source?.isEmpty == true)
        #expect(l.encoded() == Self.sample.encoded())
    }

    @Test func journalRecordsKeepTheirSources() {
        let front = Address(group: "chars", asset: "front")
        let records: [JournalRecord] = [
            .intent(
                .init(
                    seq: 1, at: 1_763_700_003.5, address: front, name: "front", groupID: "group-1", type: .image,
                    url: "https://cdn.example.com/front.png", revision: "v2", source: Self.full)),
            .intent(
                .init(
                    seq: 2, at: 1_763_700_004, address: Address(group: "chars", asset: "side"), name: "side",
                    groupID: "group-1", type: .image, url: "https://cdn.example.com/side.png",
                    source: SourceFingerprint(lastModified: Self.tuesday))),
            .change(.asset(front, Self.sample.groups["chars"]!.assets["front"]!), seq: 1),
            .change(.asset(Address(group: "chars", asset: "side"), Self.sample.groups["chars"]!.assets["side"]!), seq: nil),
            .change(.asset(Address(group: "chars", asset: "back"), Self.sample.groups["chars"]!.assets["back"]!), seq: 3),
        ]
        for r in records {
            #expect(JournalRecord(line: r.line) == r, "\(String(decoding: r.line, as: UTF8.self))")
        }
        let line = JSONValue.parse(records[0].line)
        #expect(line?["source"] == Self.full.json)
    }
}

@Suite("What preflight does to a plan: Plan+Sources")
struct PlanSourcesTests {
    static let group = Address(group: "chars")
    static let front = Address(group: "chars", asset: "front")
    static let side = Address(group: "chars", asset: "side")
    static let back = Address(group: "chars", asset: "back")
    static let left = Address(group: "chars", asset: "left")
    static let gone = Address(group: "chars", asset: "gone")

    static let frontSpec = Plan.AssetSpec(name: "front", type: .image, url: "https://cdn.example.com/front.png")
    static let sideSpec = Plan.AssetSpec(name: "side", type: .video, url: "https://cdn.example.com/side.mp4", revision: "v2")
    static let leftSpec = Plan.AssetSpec(name: "left", type: .image, url: "https://cdn.example.com/left.png")

    static let plan = Plan(
        steps: [
            Plan.Step(address: group, action: .createGroup(name: "Characters", description: nil, gone: nil), reason: "new"),
            Plan.Step(address: front, action: .createAsset(frontSpec, gone: nil), reason: "new"),
            Plan.Step(
                address: side,
                action: .replaceAsset(
                    sideSpec, old: "asset-old", url: nil, type: nil, revision: Plan.FieldChange(before: "v1", after: "v2"),
                    failure: nil),
                reason: "revision changed"),
            Plan.Step(
                address: back, action: .updateAsset(id: "asset-3", name: Plan.FieldChange(before: "b", after: "back")),
                reason: "renamed"),
            Plan.Step(
                address: left, action: .adoptAsset(leftSpec, id: "asset-4", status: .active, failure: nil), reason: "listed"),
            Plan.Step(address: gone, action: .forget(id: "asset-5"), reason: "no longer in the manifest"),
        ],
        unchanged: [Address(group: "chars", asset: "same")], warnings: ["an earlier warning"])

    static let fingerprint = SourceFingerprint(contentLength: 5000, etag: "\"abc\"")

    @Test func registrationsAreTheCreatesAndReplaces() {
        let r = Self.plan.registrations
        #expect(r.map { $0.address } == [Self.front, Self.side])
        #expect(r.map { $0.spec } == [Self.frontSpec, Self.sideSpec])
        #expect(Plan(steps: [], unchanged: [], warnings: []).registrations.isEmpty)
    }

    @Test func recordingSetsTheSourceOfExactlyTheRegistrations() {
        var sources: [Address: SourceFingerprint] = [:]
        for a in [Self.group, Self.front, Self.side, Self.back, Self.left, Self.gone] {
            sources[a] = SourceFingerprint(contentLength: a.description.count, etag: "\"\(a)\"")
        }
        let recorded = Self.plan.recording(sources: sources)
        #expect(recorded.steps.count == Self.plan.steps.count)
        #expect(recorded.unchanged == Self.plan.unchanged)
        #expect(recorded.warnings == Self.plan.warnings)
        var frontSpec = Self.frontSpec
        frontSpec.source = sources[Self.front]
        var sideSpec = Self.sideSpec
        sideSpec.source = sources[Self.side]
        #expect(recorded.steps[1].action == .createAsset(frontSpec, gone: nil))
        #expect(
            recorded.steps[2].action
                == .replaceAsset(
                    sideSpec, old: "asset-old", url: nil, type: nil, revision: Plan.FieldChange(before: "v1", after: "v2"),
                    failure: nil))
        for i in [0, 3, 4, 5] {
            #expect(recorded.steps[i] == Self.plan.steps[i], "step \(i) is not a registration: unchanged")
        }
        #expect(recorded.registrations.map { $0.spec.source } == [sources[Self.front], sources[Self.side]])
    }

    @Test func recordingOnlyWhatWasSeen() {
        let recorded = Self.plan.recording(sources: [Self.side: Self.fingerprint])
        #expect(recorded.registrations.map { $0.spec.source } == [nil, Self.fingerprint])
        #expect(Self.plan.recording(sources: [:]) == Self.plan)
    }

    @Test func leavingOutRemovesTheRegistrationsOfTheAddressesAndSaysSo() {
        let left = Self.plan.leavingOut([Self.side, Self.front], because: "its source failed its check")
        #expect(left.steps.map(\.address) == [Self.group, Self.back, Self.left, Self.gone])
        #expect(left.steps == Self.plan.steps.filter { $0.address != Self.front && $0.address != Self.side })
        #expect(left.unchanged == Self.plan.unchanged)
        #expect(
            left.warnings == [
                "an earlier warning",
                "chars/front: left out of this run: its source failed its check",
                "chars/side: left out of this run: its source failed its check",
            ])
        #expect(left.registrations.isEmpty)
    }

    @Test func leavingOutKeepsStepsThatAreNotRegistrations() {
        // A group's create, an update, an adopt and a forget are not registrations: they stay,
        // even for an address that is named.
        let named: Set<Address> = [Self.group, Self.back, Self.left, Self.gone]
        let left = Self.plan.leavingOut(named, because: "x")
        #expect(left.steps == Self.plan.steps)
        #expect(left.warnings == Self.plan.warnings, "nothing was left out, so nothing is said")
        // The update at an address whose create is left out stays too.
        var plan = Self.plan
        plan.steps.append(
            Plan.Step(
                address: Self.front, action: .updateAsset(id: "asset-1", name: Plan.FieldChange(before: "f", after: "front")),
                reason: "renamed"))
        let without = plan.leavingOut([Self.front], because: "x")
        #expect(without.steps.map(\.verb) == [.create, .replace, .update, .adopt, .forget, .update])
        #expect(without.steps.last?.address == Self.front)
        #expect(without.warnings.filter { $0.hasPrefix("chars/front:") }.count == 1, "one warning per address")
        #expect(Self.plan.leavingOut([], because: "x") == Self.plan)
    }
}
