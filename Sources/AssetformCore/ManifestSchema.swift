public import JSON

/// The manifest's JSON Schema (draft 2020-12), for editors (yaml-language-server) to check
/// manifests as people type: generated from `ManifestKeys`, the lists the decoder checks
/// against, and the same rules (key pattern, lengths, enums, URL scheme, rates, durations). The
/// decoder remains the authority: it also checks what a schema cannot (public hosts, names
/// unique, derived keys).
public enum ManifestSchema {
    static let keyPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
    static let addressPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(/[A-Za-z0-9][A-Za-z0-9._-]{0,63})?$"
    static let durationPattern = "^(0|([0-9]*\\.?[0-9]+(ms|s|m|h))+)$"
    /// A duration more than zero (`timeout`).
    static let positiveDurationPattern = "^([0-9]*\\.?[0-9]+(ms|s|m|h))+$"
    static let ratePattern = "^(auto|unlimited|[0-9]+(\\.[0-9]+)?(/s|/min)?)$"

    public static var document: JSONValue {
        object(
            [
                ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
                ("title", .string("assetform manifest (version 1)")),
                ("description", .string("A manifest of Seedance reference assets; see assetform's README, Manifest reference.")),
            ],
            keys: ManifestKeys.top,
            schemas: [
                "version": .object([("enum", .array([.int(1), .string("1")]))]),
                "provider": provider,
                "limits": limits,
                "groups": nullable(
                    .object([
                        ("type", .string("object")), ("propertyNames", pattern(keyPattern)),
                        ("additionalProperties", nullable(group)),
                    ])),
                "moved": nullable(
                    .object([
                        ("type", .string("array")),
                        (
                            "items",
                            object(
                                [], keys: ManifestKeys.move,
                                schemas: ["from": pattern(addressPattern), "to": pattern(addressPattern)],
                                required: ManifestKeys.move)
                        ),
                    ])),
                "checks": checks,
            ],
            required: ["version", "provider"],
            extensions: true)
    }

    static var provider: JSONValue {
        object(
            [], keys: ManifestKeys.provider,
            schemas: [
                "api": .object([("enum", .array(API.allCases.map { .string($0.rawValue) }))]),
                "base_url": .object([("type", .string("string")), ("pattern", .string("^[Hh][Tt][Tt][Pp][Ss]?://"))]),
                "api_key_env": pattern("^[A-Za-z_][A-Za-z0-9_]*$"),
                "project_name": text(1, 64),
                "platform": text(1, 64),
                "region": pattern("^[a-z0-9-]{1,32}$"),
                "access_key_env": pattern("^[A-Za-z_][A-Za-z0-9_]*$"),
                "secret_key_env": pattern("^[A-Za-z_][A-Za-z0-9_]*$"),
            ], required: ["api"])
    }

    static var limits: JSONValue {
        let rate: JSONValue = .object([
            (
                "oneOf",
                .array([
                    .object([("type", .string("number")), ("minimum", .double(0.001)), ("maximum", .int(1_000_000))]),
                    pattern(ratePattern),
                ])
            )
        ])
        return nullable(
            object(
                [], keys: ManifestKeys.limits,
                schemas: [
                    "concurrency": integer(1, 1024), "attempts": integer(1, 100), "processing": integer(1, 100_000),
                    "timeout": pattern(positiveDurationPattern), "wait": duration,
                    "rate": object(
                        [], keys: ManifestKeys.rate,
                        schemas: Dictionary(uniqueKeysWithValues: ManifestKeys.rate.map { ($0, rate) })),
                ]))
    }

