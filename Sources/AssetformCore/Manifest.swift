public import YAML

/// A validated manifest (SPEC §2), with every default filled in.
public struct Manifest: Sendable, Equatable {
    public var version: Int
    public var provider: Provider
    public var limits: Limits
    /// Groups in the order they are written.
    public var groups: [Group]
    /// Keys renamed since the last apply (`moved:`), in the order they are written.
    public var moved: [Move]
    /// What preflight accepts of a source (`checks:`).
    public var checks: CheckLimits

    public init(
        version: Int = 1, provider: Provider, limits: Limits = Limits(), groups: [Group], moved: [Move] = [],
        checks: CheckLimits? = nil
    ) {
        self.version = version
        self.provider = provider
        self.limits = limits
        self.groups = groups
        self.moved = moved
        self.checks = checks ?? CheckLimits.defaults(for: provider.api)
    }

    public var assetCount: Int { groups.reduce(0) { $0 + $1.assets.count } }
}

/// The remote dialects (API.md): two resellers', and the upstream's own two (§5), which sign
/// each request with an access key and a secret key and can delete.
public enum API: String, Sendable, CaseIterable {
    case seedance
    case zeroZero = "0-0"
    case volcengine
    case byteplus

    public var defaultBaseURL: String {
        switch self {
        case .seedance: "https://gogogotoken.com"
        case .zeroZero: "https://api.0-0.pro"
        case .volcengine, .byteplus: baseURL(region: defaultRegion ?? "")
        }
    }

    /// Volcengine Ark or BytePlus ModelArk: signed requests, `DeleteAsset` and `DeleteAssetGroup`.
    public var isNative: Bool { self == .volcengine || self == .byteplus }

    /// The upstream's region when the manifest names none.
    public var defaultRegion: String? {
        switch self {
        case .volcengine: "cn-beijing"
        case .byteplus: "ap-southeast-1"
        default: nil
        }
    }

    /// The upstream's address for a region (API.md §5).
    public func baseURL(region: String) -> String {
        switch self {
        case .volcengine: "https://ark.\(region).volcengineapi.com"
        case .byteplus: "https://ark.\(region).byteplusapi.com"
        default: defaultBaseURL
        }
    }

    /// The variables that hold the access key and the secret key, unless the manifest names others.
    public var defaultAccessKeyEnv: String? {
        switch self {
        case .volcengine: "VOLCENGINE_ACCESS_KEY"
        case .byteplus: "BYTEPLUS_ACCESS_KEY"
        default: nil
        }
    }

    public var defaultSecretKeyEnv: String? {
        switch self {
        case .volcengine: "VOLCENGINE_SECRET_KEY"
        case .byteplus: "BYTEPLUS_SECRET_KEY"
        default: nil
        }
    }
}

public struct Provider: Sendable, Equatable {
    public static let defaultAPIKeyEnv = "ASSETFORM_API_KEY"
    public static let defaultProjectName = "default"
    public static let defaultPlatform = "JIMENG"

    public var api: API
    /// Without a trailing slash.
    public var baseURL: String
    /// The name of the environment variable that holds the key (never the key itself).
    public var apiKeyEnv: String
    public var projectName: String
    /// `0-0` only; nil on seedance.
    public var platform: String?
    /// The upstream's region, for its dialects (nil for the resellers').
    public var region: String?
    /// The variables that hold the access key and the secret key, for the upstream's dialects.
    public var accessKeyEnv: String?
    public var secretKeyEnv: String?

    public init(
        api: API, baseURL: String? = nil, apiKeyEnv: String = Provider.defaultAPIKeyEnv,
        projectName: String = Provider.defaultProjectName, platform: String? = nil, region: String? = nil,
        accessKeyEnv: String? = nil, secretKeyEnv: String? = nil
    ) {
        self.api = api
        let region = region ?? api.defaultRegion
        self.region = region
        self.baseURL = baseURL ?? region.map(api.baseURL(region:)) ?? api.defaultBaseURL
        self.apiKeyEnv = apiKeyEnv
        self.projectName = projectName
        self.platform = platform ?? (api == .zeroZero ? Provider.defaultPlatform : nil)
        self.accessKeyEnv = accessKeyEnv ?? api.defaultAccessKeyEnv
        self.secretKeyEnv = secretKeyEnv ?? api.defaultSecretKeyEnv
    }
}

public enum AssetType: String, Sendable, CaseIterable {
    case image, video, audio
}

public struct Group: Sendable, Equatable {
    /// Stable identity in the manifest and the lockfile.
    public var key: String
    /// The remote name; the key unless one is given.
    public var name: String
    /// nil when the manifest does not set one: the remote description is then left alone.
    public var description: String?
    /// Assets in the order they are written.
    public var assets: [Asset]
    /// Where the group's key is written.
    public var mark: Mark

    public init(key: String, name: String? = nil, description: String? = nil, assets: [Asset], mark: Mark) {
        self.key = key
        self.name = name ?? key
        self.description = description
        self.assets = assets
        self.mark = mark
    }

    public var address: String { key }
}

public struct Asset: Sendable, Equatable {
    public var key: String
    /// The source URL, as written in the manifest.
    public var url: String
    public var type: AssetType
    /// The remote name; the key unless one is given.
    public var name: String
    /// Any text; changing it means "the content behind this URL changed, register it again".
    public var revision: String?
    /// Where the asset's key (or, in a URL list, its URL) is written.
    public var mark: Mark

    public init(key: String, url: String, type: AssetType, name: String? = nil, revision: String? = nil, mark: Mark) {
        self.key = key
        self.url = url
        self.type = type
        self.name = name ?? key
        self.revision = revision
        self.mark = mark
    }

    public func address(in group: Group) -> String { group.key + "/" + key }
}
