import AssetformCore
import Testing

@testable import AssetformPreflight

/// `SourceLocation` is also the name of swift-testing's type: this file means preflight's.
private typealias Location = AssetformPreflight.SourceLocation

/// Tiny media headers, written byte by byte (big-endian integers), for the verdicts to read.
private enum Media {
    /// Bytes written in order.
    struct Builder {
        var bytes: [UInt8] = []

        mutating func u8(_ values: UInt8...) { bytes += values }
        mutating func ascii(_ text: String) { bytes += Array(text.utf8) }
        mutating func zeros(_ count: Int) { bytes += [UInt8](repeating: 0, count: count) }
        mutating func append(_ other: [UInt8]) { bytes += other }

        mutating func be16(_ value: UInt16) {
            bytes.append(UInt8(truncatingIfNeeded: value >> 8))
            bytes.append(UInt8(truncatingIfNeeded: value))
        }

        mutating func be32(_ value: UInt32) {
            for shift in [24, 16, 8, 0] as [UInt32] { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
        }
    }

    static func build(_ body: (inout Builder) -> Void) -> [UInt8] {
        var b = Builder()
        body(&b)
        return b.bytes
    }

    /// The PNG signature and an IHDR chunk (its CRC is not checked, so it is zero).
    static func png(width: UInt32, height: UInt32) -> [UInt8] {
        build { b in
            b.u8(0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)
            b.be32(13)
            b.ascii("IHDR")
            b.be32(width)
            b.be32(height)
            b.u8(8, 6, 0, 0, 0)
            b.be32(0)
        }
    }

    /// SOI, a baseline frame header (SOF0) with the size, EOI.
    static func jpeg(width: UInt16, height: UInt16) -> [UInt8] {
        build { b in
            b.u8(0xFF, 0xD8)
            b.u8(0xFF, 0xC0)
            b.be16(17)
            b.u8(8)
            b.be16(height)
            b.be16(width)
            b.u8(3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
            b.u8(0xFF, 0xD9)
        }
    }

    /// An ISO box with a 32-bit size.
    static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        build { b in
            b.be32(UInt32(8 + payload.count))
            b.ascii(type)
            b.append(payload)
        }
    }

    /// An MP4: `ftyp` (isom), then `moov` with a version-0 `mvhd` (time scale 1000) and one track
    /// whose `tkhd` gives the size, then a little `mdat`.
    static func mp4(
        width: UInt32, height: UInt32, seconds: UInt32, frames: (count: UInt32, delta: UInt32, timescale: UInt32)? = nil,
        handler: String = "vide"
    ) -> [UInt8] {
        let ftyp = box(
            "ftyp",
            build { b in
                b.ascii("isom")
                b.be32(0x200)
                b.ascii("isomiso2avc1mp41")
            })
        let mvhd = box(
            "mvhd",
            build { b in
                b.u8(0, 0, 0, 0)  // version 0, flags
                b.be32(0)  // creation
                b.be32(0)  // modification
                b.be32(1000)  // time scale
                b.be32(seconds * 1000)  // duration
                b.be32(0x0001_0000)  // rate
                b.be16(0x0100)  // volume
                b.zeros(10 + 36 + 24)  // reserved, matrix, pre-defined
                b.be32(2)  // next track
            })
        let tkhd = box(
            "tkhd",
            build { b in
                b.u8(0, 0, 0, 7)  // version 0, flags
                b.be32(0)  // creation
                b.be32(0)  // modification
                b.be32(1)  // track
                b.be32(0)  // reserved
                b.be32(seconds * 1000)  // duration
                b.zeros(8)  // reserved
                b.zeros(8)  // layer, alternate group, volume, reserved
                b.zeros(36)  // matrix
                b.be32(width << 16)
                b.be32(height << 16)
            })
        // The media: its duration in its own time scale (`mdhd`), its handler, and one run of
        // samples of equal length (`stts`).
        let mdia = frames.map { f in
            let mdhd = box(
                "mdhd",
                build { b in
                    b.u8(0, 0, 0, 0)
                    b.be32(0)
                    b.be32(0)
                    b.be32(f.timescale)
                    b.be32(f.count * f.delta)
                    b.be32(0)  // language, pre-defined
                })
            let hdlr = box(
                "hdlr",
                build { b in
                    b.u8(0, 0, 0, 0)
                    b.be32(0)
                    b.ascii(handler)
                    b.zeros(12)
                    b.u8(0)
                })
            let stts = box(
                "stts",
                build { b in
                    b.u8(0, 0, 0, 0)
                    b.be32(1)
                    b.be32(f.count)
                    b.be32(f.delta)
                })
            let stbl = box("stbl", box("stsd", [0, 0, 0, 0, 0, 0, 0, 0]) + stts)
            return box("mdia", mdhd + hdlr + box("minf", box("vmhd", [0, 0, 0, 1] + [UInt8](repeating: 0, count: 8)) + stbl))
        }
        return ftyp + box("moov", mvhd + box("trak", tkhd + (mdia ?? []))) + box("mdat", [UInt8](repeating: 0, count: 16))
    }

