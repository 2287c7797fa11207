import JSON
import Timing

/// The upstream's own dialect (API.md §5; Volcengine Ark and BytePlus ModelArk speak it alike):
/// `POST /?Action={Action}&Version=2024-01-01`, a request signed with an access key and secret
/// key (`RequestSignature`), then the same PascalCase actions as seedance, plus `DeleteAsset` and
/// `DeleteAssetGroup`, answered in the `ResponseMetadata` / `Result` envelope.
struct NativeAPI: Sendable {
    let seedance: SeedanceAPI
    let configuration: EmulatorConfiguration

    /// A request as it arrived, before any of it is trusted.
    struct Incoming: Sendable {
        var method: String
        /// The request target as sent: the path, then `?` and the raw query.
        var target: String
        /// Values by lower-case name, `host` included; repeated headers joined with ",".
        var headers: [String: String]
        var body: [UInt8]
    }

    func handle(_ request: Incoming) async -> EmulatorResponse {
        let (path, rawQuery) = RequestSignature.split(request.target)
        let query = RequestSignature.parseQuery(rawQuery)
        func parameter(_ name: String) -> String? {
            query.first { $0.name == Array(name.utf8) }.map { String(decoding: $0.value, as: UTF8.self) }
        }
        let action = parameter("Action") ?? ""
        let version = parameter("Version") ?? ""
        let credential: RequestSignature.Credential
        do throws(APIError) {
            credential = try RequestSignature.verify(
                method: request.method, path: path, query: query, headers: request.headers, body: request.body,
                secrets: configuration.accessKeys, regions: configuration.regions,
                now: UTCDate.now() + configuration.clockOffset.inSeconds)
        } catch {
            return SeedanceAPI.upstreamError(
                action, version: version.isEmpty ? SeedanceAPI.version : version, region: "cn-beijing", error)
        }
        for (name, value) in [("Action", action), ("Version", version)] where value.isEmpty {
            return SeedanceAPI.upstreamError(
                action, region: credential.region,
                APIError(
                    status: 400, code: "MissingParameter", message: "the request is missing the \(name) parameter",
                    codeN: 100002))
        }
        guard version == SeedanceAPI.version else {
            return SeedanceAPI.upstreamError(
                action, version: version, region: credential.region,
                APIError(
                    status: 404, code: "InvalidActionOrVersion",
                    message:
                        "could not find operation \(action) for version \(version) (the asset actions are in \(SeedanceAPI.version))",
                    codeN: 100008))
        }
        return await seedance.handle(
            action: action, body: request.body,
            caller: SeedanceAPI.Caller(dialect: .volcengine, key: credential.accessKey, region: credential.region))
    }
}

/// Volcengine's request signature (HMAC-SHA256, as the official SDKs compute it: the Python
/// SDK's `signv4.py`), checked here independently of the client's signer: the emulator is the
/// check that the client signs right. No message ever holds the secret key or a signature.
enum RequestSignature {
    /// Who signed, from the `Credential=AK/DATE/REGION/SERVICE/request` scope.
    struct Credential: Sendable, Equatable {
        var accessKey: String
        var date: String
        var region: String
        var service: String
    }

    /// The parts of an `Authorization: HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
    struct Authorization: Sendable, Equatable {
        var credential: Credential
        /// As sent (`;`-separated, lower-case names): it is part of what was signed.
        var signedHeaders: String
        var signature: String
    }

    /// A query parameter, percent-decoded (`+` is a space).
    struct Parameter: Sendable, Equatable {
        var name: [UInt8]
        var value: [UInt8]
    }

    /// How far a request's `X-Date` may be from the server's clock.
    static let allowedSkew = 15.0 * 60
    static let service = "ark"

    // MARK: - Verification

