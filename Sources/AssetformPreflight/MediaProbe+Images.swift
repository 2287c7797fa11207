/// Images: PNG, JPEG, WebP (RIFF), GIF, BMP and TIFF headers.
extension MediaProbe {
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
}