    static let html = Array("<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please log in</body></html>\n".utf8)
}

@Suite("What a source's answer means for a create: SourceVerdict")
struct SourceVerdictTests {
    static let lastModified = "Tue, 03 Mar 2026 10:00:00 GMT"

    /// A verdict with the upstream's default limits for `type` unless others are given.
    static func verdict(
        _ type: AssetType = .image, limits: CheckLimits.Media? = nil, status: Int = 200, reason: String = "OK",
        headers: [String: String], body: [UInt8]
    ) -> SourceVerdict {
        SourceVerdict(
            type: type, limits: limits ?? CheckLimits()[type], status: status, reason: reason, headers: headers, body: body)
    }

    // MARK: - Good answers, and the length

    @Test func aGoodImageFromA206HasNoProblemsAndItsWholeLength() {
        let v = Self.verdict(
            status: 206, reason: "Partial Content",
            headers: [
                "content-type": "image/png", "content-range": "bytes 0-16383/123456", "content-length": "16384",
                "etag": "\"v1\"", "last-modified": Self.lastModified,
            ],
            body: Media.png(width: 1920, height: 1080))
        #expect(v.problems == [])
        #expect(v.media == MediaInfo(format: .png, width: 1920, height: 1080))
        #expect(v.length == 123_456, "a 206's total is after the slash of Content-Range, not its Content-Length")
        #expect(v.contentType == "image/png")
        #expect(v.fingerprint == SourceFingerprint(contentLength: 123_456, etag: "\"v1\"", lastModified: Self.lastModified))
    }

    @Test func a200GivesItsLengthFromContentLength() {
        let v = Self.verdict(
            headers: ["content-type": "image/jpeg", "content-length": "123456"], body: Media.jpeg(width: 1280, height: 720))
        #expect(v.problems == [])
        #expect(v.media == MediaInfo(format: .jpeg, width: 1280, height: 720))
        #expect(v.length == 123_456)
        #expect(v.fingerprint?.contentLength == 123_456)
    }

    @Test func aChunked200GivesNoLength() {
        let v = Self.verdict(
            headers: ["content-type": "image/png", "transfer-encoding": "chunked", "content-length": "123456"],
            body: Media.png(width: 1920, height: 1080))
        #expect(v.problems == [])
        #expect(v.length == nil)
        #expect(v.fingerprint?.contentLength == nil)
    }

    @Test func theLengthIsReadOnlyFromWhatEachStatusMeans() {
        #expect(SourceVerdict.length(status: 206, headers: ["content-range": "bytes 0-99/ 5000 "]) == 5000)
        #expect(SourceVerdict.length(status: 206, headers: ["content-range": "bytes 0-99/*"]) == nil, "total unknown")
        #expect(SourceVerdict.length(status: 206, headers: ["content-range": "bytes 0-99/-3"]) == nil)
        #expect(SourceVerdict.length(status: 206, headers: ["content-length": "100"]) == nil, "a 206's length is of the part")
        #expect(SourceVerdict.length(status: 200, headers: ["content-range": "bytes 0-99/5000"]) == nil)
        #expect(SourceVerdict.length(status: 200, headers: ["content-length": "\t42 "]) == 42)
        #expect(SourceVerdict.length(status: 200, headers: ["content-length": "-1"]) == nil)
        #expect(SourceVerdict.length(status: 200, headers: ["content-length": "lots"]) == nil)
        #expect(SourceVerdict.length(status: 203, headers: ["content-length": "42"]) == nil)
    }

