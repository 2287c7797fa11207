import AssetformCore

/// Reads a file's format, pixel size and duration from its first bytes, decoding nothing else.
///
/// The bytes may be hostile (whatever a server sent): every read is bounds-checked, arithmetic on values
/// from the file cannot trap, and every walk over segments, boxes or chunks advances or stops, so any
/// input gives an answer. A width or height of zero, or beyond `Int32.max`, is reported as unknown (nil),
/// and so is a duration that is not finite or is longer than about 115 days.
public enum MediaProbe {
    /// Reads what it can from the first bytes of a file. `totalLength` is the whole file's size
    /// when known (for an MP3's duration at a constant bit rate).
    public static func probe(_ bytes: [UInt8], totalLength: Int?) -> MediaInfo {
        let data = Bytes(bytes)
        // A total shorter than the bytes given is wrong: it is not used.
        let total = totalLength.flatMap { $0 >= bytes.count ? $0 : nil }
        if let info = png(data) { return info }
        if let info = jpeg(data) { return info }
        if let info = riff(data) { return info }
        if let info = gif(data) { return info }
        if let info = bmp(data) { return info }
        if let info = tiff(data) { return info }
        if let info = isoMedia(data, totalLength: total) { return info }
        if let info = mp3(data, totalLength: total) { return info }
        return MediaInfo(format: isHTML(data) ? .html : .unknown)
    }

    /// Where a second small read would find what the first bytes did not reach: a JPEG's next
    /// segment (its frame header lies past a large EXIF or ICC block), or an MP3's first frame
    /// (past a large ID3 tag with cover art). nil when the first bytes said all they could.
    public static func continuation(_ bytes: [UInt8]) -> Int? {
        let data = Bytes(bytes)
        if data.matches(0, [0xFF, 0xD8]) {
            var offset = 2
            while data[offset] == 0xFF {
                while data[offset] == 0xFF { offset += 1 }
                guard let marker = data[offset] else { return nil }
                offset += 1
                switch marker {
                case 0x01, 0xD0...0xD8: continue
                case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC: return nil
                case 0x00, 0xD9, 0xDA: return nil
                default: break
                }
                guard let length = data.bigEndian(offset, 2), length >= 2 else { return nil }
                offset += Int(length)
            }
            // The walk stopped at the end of the bytes given, at the start of a segment.
            return offset >= bytes.count ? offset : nil
        }
        if data.matches(0, "ID3"), let flags = data[5], let tagSize = syncsafe(data, 6) {
            let tagEnd = 10 + tagSize + (flags & 0x10 != 0 ? 10 : 0)
            return tagEnd >= bytes.count ? tagEnd : nil
        }
        return nil
    }

    /// Reads `more`, the bytes at `offset` that `continuation(first)` asked for, as the rest of
    /// the same file; `totalLength` is the whole file's size.
    public static func probe(continuing first: [UInt8], at offset: Int, with more: [UInt8], totalLength: Int?) -> MediaInfo {
        if first.starts(with: [0xFF, 0xD8]) {
            // SOI, then the segments from `offset` on: the walk goes on where it stopped.
            return probe([0xFF, 0xD8] + more, totalLength: nil)
        }
        if first.starts(with: Array("ID3".utf8)) {
            // An empty tag, then the audio from `offset` on: the frame search and the length
            // at a constant bit rate count from there.
            let rest = totalLength.map { $0 - offset + 10 }
            return probe(Array("ID3".utf8) + [4, 0, 0, 0, 0, 0, 0] + more, totalLength: rest)
        }
        return probe(first, totalLength: totalLength)
    }

    // MARK: - Limits

    /// The longest duration believed, in seconds (about 115 days); a longer one is taken as corrupt.
    static let longestDuration: Double = 10_000_000

    /// A width and height, when both are in 1...Int32.max.
    static func dimensions(_ width: UInt64?, _ height: UInt64?) -> (width: Int, height: Int)? {
        let range: ClosedRange<UInt64> = 1...UInt64(Int32.max)
        guard let width, let height, range.contains(width), range.contains(height),
            let w = Int(exactly: width), let h = Int(exactly: height)
        else { return nil }
        return (w, h)
    }

