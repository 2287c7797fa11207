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