    // MARK: - Statuses

    @Test func aStatusOutside2xxIsTheOnlyProblem() {
        let v = Self.verdict(
            status: 404, reason: "Not Found", headers: ["content-type": "text/html", "content-length": "12"],
            body: Media.html)
        #expect(v.problems.count == 1)
        #expect(v.problems.first?.contains("HTTP 404") == true, "\(v.problems)")
        #expect(v.media == nil)
        #expect(v.length == nil)
        #expect(v.fingerprint == nil)
        #expect(v.contentType == "text/html")
        let bare = Self.verdict(status: 500, reason: "", headers: [:], body: [])
        #expect(bare.problems == ["answers HTTP 500"])
    }

    @Test func aReasonPhraseIsShownWithoutItsControlCharacters() {
        let v = Self.verdict(status: 403, reason: "Forbidden\u{1B}[2J", headers: [:], body: [])
        #expect(v.problems.count == 1)
        #expect(v.problems.first?.contains("HTTP 403 Forbidden") == true)
        #expect(v.problems.first?.contains("\u{1B}") == false)
    }

    @Test func status416MeansEmpty() {
        let v = Self.verdict(status: 416, reason: "Range Not Satisfiable", headers: [:], body: [])
        #expect(v.problems.count == 1)
        #expect(v.problems.first?.contains("empty") == true, "\(v.problems)")
    }

    @Test func anEmpty200IsEmpty() {
        let declared = Self.verdict(headers: ["content-type": "image/png", "content-length": "0"], body: [])
        #expect(declared.problems == ["is empty"])
        let undeclared = Self.verdict(headers: ["content-type": "image/png"], body: [])
        #expect(undeclared.problems == ["is empty"])
    }

    // MARK: - What the bytes are, and what the server says they are

    @Test func anHTMLPageForAnImageIsOneProblemEvenWhenServedAsHTML() {
        let length = "\(Media.html.count)"
        let answers: [[String: String]] = [
            ["content-type": "text/html; charset=utf-8", "content-length": length], ["content-length": length],
        ]
        for headers in answers {
            let v = Self.verdict(headers: headers, body: Media.html)
            #expect(v.problems.count == 1, "\(v.problems)")
            #expect(v.problems.first?.contains("web page") == true, "\(v.problems)")
            #expect(v.media?.format == .html)
        }
    }

    @Test func pngBytesServedAsVideoForAnImage() {
        let v = Self.verdict(
            headers: ["content-type": "video/mp4", "content-length": "5000"], body: Media.png(width: 1920, height: 1080))
        #expect(v.problems.count == 1, "\(v.problems)")
        #expect(v.problems.first?.contains("served as video/mp4") == true, "\(v.problems)")
    }

    @Test func aGenericBinaryTypeSaysNothing() {
        let v = Self.verdict(
            headers: ["content-type": "application/octet-stream", "content-length": "5000"],
            body: Media.png(width: 1920, height: 1080))
        #expect(v.problems == [])
        #expect(v.contentType == "application/octet-stream")
    }

    /// A declared content type, the asset type, and whether the one contradicts the other.
    static let declared: [(String, AssetType, Bool)] = [
        ("image/png", .image, false), ("IMAGE/PNG; charset=binary", .image, false), ("image/webp", .video, true),
        ("video/mp4", .video, false), ("audio/mpeg", .audio, false), ("audio/mpeg", .image, true),
        ("application/mp4", .video, false), ("application/mp4", .audio, false), ("application/mp4", .image, true),
        ("text/html", .video, true), ("application/xhtml+xml", .image, true), ("text/plain", .audio, true),
        ("application/json", .image, true), ("application/problem+xml", .video, true),
        ("application/octet-stream", .image, false), ("binary/octet-stream", .video, false), ("", .image, false),
    ]

    @Test(arguments: SourceVerdictTests.declared)
    func declaredTypes(contentType: String, type: AssetType, contradicts: Bool) {
        let why = SourceVerdict.contradiction(contentType: contentType, type: type)
        #expect((why != nil) == contradicts, "\(contentType) for \(type): \(why ?? "nil")")
    }

