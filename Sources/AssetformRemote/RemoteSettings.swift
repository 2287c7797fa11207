public import AssetformCore

/// An API key: kept out of every description, so that printing a value that holds one shows
/// `<redacted>`.
public struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let value: String

    /// The key is registered with `Redaction` at once: no text the program prints, logs or writes
    /// from then on can carry it.
    public init(_ value: String) {
        self.value = value
        Redaction.register(secret: value)
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

/// Everything a client needs to talk to the service, resolved from the manifest and the
/// environment.
public struct RemoteSettings: Sendable {
    public var api: API
    /// Without a trailing slash.
    public var baseURL: String
    public var key: APIKey
    public var projectName: String
    public var platform: String
    public var limits: Limits

    public init(
        api: API, baseURL: String, key: APIKey, projectName: String = "default", platform: String = "JIMENG",
        limits: Limits = Limits()
    ) {
        self.api = api
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.key = key
        self.projectName = projectName
        self.platform = platform
        self.limits = limits
    }

    /// Why the settings cannot be resolved: what is missing or wrong in the environment.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The variable that must hold the key is not set (`empty`: set, but empty).
        case missingKey(variable: String, empty: Bool)
        /// `ASSETFORM_BASE_URL` is not an address the tool may use.
        case badBaseURL(variable: String, problem: String)

        public var description: String {
            switch self {
            case .missingKey(let variable, let empty):
                "the environment variable \(variable) \(empty ? "is empty" : "is not set"); it must hold the API key "
                    + "(the manifest's provider.api_key_env names it)"
            case .badBaseURL(let variable, let problem): "\(variable) \(problem)"
            }
        }
    }

    public static let baseURLVariable = "ASSETFORM_BASE_URL"

    /// The key from the variable the manifest names; `ASSETFORM_BASE_URL` overrides the address.
    public static func resolve(_ manifest: Manifest, environment: [String: String]) throws(Failure) -> RemoteSettings {
        let provider = manifest.provider
        guard let key = environment[provider.apiKeyEnv], !key.isEmpty else {
            throw .missingKey(variable: provider.apiKeyEnv, empty: environment[provider.apiKeyEnv] != nil)
        }
        var baseURL = provider.baseURL
        if let override = environment[baseURLVariable], !override.isEmpty {
            if let problem = Provider.baseURLProblem(override) {
                throw .badBaseURL(variable: baseURLVariable, problem: problem)
            }
            baseURL = override
        }
        return RemoteSettings(
            api: provider.api, baseURL: baseURL, key: APIKey(key), projectName: provider.projectName,
            platform: provider.platform ?? Provider.defaultPlatform, limits: manifest.limits)
    }
}
