import Durable
import JSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The lockfile (SPEC §3): per address, what was applied and what the service answered.
public struct Lockfile: Sendable, Equatable {
    /// The largest serial a lockfile holds (2^53, exact in every JSON reader): one past it is
    /// refused on reading, and a write at it is refused.
    public static let maxSerial = 1 << 53

    public static let version = 1

    /// Fixed when the lockfile is first made.
    public var lineage: String
    /// Grows by one on every write.
    public var serial: Int
    public var provider: LockedProvider
    /// By group key.
    public var groups: [String: LockedGroup]
    /// On 0-0, which cannot list: the asset addresses this lockfile tracked and forgot, with the
    /// id each had, so that a create at one of them later is said to risk a billed duplicate
    /// (SPEC §9). An address tracked again leaves it. Written only when there are any.
    public var forgotten: [Address: String] = [:]

    public init(
        lineage: String = Lockfile.newLineage(), serial: Int = 0, provider: LockedProvider, groups: [String: LockedGroup] = [:]
    ) {
        self.lineage = lineage
        self.serial = serial
        self.provider = provider
        self.groups = groups
    }

    /// A new lockfile for a manifest's provider.
    public init(for provider: Provider) {
        self.init(provider: LockedProvider(provider))
    }

    /// A random UUID (version 4) in its usual spelling.
    public static func newLineage() -> String {
        var g = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }

    public var assetCount: Int { groups.values.reduce(0) { $0 + $1.assets.count } }
}

/// Which service a lockfile belongs to: a lockfile for another is refused.
public struct LockedProvider: Sendable, Equatable {
    public var api: String
    public var baseURL: String
    public var projectName: String

    public init(api: String, baseURL: String, projectName: String) {
        self.api = api
        self.baseURL = baseURL
        self.projectName = projectName
    }

    public init(_ provider: Provider, baseURL: String? = nil) {
        self.init(api: provider.api.rawValue, baseURL: baseURL ?? provider.baseURL, projectName: provider.projectName)
    }

    /// Its fields as every JSON form writes them (a saved plan's `provider`, a journal's first
    /// record): `api`, `base_url`, `project_name`.
    /// The fields it is written with, in order.
    public static let fieldNames = ["api", "base_url", "project_name"]

    public var jsonFields: [(String, JSONValue)] {
        [("api", .string(api)), ("base_url", .string(baseURL)), ("project_name", .string(projectName))]
    }

    public var json: JSONValue { .object(jsonFields) }

    /// One service: the same dialect and project at the same address, however it is spelled
    /// (`https://API.example.com:443/` is `https://api.example.com`): a lockfile is not refused
    /// as another service's for a change of case or a written default port.
    public static func == (a: LockedProvider, b: LockedProvider) -> Bool {
        a.api == b.api && a.projectName == b.projectName && canonical(a.baseURL) == canonical(b.baseURL)
    }

    /// An address with its scheme and host in lower case, without its scheme's default port and
    /// without a trailing slash (its path as written otherwise).
    static func canonical(_ url: String) -> String {
        guard let separator = url.range(of: "://") else { return url }
        let scheme = url[..<separator.lowerBound].lowercased()
        let rest = url[separator.upperBound...]
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash].lowercased()
        var path = String(rest[slash...])
        if let port = ["https": ":443", "http": ":80"][scheme], authority.hasSuffix(port) { authority.removeLast(port.count) }
        while path.hasSuffix("/") { path.removeLast() }
        return scheme + "://" + authority + path
    }

    /// Read from an object that holds those fields (others may be beside them), each as the tool
    /// writes it: a dialect it speaks, an address a manifest may name (no credentials, query or
    /// control character), a project name of one visible line. A file edited by hand to hold
    /// anything else is refused, so that nothing from it is shown or called unchecked.
    public init?(json: JSONValue) {
        guard let api = json["api"]?.string, API(rawValue: api) != nil, let base = json["base_url"]?.string,
            Provider.baseURLProblem(base) == nil, let project = json["project_name"]?.string,
            !VisibleText.needsAnyEscape(project)
        else { return nil }
        self.init(api: api, baseURL: base, projectName: project)
    }
}

public struct LockedGroup: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The description that was applied; nil when the manifest leaves it alone.
    public var description: String?
    /// By asset key.
    public var assets: [String: LockedAsset]

    public init(id: String, name: String, description: String? = nil, assets: [String: LockedAsset] = [:]) {
        self.id = id
        self.name = name
        self.description = description
        self.assets = assets
    }
}