    @Test func bytesOfAnotherTypeAreNamedAndNothingElseIsChecked() {
        // A tiny PNG for a video: what it is, not its size against a video's limits.
        let v = Self.verdict(
            .video, headers: ["content-type": "image/png", "content-length": "5000"], body: Media.png(width: 10, height: 10))
        #expect(v.problems == ["is a PNG image, not a video"])
        let audio = Self.verdict(
            .audio, headers: ["content-type": "video/mp4", "content-length": "5000"],
            body: Media.mp4(width: 1280, height: 720, seconds: 10))
        #expect(audio.problems == ["is an MP4 video, not an audio file"])
    }

    // MARK: - Limits

    @Test func aFileOverMaxBytesNamesTheLimit() {
        let v = Self.verdict(
            headers: ["content-type": "image/png", "content-length": "\(40 << 20)"], body: Media.png(width: 1920, height: 1080))
        #expect(v.problems == ["is 40 MiB (41943040 bytes); an image must be under 30 MiB"])
        // Under 30 MiB (API.md §4): 30 MiB itself is over, one byte less is not.
        let exactly = Self.verdict(
            headers: ["content-type": "image/png", "content-length": "\(30 << 20)"], body: Media.png(width: 1920, height: 1080))
        #expect(exactly.problems == ["is 30 MiB (31457280 bytes); an image must be under 30 MiB"])
        let under = Self.verdict(
            headers: ["content-type": "image/png", "content-length": "\((30 << 20) - 1)"],
            body: Media.png(width: 1920, height: 1080))
        #expect(under.problems.isEmpty, "\(under.problems)")
        let small = Self.verdict(
            limits: CheckLimits.Media(maxBytes: 1000), headers: ["content-length": "1001"],
            body: Media.png(width: 1920, height: 1080))
        #expect(small.problems.count == 1)
        #expect(small.problems.first?.contains("1000 B") == true, "\(small.problems)")
        let exact = Self.verdict(
            limits: CheckLimits.Media(maxBytes: 1000), headers: ["content-length": "1000"],
            body: Media.png(width: 1920, height: 1080))
        #expect(exact.problems == [], "the limit itself is allowed")
    }

    @Test func sidesBelowTheLeastOrAboveTheMost() {
        let small = Self.verdict(headers: ["content-length": "5000"], body: Media.png(width: 200, height: 200))
        #expect(small.problems == ["is 200×200 px; each side must be at least 300 px"])
        let large = Self.verdict(headers: ["content-length": "5000"], body: Media.jpeg(width: 7000, height: 7000))
        #expect(large.problems == ["is 7000×7000 px; each side may be at most 6000 px"])
        let edges = Self.verdict(headers: ["content-length": "5000"], body: Media.png(width: 300, height: 300))
        #expect(edges.problems == [])
    }

    @Test func anAspectRatioOutsideTheRange() {
        let wide = Self.verdict(headers: ["content-length": "5000"], body: Media.png(width: 4000, height: 1000))
        #expect(wide.problems == ["is 4000×1000 px, an aspect ratio (width/height) of 4; the most is 2.5"])
        let tall = Self.verdict(headers: ["content-length": "5000"], body: Media.png(width: 1000, height: 4000))
        #expect(tall.problems == ["is 1000×4000 px, an aspect ratio (width/height) of 0.25; the least is 0.4"])
        let edge = Self.verdict(headers: ["content-length": "5000"], body: Media.png(width: 2500, height: 1000))
        #expect(edge.problems == [], "2.5 itself is allowed")
        let otherEdge = Self.verdict(headers: ["content-length": "5000"], body: Media.png(width: 400, height: 1000))
        #expect(otherEdge.problems == [], "0.4 itself is allowed")
    }

    @Test func aGoodVideo() {
        let v = Self.verdict(
            .video, headers: ["content-type": "video/mp4", "content-length": "2000000"],
            body: Media.mp4(width: 1280, height: 720, seconds: 10))
        #expect(v.problems == [])
        #expect(v.media == MediaInfo(format: .mp4, width: 1280, height: 720, duration: 10))
    }

