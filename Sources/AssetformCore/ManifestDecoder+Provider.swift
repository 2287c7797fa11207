import YAML

extension ManifestDecoder {
    private static let providerKeys = ManifestKeys.provider
    private static let secretKeys: Set<String> = [
        "api_key", "apikey", "key", "token", "api_token", "secret", "authorization", "bearer",
    ]

    mutating func decodeProvider(_ node: Node) -> Provider? {
        guard case .mapping(let m) = node else {
            error(
                .wrongType(field: "provider", expected: "a mapping (api, base_url, …)", found: node.kindDescription),
                at: node.mark)
            return nil
        }
        var api: API?
        var sawAPI = false
        var baseURL: String?
        var keyEnv = Provider.defaultAPIKeyEnv
        var project = Provider.defaultProjectName
        var platform: (String, Mark)?
        var region: (String, Mark)?
        var accessKeyEnv: (String, Mark)?
        var secretKeyEnv: (String, Mark)?
        var apiKeyEnvMark: Mark?
        var ok = true
        for entry in m.entries {
            guard let key = fieldName(entry.key, in: "provider") else { continue }
            switch key {
            case "api":
                sawAPI = true
                guard let value = text(entry.value, field: "provider.api") else { ok = false; continue }
                api = API(rawValue: value)
                if api == nil {
                    error(
                        .unknownAPI(found: value, suggestion: Suggestion.closest(to: value, in: API.allCases.map(\.rawValue))),
                        at: entry.value.mark)
                }
            case "base_url":
                guard let value = text(entry.value, field: "provider.base_url") else { ok = false; continue }
                if let reason = Self.baseURLProblem(value) {
                    error(.invalidURL(field: "provider.base_url", reason: reason), at: entry.value.mark)
                    ok = false
                } else {
                    baseURL = value.hasSuffix("/") ? String(value.dropLast()) : value
                }
            case "api_key_env":
                apiKeyEnvMark = entry.key.mark
                guard let value = text(entry.value, field: "provider.api_key_env") else { ok = false; continue }
                if Self.isEnvironmentName(value) {
                    keyEnv = value
                } else {
                    error(.invalidEnvironmentName(field: "api_key_env"), at: entry.value.mark)
                    ok = false
                }
            case "access_key_env", "secret_key_env":
                guard let value = text(entry.value, field: "provider.\(key)") else { ok = false; continue }
                if Self.isEnvironmentName(value) {
                    if key == "access_key_env" {
                        accessKeyEnv = (value, entry.key.mark)
                    } else {
                        secretKeyEnv = (value, entry.key.mark)
                    }
                } else {
                    error(.invalidEnvironmentName(field: key), at: entry.value.mark)
                    ok = false
                }
            case "region":
                guard let value = text(entry.value, field: "provider.region") else { ok = false; continue }
                if !value.isEmpty, value.count <= 32,
                    value.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
                {
                    region = (value, entry.key.mark)
                } else {
                    error(
                        .invalidText(
                            field: "provider.region", reason: "must be a region name such as cn-beijing or ap-southeast-1"),
                        at: entry.value.mark)
                    ok = false
                }
            case "project_name":
                if let value = label(entry.value, field: "provider.project_name", max: 64) { project = value } else { ok = false }
            case "platform":
                if let value = label(entry.value, field: "provider.platform", max: 64) {
                    platform = (value, entry.key.mark)
                } else {
                    ok = false
                }
            default:
                // A secret by its name (`secret_key`, `access_key`, `token`), and not the name of
                // an environment variable: refused, and its value never shown back.
                if Self.secretKeys.contains(key.lowercased()) || ManifestKeys.mayHoldSecret(key) {
                    error(.secretInManifest(key: key), at: entry.key.mark)
                } else {
                    unknown(entry.key, key, in: "provider", allowed: Self.providerKeys)
                }
            }
        }
        if !sawAPI { error(.missingKey("api", in: "provider"), at: m.mark) }
        guard let api, ok else { return nil }
        if let (_, mark) = platform, api != .zeroZero {
            error(.platformOnlyForZeroZero, at: mark)
            return nil
        }
        // The upstream signs with an access key and a secret key; the resellers take an API key.
        var wrongDialect = false
        for (key, mark) in [("region", region?.1), ("access_key_env", accessKeyEnv?.1), ("secret_key_env", secretKeyEnv?.1)]
        where !api.isNative {
            guard let mark else { continue }
            error(.keyNotForDialect(key: key, api: api.rawValue, hint: "it is for volcengine and byteplus"), at: mark)
            wrongDialect = true
        }
        if api.isNative, let mark = apiKeyEnvMark {
            error(
                .keyNotForDialect(
                    key: "api_key_env", api: api.rawValue,
                    hint: "\(api.rawValue) signs each request with access_key_env and secret_key_env"),
                at: mark)
            wrongDialect = true
        }
        if wrongDialect { return nil }
        if api.isNative, let secret = secretKeyEnv,
            (accessKeyEnv?.0 ?? api.defaultAccessKeyEnv) == secret.0
        {
            // The access key is sent in clear in every request's Credential: never the secret.
            error(
                .keyNotForDialect(
                    key: "secret_key_env", api: api.rawValue,
                    hint: "it names the same variable as access_key_env; the access key is sent with every request, "
                        + "the secret key never"),
                at: secret.1)
            return nil
        }
        return Provider(
            api: api, baseURL: baseURL, apiKeyEnv: keyEnv, projectName: project, platform: platform?.0, region: region?.0,
            accessKeyEnv: accessKeyEnv?.0, secretKeyEnv: secretKeyEnv?.0)
    }

