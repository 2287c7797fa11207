import AssetformCore
import AssetformRemote
import NIOCore
import NIOPosix
import NIOSSL

/// Preflight of source URLs (SPEC §10): the first bytes of each, fetched with bounded
/// concurrency and a timeout, judged against the media limits. It never calls the asset service.
public struct Preflight: Sendable {
    /// One source to look at.
    public struct Item: Sendable {
        public var address: String
        public var url: String
        public var type: AssetType
        /// What the lockfile recorded when it was registered, to report a change.
        public var recorded: SourceFingerprint?

        public init(address: String, url: String, type: AssetType, recorded: SourceFingerprint? = nil) {
            self.address = address
            self.url = url
            self.type = type
            self.recorded = recorded
        }
    }

    public struct Settings: Sendable {
        /// Sources fetched at once.
        public var concurrency = 16
        /// Per URL, redirects included.
        public var timeout: Duration = .seconds(10)
        /// Body bytes read by the first request for a source.
        public var bodyLimit = 8 << 10
        /// Follow-up reads where the first bytes stop short (a JPEG's EXIF block, an MP3's tag), and their length.
        public var followUps = 2
        public var followUpLength = 2 << 10
        public var maxRedirects = 5
        public var overrides = ResolveOverrides()
        /// `SSL_CERT_FILE`: the roots to trust instead of the system's.
        public var certificateFile: String?

        public init() {}

        /// `ASSETFORM_RESOLVE` and `SSL_CERT_FILE` from the environment.
        public static func from(environment: [String: String]) throws(ResolveOverrides.Failure) -> Settings {
            var s = Settings()
            if let hook = environment[ResolveOverrides.variable], !hook.isEmpty {
                s.overrides = try ResolveOverrides.parse(hook)
            }
            s.certificateFile = environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            return s
        }
    }

    public struct SetupFailure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    let settings: Settings
    let fetcher: SourceFetcher

    public init(_ settings: Settings) throws(SetupFailure) {
        self.settings = settings
        let context: NIOSSLContext
        do {
            context = try SourceFetcher.makeContext(certificateFile: settings.certificateFile)
        } catch {
            let file = settings.certificateFile.map { " (SSL_CERT_FILE=\($0.visible))" } ?? ""
            throw SetupFailure(description: "cannot set up TLS for preflight\(file): \(Redaction.redact("\(error)"))")
        }
        fetcher = SourceFetcher(
            context: context, overrides: settings.overrides, group: MultiThreadedEventLoopGroup.singleton,
            idle: IdleConnections(perHost: max(1, settings.concurrency)))
    }

    /// Every item's report, in the items' order. `limits` per type; `done` is told of each one
    /// as it finishes.
    public func run(_ items: [Item], limits: CheckLimits, done: (@Sendable (SourceReport) -> Void)? = nil) async
        -> [SourceReport]
    {
        var reports = [SourceReport?](repeating: nil, count: items.count)
        await withTaskGroup(of: (Int, SourceReport).self) { group in
            var next = 0
            func start() {
                guard next < items.count else { return }
                let (index, item) = (next, items[next])
                next += 1
                group.addTask { (index, await check(item, limits: limits[item.type])) }
            }
            for _ in 0..<max(1, settings.concurrency) { start() }
            while let (index, report) = await group.next() {
                reports[index] = report
                done?(report)
                if !Task.isCancelled { start() }
            }
        }
        fetcher.idle.closeAll()
        return reports.enumerated().map { i, r in
            r
                ?? SourceReport(
                    address: items[i].address, url: Redaction.redact(items[i].url), type: items[i].type,
                    problems: ["not checked (interrupted)"])
        }
    }

    /// One source: followed through its redirects within one deadline, its first bytes read
    /// (and, where they stop short of a JPEG's frame header or an MP3's first frame, a few
    /// more), then judged.
    public func check(_ item: Item, limits: CheckLimits.Media) async -> SourceReport {
        var report = SourceReport(address: item.address, url: Redaction.redact(item.url).visible, type: item.type)
        guard var location = SourceLocation(item.url) else {
            report.problems.append("is not an https URL preflight can fetch")
            return report
        }
        let deadline = SourceFetcher.Deadline(settings.timeout)
        func failed(_ error: SourceFetcher.Failure) {
            report.problems.append(
                "cannot be fetched" + (report.redirects > 0 ? " (after \(report.redirects) redirects)" : "") + ": "
                    + error.description.visible)
        }
        while true {
            let response: SourceFetcher.Response
            do {
                response = try await fetcher.get(location, range: 0...(settings.bodyLimit - 1), deadline: deadline)
            } catch {
                failed(error)
                return report
            }
            report.bytesRead += response.bytesRead
            report.status = response.status
            if [301, 302, 303, 307, 308].contains(response.status), let next = response.headers["location"] {
                report.redirects += 1
                let target = location.resolve(next)
                let shown = String(Redaction.redact(Self.withoutCredentials(target)).prefix(300)).visible
                guard report.redirects <= settings.maxRedirects else {
                    report.problems.append("redirects more than \(settings.maxRedirects) times (the last to \(shown))")
                    return report
                }
                if case .failure(let f) = SourceURL.parse(target) {
                    report.problems.append("redirects to \(shown); the target \(f.reason)")
                    return report
                }
                guard let nextLocation = SourceLocation(target) else {
                    report.problems.append("redirects to \(shown), which preflight cannot fetch")
                    return report
                }
                location = nextLocation
                continue
            }
            let length = SourceVerdict.length(status: response.status, headers: response.headers)
            var media = MediaProbe.probe(response.body, totalLength: length)
            // A few more bytes where the first stop short; only from a server that honours ranges.
            var next = MediaProbe.continuation(response.body)
            var rounds = 0
            while response.status == 206, rounds < settings.followUps, let offset = next,
                media.width == nil && media.duration == nil, length.map({ offset < $0 }) ?? true
            {
                rounds += 1
                let range = offset...(offset + settings.followUpLength - 1)
                guard let more = try? await fetcher.get(location, range: range, deadline: deadline), more.status == 206,
                    !more.body.isEmpty
                else { break }
                report.bytesRead += more.bytesRead
                media = MediaProbe.probe(continuing: response.body, at: offset, with: more.body, totalLength: length)
                // A JPEG's walk may stop short again (EXIF, then ICC or XMP): it goes on from there.
                next = nil
                if response.body.starts(with: [0xFF, 0xD8]), let c = MediaProbe.continuation([0xFF, 0xD8] + more.body) {
                    next = offset + c - 2
                }
            }
            let verdict = SourceVerdict(
                type: item.type, limits: limits, status: response.status, reason: response.reason,
                headers: response.headers, body: response.body, media: media)
            report.problems += verdict.problems
            report.media = verdict.media
            report.length = verdict.length
            report.contentType = verdict.contentType
            report.fingerprint = verdict.fingerprint
            if let recorded = item.recorded, let now = verdict.fingerprint {
                report.changed = recorded.change(to: now)?.visible
            }
            return report
        }
    }

    /// A URL's text with any credentials before its host (`user:password@`) shown as
    /// `<redacted>@`: a redirect's target is the media server's text, and may carry them.
    static func withoutCredentials(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<end].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + "<redacted>" + String(rest[at...])
    }
}
