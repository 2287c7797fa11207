public import YAML

/// Everything that can be wrong with a manifest, as values that tests compare directly.
public enum ManifestProblem: Sendable, Hashable {
    // The file and its YAML.
    case yaml(YAMLError.Kind, message: String)
    case emptyFile

    // Shape.
    case wrongType(field: String, expected: String, found: String)
    case unknownKey(String, in: String, suggestion: String?)
    case missingKey(String, in: String)
    case secretInManifest(key: String)

    // Values.
    case unsupportedVersion(found: String)
    case unknownAPI(found: String, suggestion: String?)
    case invalidKey(String, kind: String, reason: String)
    case invalidText(field: String, reason: String)
    case duplicateName(String, kind: String, first: Mark)
    case duplicateKey(String, kind: String, first: Mark)
    case invalidURL(field: String, reason: String)
    case unknownAssetType(found: String)
    case typeRequired(url: String)
    case underivableKey(url: String, derived: String)
    case derivedKeyCollision(String, first: Mark)
    case invalidLimit(field: String, reason: String)
    case invalidDuration(field: String, found: String)
    case platformOnlyForZeroZero
    case keyNotForDialect(key: String, api: String, hint: String)
    /// `provider.<field>` is not an environment variable's name (its value, perhaps a key
    /// written in its place, is not repeated).
    case invalidEnvironmentName(field: String)
    case invalidMove(String)
    case duplicateMove(Address, end: String, first: Mark)
    case moveFromStillDeclared(Address)
    /// Found against the lockfile, when planning.
    case moveTargetTracked(from: Address, to: Address, id: String)

    // Warnings.
    case duplicateURL(String, first: Mark)
    case emptyGroup(String)
    case typeDisagreesWithExtension(type: String, inferred: String)
    case moveToUndeclared(Address)

    // Preflight (`check`, SPEC §10): what a source's server answered, at the asset's position.
    case sourceProblem(address: String, message: String)
    case sourceChanged(address: String, change: String)

    /// Whether the source line under this finding is shown without its value: a secret in the
    /// manifest, or an unknown key whose value may be one.
    public var hidesValue: Bool {
        switch self {
        case .secretInManifest, .invalidEnvironmentName: true
        case .unknownKey(let key, _, _): ManifestKeys.mayHoldSecret(key)
        default: false
        }
    }

    public var message: String {
        switch self {
        case .yaml(_, let message):
            return message
        case .emptyFile:
            return "the file holds no YAML document; a manifest starts with `version: 1`"
        case .wrongType(let field, let expected, let found):
            return "\(field) must be \(expected), not \(found)"
        case .unknownKey(let key, let context, let suggestion):
            let hint = suggestion.map { "; did you mean \"\($0)\"?" } ?? ""
            return "unknown key \"\(key)\" in \(context)\(hint)"
        case .missingKey(let key, let context):
            return "\(context) is missing the required key \"\(key)\""
        case .secretInManifest(let key):
            return "\"\(key)\" is not allowed: a secret never goes in the manifest; set provider.api_key_env "
                + "(or access_key_env and secret_key_env, for volcengine and byteplus) to the name of an "
                + "environment variable that holds it"
        case .unsupportedVersion(let found):
            return "version must be 1, not \(found)"
        case .unknownAPI(let found, let suggestion):
            let hint = suggestion.map { "; did you mean \"\($0)\"?" } ?? ""
            let names = API.allCases.map { "\"\($0.rawValue)\"" }
            return
                "provider.api must be \(names.dropLast().joined(separator: ", ")) or \(names.last ?? ""), not \"\(found)\"\(hint)"
        case .invalidKey(let key, let kind, let reason):
            return "\(kind) key \"\(key)\" \(reason)"
        case .invalidText(let field, let reason):
            return "\(field) \(reason)"
        case .duplicateName(let name, let kind, let first):
            return "\(kind) name \"\(name)\" is already used at line \(first.line), column \(first.column); "
                + "names must be unique, they are how assetform recognises its \(kind)s remotely"
        case .duplicateKey(let key, let kind, let first):
            return "\(kind) key \"\(key)\" is already used at line \(first.line), column \(first.column)"
        case .invalidURL(let field, let reason):
            return "\(field) \(reason)"
        case .unknownAssetType(let found):
            return "type must be image, video or audio, not \"\(found)\""
        case .typeRequired(let url):
            return "cannot tell the asset type from \"\(Self.shortened(url))\"; add type: image, video or audio"
        case .underivableKey(let url, let derived):
            let got = derived.isEmpty ? "nothing" : "\"\(derived)\""
            return "cannot make an asset key from the file name of \"\(Self.shortened(url))\" (it gives \(got)); "
                + "write the assets as a mapping with explicit keys"
        case .derivedKeyCollision(let key, let first):
            return "this URL gives the key \"\(key)\", as the URL at line \(first.line), column \(first.column) does; "
                + "write the assets as a mapping with explicit keys"
        case .invalidLimit(let field, let reason):
            return "\(field) \(reason)"
        case .invalidDuration(let field, let found):
            return "\(field) must be a duration such as 500ms, 30s, 15m or 1h, not \"\(found)\""
        case .platformOnlyForZeroZero:
            return "provider.platform applies only to api \"0-0\""
        case .invalidEnvironmentName(let field):
            return "provider.\(field) must name an environment variable (letters, digits and _, not starting with a "
                + "digit) that holds the secret, not the secret itself; its value is not shown"
        case .invalidMove(let reason):
            return "moved: \(reason)"
        case .duplicateMove(let address, let end, let first):
            return "moved: \(address) is already the \(end) of the entry at line \(first.line), column \(first.column)"
        case .moveFromStillDeclared(let address):
            return "moved from \(address), but the manifest still declares \(address); a move's old address must be gone "
                + "from the manifest"
        case .moveTargetTracked(let from, let to, let id):
            return "moved from \(from) to \(to), but the lockfile already tracks \(to) (\(id)); "
                + "`assetform forget \(to)` first, or remove this entry"
        case .moveToUndeclared(let address):
            return "moved to \(address), which the manifest does not declare: the record moves there and is then forgotten"
        case .duplicateURL(let url, let first):
            return "the URL \"\(Self.shortened(url))\" is already registered in this group at line \(first.line), "
                + "column \(first.column); it will be created (and billed) twice"
        case .emptyGroup(let key):
            return "group \"\(key)\" has no assets"
        case .typeDisagreesWithExtension(let type, let inferred):
            return "type is \(type), but the URL's extension says \(inferred)"
        case .keyNotForDialect(let key, let api, let hint):
            return "provider.\(key) does not apply to api \(api): \(hint)"
        case .sourceProblem(let address, let message):
            return "\(address): \(message)"
        case .sourceChanged(let address, let change):
            return "\(address): the source changed since it was registered (\(change)); "
                + "re-register it with a new `revision:` or `--replace \(address)`"
        }
    }

    /// A URL for a message, its query redacted: long ones keep their start and end.
    static func shortened(_ url: String) -> String {
        let url = URLQuery.redacted(in: url)
        guard url.count > 120 else { return url }
        return String(url.prefix(80)) + "…" + String(url.suffix(30))
    }
}
