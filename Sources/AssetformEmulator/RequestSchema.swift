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

/// The service downloads the URL from the public internet: https, a host, nothing local. (The
/// emulator's own rule, apart from the client's: it is the independent check.)
func checkPublicURL(_ url: String, field: String) -> APIError? {
    let refused = APIError.invalid("the parameter \(field) must be a public https URL")
    guard url.utf8.count <= 2048, !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
        return refused
    }
    let lower = url.lowercased()
    guard lower.hasPrefix("https://") else { return refused }
    let authority = lower.dropFirst(8).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    var host = authority.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? ""
    if host.hasPrefix("[") {
        let v6 = host.dropFirst().prefix { $0 != "]" }
        return isPublicV6(v6) ? nil : refused
    }
    if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
    while host.hasSuffix(".") { host.removeLast() }
    guard !host.isEmpty, host.contains("."), host != "localhost", !host.hasSuffix(".localhost") else { return refused }
    // A numeric last label: a dotted quad, which must be public; any other number (127.1,
    // 2130706433, 0x7f000001) is refused.
    guard let last = host.split(separator: ".").last, last.allSatisfy({ $0.isNumber }) || last.hasPrefix("0x") else {
        return nil
    }
    // (A part with a leading zero is octal to many resolvers: `0177.0.0.1` is 127.0.0.1.)
    let texts = host.split(separator: ".", omittingEmptySubsequences: false)
    guard !texts.contains(where: { $0.count > 1 && $0.hasPrefix("0") }) else { return refused }
    let parts = texts.map { UInt8($0) }
    guard parts.count == 4, let a = parts[0], let b = parts[1], parts[2] != nil, parts[3] != nil else { return refused }
    switch (a, b) {
    case (0, _), (10, _), (127, _), (169, 254), (172, 16...31), (192, 168), (100, 64...127), (224...255, _): return refused
    default: return nil
    }
}

/// Global unicast (2000::/3): the only IPv6 literals a public service downloads from.
private func isPublicV6(_ text: Substring) -> Bool {
    let first = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    guard !text.hasPrefix(":"), let v = UInt16(first, radix: 16), first.count <= 4 else { return false }
    return v & 0xE000 == 0x2000
}