    /// `checks:`: per type, its limits; null turns one off.
    static var checks: JSONValue {
        let size = nullable(
            .object([
                (
                    "anyOf",
                    .array([
                        .object([("type", .string("integer")), ("minimum", .int(1))]),
                        // Units in any case, as the decoder reads them (`10mb`, `10Kib`).
                        pattern("^[0-9]+(\\.[0-9]+)? ?([Bb]|[KkMmGg]|[KkMmGg][Bb]|[KkMmGg][Ii][Bb])?$"),
                    ])
                )
            ]))
        let count = nullable(.object([("type", .string("integer")), ("minimum", .int(1))]))
        let ratio = nullable(.object([("type", .string("number")), ("exclusiveMinimum", .int(0))]))
        let seconds = nullable(
            .object([("anyOf", .array([.object([("type", .string("number")), ("minimum", .int(0))]), duration]))]))
        let kinds: [String: JSONValue] = [
            "max_bytes": size, "min_side": count, "max_side": count, "min_pixels": count, "max_pixels": count,
            "min_aspect": ratio, "max_aspect": ratio, "min_duration": seconds, "max_duration": seconds, "min_fps": ratio,
            "max_fps": ratio,
        ]
        return nullable(
            object(
                [], keys: ManifestKeys.checks,
                schemas: Dictionary(
                    uniqueKeysWithValues: AssetType.allCases.map { type in
                        (type.rawValue, nullable(object([], keys: CheckLimits.keys(for: type), schemas: kinds)))
                    })))
    }

    /// `30s`, `15m`, `1m30s`, `500ms`, or 0.
    static var duration: JSONValue {
        .object([("anyOf", .array([pattern(durationPattern), .object([("const", .int(0))])]))])
    }

    static var group: JSONValue {
        let url: JSONValue = .object([
            ("type", .string("string")), ("pattern", .string("^[Hh][Tt][Tt][Pp][Ss]://[^/?#@\\s]+")),
            ("maxLength", .int(2048)),
        ])
        let asset: JSONValue = .object([
            (
                "oneOf",
                .array([
                    url,
                    object(
                        [], keys: ManifestKeys.asset,
                        schemas: [
                            "url": url, "type": .object([("enum", .array(AssetType.allCases.map { .string($0.rawValue) }))]),
                            "name": text(1, 64), "revision": text(1, 64),
                        ], required: ["url"]),
                ])
            )
        ])
        return object(
            [], keys: ManifestKeys.group,
            schemas: [
                "name": text(1, 64), "description": text(0, 300),
                "assets": nullable(
                    .object([
                        (
                            "oneOf",
                            .array([
                                .object([
                                    ("type", .string("object")), ("propertyNames", pattern(keyPattern)),
                                    ("additionalProperties", asset),
                                ]),
                                .object([("type", .string("array")), ("items", url)]),
                            ])
                        )
                    ])),
            ])
    }

    /// An object that allows exactly `keys`, each with its schema (a key without one is a bug
    /// of this file, caught by the schema's own test).
    static func object(
        _ head: [(String, JSONValue)], keys: [String], schemas: [String: JSONValue], required: [String] = [],
        extensions: Bool = false
    ) -> JSONValue {
        var fields = head + [("type", .string("object"))]
        fields.append(("properties", .object(keys.map { ($0, schemas[$0] ?? .object([])) })))
        if !required.isEmpty { fields.append(("required", .array(required.map(JSONValue.string)))) }
        if extensions {
            fields.append(("patternProperties", .object([("^" + ManifestKeys.extensionPrefix, .object([]))])))
        }
        fields.append(("additionalProperties", .bool(false)))
        return .object(fields)
    }

    static func nullable(_ schema: JSONValue) -> JSONValue {
        .object([("anyOf", .array([.object([("type", .string("null"))]), schema]))])
    }

    static func pattern(_ p: String) -> JSONValue {
        .object([("type", .string("string")), ("pattern", .string(p))])
    }

    static func text(_ min: Int, _ max: Int) -> JSONValue {
        .object([("type", .array([.string("string"), .string("number")])), ("minLength", .int(min)), ("maxLength", .int(max))])
    }

    static func integer(_ min: Int, _ max: Int) -> JSONValue {
        .object([("type", .string("integer")), ("minimum", .int(min)), ("maximum", .int(max))])
    }
}
