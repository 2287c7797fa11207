/// What a file's header says: its format and, when the header holds them, its pixel size and duration.
public struct MediaInfo: Sendable, Equatable {
    /// The format recognised.
    public var format: MediaFormat
    /// The width in pixels, when read from the header.
    public var width: Int?
    /// The height in pixels, when read from the header.
    public var height: Int?
    /// The duration in seconds, when cheaply readable.
    public var duration: Double?
    /// A video's frames per second (its video track's samples over its duration), when readable.
    public var frameRate: Double?

    /// What a header says; a size, duration or frame rate not read is nil.
    public init(format: MediaFormat, width: Int? = nil, height: Int? = nil, duration: Double? = nil, frameRate: Double? = nil) {
        self.format = format
        self.width = width
        self.height = height
        self.duration = duration
        self.frameRate = frameRate
    }
}