    static func isEnvironmentName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return s.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
    }

    static func baseURLProblem(_ value: String) -> String? { Provider.baseURLProblem(value) }
}

extension Provider {
    /// The service's address: https with a host and no credentials, query or fragment; http only
    /// to this machine (a local emulator), since the key would otherwise cross the network in clear.
    public static func baseURLProblem(_ value: String) -> String? {
        let lower = value.lowercased()
        let isHTTP = lower.hasPrefix("http://")
        guard isHTTP || lower.hasPrefix("https://") else { return "must be an http(s) URL such as https://gogogotoken.com" }
        let rest = value.dropFirst(isHTTP ? 7 : 8)
        // Nothing a URL cannot hold as it is: no request could be made of it, and that is known
        // now, not after a run's retries (that would call it a temporary failure).
        if let bad = value.unicodeScalars.first(where: { $0.value <= 0x20 || $0.value == 0x7F || !$0.isASCII }) {
            if bad == " " { return "holds a space" }
            return "holds \"\(String(bad).visible)\""
                + (bad.isASCII ? ", which a URL cannot" : " (write a host that is not ASCII in its xn-- form)")
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.isEmpty { return "has no host" }
        if authority.contains("@") { return "must not hold credentials; the key comes from api_key_env" }
        if rest.contains("?") || rest.contains("#") { return "must not have a query or fragment" }
        // A port, when given, is 1–65535 (a larger one would reach the network stack as is).
        if authority.hasPrefix("["), !authority.contains("]") { return "has an unclosed [ in its host" }
        let afterHost = authority.hasPrefix("[") ? authority.drop { $0 != "]" }.dropFirst() : authority.drop { $0 != ":" }
        if afterHost.hasPrefix(":") {
            let port = afterHost.dropFirst()
            guard (1...5).contains(port.count), port.allSatisfy({ $0.isASCII && $0.isNumber }), let p = Int(port),
                (1...65535).contains(p)
            else { return "has an invalid port \"\(port)\"" }
        } else if !afterHost.isEmpty {
            return "has text after its host's ]"
        }
        if isHTTP {
            var host = authority.lowercased()
            if host.hasPrefix("[") {
                host = String(host.dropFirst().prefix { $0 != "]" })
            } else if let colon = host.lastIndex(of: ":") {
                host = String(host[..<colon])
            }
            let loopback =
                host == "localhost" || IPAddress.parseV4(host)?.nonPublicReason == "a loopback"
                || IPAddress.parseV6(host)?.nonPublicReason == "a loopback"
            if !loopback { return "must use https (http is allowed only for this machine, such as a local emulator)" }
        }
        return nil
    }
}