    /// The signer, when the request is signed right with a known key; else the upstream's error.
    /// `now` is the server's clock, in seconds since 1970.
    static func verify(
        method: String, path: String, query: [Parameter], headers: [String: String], body: [UInt8],
        secrets: [String: String], regions: Set<String> = EmulatorConfiguration().regions, now: Double
    ) throws(APIError) -> Credential {
        guard !secrets.isEmpty else {
            throw invalidAccessKey("this emulator accepts no access key (start it with --access-key AK:SK)")
        }
        guard let header = headers["authorization"], !header.allSatisfy({ $0 == " " }) else {
            throw APIError(
                status: 401, code: "MissingAuthenticationToken",
                message: "the request is missing its authentication token (an Authorization header)", codeN: 100003)
        }
        let authorization = try parseAuthorization(header)
        let credential = authorization.credential
        guard let xDate = headers["x-date"], !xDate.isEmpty else {
            throw APIError(
                status: 400, code: "MissingRequestInfo", message: "the request is missing its X-Date information",
                codeN: 100004)
        }
        guard let signedAt = parseXDate(xDate) else {
            throw APIError(
                status: 400, code: "InvalidTimestamp",
                message: "the request's X-Date \(xDate) is not a UTC time in the form YYYYMMDD'T'HHMMSS'Z'", codeN: 100006)
        }
        guard let secret = secrets[credential.accessKey] else {
            throw invalidAccessKey("the access key \(redacted(credential.accessKey)) included in the request is invalid")
        }
        guard credential.service == service else {
            throw APIError(
                status: 404, code: "ServiceNotFound",
                message: "this service [\(credential.service)] is not found (the asset actions are in the service ark)",
                codeN: 100007)
        }
        guard !credential.region.isEmpty else {
            throw APIError(
                status: 400, code: "MissingRequestInfo", message: "the request is missing its region information",
                codeN: 100004)
        }
        guard regions.contains(credential.region) else {
            throw mismatch(
                "the credential's region \(credential.region) is not one of this service's endpoints "
                    + "(\(regions.sorted().joined(separator: ", ")))")
        }
        guard credential.date == String(xDate.prefix(8)) else {
            throw mismatch("the credential's date \(credential.date) is not the date of the request's X-Date \(xDate)")
        }
        let signed = authorization.signedHeaders.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard signed.contains("host"), signed.contains("x-date") else {
            throw mismatch("the signed headers must include host and x-date")
        }
        guard abs(signedAt - now) <= allowedSkew else {
            let minutes = Int((abs(signedAt - now) / 60).rounded())
            throw APIError(
                status: 400, code: "InvalidTimestamp",
                message:
                    "the signature of the request is expired: its time (X-Date \(xDate)) is \(minutes) minutes from the server time \(UTCDate.rfc3339(now)); at most 15 minutes are allowed",
                codeN: 100006)
        }
        let bodyHash = hex(SHA256Hasher.hash(body))
        if signed.contains("x-content-sha256"), headers["x-content-sha256"] != bodyHash {
            throw mismatch("the X-Content-Sha256 header is not the SHA-256 of the body received")
        }
        let canonical = canonicalRequest(
            method: method, path: path, query: query, headers: headers, signedHeaders: authorization.signedHeaders,
            bodyHash: bodyHash)
        let expected = signature(
            secret: secret, credential: credential, stringToSign: stringToSign(xDate: xDate, credential: credential, canonical))
        guard constantTimeEqual(expected, authorization.signature) else {
            throw mismatch(
                "the request signature we calculated does not match the signature you provided; "
                    + "check your secret access key and signing method")
        }
        return credential
    }

    /// `HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/request, SignedHeaders=a;b, Signature=hex`,
    /// tolerant of extra spaces.
    static func parseAuthorization(_ header: String) throws(APIError) -> Authorization {
        func malformed(_ why: String) -> APIError {
            APIError(
                status: 401, code: "MissingAuthenticationToken", message: "the Authorization header is malformed: \(why)",
                codeN: 100003)
        }
        let text = header.drop { $0 == " " }
        let algorithm = "HMAC-SHA256"
        guard text.hasPrefix(algorithm + " ") else { throw malformed("it must start with \(algorithm)") }
        var fields: [String: String] = [:]
        for part in text.dropFirst(algorithm.count).split(separator: ",") {
            var trimmed = part.drop { $0 == " " }
            while trimmed.last == " " { trimmed = trimmed.dropLast() }
            // Never echoed: a part may be the signature.
            let pair = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { throw malformed("each part after HMAC-SHA256 must be NAME=VALUE") }
            fields[String(pair[0])] = String(pair[1])
        }
        guard let credentialText = fields["Credential"], let signedHeaders = fields["SignedHeaders"] else {
            throw malformed("it must carry Credential, SignedHeaders and Signature")
        }
        guard let signature = fields["Signature"], !signature.isEmpty else {
            throw APIError(status: 401, code: "MissingSignature", message: "the request is missing its signature", codeN: 100005)
        }
        let scope = credentialText.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 5, scope[4] == "request", !scope[0].isEmpty, !signedHeaders.isEmpty else {
            throw malformed("the Credential must be ACCESS_KEY/DATE/REGION/SERVICE/request")
        }
        return Authorization(
            credential: Credential(accessKey: scope[0], date: scope[1], region: scope[2], service: scope[3]),
            signedHeaders: signedHeaders, signature: signature)
    }

    // MARK: - What is signed