    @Test func pixelsOutsideTheRangeForAVideo() {
        let few = Self.verdict(
            .video, headers: ["content-type": "video/mp4", "content-length": "2000000"],
            body: Media.mp4(width: 600, height: 400, seconds: 10))
        #expect(few.problems == ["is 600×400 px = 240000 pixels; at least 409600 are needed"])
        let many = Self.verdict(
            .video, headers: ["content-type": "video/mp4", "content-length": "2000000"],
            body: Media.mp4(width: 2560, height: 1440, seconds: 10))
        #expect(many.problems == ["is 2560×1440 px = 3686400 pixels; at most 2086876 are allowed"])
    }

    @Test func durationTooLongOrTooShort() {
        let long = Self.verdict(
            .video, headers: ["content-type": "video/mp4", "content-length": "2000000"],
            body: Media.mp4(width: 1280, height: 720, seconds: 40))
        #expect(long.media?.duration == 40)
        #expect(long.problems == ["lasts 40 s; it may last at most 15 s"])
        let short = Self.verdict(
            .video, headers: ["content-type": "video/mp4", "content-length": "2000000"],
            body: Media.mp4(width: 1280, height: 720, seconds: 1))
        #expect(short.problems == ["lasts 1 s; it must last at least 2 s"])
        let edge = Self.verdict(
            .video, headers: ["content-type": "video/mp4", "content-length": "2000000"],
            body: Media.mp4(width: 1280, height: 720, seconds: 15))
        #expect(edge.problems == [], "15 s itself is allowed")
    }

    /// A video's frames per second: its video track's samples over its media duration, checked
    /// against 24–60 to the nearest whole frame (API.md §4).
    @Test func frameRateOutsideTheRange() {
        func video(_ frames: (count: UInt32, delta: UInt32, timescale: UInt32)?, handler: String = "vide") -> SourceVerdict {
            Self.verdict(
                .video, headers: ["content-type": "video/mp4", "content-length": "2000000"],
                body: Media.mp4(width: 1280, height: 720, seconds: 10, frames: frames, handler: handler))
        }
        let thirty = video((300, 512, 15360))
        #expect(thirty.media?.frameRate == 30 && thirty.problems == [], "\(thirty.problems)")
        let film = video((240, 1001, 24000))
        #expect(abs((film.media?.frameRate ?? 0) - 23.976) < 0.001 && film.problems == [], "23.976 counts as 24")
        #expect(video((100, 100, 1000)).problems == ["runs at 10 frames per second; at least 24 are needed"])
        #expect(video((700, 100, 7000)).problems == ["runs at 70 frames per second; at most 60 are allowed"])
        #expect(video((599, 1001, 60000)).problems == [], "59.94")
        // Not a video track, no track media at all, or the table cut off: nothing to check.
        #expect(video((100, 100, 1000), handler: "soun").media?.frameRate == nil)
        #expect(video(nil).media?.frameRate == nil)
        let whole = Media.mp4(width: 1280, height: 720, seconds: 10, frames: (100, 100, 1000))
        let cut = Array(whole[..<(whole.count - 16 - 8 - 8)])  // without mdat and the last run of stts
        #expect(MediaProbe.probe(cut, totalLength: whole.count).frameRate == nil)
        #expect(MediaProbe.probe(whole, totalLength: whole.count).frameRate == 10)
        // Limits are the manifest's to change.
        var limits = CheckLimits().video
        limits.minFrameRate = 5
        limits.maxFrameRate = nil
        let relaxed = Self.verdict(
            .video, limits: limits, headers: ["content-type": "video/mp4", "content-length": "2000000"],
            body: Media.mp4(width: 1280, height: 720, seconds: 10, frames: (1000, 10, 1000)))
        #expect(relaxed.problems == [], "100 fps with no maximum")
    }

    @Test func limitsThatAreNilAreNotChecked() {
        let none = CheckLimits.Media()
        let image = Self.verdict(
            limits: none, headers: ["content-length": "\(1 << 40)"], body: Media.png(width: 8000, height: 1))
        #expect(image.problems == [])
        let video = Self.verdict(
            .video, limits: none, headers: ["content-type": "video/mp4", "content-length": "\(1 << 40)"],
            body: Media.mp4(width: 100, height: 10, seconds: 40))
        #expect(video.problems == [])
        var some = CheckLimits().image
        some.maxSide = nil
        some.maxAspect = nil
        let wide = Self.verdict(limits: some, headers: ["content-length": "5000"], body: Media.png(width: 7000, height: 2000))
        #expect(wide.problems == [], "only the limits switched off are skipped")
        let narrow = Self.verdict(limits: some, headers: ["content-length": "5000"], body: Media.png(width: 200, height: 2000))
        #expect(narrow.problems.count == 2, "min_side and min_aspect still apply: \(narrow.problems)")
    }

