import AssetformCore

/// A media or page format, recognised from a file's first bytes (its magic numbers), never from its name.
public enum MediaFormat: String, Sendable, Equatable {
    /// Images (`heif` covers HEIC and AVIF).
    case png, jpeg, webp, gif, bmp, tiff, heif
    /// Video in ISO base media files: MP4, and QuickTime.
    case mp4, mov
    /// Audio.
    case wav, mp3
    /// An HTML or XML page (an error page served in place of the media): not media at all.
    case html
    /// Nothing recognised.
    case unknown

    /// The asset type this format is, or nil for html/unknown.
    public var assetType: AssetType? {
        switch self {
        case .png, .jpeg, .webp, .gif, .bmp, .tiff, .heif: .image
        case .mp4, .mov: .video
        case .wav, .mp3: .audio
        case .html, .unknown: nil
        }
    }
}
