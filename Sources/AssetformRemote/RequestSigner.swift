import Crypto
import JSON
import Timing

/// Volcengine's (and BytePlus's) HMAC-SHA256 request signature, as the official SDKs compute it
/// (`volcenginesdkcore/signv4.py`; checked against that SDK by a test that runs it):
///
/// - the canonical request: method, path, the query (each key and value percent-encoded with only
///   `A–Z a–z 0–9 - _ . ~` left as they are, pairs sorted), the signed headers as `name:value`
///   lines, an empty line, their names joined by `;`, and the body's SHA-256;
/// - the string to sign: `HMAC-SHA256`, `X-Date`, the scope `DATE/REGION/SERVICE/request`, and the
///   canonical request's SHA-256, one a line;
/// - the key: HMACs chained from the secret key over the date, the region, the service and
///   `request`; the signature is the HMAC of the string to sign, in hex.
public enum RequestSigner {
    /// The headers a request sends, signed: `Host`, `Content-Type` (when there is a body),
    /// `X-Date`, `X-Content-Sha256` and `Authorization`. `host` is the URL's host with its port
    /// (a default port is left out, as the SDK does).
    public static func headers(
        method: String, host: String, path: String, query: [(String, String)], contentType: String?, body: [UInt8],
        key: SigningKey, at seconds: Double
    ) -> [(String, String)] {
        let date = UTCDate.basic(seconds)
        let bodyHash = hex(SHA256.hash(data: body))
        var signed: [(String, String)] = [("host", canonicalHost(host)), ("x-content-sha256", bodyHash), ("x-date", date)]
        if let contentType { signed.append(("content-type", contentType)) }
        signed.sort { $0.0.precedesByUTF8($1.0) }
        let names = signed.map(\.0).joined(separator: ";")
        let canonical = [
            method, path.isEmpty ? "/" : path, canonicalQuery(query),
            signed.map { "\($0.0):\($0.1)\n" }.joined(), names, bodyHash,
        ].joined(separator: "\n")
        let scope = "\(date.prefix(8))/\(key.region)/\(key.service)/request"
        let toSign = ["HMAC-SHA256", date, scope, hex(SHA256.hash(data: Array(canonical.utf8)))].joined(separator: "\n")
        var signingKey = SymmetricKey(data: Array(key.secretKey.utf8))
        for part in [String(date.prefix(8)), key.region, key.service, "request"] {
            signingKey = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: signingKey)))
        }
        let signature = hex(HMAC<SHA256>.authenticationCode(for: Array(toSign.utf8), using: signingKey))
        var out: [(String, String)] = [("Host", host)]
        if let contentType { out.append(("Content-Type", contentType)) }
        out += [
            ("X-Date", date), ("X-Content-Sha256", bodyHash),
            (
                "Authorization",
                "HMAC-SHA256 Credential=\(key.accessKey)/\(scope), SignedHeaders=\(names), Signature=\(signature)"
            ),
        ]
        return out
    }

    /// The query as the signature encodes it: pairs percent-encoded, sorted, joined with `&`.
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        query.map { (encode($0.0), encode($0.1)) }
            .sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Only `A–Z a–z 0–9 - _ . ~` stay as they are; every other UTF-8 byte is `%XX` (upper case).
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF")
                out += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
            }
        }
        return out
    }

    /// The Host header as signed: without `:80` or `:443`.
    static func canonicalHost(_ host: String) -> String {
        for port in [":80", ":443"] where host.hasSuffix(port) { return String(host.dropLast(port.count)) }
        return host
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef")
        var out = ""
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return out
    }
}
