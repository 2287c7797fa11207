import AssetformCore
import Foundation

/// Scheme, host and port of a URL: what a redirect may not leave.
struct Origin: Equatable, Sendable {
    let scheme: String
    let host: String
    let port: Int

    init(_ url: String) {
        let parsed = URL(string: url)
        scheme = parsed?.scheme?.lowercased() ?? ""
        host = parsed?.host?.lowercased() ?? ""
        port = parsed?.port ?? (scheme == "https" ? 443 : 80)
    }

    /// `host:port`, for messages.
    var display: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(shownHost.visible):\(port)"
    }

    /// A `Location` made absolute against the URL it answered.
    static func resolve(_ location: String, against base: String) -> String? {
        guard let baseURL = URL(string: base), let target = URL(string: location, relativeTo: baseURL) else { return nil }
        return target.absoluteString
    }
}
