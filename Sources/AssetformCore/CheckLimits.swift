/// What preflight (`check`, `--check-urls`, SPEC §10) accepts of a source, per asset type: the
/// upstream's published media limits (API.md §4) unless the manifest's `checks:` changes them.
/// A limit that is nil is not checked.
public struct CheckLimits: Sendable, Equatable {
    /// The limits of one asset type.
    public struct Media: Sendable, Equatable {
        public var maxBytes: Int?
        /// Each side, in pixels.
        public var minSide: Int?
        public var maxSide: Int?
        /// Width divided by height.
        public var minAspect: Double?
        public var maxAspect: Double?
        /// Width × height.
        public var minPixels: Int?
        public var maxPixels: Int?
        /// In seconds.
        public var minDuration: Double?
        public var maxDuration: Double?
        /// Frames per second (video), compared rounded to a whole number (23.976 is 24).
        public var minFrameRate: Double?
        public var maxFrameRate: Double?

        public init(
            maxBytes: Int? = nil, minSide: Int? = nil, maxSide: Int? = nil, minAspect: Double? = nil,
            maxAspect: Double? = nil, minPixels: Int? = nil, maxPixels: Int? = nil, minDuration: Double? = nil,
            maxDuration: Double? = nil, minFrameRate: Double? = nil, maxFrameRate: Double? = nil
        ) {
            self.maxBytes = maxBytes
            self.minSide = minSide
            self.maxSide = maxSide
            self.minAspect = minAspect
            self.maxAspect = maxAspect
            self.minPixels = minPixels
            self.maxPixels = maxPixels
            self.minDuration = minDuration
            self.maxDuration = maxDuration
            self.minFrameRate = minFrameRate
            self.maxFrameRate = maxFrameRate
        }
    }

    public var image: Media
    public var video: Media
    public var audio: Media

    /// API.md §4 (Volcengine's limits; BytePlus allows longer and larger videos). An image is
    /// under 30 MiB (not 30 MiB itself); a video or audio at most 50 or 15 MiB.
    public init(
        image: Media = Media(maxBytes: (30 << 20) - 1, minSide: 300, maxSide: 6000, minAspect: 0.4, maxAspect: 2.5),
        video: Media = Media(
            maxBytes: 50 << 20, minSide: 300, maxSide: 6000, minAspect: 0.4, maxAspect: 2.5, minPixels: 409_600,
            maxPixels: 2_086_876, minDuration: 2, maxDuration: 15, minFrameRate: 24, maxFrameRate: 60),
        audio: Media = Media(maxBytes: 15 << 20, minDuration: 2, maxDuration: 15)
    ) {
        self.image = image
        self.video = video
        self.audio = audio
    }

    /// The defaults for a provider: API.md §4's, with BytePlus's longer and larger videos (up to
    /// 30 s, 8,295,044 pixels, 200 MB) and longer audio (30 s).
    public static func defaults(for api: API?) -> CheckLimits {
        var limits = CheckLimits()
        if api == .byteplus {
            limits.video.maxDuration = 30
            limits.video.maxPixels = 8_295_044
            limits.video.maxBytes = 200 << 20
            limits.audio.maxDuration = 30
        }
        return limits
    }

    public subscript(type: AssetType) -> Media {
        get {
            switch type {
            case .image: image
            case .video: video
            case .audio: audio
            }
        }
        set {
            switch type {
            case .image: image = newValue
            case .video: video = newValue
            case .audio: audio = newValue
            }
        }
    }

    /// The keys `checks.<type>` allows: images have no duration, audio no pixels.
    public static func keys(for type: AssetType) -> [String] {
        switch type {
        case .image: ["max_bytes", "min_side", "max_side", "min_aspect", "max_aspect", "min_pixels", "max_pixels"]
        case .video:
            [
                "max_bytes", "min_side", "max_side", "min_aspect", "max_aspect", "min_pixels", "max_pixels", "min_duration",
                "max_duration", "min_fps", "max_fps",
            ]
        case .audio: ["max_bytes", "min_duration", "max_duration"]
        }
    }
}

/// Sizes as written under `checks:`: a whole number of bytes, or with a unit `KB`, `MB`, `GB`
/// (powers of 1024, as `KiB`, `MiB`, `GiB` also say).
public enum ByteCountText {
    public static func parse(_ text: String) -> Int? {
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30),
            ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1),
        ]
        var number = Substring(text)
        var scale = 1
        for (unit, value) in units where number.lowercased().hasSuffix(unit.lowercased()) {
            number = number.dropLast(unit.count)
            scale = value
            break
        }
        while number.last == " " { number = number.dropLast() }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let v = Double(number),
            v.isFinite, v >= 0, v * Double(scale) < 1e15
        else { return nil }
        return Int((v * Double(scale)).rounded())
    }

    /// `30 MiB`, `512 KiB`, `900 B`: the largest unit that leaves at most one decimal.
    public static func format(_ bytes: Int) -> String {
        for (unit, value) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes >= value {
            let v = Double(bytes) / Double(value)
            let rounded = (v * 10).rounded() / 10
            // 1,048,575 bytes is "1024 KiB" once rounded: said in the unit above.
            if rounded >= 1024, unit != "GiB" { return format(value << 10) }
            return (rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)) + " " + unit
        }
        return "\(bytes) B"
    }
}