    // MARK: - The fingerprint

    @Test func theFingerprintIsMadeOfTheValidatorsAndTheLength() {
        let v = Self.verdict(
            headers: [
                "content-type": "image/png", "content-length": "5000", "etag": "W/\"abc\"", "last-modified": Self.lastModified,
            ],
            body: Media.png(width: 1920, height: 1080))
        #expect(v.fingerprint == SourceFingerprint(contentLength: 5000, etag: "W/\"abc\"", lastModified: Self.lastModified))
        let hostile = Self.verdict(
            headers: ["content-length": "5000", "etag": "\"a\u{1B}[2Jb\""], body: Media.png(width: 1920, height: 1080))
        #expect(hostile.fingerprint == SourceFingerprint(contentLength: 5000), "an etag with a control character is not kept")
    }
}

@Suite("An https URL split for a request, and Location headers resolved against it")
struct SourceLocationTests {
    @Test func theHostIsLowerCasedAndThePortDefaultsTo443() throws {
        let l = try #require(Location("https://CDN.Example.COM/Hero/Front.PNG"))
        #expect(l.host == "cdn.example.com")
        #expect(l.port == 443)
        #expect(l.target == "/Hero/Front.PNG", "the path keeps its case")
        #expect(l.url == "https://cdn.example.com/Hero/Front.PNG")
        #expect(Location("HTTPS://cdn.example.com/a.png")?.host == "cdn.example.com", "the scheme in any case")
    }

    @Test func anExplicitPort() throws {
        let l = try #require(Location("https://cdn.example.com:8443/a.png"))
        #expect(l.port == 8443)
        #expect(l.url == "https://cdn.example.com:8443/a.png")
        #expect(Location("https://cdn.example.com:443/a.png")?.url == "https://cdn.example.com/a.png")
    }

    @Test func anIPv6AddressInBrackets() throws {
        let l = try #require(Location("https://[2001:DB8::1]:8443/a.png"))
        #expect(l.host == "2001:db8::1")
        #expect(l.port == 8443)
        #expect(l.url == "https://[2001:db8::1]:8443/a.png")
        let plain = try #require(Location("https://[2001:db8::1]/a.png"))
        #expect(plain.port == 443)
        #expect(Location("https://[2001:db8::1/a.png") == nil, "no closing bracket")
        #expect(Location("https://[2001:db8::1]x/a.png") == nil)
    }

    @Test func theTargetIsAlwaysAPathAndKeepsTheQueryButNotTheFragment() {
        #expect(Location("https://cdn.example.com")?.target == "/")
        #expect(Location("https://cdn.example.com/")?.target == "/")
        #expect(Location("https://cdn.example.com/a.png?X-Sig=abc&e=1")?.target == "/a.png?X-Sig=abc&e=1")
        #expect(Location("https://cdn.example.com?v=2")?.target == "/?v=2")
        #expect(Location("https://cdn.example.com/a.png?v=2#part")?.target == "/a.png?v=2")
        #expect(Location("https://cdn.example.com#part")?.target == "/")
    }

    @Test func userinfoIsDropped() throws {
        let l = try #require(Location("https://user:secret@cdn.example.com:8443/a.png"))
        #expect(l.host == "cdn.example.com")
        #expect(l.port == 8443)
        #expect(!l.url.contains("secret"))
    }

    @Test(arguments: [
        "http://cdn.example.com/a.png", "ftp://cdn.example.com/a.png", "cdn.example.com/a.png", "/a.png", "",
        "not a url", "https:", "https:/cdn.example.com/a.png", "https://", "https:///a.png", "https://:443/a.png",
        "https://cdn.example.com:0/a.png", "https://cdn.example.com:65536/a.png", "https://cdn.example.com:abc/a.png",
        "https://cdn example.com/a.png",
    ])
    func rejected(url: String) {
        #expect(Location(url) == nil)
    }

