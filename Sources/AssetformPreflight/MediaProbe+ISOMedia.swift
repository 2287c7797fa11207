/// ISO base media (MP4, QuickTime, HEIF): the box tree, the movie header and the tracks.
extension MediaProbe {
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
}
