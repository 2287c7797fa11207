import AssetformCore
import AssetformEmulator
import AssetformPreflight
import Testing

@Suite("Media headers, read from a file's first bytes")
struct MediaProbeTests {
    // MARK: - Images

    @Test func pngSizeFromIHDR() {
        let info = probe(Self.png)
        #expect(info == MediaInfo(format: .png, width: 1920, height: 1080))
        #expect(info.format.assetType == .image)
    }

    @Test func jpegSizeFromSOF0AfterAPP0AndAPP1() {
        #expect(probe(Self.jpegBaseline) == MediaInfo(format: .jpeg, width: 1280, height: 720))
    }

    @Test func jpegSizeFromProgressiveSOF2PastDHT() {
        #expect(probe(Self.jpegProgressive) == MediaInfo(format: .jpeg, width: 640, height: 480))
    }

    @Test func jpegTruncatedBeforeItsFrameHeader() {
        let truncated = Array(Self.jpegBaseline.prefix(200))  // inside the APP1 segment
        #expect(probe(truncated, total: Self.jpegBaseline.count) == MediaInfo(format: .jpeg))
    }

    @Test func jpegWithABadSegmentLength() {
        let zeroLength: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11]
        #expect(probe(zeroLength) == MediaInfo(format: .jpeg), "a length below 2 stops the walk")
    }

    @Test func webpLossyLosslessAndExtended() {
        #expect(probe(Self.webpLossy) == MediaInfo(format: .webp, width: 800, height: 600))
        #expect(probe(Self.webpLossless) == MediaInfo(format: .webp, width: 400, height: 300))
        #expect(probe(Self.webpExtended) == MediaInfo(format: .webp, width: 4000, height: 3000))
    }

    @Test func gifLogicalScreen() {
        #expect(probe(Self.gif) == MediaInfo(format: .gif, width: 320, height: 200))
        let gif87 = Self.bytes { w in
            w.ascii("GIF87a")
            w.le16(16)
            w.le16(9)
            w.u8(0, 0, 0)
        }
        #expect(probe(gif87) == MediaInfo(format: .gif, width: 16, height: 9))
    }

    @Test func bmpTopDownAndCoreHeader() {
        #expect(probe(Self.bmpTopDown) == MediaInfo(format: .bmp, width: 640, height: 480))
        #expect(probe(Self.bmpCore) == MediaInfo(format: .bmp, width: 32, height: 16))
    }

    @Test func tiffInBothByteOrders() {
        #expect(probe(Self.tiffLittle) == MediaInfo(format: .tiff))
        #expect(probe(Self.tiffBig) == MediaInfo(format: .tiff))
    }

    @Test func heifBrandsAreImages() {
        let info = probe(Self.heic)
        #expect(info == MediaInfo(format: .heif))
        #expect(info.format.assetType == .image)
        #expect(probe(Self.avif) == MediaInfo(format: .heif), "AVIF counts as HEIF")
    }

    // MARK: - Video

    @Test func mp4DurationAndFirstSizedTrack() {
        let info = probe(Self.mp4)
        #expect(info == MediaInfo(format: .mp4, width: 1280, height: 720, duration: 40.0))
        #expect(info.format.assetType == .video)
    }

    @Test func movWithVersion1HeadersAndA64BitBox() {
        #expect(probe(Self.mov) == MediaInfo(format: .mov, width: 1920, height: 1080, duration: 10.0))
    }

    @Test func quickTimeWithoutFtyp() {
        #expect(probe(Self.movWithoutFtyp) == MediaInfo(format: .mov, duration: 2.0))
    }

    @Test func mp4WithMediaDataFirstHasNoDuration() {
        let bytes = Self.mp4MdatFirst
        #expect(probe(bytes) == MediaInfo(format: .mp4))
        #expect(probe(bytes, total: bytes.count + 1_000_000) == MediaInfo(format: .mp4))
    }

    @Test func isoBoxesWithAbsurdSizesStopTheWalk() {
        let tooSmall =
            Self.ftyp("isom", ["isom"])
            + Self.bytes { w in
                w.be32(7)
                w.ascii("free")
            } + Self.box("moov", Self.mvhd(version: 0, timescale: 1000, duration: 1000))
        #expect(probe(tooSmall) == MediaInfo(format: .mp4), "a box smaller than its header stops the walk")

        let hugeLarge =
            Self.ftyp("isom", ["isom"])
            + Self.bytes { w in
                w.be32(1)
                w.ascii("mdat")
                w.be64(UInt64.max)
            } + Self.box("moov", Self.mvhd(version: 0, timescale: 1000, duration: 1000))
        #expect(probe(hugeLarge) == MediaInfo(format: .mp4))

        let absurd =
            Self.ftyp("isom", ["isom"])
            + Self.box("moov", Self.mvhd(version: 1, timescale: 1, duration: UInt64.max - 1))
        #expect(probe(absurd) == MediaInfo(format: .mp4), "a duration of 584 billion years is not believed")

        let noScale = Self.ftyp("isom", ["isom"]) + Self.box("moov", Self.mvhd(version: 0, timescale: 0, duration: 9))
        #expect(probe(noScale) == MediaInfo(format: .mp4), "a time scale of 0 gives no duration")
    }

    // MARK: - Audio

    @Test func wavDurationFromDataSizeAndByteRate() {
        let info = probe(Self.wav)
        #expect(info == MediaInfo(format: .wav, duration: 5.0))
        #expect(info.format.assetType == .audio)
    }

    @Test func wavWithoutAUsableDuration() {
        let streaming = Self.riff("WAVE", Self.fmtChunk + Self.chunk("data", size: 0xFFFF_FFFF, [0, 0]))
        #expect(probe(streaming) == MediaInfo(format: .wav))
        let noFormat = Self.riff("WAVE", Self.chunk("data", size: 1000, [0, 0]))
        #expect(probe(noFormat) == MediaInfo(format: .wav))
    }

    @Test func mp3WithID3AndXing() {
        let info = probe(Self.mp3Xing)
        #expect(info.format == .mp3)
        #expect(Self.close(info.duration, 1000 * 1152 / 44100.0))
        #expect(info.width == nil && info.height == nil)
    }

    @Test func mp3MPEG2MonoInfoAndVBRI() {
        #expect(Self.close(probe(Self.mp3MPEG2Info).duration, 500 * 576 / 22050.0))
        #expect(Self.close(probe(Self.mp3VBRI).duration, 2000 * 1152 / 44100.0))
    }

    @Test func mp3ConstantBitRateFromTotalLength() {
        #expect(probe(Self.mp3CBR, total: 1_600_000) == MediaInfo(format: .mp3, duration: 100.0))
        #expect(probe(Self.mp3CBR) == MediaInfo(format: .mp3, duration: 417 * 8 / 128_000.0))
        #expect(MediaProbe.probe(Self.mp3CBR, totalLength: nil) == MediaInfo(format: .mp3))
        #expect(probe(Self.mp3CBR, total: Int.max) == MediaInfo(format: .mp3), "an absurd length gives no duration")
    }

    @Test func mp3TagBeyondTheBytesGiven() {
        let bytes = Self.bytes { w in
            w.ascii("ID3")
            w.u8(4, 0, 0x10)
            w.u8(0x7F, 0x7F, 0x7F, 0x7F)
            w.zeros(100)
        }
        #expect(MediaProbe.probe(bytes, totalLength: 300_000_000) == MediaInfo(format: .mp3))
        let badSize = Self.bytes { w in
            w.ascii("ID3")
            w.u8(4, 0, 0, 0x80, 0, 0, 0)
        }
        #expect(probe(badSize) == MediaInfo(format: .mp3))
    }

    @Test func bareFrameSyncMustDecode() {
        #expect(probe([0xFF, 0xFF, 0xFF, 0xFF, 0, 0]) == MediaInfo(format: .unknown), "bit-rate index 15")
        #expect(probe([0xFF, 0xEB, 0x90, 0x44, 0, 0]) == MediaInfo(format: .unknown), "reserved version")
        #expect(probe([0xFF, 0xF9, 0x90, 0x44, 0, 0]) == MediaInfo(format: .unknown), "reserved layer")
        #expect(probe([0xFF, 0xFB, 0x9C, 0x44, 0, 0]) == MediaInfo(format: .unknown), "reserved sample rate")
        #expect(probe([0xFF, 0xFB, 0x00, 0x44, 0, 0]) == MediaInfo(format: .unknown), "free format, bare")
    }

    // MARK: - Not media

    @Test func htmlPagesAreNotMedia() {
        let info = probe(Self.html)
        #expect(info == MediaInfo(format: .html))
        #expect(info.format.assetType == nil)
        for page in ["<HTML><body>", "<?xml version=\"1.0\"?><svg/>", "\n<!-- error -->", "<Head>", "<body>"] {
            #expect(probe(Array(page.utf8)).format == .html, "\(page)")
        }
        #expect(probe(Array("Error: <html>".utf8)).format == .unknown)
    }

    @Test func garbageAndEmptyAreUnknown() {
        #expect(probe(Array("just some text, nothing to see".utf8)) == MediaInfo(format: .unknown))
        #expect(probe([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) == MediaInfo(format: .unknown))
        #expect(probe(Self.riff("AVI ", Self.chunk("LIST", [1, 2, 3, 4]))) == MediaInfo(format: .unknown))
        #expect(probe([]) == MediaInfo(format: .unknown))
        #expect(MediaProbe.probe([], totalLength: nil) == MediaInfo(format: .unknown))
        #expect(MediaFormat.unknown.assetType == nil)
    }

    // MARK: - Hostile input

    @Test func everyTruncationOfEveryFixture() {
        for (name, bytes) in Self.fixtures {
            for length in 0...bytes.count {
                let prefix = Array(bytes.prefix(length))
                for total in [nil, length, bytes.count] {
                    let info = MediaProbe.probe(prefix, totalLength: total)
                    if !Self.isSane(info) {
                        Issue.record("\(name) cut to \(length) bytes, total \(String(describing: total)): \(info)")
                    }
                }
            }
        }
    }

    @Test func seededRandomBuffers() {
        let seed: UInt64 = 0x5EED_2026_C0FF_EE00
        var random = SplitMix64(seed: seed)
        let fixtures = Self.fixtures.map(\.bytes)
        for index in 0..<2000 {
            var buffer: [UInt8]
            switch index % 3 {
            case 0:  // noise
                buffer = random.bytes(Int(random.next() % 600))
            case 1:  // a magic number, then noise
                buffer = Self.magics[Int(random.next() % UInt64(Self.magics.count))]
                buffer += random.bytes(Int(random.next() % 400))
            default:  // a fixture with a few bytes changed, perhaps cut short
                buffer = fixtures[Int(random.next() % UInt64(fixtures.count))]
                for _ in 0..<(1 + random.next() % 8) where !buffer.isEmpty {
                    buffer[Int(random.next() % UInt64(buffer.count))] = UInt8(truncatingIfNeeded: random.next())
                }
                if random.next() % 2 == 0 { buffer = Array(buffer.prefix(Int(random.next() % 600))) }
            }
            let totals: [Int?] = [nil, buffer.count, buffer.count + Int(random.next() % 10_000_000), Int.max, -1]
            let total = totals[Int(random.next() % UInt64(totals.count))]
            let info = MediaProbe.probe(buffer, totalLength: total)
            if !Self.isSane(info) {
                Issue.record("seed \(seed), buffer \(index), total \(String(describing: total)): \(info)")
            }
        }
    }

    // MARK: - Helpers

    /// Probes with the whole file given (the total length is the bytes' count unless `total` says otherwise).
    func probe(_ bytes: [UInt8], total: Int? = nil) -> MediaInfo {
        MediaProbe.probe(bytes, totalLength: total ?? bytes.count)
    }

    /// Whether a duration is the expected one, to within rounding.
    static func close(_ actual: Double?, _ expected: Double) -> Bool {
        guard let actual else { return false }
        return abs(actual - expected) < 1e-9
    }

    /// What any answer must satisfy: both sizes or neither, positive, and a finite, non-negative duration.
    static func isSane(_ info: MediaInfo) -> Bool {
        let sizes = (info.width == nil) == (info.height == nil) && (info.width ?? 1) > 0 && (info.height ?? 1) > 0
        let duration = info.duration.map { $0.isFinite && $0 >= 0 } ?? true
        return sizes && duration
    }

    /// Bytes written in order, integers in either byte order.
    struct Writer {
        var bytes: [UInt8] = []

        mutating func u8(_ values: UInt8...) { bytes += values }
        mutating func append(_ other: [UInt8]) { bytes += other }
        mutating func ascii(_ text: String) { bytes += Array(text.utf8) }
        mutating func zeros(_ count: Int) { bytes += [UInt8](repeating: 0, count: count) }
        mutating func be16(_ value: UInt16) { bigEndian(UInt64(value), 2) }
        mutating func be32(_ value: UInt32) { bigEndian(UInt64(value), 4) }
        mutating func be64(_ value: UInt64) { bigEndian(value, 8) }
        mutating func le16(_ value: UInt16) { littleEndian(UInt64(value), 2) }
        mutating func le24(_ value: UInt32) { littleEndian(UInt64(value), 3) }
        mutating func le32(_ value: UInt32) { littleEndian(UInt64(value), 4) }

        mutating func bigEndian(_ value: UInt64, _ width: Int) {
            for k in (0..<width).reversed() { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
        }

        mutating func littleEndian(_ value: UInt64, _ width: Int) {
            for k in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
        }
    }

    /// The bytes `build` writes.
    static func bytes(_ build: (inout Writer) -> Void) -> [UInt8] {
        var writer = Writer()
        build(&writer)
        return writer.bytes
    }

    // MARK: - Fixtures

    /// Every fixture, by name (for the truncation and mutation tests).
    static var fixtures: [(name: String, bytes: [UInt8])] {
        [
            ("png", png), ("jpegBaseline", jpegBaseline), ("jpegProgressive", jpegProgressive),
            ("webpLossy", webpLossy), ("webpLossless", webpLossless), ("webpExtended", webpExtended),
            ("gif", gif), ("bmpTopDown", bmpTopDown), ("bmpCore", bmpCore), ("tiffLittle", tiffLittle),
            ("tiffBig", tiffBig), ("heic", heic), ("avif", avif), ("mp4", mp4), ("mov", mov),
            ("movWithoutFtyp", movWithoutFtyp), ("mp4MdatFirst", mp4MdatFirst), ("wav", wav), ("mp3Xing", mp3Xing),
            ("mp3MPEG2Info", mp3MPEG2Info), ("mp3VBRI", mp3VBRI), ("mp3CBR", mp3CBR), ("html", html),
        ]
    }

    /// Starts of files that lead the probe down each path, for the noise that follows them.
    static let magics: [[UInt8]] = [
        [],
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8),
        [0xFF, 0xD8, 0xFF],
        Array("RIFF\0\0\0\0WEBPVP8 ".utf8), Array("RIFF\0\0\0\0WEBPVP8L".utf8), Array("RIFF\0\0\0\0WEBPVP8X".utf8),
        Array("RIFF\0\0\0\0WAVEfmt ".utf8), Array("GIF89a".utf8), Array("BM".utf8), [0x49, 0x49, 0x2A, 0],
        [0, 0, 0, 24] + Array("ftypisom".utf8), [0, 0, 0, 1] + Array("mdat".utf8), [0, 0, 0, 0] + Array("moov".utf8),
        [0, 0, 0, 0x40] + Array("moov".utf8) + [0, 0, 0, 0x38] + Array("trak".utf8),
        Array("ID3\u{4}\0\0".utf8), [0xFF, 0xFB, 0x90, 0x44], [0xFF, 0xF3, 0x80, 0xC0], [0xEF, 0xBB, 0xBF],
    ]

    static var png: [UInt8] {
        bytes { w in
            w.u8(0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)
            w.be32(13)
            w.ascii("IHDR")
            w.be32(1920)
            w.be32(1080)
            w.u8(8, 6, 0, 0, 0)
            w.be32(0)  // CRC, not checked
        }
    }

    static var jpegBaseline: [UInt8] {
        bytes { w in
            w.u8(0xFF, 0xD8)
            // APP0 (JFIF), 16 bytes with its length.
            w.u8(0xFF, 0xE0)
            w.be16(16)
            w.ascii("JFIF")
            w.u8(0, 1, 1, 0)
            w.be16(1)
            w.be16(1)
            w.u8(0, 0)
            // APP1 (Exif), 300 bytes with its length.
            w.u8(0xFF, 0xE1)
            w.be16(300)
            w.ascii("Exif")
            w.u8(0, 0)
            w.zeros(300 - 2 - 6)
            // Fill bytes, then SOF0: precision, height, width, three components.
            w.u8(0xFF, 0xFF, 0xFF, 0xC0)
            w.be16(17)
            w.u8(8)
            w.be16(720)
            w.be16(1280)
            w.u8(3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
            // SOS, a little scan data, EOI.
            w.u8(0xFF, 0xDA)
            w.be16(12)
            w.u8(3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3F, 0)
            w.u8(0x12, 0x34, 0xFF, 0xD9)
        }
    }

    static var jpegProgressive: [UInt8] {
        bytes { w in
            w.u8(0xFF, 0xD8)
            w.u8(0xFF, 0x01)  // TEM: no length
            // DQT.
            w.u8(0xFF, 0xDB)
            w.be16(67)
            w.u8(0)
            w.zeros(64)
            // DHT (C4): not a frame header.
            w.u8(0xFF, 0xC4)
            w.be16(20)
            w.zeros(18)
            // SOF2 (progressive).
            w.u8(0xFF, 0xC2)
            w.be16(17)
            w.u8(8)
            w.be16(480)
            w.be16(640)
            w.u8(3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
            w.u8(0xFF, 0xD9)
        }
    }

    static var webpLossy: [UInt8] {
        riff(
            "WEBP",
            chunk(
                "VP8 ",
                bytes { w in
                    w.u8(0x50, 0x02, 0x00)  // frame tag
                    w.u8(0x9D, 0x01, 0x2A)
                    w.le16(800 | 0x4000)  // scale bits above the 14-bit width
                    w.le16(600 | 0x8000)
                    w.zeros(8)
                }))
    }

    static var webpLossless: [UInt8] {
        riff(
            "WEBP",
            chunk(
                "VP8L",
                bytes { w in
                    w.u8(0x2F)
                    w.le32((400 - 1) | (300 - 1) << 14 | 1 << 28)  // alpha bit above the sizes
                    w.zeros(6)
                }))
    }

    static var webpExtended: [UInt8] {
        riff(
            "WEBP",
            chunk(
                "VP8X",
                bytes { w in
                    w.u8(0x10, 0, 0, 0)
                    w.le24(4000 - 1)
                    w.le24(3000 - 1)
                }) + chunk("ALPH", [0, 1, 2]))
    }

    static var gif: [UInt8] {
        bytes { w in
            w.ascii("GIF89a")
            w.le16(320)
            w.le16(200)
            w.u8(0xF7, 0, 0)
        }
    }

    static var bmpTopDown: [UInt8] {
        bytes { w in
            w.ascii("BM")
            w.le32(54 + 16)
            w.le32(0)
            w.le32(54)
            w.le32(40)  // BITMAPINFOHEADER
            w.le32(640)
            w.le32(UInt32(bitPattern: -480))
            w.le16(1)
            w.le16(24)
            w.zeros(24)
            w.zeros(16)
        }
    }

    static var bmpCore: [UInt8] {
        bytes { w in
            w.ascii("BM")
            w.le32(26 + 12)
            w.le32(0)
            w.le32(26)
            w.le32(12)  // BITMAPCOREHEADER
            w.le16(32)
            w.le16(16)
            w.le16(1)
            w.le16(24)
            w.zeros(12)
        }
    }

    static var tiffLittle: [UInt8] { [0x49, 0x49, 0x2A, 0, 8, 0, 0, 0, 0, 0] }

    static var tiffBig: [UInt8] { [0x4D, 0x4D, 0, 0x2A, 0, 0, 0, 8, 0, 0] }

    static var heic: [UInt8] { ftyp("heic", ["mif1", "heic"]) + box("meta", [UInt8](repeating: 0, count: 20)) }

    static var avif: [UInt8] { ftyp("avif", ["avif", "mif1", "miaf"]) + box("meta", [0, 0, 0, 0]) }

    static var mp4: [UInt8] {
        let audioTrack = box("trak", tkhd(version: 0, width: 0, height: 0) + box("mdia", []))
        let videoTrack = box("trak", tkhd(version: 0, width: 1280 << 16, height: 720 << 16))
        let moov = box("moov", mvhd(version: 0, timescale: 1000, duration: 40_000) + audioTrack + videoTrack)
        return ftyp("isom", ["isom", "iso2", "avc1", "mp41"]) + moov + box("mdat", [UInt8](repeating: 0, count: 16))
    }

    static var mov: [UInt8] {
        let largeMdat = bytes { w in
            w.be32(1)
            w.ascii("mdat")
            w.be64(16 + 32)
            w.zeros(32)
        }
        let track = box("trak", tkhd(version: 1, width: 1920 << 16, height: 1080 << 16))
        let moov = box("moov", mvhd(version: 1, timescale: 600, duration: 6000) + track)
        return ftyp("qt  ", ["qt  "]) + box("wide", []) + largeMdat + moov
    }

    static var movWithoutFtyp: [UInt8] {
        box("moov", mvhd(version: 0, timescale: 600, duration: 1200))
    }

    static var mp4MdatFirst: [UInt8] {
        ftyp("mp42", ["mp42", "isom"])
            + bytes { w in
                w.be32(1_000_000)
                w.ascii("mdat")
                w.zeros(64)
            }
    }

    static var fmtChunk: [UInt8] {
        chunk(
            "fmt ",
            bytes { w in
                w.le16(1)  // PCM
                w.le16(2)
                w.le32(44_100)
                w.le32(44_100 * 2 * 2)
                w.le16(4)
                w.le16(16)
            })
    }

    static var wav: [UInt8] {
        // An odd-sized LIST chunk (padded) between fmt and data; 5 s of data declared, 16 bytes given.
        let data = chunk("data", size: 882_000, [UInt8](repeating: 0, count: 16))
        return riff("WAVE", fmtChunk + chunk("LIST", Array("INFOx".utf8)) + data)
    }

    static var mp3Xing: [UInt8] {
        bytes { w in
            w.ascii("ID3")
            w.u8(4, 0, 0)
            w.u8(0, 0, 2, 44)  // 300, syncsafe
            w.zeros(300)
            w.u8(0xFF, 0xFB, 0x90, 0x44)  // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, joint stereo
            w.zeros(32)  // side information
            w.ascii("Xing")
            w.be32(0x0F)
            w.be32(1000)  // frames
            w.be32(417_000)
            w.zeros(100)  // table of contents
        }
    }

    static var mp3MPEG2Info: [UInt8] {
        bytes { w in
            w.u8(0xFF, 0xF3, 0x80, 0xC0)  // MPEG-2 layer III, 64 kbit/s, 22.05 kHz, mono
            w.zeros(9)
            w.ascii("Info")
            w.be32(0x01)
            w.be32(500)
            w.zeros(40)
        }
    }

    static var mp3VBRI: [UInt8] {
        bytes { w in
            w.u8(0xFF, 0xFB, 0x90, 0x44)
            w.zeros(32)
            w.ascii("VBRI")
            w.be16(1)  // version
            w.be16(0)  // delay
            w.be16(75)  // quality
            w.be32(1_000_000)  // bytes
            w.be32(2000)  // frames
            w.zeros(20)
        }
    }

    static var mp3CBR: [UInt8] {
        bytes { w in
            w.u8(0xFF, 0xFB, 0x90, 0x44)
            w.zeros(413)
        }
    }

    static var html: [UInt8] {
        [0xEF, 0xBB, 0xBF] + Array("  \r\n\t<!DOCTYPE HTML>\n<html><body>Not Found</body></html>\n".utf8)
    }

    /// An ISO box with a 32-bit size.
    static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        bytes { w in
            w.be32(UInt32(8 + payload.count))
            w.ascii(type)
            w.append(payload)
        }
    }

    /// A file-type box: the major brand, a minor version, the compatible brands.
    static func ftyp(_ major: String, _ compatible: [String]) -> [UInt8] {
        box("ftyp", Array(major.utf8) + [0, 0, 2, 0] + compatible.flatMap { Array($0.utf8) })
    }

    /// A movie header box; the duration is cut to 32 bits in version 0.
    static func mvhd(version: UInt8, timescale: UInt32, duration: UInt64) -> [UInt8] {
        box(
            "mvhd",
            bytes { w in
                w.u8(version, 0, 0, 0)
                if version == 1 {
                    w.be64(3_600_000_000)
                    w.be64(3_600_000_000)
                    w.be32(timescale)
                    w.be64(duration)
                } else {
                    w.be32(3_600_000_000)
                    w.be32(3_600_000_000)
                    w.be32(timescale)
                    w.be32(UInt32(truncatingIfNeeded: duration))
                }
                w.be32(0x0001_0000)  // rate
                w.be16(0x0100)  // volume
                w.zeros(10 + 36 + 24)  // reserved, matrix, pre-defined
                w.be32(3)  // next track
            })
    }

    /// A track header box with a 16.16 fixed-point width and height.
    static func tkhd(version: UInt8, width: UInt32, height: UInt32) -> [UInt8] {
        box(
            "tkhd",
            bytes { w in
                w.u8(version, 0, 0, 7)
                if version == 1 {
                    w.be64(1)
                    w.be64(2)
                    w.be32(1)  // track
                    w.be32(0)
                    w.be64(1000)
                } else {
                    w.be32(1)
                    w.be32(2)
                    w.be32(1)
                    w.be32(0)
                    w.be32(1000)
                }
                w.zeros(8)
                w.be16(0)  // layer
                w.be16(0)  // alternate group
                w.be16(0)  // volume
                w.be16(0)
                w.zeros(36)  // matrix
                w.be32(width)
                w.be32(height)
            })
    }

    /// A RIFF file of `form` with the chunks given.
    static func riff(_ form: String, _ chunks: [UInt8]) -> [UInt8] {
        bytes { w in
            w.ascii("RIFF")
            w.le32(UInt32(4 + chunks.count))
            w.ascii(form)
            w.append(chunks)
        }
    }

    /// A RIFF chunk, its size the payload's unless `size` says otherwise, padded to an even length.
    static func chunk(_ id: String, size: UInt32? = nil, _ payload: [UInt8]) -> [UInt8] {
        bytes { w in
            w.ascii(id)
            w.le32(size ?? UInt32(payload.count))
            w.append(payload)
            if payload.count % 2 == 1 { w.u8(0) }
        }
    }
}

extension SplitMix64 {
    /// `count` pseudo-random bytes.
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}