    /// The path and the raw query of a request target.
    static func split(_ target: String) -> (path: String, query: String) {
        guard let mark = target.firstIndex(of: "?") else { return (target, "") }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    /// A raw query's parameters, percent-decoded, `+` as a space; in the order sent.
    static func parseQuery(_ raw: String) -> [Parameter] {
        raw.utf8.split(separator: UInt8(ascii: "&")).map { piece -> Parameter in
            let pair = piece.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            return Parameter(name: percentDecoded(pair[0]), value: pair.count == 2 ? percentDecoded(pair[1]) : [])
        }
    }

    static func percentDecoded<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        let source = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(source.count)
        var i = 0
        while i < source.count {
            let b = source[i]
            if b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%"), i + 2 < source.count, let high = hexValue(source[i + 1]),
                let low = hexValue(source[i + 2])
            {
                out.append(high << 4 | low)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Every byte but `A-Z a-z 0-9 - _ . ~` as `%XX` (upper-case hex).
    static func percentEncoded(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for b in bytes {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.append(b)
            default:
                out += [UInt8(ascii: "%"), digits[Int(b >> 4)], digits[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Every parameter re-encoded, sorted by encoded name then encoded value (bytewise), as
    /// `name=value` joined with `&`.
    static func canonicalQuery(_ query: [Parameter]) -> String {
        query.map { (percentEncoded($0.name), percentEncoded($0.value)) }
            .sorted { a, b in
                a.0 != b.0 ? a.0.precedesByUTF8(b.0) : a.1.precedesByUTF8(b.1)
            }
            .map { $0.0 + "=" + $0.1 }
            .joined(separator: "&")
    }

    /// The value a signed header is signed with: as sent, the host without a default port.
    static func signedValue(_ name: String, _ headers: [String: String]) -> String {
        let value = headers[name] ?? ""
        guard name == "host" else { return value }
        for port in [":80", ":443"] where value.hasSuffix(port) { return String(value.dropLast(port.count)) }
        return value
    }

    /// Method, path, canonical query, one `name:value` line per signed header, an empty line,
    /// the signed header names, and the body's SHA-256, joined with newlines.
    static func canonicalRequest(
        method: String, path: String, query: [Parameter], headers: [String: String], signedHeaders: String,
        bodyHash: String
    ) -> String {
        let lines = signedHeaders.split(separator: ";", omittingEmptySubsequences: false).map { name in
            "\(name):\(signedValue(String(name), headers))\n"
        }
        return [method, path, canonicalQuery(query), lines.joined(), signedHeaders, bodyHash].joined(separator: "\n")
    }

    static func stringToSign(xDate: String, credential c: Credential, _ canonicalRequest: String) -> String {
        [
            "HMAC-SHA256", xDate, "\(c.date)/\(c.region)/\(c.service)/request",
            hex(SHA256Hasher.hash(Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
    }

    /// The signing key is the secret chained through date, region, service and `request`.
    static func signature(secret: String, credential c: Credential, stringToSign: String) -> String {
        var key = Array(secret.utf8)
        for part in [c.date, c.region, c.service, "request"] { key = SHA256Hasher.hmac(key: key, Array(part.utf8)) }
        return hex(SHA256Hasher.hmac(key: key, Array(stringToSign.utf8)))
    }

    // MARK: - Small parts

    /// `YYYYMMDDTHHMMSSZ` (UTC) to seconds since 1970, or nil.
    static func parseXDate(_ text: String) -> Double? {
        let b = Array(text.utf8)
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) else { return nil }
                n = n * 10 + Int(b[i] - UInt8(ascii: "0"))
            }
            return n
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8), let hour = number(9..<11),
            let minute = number(11..<13), let second = number(13..<15), (1...12).contains(month), (1...31).contains(day),
            hour < 24, minute < 60, second < 61
        else { return nil }
        return Double(daysSince1970(year: year, month: month, day: day) * 86400 + hour * 3600 + minute * 60 + second)
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out += [digits[Int(b >> 4)], digits[Int(b & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    /// An access key as a message may show it: its last 4 characters.
    /// Its last four characters, and only for a key long enough that they give little of it away.
    static func redacted(_ accessKey: String) -> String {
        accessKey.count > 8 ? "…" + String(accessKey.suffix(4)) : "…"
    }

    private static func invalidAccessKey(_ message: String) -> APIError {
        APIError(status: 401, code: "InvalidAccessKey", message: message, codeN: 100009)
    }

    private static func mismatch(_ message: String) -> APIError {
        APIError(status: 401, code: "SignatureDoesNotMatch", message: message, codeN: 100010)
    }
}