    @Test func controlCharactersAndSpacesInTheTargetAreRejected() {
        #expect(Location("https://cdn.example.com/a\u{1}.png") == nil)
        #expect(Location("https://cdn.example.com/a\u{7F}.png") == nil)
        #expect(Location("https://cdn.example.com/a b.png") == nil)
        #expect(Location("https://cdn.example.com/a.png?x=\n") == nil)
        #expect(Location("https://cdn.example.com/" + String(repeating: "a", count: SourceURL.maxLength)) == nil, "too long")
    }

    static let base = Location("https://cdn.example.com/a/b.png?x=1")!

    @Test func absoluteLocationsAreReturnedAsTheyAre() {
        #expect(Self.base.resolve("https://other.example/x.png") == "https://other.example/x.png")
        #expect(Self.base.resolve("http://other.example/x.png") == "http://other.example/x.png", "for the caller to refuse")
        #expect(Self.base.resolve("  https://other.example/x.png\t") == "https://other.example/x.png", "spaces trimmed")
    }

    @Test func schemeRelativeLocations() {
        #expect(Self.base.resolve("//other.example/x") == "https://other.example/x")
    }

    @Test func absolutePathLocations() {
        #expect(Self.base.resolve("/c/d.png") == "https://cdn.example.com/c/d.png")
        let ported = Location("https://cdn.example.com:8443/a/b.png")!
        #expect(ported.resolve("/c/d.png") == "https://cdn.example.com:8443/c/d.png")
        let v6 = Location("https://[2001:db8::1]/a/b.png")!
        #expect(v6.resolve("/c.png") == "https://[2001:db8::1]/c.png")
    }

    @Test func relativePathLocations() {
        #expect(Self.base.resolve("c.png") == "https://cdn.example.com/a/c.png")
        #expect(Location("https://cdn.example.com/a/b.png")!.resolve("c.png") == "https://cdn.example.com/a/c.png")
        #expect(Location("https://cdn.example.com/a/")!.resolve("c.png") == "https://cdn.example.com/a/c.png")
        #expect(Location("https://cdn.example.com")!.resolve("c.png") == "https://cdn.example.com/c.png")
    }

    @Test func aRelativeLocationWithAURLInItsQueryStaysRelative() {
        #expect(Self.base.resolve("next.png?from=https://x") == "https://cdn.example.com/a/next.png?from=https://x")
    }

    @Test func dotSegmentsAreRemovedFromThePathOnly() {
        #expect(Location("https://cdn.example.com/a/../c.png")?.target == "/c.png")
        #expect(Location("https://cdn.example.com/a/./b/../c.png?x=/../y")?.target == "/a/c.png?x=/../y")
        #expect(Location("https://cdn.example.com/a/b/..")?.target == "/a/")
        #expect(Location("https://cdn.example.com/../../c.png")?.target == "/c.png")
        #expect(Location(Self.base.resolve("../up.png"))?.target == "/up.png")
    }

    @Test func aPathOfOtherScriptsIsSentPercentEncoded() {
        #expect(Location("https://cdn.example.com/角色/正面.png")?.target == "/%E8%A7%92%E8%89%B2/%E6%AD%A3%E9%9D%A2.png")
        #expect(Location("https://cdn.example.com/a.png?name=é")?.target == "/a.png?name=%C3%A9")
        #expect(Location("https://cdn.example.com/a%20b.png")?.target == "/a%20b.png")
        #expect(Location("https://例え.jp/a.png") == nil, "a host name of other scripts would need punycode")
    }

    @Test func queryOnlyLocations() {
        #expect(Self.base.resolve("?v=2") == "https://cdn.example.com/a/b.png?v=2")
        #expect(Location("https://cdn.example.com/a/b.png")!.resolve("?v=2") == "https://cdn.example.com/a/b.png?v=2")
    }

    @Test func trimmingSpacesTrimsOnlySpacesAndTabs() {
        #expect(" \t a b \t ".trimmingSpaces == "a b")
        #expect("\na\n".trimmingSpaces == "\na\n")
        #expect("".trimmingSpaces == "")
        #expect("  ".trimmingSpaces == "")
    }
}

@Suite("ASSETFORM_RESOLVE: HOST:PORT:ADDRESS[:PORT]")
struct ResolveOverridesTests {
    typealias Target = ResolveOverrides.Target

