import AssetformCore

/// What a source's answer means for a create of `type` (SPEC §10, API.md §4): the problems
/// that would make the service's download fail or the asset end Failed. Pure: the answer's
/// status, headers and first bytes in, findings out.
struct SourceVerdict: Sendable, Equatable {
    var problems: [String] = []
    var media: MediaInfo?
    /// The whole file's size, when the answer says it.
    var length: Int?
    var contentType: String?
    var fingerprint: SourceFingerprint?

    /// `media` is what the first bytes (`body`, and any follow-up read) said.
    init(
        type: AssetType, limits: CheckLimits.Media, status: Int, reason: String, headers: [String: String], body: [UInt8],
        media: MediaInfo? = nil
    ) {
        contentType = headers["content-type"].map { String($0.prefix(200)).visible }
        guard (200..<300).contains(status) else {
            if status == 416 {
                problems.append("is empty (HTTP 416 for its first bytes)")
            } else {
                let phrase = reason.isEmpty ? "" : " " + String(reason.prefix(80)).visible
                problems.append("answers HTTP \(status)\(phrase)")
            }
            return
        }
        length = Self.length(status: status, headers: headers)
        let seen = SourceFingerprint(contentLength: length, etag: headers["etag"], lastModified: headers["last-modified"])
        fingerprint = seen.isEmpty ? nil : seen
        let media = media ?? MediaProbe.probe(body, totalLength: length)
        self.media = media
        // What the first bytes are is reported first; the declared type only when they do not contradict.
        if media.format == .html {
            problems.append("is a web page (HTML), not \(Self.article(type)): an error or login page, most likely")
        } else if let found = media.format.assetType, found != type {
            problems.append("is \(Self.describe(media.format)), not \(Self.article(type))")
        } else if let declared = headers["content-type"],
            let why = Self.contradiction(contentType: declared, type: type)
        {
            problems.append(why)
        }
        if length == 0 || (body.isEmpty && length == nil) {
            problems.append("is empty")
        }
        if let length, let max = limits.maxBytes, length > max {
            problems.append("is \(ByteCountText.format(length)) (\(length) bytes); \(Self.article(type)) \(Self.bound(max))")
        }
        // Only what was read from the file itself is checked against the limits.
        guard media.format.assetType == type else { return }
        if let w = media.width, let h = media.height, w > 0, h > 0 {
            let size = "\(w)×\(h) px"
            if let min = limits.minSide, Swift.min(w, h) < min {
                problems.append("is \(size); each side must be at least \(min) px")
            }
            if let max = limits.maxSide, Swift.max(w, h) > max {
                problems.append("is \(size); each side may be at most \(max) px")
            }
            let aspect = Double(w) / Double(h)
            if let min = limits.minAspect, aspect < min - 1e-9 {
                problems.append(
                    "is \(size), an aspect ratio (width/height) of \(Self.ratio(aspect)); the least is \(Self.ratio(min))")
            }
            if let max = limits.maxAspect, aspect > max + 1e-9 {
                problems.append(
                    "is \(size), an aspect ratio (width/height) of \(Self.ratio(aspect)); the most is \(Self.ratio(max))")
            }
            let pixels = w * h
            if let min = limits.minPixels, pixels < min {
                problems.append("is \(size) = \(pixels) pixels; at least \(min) are needed")
            }
            if let max = limits.maxPixels, pixels > max {
                problems.append("is \(size) = \(pixels) pixels; at most \(max) are allowed")
            }
        }
        // A duration of 0 is what a fragmented MP4's `moov` or a streamed WAV's header says: unknown.
        if let d = media.duration, d.isFinite, d > 0 {
            if let min = limits.minDuration, d < min - 0.0005 {
                problems.append("lasts \(Self.seconds(d)); it must last at least \(Self.seconds(min))")
            }
            if let max = limits.maxDuration, d > max + 0.0005 {
                problems.append("lasts \(Self.seconds(d)); it may last at most \(Self.seconds(max))")
            }
        }
        // Frames per second, to the nearest whole number: 23.976 (film on NTSC) counts as 24.
        if let fps = media.frameRate, fps.isFinite, fps > 0 {
            let shown = Self.ratio(fps)
            if let min = limits.minFrameRate, fps.rounded() < min.rounded() {
                problems.append("runs at \(shown) frames per second; at least \(Self.ratio(min)) are needed")
            }
            if let max = limits.maxFrameRate, fps.rounded() > max.rounded() {
                problems.append("runs at \(shown) frames per second; at most \(Self.ratio(max)) are allowed")
            }
        }
    }