public struct LockedAsset: Sendable, Equatable {
    /// A lockfile holds one of these per asset: they are kept small (most fields inline, the
    /// rarely set ones in one shared box, the usual reference worked out from the id).
    public var id: String {
        didSet {
            // The reference stays what it was, whatever the id becomes.
            if ExactText(id) != ExactText(oldValue), case .derived(let bare) = reference {
                reference = .written(Reference.derived(bare: bare).text(id: oldValue))
            }
        }
    }
    public var name: String
    public var status: AssetStatus
    public var type: AssetType
    /// The manifest's source URL: never the signed link the service shows once Active.
    public var url: String
    private var reference: Reference
    private var rare: RareFields?

    /// How video generation refers to it: `asset://ID` on seedance, the id on 0-0.
    public var ref: String {
        get { reference.text(id: id) }
        set { reference = Reference(newValue, id: id) }
    }

    /// The service's code and message for a Failed asset.
    public var failure: RemoteAsset.Failure? {
        get { rare?.failure }
        set { rare = RareFields.make(failure: newValue, revision: revision, source: source) }
    }

    /// The manifest's `revision` when it was registered (or adopted, or imported).
    public var revision: String? {
        get { rare?.revision }
        set { rare = RareFields.make(failure: failure, revision: newValue, source: source) }
    }

    /// What the source looked like when it was registered, when apply checked it (SPEC §10).
    public var source: SourceFingerprint? {
        get { rare?.source }
        set { rare = RareFields.make(failure: failure, revision: revision, source: newValue) }
    }

    public init(
        id: String, name: String, ref: String, status: AssetStatus, type: AssetType, url: String,
        failure: RemoteAsset.Failure? = nil, revision: String? = nil, source: SourceFingerprint? = nil
    ) {
        self.id = id
        self.name = name
        self.reference = Reference(ref, id: id)
        self.status = status
        self.type = type
        self.url = url
        self.rare = RareFields.make(failure: failure, revision: revision, source: source)
    }

    /// `init` with the reference as a lockfile's reader found it (no String made for the usual one).
    init(
        id: String, name: String, reference: Reference, status: AssetStatus, type: AssetType, url: String,
        failure: RemoteAsset.Failure?, revision: String?, source: SourceFingerprint?
    ) {
        self.id = id
        self.name = name
        self.reference = reference
        self.status = status
        self.type = type
        self.url = url
        self.rare = RareFields.make(failure: failure, revision: revision, source: source)
    }

    public static func == (a: LockedAsset, b: LockedAsset) -> Bool {
        a.id == b.id && a.name == b.name && a.ref == b.ref && a.status == b.status && a.type == b.type && a.url == b.url
            && a.failure == b.failure && a.revision == b.revision && a.source == b.source
    }

    /// The reference: the id in one of the two usual forms (no string of its own), or as written.
    enum Reference: Sendable {
        /// `bare`: the id itself (0-0); otherwise `asset://` and the id.
        case derived(bare: Bool)
        case written(String)

        init(_ ref: String, id: String) {
            var r = ref
            self = r.withUTF8 { Reference($0, id: id, text: ref) }
        }

        /// Its text, for the id it was made with.
        func text(id: String) -> String {
            switch self {
            case .derived(let bare): bare ? id : "asset://" + id
            case .written(let ref): ref
            }
        }

        /// From the reference's UTF-8 bytes (valid UTF-8: a String's, or a reader's checked text).
        init(_ ref: UnsafeBufferPointer<UInt8>, id: String) {
            self.init(ref, id: id, text: nil)
        }

        /// Byte for byte (String's `==` would call canonically equivalent texts equal), on the
        /// contiguous bytes (this runs for every asset a lockfile holds).
        private init(_ r: UnsafeBufferPointer<UInt8>, id: String, text: String?) {
            let (m, n) = (r.count, id.utf8.count)
            var i = id
            let derived =
                (m == n || m == n + 8)
                && i.withUTF8 { i in
                    let prefix: StaticString = "asset://"
                    let skip = m - n
                    if skip == 8 {
                        for k in 0..<8 where r[k] != prefix.utf8Start[k] { return false }
                    }
                    return n == 0 || memcmp(r.baseAddress! + skip, i.baseAddress!, n) == 0
                }
            self = derived ? .derived(bare: m == n) : .written(text ?? String(decoding: r, as: UTF8.self))
        }
    }

    /// Whether the planner leaves this record unchanged for `asset` (SPEC §5), by its own
    /// fields alone: Active, the same type, and the same url, name and (where the manifest gives
    /// one) revision byte for byte. False sends the asset through the planner's general rules.
    func isUnchanged(as asset: Asset) -> Bool {
        status == .active && type == asset.type
            && (asset.revision == nil || revision.map { ExactText($0) == ExactText(asset.revision!) } == true)
            && ExactText(url) == ExactText(asset.url) && ExactText(name) == ExactText(asset.name)
    }

    /// The reference for an id, as the dialect writes it.
    public static func ref(for id: String, api: API) -> String {
        api == .zeroZero ? id : "asset://" + id
    }
}
