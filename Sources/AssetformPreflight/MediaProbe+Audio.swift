/// Audio: WAV (RIFF) headers, and MP3 frames behind an ID3 tag.
extension MediaProbe {
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
}