    /// The whole file's size: a 206's `Content-Range` total, or a 200's `Content-Length`.
    static func length(status: Int, headers: [String: String]) -> Int? {
        if status == 206, let range = headers["content-range"], let slash = range.lastIndex(of: "/") {
            return Int(String(range[range.index(after: slash)...]).trimmingSpaces).flatMap { $0 >= 0 ? $0 : nil }
        }
        if status == 200, headers["transfer-encoding"] == nil, let text = headers["content-length"] {
            return Int(text.trimmingSpaces).flatMap { $0 >= 0 ? $0 : nil }
        }
        return nil
    }

    /// A declared content type that says the file is not of `type`; generic binary types and
    /// their like say nothing (the first bytes decide then).
    static func contradiction(contentType: String, type: AssetType) -> String? {
        let media = contentType.split(separator: ";").first.map { String($0).trimmingSpaces.lowercased() } ?? ""
        guard !media.isEmpty else { return nil }
        let top = media.split(separator: "/").first.map(String.init) ?? media
        let shown = String(media.prefix(80)).visible
        if media == "text/html" || media == "application/xhtml+xml" {
            return "is served as \(shown) (a web page), not \(article(type))"
        }
        if ["image", "video", "audio"].contains(top) {
            guard top == type.rawValue else { return "is served as \(shown), not \(article(type))" }
            let subtype = media.split(separator: "/").dropFirst().first.map(String.init) ?? ""
            guard let accepted = acceptedSubtypes[type], !accepted.contains(subtype) else { return nil }
            return "is served as \(shown); the service takes \(acceptedFormats[type] ?? "other formats")"
        }
        if media == "application/mp4" { return type == .image ? "is served as \(shown), not \(article(type))" : nil }
        if top == "text" || media.hasSuffix("json") || media.hasSuffix("xml") {
            return "is served as \(shown), not \(article(type))"
        }
        return nil
    }

    /// The media types of the formats the service takes (API.md §4), as servers label them.
    static let acceptedSubtypes: [AssetType: Set<String>] = [
        .image: [
            "jpeg", "jpg", "pjpeg", "png", "webp", "bmp", "x-bmp", "x-ms-bmp", "tiff", "gif", "heic", "heif",
            "heic-sequence", "heif-sequence",
        ],
        .video: ["mp4", "quicktime", "x-m4v"],
        .audio: ["wav", "x-wav", "wave", "vnd.wave", "mpeg", "mp3", "x-mp3", "mpeg3", "x-mpeg-3"],
    ]

    static let acceptedFormats: [AssetType: String] = [
        .image: "JPEG, PNG, WebP, BMP, TIFF, GIF and HEIC/HEIF images",
        .video: "MP4 and MOV videos",
        .audio: "WAV and MP3 audio",
    ]

    /// A size limit in words: "may be at most 50 MiB"; "must be under 30 MiB" where the limit is
    /// one byte under a round size (an image's, API.md §4).
    static func bound(_ max: Int) -> String {
        let exact = { (n: Int) in ByteCountText.parse(ByteCountText.format(n)) == n }
        if !exact(max) && exact(max + 1) { return "must be under \(ByteCountText.format(max + 1))" }
        return "may be at most \(ByteCountText.format(max))" + (exact(max) ? "" : " (\(max) bytes)")
    }

    static func article(_ type: AssetType) -> String {
        switch type {
        case .image: "an image"
        case .video: "a video"
        case .audio: "an audio file"
        }
    }

    static func describe(_ format: MediaFormat) -> String {
        switch format {
        case .png: "a PNG image"
        case .jpeg: "a JPEG image"
        case .webp: "a WebP image"
        case .gif: "a GIF image"
        case .bmp: "a BMP image"
        case .tiff: "a TIFF image"
        case .heif: "a HEIF image"
        case .mp4: "an MP4 video"
        case .mov: "a QuickTime (MOV) video"
        case .wav: "a WAV audio file"
        case .mp3: "an MP3 audio file"
        case .html: "a web page (HTML)"
        case .unknown: "of an unknown format"
        }
    }

    static func ratio(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    static func seconds(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return (r == r.rounded() ? String(Int(r)) : String(r)) + " s"
    }
}
