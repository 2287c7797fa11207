import JSON

/// The fields a request body may hold, their types and which are required: how the emulator
/// refuses wrongly named, cased or typed fields as the real service does.
struct RequestSchema: Sendable {
    indirect enum Kind: Sendable {
        case string, integer, stringArray
        case object(RequestSchema)
    }

    var fields: [String: Kind]
    var required: [String]
    /// Fields a client might try to change that the API does not let it (a clearer message).
    var immutable: Set<String> = []

    /// Checks `body` against the schema; `path` prefixes nested names (`Filter.GroupType`).
    func check(_ body: JSONValue, path: String = "") -> APIError? {
        guard case .object(let entries) = body else {
            return .invalid(path.isEmpty ? "the request body must be a JSON object" : "\(path) must be an object")
        }
        var seen = Set<String>()
        for (name, value) in entries {
            let full = path.isEmpty ? name : "\(path).\(name)"
            guard seen.insert(name).inserted else { return .invalid("the parameter \(full) is given twice") }
            guard let kind = fields[name] else {
                if immutable.contains(name) { return .invalid("the parameter \(full) cannot be changed") }
                if let near = fields.keys.first(where: {
                    $0.lowercased() == name.lowercased().replacingOccurrences(of: "_", with: "")
                }) {
                    return .invalid(
                        "the parameter \(full) is not valid; parameter names are case-sensitive (\(path.isEmpty ? near : "\(path).\(near)"))"
                    )
                }
                return .invalid("the parameter \(full) is not valid")
            }
            if case .null = value { return .invalid("the parameter \(full) must not be null") }
            switch kind {
            case .string:
                guard case .string = value else {
                    return .invalid("the parameter \(full) must be a string, not \(value.kindName)")
                }
            case .integer:
                guard case .int = value else {
                    return .invalid("the parameter \(full) must be an integer, not \(value.kindName)")
                }
            case .stringArray:
                guard case .array(let items) = value, items.allSatisfy({ $0.string != nil }) else {
                    return .invalid("the parameter \(full) must be an array of strings")
                }
            case .object(let nested):
                if let error = nested.check(value, path: full) { return error }
            }
        }
        for name in required where !seen.contains(name) {
            return .missing(path.isEmpty ? name : "\(path).\(name)")
        }
        return nil
    }
}

/// Length checks as the service counts: Unicode characters.
func checkLength(_ value: String?, field: String, min: Int = 0, max: Int) -> APIError? {
    guard let value else { return nil }
    let n = value.unicodeScalars.count
    if n < min { return .invalid("the parameter \(field) must not be empty") }
    if n > max { return .invalid("the parameter \(field) is longer than \(max) characters") }
    return nil
}

/// The service downloads the URL from the public internet: https, a host, nothing local.
func checkPublicURL(_ url: String, field: String) -> APIError? {
    let lower = url.lowercased()
    guard lower.hasPrefix("https://") else { return .invalid("the parameter \(field) must be a public https URL") }
    let authority = lower.dropFirst(8).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    var host = authority.split(separator: "@").last.map(String.init) ?? ""
    if host.hasPrefix("[") {
        host = String(host.dropFirst().prefix { $0 != "]" })
    } else if let colon = host.lastIndex(of: ":") {
        host = String(host[..<colon])
    }
    let local =
        host.isEmpty || host == "localhost" || host.hasSuffix(".localhost") || host.hasPrefix("127.") || host.hasPrefix("10.")
        || host.hasPrefix("192.168.") || host.hasPrefix("169.254.") || host == "::1" || host.hasPrefix("0.")
        || url.count > 2048 || url.contains(" ")
    return local ? .invalid("the parameter \(field) must be a public https URL") : nil
}