    /// The format with a width and height, when both are plausible.
    static func sized(_ format: MediaFormat, _ width: UInt64?, _ height: UInt64?) -> MediaInfo {
        let size = dimensions(width, height)
        return MediaInfo(format: format, width: size?.width, height: size?.height)
    }

    /// The duration, when it is finite, not negative, and not beyond `longestDuration`.
    static func plausible(_ seconds: Double) -> Double? {
        seconds.isFinite && seconds >= 0 && seconds <= longestDuration ? seconds : nil
    }

    // MARK: - Images

    /// PNG: the signature, then the IHDR chunk's big-endian width and height.
    static func png(_ data: Bytes) -> MediaInfo? {
        guard data.matches(0, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { return nil }
        guard data.matches(12, "IHDR") else { return MediaInfo(format: .png) }
        return sized(.png, data.bigEndian(16, 4), data.bigEndian(20, 4))
    }

    /// JPEG: SOI, then marker segments up to the first start-of-frame (SOFn), which holds the height and width.
    static func jpeg(_ data: Bytes) -> MediaInfo? {
        guard data.matches(0, [0xFF, 0xD8]) else { return nil }
        var offset = 2
        walk: while data[offset] == 0xFF {
            while data[offset] == 0xFF { offset += 1 }  // fill bytes
            guard let marker = data[offset] else { break }
            offset += 1
            switch marker {
            case 0x01, 0xD0...0xD8:
                continue walk  // TEM, RST0-7, SOI: no length
            case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                // Length (2), precision (1), height (2), width (2).
                return sized(.jpeg, data.bigEndian(offset + 5, 2), data.bigEndian(offset + 3, 2))
            case 0x00, 0xD9, 0xDA:
                break walk  // a stuffed byte, EOI, or scan data before any frame header
            default:
                break
            }
            guard let length = data.bigEndian(offset, 2), length >= 2 else { break }
            offset += Int(length)  // at most 65,535: cannot overflow
        }
        return MediaInfo(format: .jpeg)
    }

    /// RIFF files: WebP and WAV (others, such as AVI, are not recognised).
    static func riff(_ data: Bytes) -> MediaInfo? {
        guard data.matches(0, "RIFF") else { return nil }
        if data.matches(8, "WEBP") { return webp(data) }
        if data.matches(8, "WAVE") { return wav(data) }
        return nil
    }

    /// WebP: the first chunk, lossy (`VP8 `), lossless (`VP8L`) or extended (`VP8X`), holds the size.
    static func webp(_ data: Bytes) -> MediaInfo {
        let payload = 20
        switch data.fourCC(12) {
        case "VP8 ":
            // A 3-byte frame tag, the start code, then 14-bit width and height (2 bits of scale above).
            guard data.matches(payload + 3, [0x9D, 0x01, 0x2A]) else { break }
            let width = data.littleEndian(payload + 6, 2).map { $0 & 0x3FFF }
            let height = data.littleEndian(payload + 8, 2).map { $0 & 0x3FFF }
            return sized(.webp, width, height)
        case "VP8L":
            // The signature byte, then 14 bits of width - 1 and 14 of height - 1.
            guard data[payload] == 0x2F, let bits = data.littleEndian(payload + 1, 4) else { break }
            return sized(.webp, (bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1)
        case "VP8X":
            // Flags (1), reserved (3), then the canvas width - 1 and height - 1 in 24 bits each.
            guard let width = data.littleEndian(payload + 4, 3), let height = data.littleEndian(payload + 7, 3)
            else { break }
            return sized(.webp, width + 1, height + 1)
        default:
            break
        }
        return MediaInfo(format: .webp)
    }

    /// GIF: the logical screen's little-endian width and height.
    static func gif(_ data: Bytes) -> MediaInfo? {
        guard data.matches(0, "GIF87a") || data.matches(0, "GIF89a") else { return nil }
        return sized(.gif, data.littleEndian(6, 2), data.littleEndian(8, 2))
    }

    /// BMP: the DIB header after the 14-byte file header; a negative height (top-down rows) counts by magnitude.
    static func bmp(_ data: Bytes) -> MediaInfo? {
        guard data.matches(0, "BM") else { return nil }
        guard let headerSize = data.littleEndian(14, 4) else { return MediaInfo(format: .bmp) }
        if headerSize == 12 {  // OS/2 BITMAPCOREHEADER: 16-bit width and height
            return sized(.bmp, data.littleEndian(18, 2), data.littleEndian(20, 2))
        }
        guard let rawWidth = data.littleEndian(18, 4), let rawHeight = data.littleEndian(22, 4) else {
            return MediaInfo(format: .bmp)
        }
        let width = Int32(truncatingIfNeeded: rawWidth)
        let height = Int32(truncatingIfNeeded: rawHeight)
        guard width > 0 else { return MediaInfo(format: .bmp) }
        return sized(.bmp, UInt64(width.magnitude), UInt64(height.magnitude))
    }

    /// TIFF, either byte order: the format only.
    static func tiff(_ data: Bytes) -> MediaInfo? {
        guard data.matches(0, [0x49, 0x49, 0x2A, 0x00]) || data.matches(0, [0x4D, 0x4D, 0x00, 0x2A]) else {
            return nil
        }
        return MediaInfo(format: .tiff)
    }

    // MARK: - ISO base media (MP4, QuickTime, HEIF)

    /// Major brands of HEIF images (AVIF included).
    static let heifBrands: Set<String> = ["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1", "avif"]

    /// First boxes of a QuickTime file without `ftyp`.
    static let quickTimeFirstBoxes: Set<String> = ["moov", "wide", "free", "mdat", "skip"]

    /// One box: its type, where its payload starts, and where it ends (possibly beyond the bytes given).
    struct Box {
        /// The four-character type.
        let type: String
        /// The offset of the payload, after the size, type, and any 64-bit size.
        let payload: Int
        /// The offset just past the box.
        let end: Int

        /// Whether the payload holds at least `count` bytes, by the box's own size.
        func holds(_ count: Int) -> Bool { end - payload >= count }
    }

    /// The boxes from `start` up to `end`, as far as their headers lie within the bytes. Stops at a size
    /// smaller than the header (every box read advances by at least 8 bytes) and after a size of 0
    /// ("to the end").
    static func boxes(_ data: Bytes, from start: Int, to end: Int) -> [Box] {
        var found: [Box] = []
        var offset = start
        while offset < end, let size32 = data.bigEndian(offset, 4), let type = data.fourCC(offset + 4) {
            var header = 8
            let size: Int
            switch size32 {
            case 0:
                size = end - offset
            case 1:
                guard let large = data.bigEndian(offset + 8, 8), let value = Int(exactly: large) else {
                    return found
                }
                size = value
                header = 16
            default:
                guard let value = Int(exactly: size32) else { return found }
                size = value
            }
            let (boxEnd, overflow) = offset.addingReportingOverflow(size)
            guard size >= header, !overflow else { return found }
            found.append(Box(type: type, payload: offset + header, end: boxEnd))
            if size32 == 0 { return found }
            offset = boxEnd
        }
        return found
    }

    /// MP4, QuickTime and HEIF: `ftyp`'s major brand names the format (a QuickTime file may have no `ftyp`);
    /// `moov`, when within the bytes, gives the duration (`mvhd`) and the first sized track (`tkhd`).
    static func isoMedia(_ data: Bytes, totalLength: Int?) -> MediaInfo? {
        guard let first = data.fourCC(4), first == "ftyp" || quickTimeFirstBoxes.contains(first),
            let size = data.bigEndian(0, 4), size <= 1 || size >= 8
        else { return nil }
        var format = MediaFormat.mov
        for box in boxes(data, from: 0, to: totalLength ?? data.count) {
            switch box.type {
            case "ftyp":
                let brand = data.fourCC(box.payload)
                if let brand, heifBrands.contains(brand) { return MediaInfo(format: .heif) }
                format = brand == "qt  " ? .mov : .mp4
            case "moov":
                return movie(data, box, format: format)
            default:
                continue
            }
        }
        return MediaInfo(format: format)  // no moov in the bytes given (mdat first)
    }

    /// The movie box: the duration from `mvhd`, the size of the first track with one, the frame
    /// rate of the first video track.
    static func movie(_ data: Bytes, _ moov: Box, format: MediaFormat) -> MediaInfo {
        var info = MediaInfo(format: format)
        for box in boxes(data, from: moov.payload, to: moov.end) {
            if box.type == "mvhd", info.duration == nil {
                info.duration = movieDuration(data, box)
            } else if box.type == "trak" {
                if info.width == nil {
                    for child in boxes(data, from: box.payload, to: box.end) where child.type == "tkhd" {
                        if let size = trackSize(data, child) {
                            info.width = size.width
                            info.height = size.height
                        }
                        break
                    }
                }
                if info.frameRate == nil { info.frameRate = frameRate(data, box) }
            }
        }
        return info
    }

    /// A video track's frames per second: its samples (`stts`, the time-to-sample table) over
    /// its media's duration (`mdhd`); nil unless its handler (`hdlr`) says video and every box
    /// needed lies within the bytes.
    static func frameRate(_ data: Bytes, _ trak: Box) -> Double? {
        func child(_ type: String, of box: Box) -> Box? {
            boxes(data, from: box.payload, to: box.end).first { $0.type == type }
        }
        guard let mdia = child("mdia", of: trak), let hdlr = child("hdlr", of: mdia), hdlr.holds(12),
            data.fourCC(hdlr.payload + 8) == "vide", let mdhd = child("mdhd", of: mdia),
            let seconds = movieDuration(data, mdhd), seconds > 0,
            let minf = child("minf", of: mdia), let stbl = child("stbl", of: minf), let stts = child("stts", of: stbl),
            let entries = data.bigEndian(stts.payload + 4, 4), entries > 0, stts.holds(8 + Int(entries) * 8)
        else { return nil }
        var samples: UInt64 = 0
        for i in 0..<Int(entries) {
            guard let n = data.bigEndian(stts.payload + 8 + i * 8, 4) else { return nil }
            samples += n
        }
        let fps = Double(samples) / seconds
        return fps.isFinite && fps > 0 && fps < 100_000 ? fps : nil
    }

    /// `mvhd` (and `mdhd`, laid out alike up to here): version and flags, creation and
    /// modification times, time scale, duration (all-ones: unknown).
    static func movieDuration(_ data: Bytes, _ box: Box) -> Double? {
        let payload = box.payload
        let scale: UInt64?
        let units: UInt64?
        switch data[payload] {
        case 0:
            guard box.holds(20) else { return nil }
            scale = data.bigEndian(payload + 12, 4)
            units = data.bigEndian(payload + 16, 4).flatMap { $0 == 0xFFFF_FFFF ? nil : $0 }
        case 1:
            guard box.holds(32) else { return nil }
            scale = data.bigEndian(payload + 20, 4)
            units = data.bigEndian(payload + 24, 8).flatMap { $0 == UInt64.max ? nil : $0 }
        default:
            return nil
        }
        guard let scale, scale > 0, let units else { return nil }
        return plausible(Double(units) / Double(scale))
    }

    /// `tkhd`: the width and height, 16.16 fixed point, are its last 8 bytes.
    static func trackSize(_ data: Bytes, _ box: Box) -> (width: Int, height: Int)? {
        let at: Int
        switch data[box.payload] {
        case 0: at = 76
        case 1: at = 88
        default: return nil
        }
        guard box.holds(at + 8) else { return nil }
        let width = data.bigEndian(box.payload + at, 4).map { $0 >> 16 }
        let height = data.bigEndian(box.payload + at + 4, 4).map { $0 >> 16 }
        return dimensions(width, height)
    }

    // MARK: - Audio

    /// WAV: the chunks after `WAVE`; `fmt ` gives the byte rate, and the `data` chunk's size over it the
    /// duration (the size is in the chunk's header, even when its payload is beyond the bytes given).
    static func wav(_ data: Bytes) -> MediaInfo {
        var byteRate: UInt64?
        var offset = 12
        while let id = data.fourCC(offset), let size = data.littleEndian(offset + 4, 4) {
            let payload = offset + 8
            if id == "fmt ", size >= 12 {
                byteRate = data.littleEndian(payload + 8, 4)
            } else if id == "data" {
                // A size of all ones is a stream's "unknown".
                guard let rate = byteRate, rate > 0, size != 0xFFFF_FFFF else { break }
                return MediaInfo(format: .wav, duration: plausible(Double(size) / Double(rate)))
            }
            // Chunks are padded to an even size; this advances by at least 8 bytes.
            guard let padded = Int(exactly: size + (size & 1)) else { break }
            let (next, overflow) = payload.addingReportingOverflow(padded)
            guard !overflow else { break }
            offset = next
        }
        return MediaInfo(format: .wav)
    }

    /// An MPEG audio frame header (11 sync bits), when none of its fields is reserved.
    struct FrameHeader {
        /// Bits per second; 0 for the free format.
        let bitRate: Int
        /// Samples per second.
        let sampleRate: Int
        /// Samples in one frame.
        let samplesPerFrame: Int
        /// The size of the side information after the header (where a Xing or Info header starts).
        let sideInfoSize: Int

        /// Kilobits per second by bit-rate index: MPEG-1 layers I, II, III, then MPEG-2/2.5 layer I, II and III.
        static let bitRates: [[Int]] = [
            [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
            [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
            [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
            [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
            [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
        ]

        /// The header in the 4 big-endian bytes `word`, or nil when it has no sync or a reserved field.
        init?(_ word: UInt64) {
            guard word >> 21 & 0x7FF == 0x7FF else { return nil }
            let version = Int(word >> 19 & 3)  // 0: MPEG-2.5, 1: reserved, 2: MPEG-2, 3: MPEG-1
            let layer = Int(word >> 17 & 3)  // 0: reserved, 1: III, 2: II, 3: I
            let bitRateIndex = Int(word >> 12 & 0xF)  // 15: bad
            let sampleRateIndex = Int(word >> 10 & 3)  // 3: reserved
            let mono = word >> 6 & 3 == 3
            let emphasis = word & 3  // 2: reserved
            guard version != 1, layer != 0, bitRateIndex != 15, sampleRateIndex != 3, emphasis != 2 else {
                return nil
            }
            let mpeg1 = version == 3
            let table = mpeg1 ? 3 - layer : (layer == 3 ? 3 : 4)
            bitRate = Self.bitRates[table][bitRateIndex] * 1000
            let base = [44100, 48000, 32000][sampleRateIndex]
            sampleRate = mpeg1 ? base : (version == 2 ? base / 2 : base / 4)
            samplesPerFrame = layer == 3 ? 384 : (layer == 2 || mpeg1 ? 1152 : 576)
            sideInfoSize = mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17)
        }
    }

    /// How far past an ID3v2 tag to look for the first frame (some tags are followed by padding).
    static let frameSearchWindow = 4096

    /// MP3: an optional ID3v2 tag, then the first frame; the duration from its Xing/Info or VBRI header, or
    /// from `totalLength` at the frame's (constant) bit rate. Without a tag, only a valid frame header counts.
    static func mp3(_ data: Bytes, totalLength: Int?) -> MediaInfo? {
        var start = 0
        var frame: FrameHeader?
        if data.matches(0, "ID3") {
            guard let flags = data[5], let tagSize = syncsafe(data, 6) else { return MediaInfo(format: .mp3) }
            let tagEnd = 10 + tagSize + (flags & 0x10 != 0 ? 10 : 0)  // at most 2^28 + 20
            var offset = tagEnd
            while offset < tagEnd + frameSearchWindow, let word = data.bigEndian(offset, 4) {
                if let header = FrameHeader(word) {
                    frame = header
                    start = offset
                    break
                }
                offset += 1
            }
        } else {
            guard let word = data.bigEndian(0, 4), let header = FrameHeader(word), header.bitRate > 0 else {
                return nil
            }
            frame = header
        }
        guard let frame else { return MediaInfo(format: .mp3) }  // the tag reaches beyond the bytes given
        return MediaInfo(format: .mp3, duration: mp3Duration(data, frame, at: start, totalLength: totalLength))
    }

    /// A 28-bit syncsafe integer (7 bits a byte), or nil when a byte has its top bit set.
    static func syncsafe(_ data: Bytes, _ offset: Int) -> Int? {
        var value = 0
        for k in 0..<4 {
            guard let byte = data[offset + k], byte < 0x80 else { return nil }
            value = value << 7 | Int(byte)
        }
        return value
    }

    /// The frame count from a Xing/Info or VBRI header, else the length at the constant bit rate.
    static func mp3Duration(_ data: Bytes, _ frame: FrameHeader, at start: Int, totalLength: Int?) -> Double? {
        func framesDuration(_ frames: UInt64) -> Double? {
            plausible(Double(frames) * Double(frame.samplesPerFrame) / Double(frame.sampleRate))
        }
        let xing = start + 4 + frame.sideInfoSize
        if data.matches(xing, "Xing") || data.matches(xing, "Info"), let flags = data.bigEndian(xing + 4, 4),
            flags & 1 != 0, let frames = data.bigEndian(xing + 8, 4), frames > 0
        {
            return framesDuration(frames)
        }
        let vbri = start + 4 + 32
        if data.matches(vbri, "VBRI"), let frames = data.bigEndian(vbri + 14, 4), frames > 0 {
            return framesDuration(frames)
        }
        guard let totalLength, frame.bitRate > 0, totalLength > start else { return nil }
        return plausible(Double(totalLength - start) * 8 / Double(frame.bitRate))
    }

    // MARK: - Pages

    /// How an HTML or XML page starts, lower case.
    static let pageStarts: [[UInt8]] = ["<!doctype html", "<html", "<head", "<body", "<!--", "<?xml"].map {
        Array($0.utf8)
    }

    /// An HTML or XML page: after an optional UTF-8 BOM and ASCII white space, one of `pageStarts`, in any case.
    static func isHTML(_ data: Bytes) -> Bool {
        var offset = data.matches(0, [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while let byte = data[offset], byte == 0x20 || (0x09...0x0D).contains(byte) { offset += 1 }
        return pageStarts.contains { data.matchesIgnoringCase(offset, $0) }
    }

    // MARK: - Reading

    /// Bounds-checked reads from the bytes given: a read that does not lie wholly within them is nil.
    struct Bytes {
        /// The bytes.
        let storage: [UInt8]

        /// Reads from `storage`.
        init(_ storage: [UInt8]) { self.storage = storage }

        /// How many bytes there are.
        var count: Int { storage.count }

        /// Whether `length` bytes from `offset` lie within the bytes.
        func contains(_ offset: Int, _ length: Int) -> Bool {
            offset >= 0 && length >= 0 && offset <= storage.count && length <= storage.count - offset
        }

        /// The byte at `offset`.
        subscript(_ offset: Int) -> UInt8? {
            contains(offset, 1) ? storage[offset] : nil
        }

        /// An unsigned big-endian integer of `width` (at most 8) bytes.
        func bigEndian(_ offset: Int, _ width: Int) -> UInt64? {
            guard width <= 8, contains(offset, width) else { return nil }
            var value: UInt64 = 0
            for index in offset..<offset + width { value = value << 8 | UInt64(storage[index]) }
            return value
        }

        /// An unsigned little-endian integer of `width` (at most 8) bytes.
        func littleEndian(_ offset: Int, _ width: Int) -> UInt64? {
            guard width <= 8, contains(offset, width) else { return nil }
            var value: UInt64 = 0
            for index in (offset..<offset + width).reversed() { value = value << 8 | UInt64(storage[index]) }
            return value
        }

        /// Four bytes as a string (bytes that are not UTF-8 become U+FFFD, so they never equal ASCII).
        func fourCC(_ offset: Int) -> String? {
            contains(offset, 4) ? String(decoding: storage[offset..<offset + 4], as: UTF8.self) : nil
        }

        /// Whether the bytes at `offset` are `expected`.
        func matches(_ offset: Int, _ expected: [UInt8]) -> Bool {
            guard contains(offset, expected.count) else { return false }
            for (k, byte) in expected.enumerated() where storage[offset + k] != byte { return false }
            return true
        }

        /// Whether the bytes at `offset` are the ASCII `text`.
        func matches(_ offset: Int, _ text: String) -> Bool {
            matches(offset, Array(text.utf8))
        }

        /// Whether the bytes at `offset` are the lower-case ASCII `expected`, in any case.
        func matchesIgnoringCase(_ offset: Int, _ expected: [UInt8]) -> Bool {
            guard contains(offset, expected.count) else { return false }
            for (k, byte) in expected.enumerated() {
                let actual = storage[offset + k]
                let lowered = (0x41...0x5A).contains(actual) ? actual | 0x20 : actual
                if lowered != byte { return false }
            }
            return true
        }
    }
}