    @Test func anEntryWithAnotherPort() throws {
        let o = try ResolveOverrides.parse("cdn.example.com:443:127.0.0.1:8443")
        #expect(!o.isEmpty)
        #expect(o.target(host: "cdn.example.com", port: 443) == Target(address: "127.0.0.1", port: 8443))
    }

    @Test func anEntryWithoutAPortKeepsThePort() throws {
        let o = try ResolveOverrides.parse("cdn.example.com:443:127.0.0.1")
        #expect(o.target(host: "cdn.example.com", port: 443) == Target(address: "127.0.0.1", port: 443))
    }

    @Test func severalEntriesSeparatedByCommasAndSpaces() throws {
        let o = try ResolveOverrides.parse(" a.example:443:127.0.0.1:8443, b.example:443:127.0.0.2 ,c.example:8443:10.0.0.1  ")
        #expect(o.target(host: "a.example", port: 443) == Target(address: "127.0.0.1", port: 8443))
        #expect(o.target(host: "b.example", port: 443) == Target(address: "127.0.0.2", port: 443))
        #expect(o.target(host: "c.example", port: 8443) == Target(address: "10.0.0.1", port: 8443))
        #expect(o.target(host: "c.example", port: 443) == nil)
    }

    @Test func hostsMatchInAnyCase() throws {
        let o = try ResolveOverrides.parse("CDN.Example.com:443:127.0.0.1:8443")
        #expect(o.target(host: "cdn.example.com", port: 443) == Target(address: "127.0.0.1", port: 8443))
        #expect(o.target(host: "CDN.EXAMPLE.COM", port: 443) == Target(address: "127.0.0.1", port: 8443))
    }

    @Test func anIPv6AddressInBrackets() throws {
        let o = try ResolveOverrides.parse("cdn.example.com:443:[::1]:8443")
        #expect(o.target(host: "cdn.example.com", port: 443) == Target(address: "::1", port: 8443))
        let samePort = try ResolveOverrides.parse("cdn.example.com:443:[2001:db8::1]")
        #expect(samePort.target(host: "cdn.example.com", port: 443) == Target(address: "2001:db8::1", port: 443))
    }

    @Test func nothingIsEmpty() throws {
        #expect(try ResolveOverrides.parse("").isEmpty)
        #expect(try ResolveOverrides.parse(" , ").isEmpty)
        #expect(ResolveOverrides().isEmpty)
        #expect(ResolveOverrides().target(host: "cdn.example.com", port: 443) == nil)
    }

    @Test func anUnlistedHostOrPortHasNoTarget() throws {
        let o = try ResolveOverrides.parse("cdn.example.com:443:127.0.0.1:8443")
        #expect(o.target(host: "other.example.com", port: 443) == nil)
        #expect(o.target(host: "cdn.example.com", port: 8443) == nil)
    }

    @Test(arguments: [
        "host", "host:443", "host:abc:1.2.3.4", "host:0:1.2.3.4", "host:65536:1.2.3.4", "host:443:1.2.3.4:99999",
        "host:443:1.2.3.4:0", "host:443:1.2.3.4:x", ":443:1.2.3.4", "host:443:", "host:443:1.2.3.4:8443:1",
    ])
    func malformedEntriesAreRefused(entry: String) {
        #expect(throws: ResolveOverrides.Failure.self) { try ResolveOverrides.parse(entry) }
    }

    @Test func theErrorNamesTheVariableAndTheEntry() {
        do throws(ResolveOverrides.Failure) {
            _ = try ResolveOverrides.parse("good.example:443:127.0.0.1, host:abc:1.2.3.4")
            Issue.record("a malformed entry was accepted")
        } catch {
            #expect(error.entry == "host:abc:1.2.3.4")
            #expect(error.description.contains("ASSETFORM_RESOLVE"), "\(error.description)")
            #expect(error.description.contains(ResolveOverrides.variable))
            #expect(error.description.contains("host:abc:1.2.3.4"), "\(error.description)")
        }
    }
}
