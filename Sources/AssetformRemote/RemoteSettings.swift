public import AssetformCore

/// An API key: kept out of every description, so that printing a value that holds one shows
/// `<redacted>`.
public struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String

    /// The key is registered with `Redaction` at once: no text the program prints, logs or writes
    /// from then on can carry it.
    public init(_ value: String) {
        self.value = value
        Redaction.register(secret: value)
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    /// `dump` and mirrors show nothing of the key.
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// Everything a client needs to talk to the service, resolved from the manifest and the
/// environment.
public struct RemoteSettings: Sendable {
    public var api: API
    /// Without a trailing slash.
    public var baseURL: String
    /// The resellers' bearer key (unused by the upstream's dialects).
    public var key: APIKey
    /// The upstream's dialects: each request signed with these.
    public var signing: SigningKey?
    public var projectName: String
    public var platform: String
    public var limits: Limits

    public init(
        api: API, baseURL: String, key: APIKey, signing: SigningKey? = nil, projectName: String = "default",
        platform: String = "JIMENG", limits: Limits = Limits()
    ) {
        self.api = api
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.key = key
        self.signing = signing
        self.projectName = projectName
        self.platform = platform
        self.limits = limits
    }

    /// Why the settings cannot be resolved: what is missing or wrong in the environment.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The variable that must hold the key is not set (`empty`: set, but empty).
        case missingKey(variable: String, empty: Bool)
        /// The variable that must hold the access key or the secret key is not set.
        case missingSigningKey(variable: String, empty: Bool, which: String)
        /// `ASSETFORM_BASE_URL` is not an address the tool may use.
        case badBaseURL(variable: String, problem: String)

        public var description: String {
            switch self {
            case .missingKey(let variable, let empty):
                "the environment variable \(variable) \(empty ? "is empty" : "is not set"); it must hold the API key "
                    + "(the manifest's provider.api_key_env names it)"
            case .missingSigningKey(let variable, let empty, let which):
                "the environment variable \(variable) \(empty ? "is empty" : "is not set"); it must hold the \(which) "
                    + "(the manifest's provider.\(which == "access key" ? "access_key_env" : "secret_key_env") names it)"
            case .badBaseURL(let variable, let problem): "\(variable) \(problem)"
            }
        }
    }

    public static let baseURLVariable = "ASSETFORM_BASE_URL"

    /// The key from the variable the manifest names; `ASSETFORM_BASE_URL` overrides the address.
    public static func resolve(_ manifest: Manifest, environment: [String: String]) throws(Failure) -> RemoteSettings {
        let provider = manifest.provider
        var signing: SigningKey?
        var key = ""
        if provider.api.isNative {
            var values: [String] = []
            for (variable, which) in [(provider.accessKeyEnv, "access key"), (provider.secretKeyEnv, "secret key")] {
                let name = variable ?? ""
                guard let value = environment[name], !value.isEmpty else {
                    throw .missingSigningKey(variable: name, empty: environment[name] != nil, which: which)
                }
                values.append(value)
            }
            signing = SigningKey(
                accessKey: values[0], secretKey: values[1], region: provider.region ?? provider.api.defaultRegion ?? "")
        } else {
            guard let value = environment[provider.apiKeyEnv], !value.isEmpty else {
                throw .missingKey(variable: provider.apiKeyEnv, empty: environment[provider.apiKeyEnv] != nil)
            }
            key = value
        }
        var baseURL = provider.baseURL
        if let override = environment[baseURLVariable], !override.isEmpty {
            if let problem = Provider.baseURLProblem(override) {
                throw .badBaseURL(variable: baseURLVariable, problem: problem)
            }
            baseURL = override
        }
        return RemoteSettings(
            api: provider.api, baseURL: baseURL, key: APIKey(key), signing: signing, projectName: provider.projectName,
            platform: provider.platform ?? Provider.defaultPlatform, limits: manifest.limits)
    }
}
