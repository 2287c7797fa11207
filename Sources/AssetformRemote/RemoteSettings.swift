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

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public static let baseURLVariable = "ASSETFORM_BASE_URL"

    /// The key from the variable the manifest names; `ASSETFORM_BASE_URL` overrides the address.
    public static func resolve(_ manifest: Manifest, environment: [String: String]) throws(Failure) -> RemoteSettings {
        let provider = manifest.provider
        guard let key = environment[provider.apiKeyEnv], !key.isEmpty else {
            let state = environment[provider.apiKeyEnv] == nil ? "is not set" : "is empty"
            throw Failure(
                description: "the environment variable \(provider.apiKeyEnv) \(state); it must hold the API key "
                    + "(the manifest's provider.api_key_env names it)")
        }
        var baseURL = provider.baseURL
        if let override = environment[baseURLVariable], !override.isEmpty {
            if let problem = Provider.baseURLProblem(override) {
                throw Failure(description: "\(baseURLVariable) \(problem)")
            }
            baseURL = override
        }
        return RemoteSettings(
            api: provider.api, baseURL: baseURL, key: APIKey(key), projectName: provider.projectName,
            platform: provider.platform ?? Provider.defaultPlatform, limits: manifest.limits)
    }
}
