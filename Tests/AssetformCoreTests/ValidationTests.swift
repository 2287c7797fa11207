import AssetformCore
import Testing
import YAML

@Suite("Every rule of SPEC §2, at its exact position")
struct ValidationTests {
    // MARK: - Top level

    @Test func versionAndProviderAreRequired() {
        expectFindings(
            "1️⃣groups: {}\n",
            [
                ("1️⃣", .error, .missingKey("version", in: "the manifest")),
                ("1️⃣", .error, .missingKey("provider", in: "the manifest")),
            ])
    }

    @Test func versionMustBeOne() {
        expectFindings("version: 1️⃣2\nprovider: {api: seedance}\n", [("1️⃣", .error, .unsupportedVersion(found: "2"))])
    }

    @Test func unknownKeysSuggestTheClosest() {
        expectFindings(
            header + "1️⃣group: {}\n2️⃣colour: red\nx-anchors: {a: 1}\n",
            [
                ("1️⃣", .error, .unknownKey("group", in: "the manifest", suggestion: "groups")),
                ("2️⃣", .error, .unknownKey("colour", in: "the manifest", suggestion: nil)),
            ])
    }

    @Test func rootMustBeAMapping() {
        expectFindings(
            "1️⃣- a\n- b\n",
            [("1️⃣", .error, .wrongType(field: "the manifest", expected: "a mapping (version, provider, groups)", found: "a list"))]
        )
    }

    @Test func emptyFile() {
        let loaded = Fixture("").load()
        #expect(loaded.diagnostics == [Diagnostic(.error, .emptyFile, at: nil)])
    }

    @Test func yamlProblemsComeWithTheRest() {
        expectFindings(
            header + "groups:\n  g:\n    assets:\n      a: 1️⃣http://x.example.com/a.png\n      2️⃣a: https://x.example.com/b.png\n",
            [
                ("1️⃣", .error, .invalidURL(field: "url", reason: "must use https, not http")),
                (
                    "2️⃣", .error,
                    .yaml(
                        .duplicateKey("a", first: Mark(line: 7, column: 7)),
                        message: "duplicate key \"a\"; it is first written at line 7, column 7")
                ),
            ])
    }

    // MARK: - Provider

    @Test func providerRules() {
        expectFindings(
            """
            version: 1
            provider:
              api: 1️⃣seedanse
              base_url: 2️⃣http://gogogotoken.com
              api_key_env: 3️⃣1KEY
              4️⃣api_key: sk-123
              5️⃣projekt_name: x
            """,
            [
                ("1️⃣", .error, .unknownAPI(found: "seedanse", suggestion: "seedance")),
                (
                    "2️⃣", .error,
                    .invalidURL(
                        field: "provider.base_url",
                        reason: "must use https (http is allowed only for this machine, such as a local emulator)")
                ),
                ("3️⃣", .error, .invalidEnvironmentName(field: "api_key_env")),
                ("4️⃣", .error, .secretInManifest(key: "api_key")),
                ("5️⃣", .error, .unknownKey("projekt_name", in: "provider", suggestion: "project_name")),
            ])
    }

    /// A secret written in the manifest by any name (`secret_key`, `access_key`, a token beside
    /// an asset) is never printed back: the caret line shows its key only.
    @Test func secretsWrittenInTheManifestAreNeverShownBack() {
        let text = """
            version: 1
            provider:
              api: volcengine
              secret_key: SKsupersecretvalue123
              access_key: AKLTaccessvalue456
              Password: hunter2hunter2
              secret_key_env: VOLC_SK
            groups:
              g:
                assets:
                  a:
                    url: https://c.example.com/a.png
                    auth_token: tok-abcdef123456
            """
        let loaded = loadBothWays(text)
        let rendered = DiagnosticRenderer(color: false).render(
            loaded.diagnostics, in: SourceFile(path: "m.yaml", bytes: Array(text.utf8)))
        for secret in ["SKsupersecretvalue123", "AKLTaccessvalue456", "hunter2hunter2", "tok-abcdef123456"] {
            #expect(!rendered.contains(secret), "\(rendered)")
        }
        let refused = loaded.diagnostics.filter { if case .secretInManifest = $0.problem { true } else { false } }
        #expect(refused.count == 3, "\(loaded.diagnostics.map(describe))")
        #expect(rendered.contains("secret_key: (value hidden)") && rendered.contains("auth_token: (value hidden)"))

        // On a line of flow style, under any finding of that line; and a secret written where the
        // name of its variable goes.
        let flow = """
            version: 1
            provider: {api: seedancee, secretKey: sk-live-flow-0001, api_key_env: sk-live-env-0002}
            groups:
              g:
                assets:
                  a: {url: https://c.example.com/a.png, token: sk-live-flow-0003, type: imagee}
            """
        let flowLoaded = loadBothWays(flow)
        let flowRendered = DiagnosticRenderer(color: false).render(
            flowLoaded.diagnostics, in: SourceFile(path: "f.yaml", bytes: Array(flow.utf8)))
        for secret in ["sk-live-flow-0001", "sk-live-env-0002", "sk-live-flow-0003"] {
            #expect(!flowRendered.contains(secret), "\(flowRendered)")
            #expect(!flowLoaded.diagnostics.contains { $0.message.contains(secret) })
        }
        #expect(flowLoaded.diagnostics.contains { $0.problem == .invalidEnvironmentName(field: "api_key_env") })
        // Words, not letters: `author` is an unknown key (with its value shown), not a secret.
        #expect(ManifestKeys.mayHoldSecret("secret_key") && ManifestKeys.mayHoldSecret("accessKeyID"))
        #expect(ManifestKeys.mayHoldSecret("Password") && ManifestKeys.mayHoldSecret("auth-token"))
        #expect(!ManifestKeys.mayHoldSecret("author") && !ManifestKeys.mayHoldSecret("keyring"))
        #expect(!ManifestKeys.mayHoldSecret("api_key_env") && !ManifestKeys.mayHoldSecret("apiKeyEnvName"))
    }

    @Test func apiIsRequired() {
        expectFindings("version: 1\nprovider:\n  1️⃣project_name: x\n", [("1️⃣", .error, .missingKey("api", in: "provider"))])
    }

    @Test func platformOnlyOnZeroZero() {
        expectFindings("version: 1\nprovider:\n  api: seedance\n  1️⃣platform: JIMENG\n", [("1️⃣", .error, .platformOnlyForZeroZero)])
    }

    @Test func baseURLMustNotHoldCredentialsOrQuery() {
        expectFindings(
            "version: 1\nprovider:\n  api: 0-0\n  base_url: 1️⃣https://u:p@api.0-0.pro\n",
            [
                (
                    "1️⃣", .error,
                    .invalidURL(field: "provider.base_url", reason: "must not hold credentials; the key comes from api_key_env")
                )
            ])
        expectFindings(
            "version: 1\nprovider:\n  api: 0-0\n  base_url: 1️⃣https://api.0-0.pro/?k=1\n",
            [("1️⃣", .error, .invalidURL(field: "provider.base_url", reason: "must not have a query or fragment"))])
    }

    @Test(arguments: ["http://127.0.0.1:70000", "http://[::1]:99999", "https://api.0-0.pro:0", "https://api.0-0.pro:8x"])
    func aBaseURLsPortIsOneTo65535(url: String) {
        let port = url.split(separator: ":").last.map(String.init) ?? ""
        expectFindings(
            "version: 1\nprovider:\n  api: 0-0\n  base_url: 1️⃣\(url)\n",
            [("1️⃣", .error, .invalidURL(field: "provider.base_url", reason: "has an invalid port \"\(port)\""))])
    }

    @Test(arguments: [
        ("\"https://a b.example.com\"", "holds a space"),
        ("\"https://a\\e[31m.example.com\"", "holds \"\\e\", which a URL cannot"),
        ("\"https://exämple.com\"", "holds \"ä\" (write a host that is not ASCII in its xn-- form)"),
    ])
    func aBaseURLHoldsNothingAURLCannot(yaml: String, reason: String) {
        // Refused when the manifest is read: no request could be made of it, and a run's retries
        // would end in a "temporary" failure.
        expectFindings(
            "version: 1\nprovider:\n  api: 0-0\n  base_url: 1️⃣\(yaml)\n",
            [("1️⃣", .error, .invalidURL(field: "provider.base_url", reason: reason))])
    }

    @Test func aFindingShowsWhatTheFileSaysWithItsControlCharactersEscaped() throws {
        let text = "version: 1\nprovider: {api: \"seed\\eance\\u202e\"}\n"
        let loaded = ManifestLoader.decode(SourceFile(path: "m\u{1B}]0;x\u{07}.yaml", bytes: Array(text.utf8)))
        let shown = DiagnosticRenderer(color: false).render(loaded.diagnostics, in: loaded.source)
        #expect(!loaded.diagnostics.isEmpty)
        #expect(shown.contains("\"seed\\e"), "\(shown)")
        #expect(shown.hasPrefix("m\\e]0;x\\x07.yaml:2:"), "\(shown)")
        #expect(!shown.unicodeScalars.contains { VisibleText.escape(String($0)) != String($0) && $0 != "\n" }, "\(shown)")
        // A line break a value holds is escaped too: it would forge a line of output.
        let forged =
            "version: 1\nprovider: {api: seedance}\ngroups:\n  \"bad\\nerror: forged\":\n    assets: [https://c.example.com/a.png]\n"
        let loadedForged = ManifestLoader.decode(SourceFile(path: "m.yaml", bytes: Array(forged.utf8)))
        let shownForged = DiagnosticRenderer(color: false).render(loadedForged.diagnostics, in: loadedForged.source)
        #expect(!loadedForged.diagnostics.isEmpty)
        #expect(!shownForged.split(separator: "\n").contains { $0.hasPrefix("error: forged") }, "\(shownForged)")
    }

    // MARK: - Limits

    @Test func limitRules() {
        expectFindings(
            header + """
                limits:
                  concurrency: 1️⃣0
                  attempts: 2️⃣two
                  timeout: 3️⃣0
                  wait: 4️⃣soon
                  rate:
                    create_asset: 5️⃣-1
                    6️⃣writes: 3
                  7️⃣retries: 2
                """,
            [
                ("1️⃣", .error, .invalidLimit(field: "limits.concurrency", reason: "must be from 1 to 1024, not 0")),
                ("2️⃣", .error, .invalidLimit(field: "limits.attempts", reason: "must be a whole number, not \"two\"")),
                ("3️⃣", .error, .invalidLimit(field: "limits.timeout", reason: "must be more than zero")),
                ("4️⃣", .error, .invalidDuration(field: "limits.wait", found: "soon")),
                (
                    "5️⃣", .error,
                    .invalidLimit(
                        field: "limits.rate.create_asset",
                        reason:
                            "must be requests per second (N or N/s, from 0.001 to 1000000), per minute (N/min), auto, or unlimited, not \"-1\""
                    )
                ),
                ("6️⃣", .error, .unknownKey("writes", in: "limits.rate", suggestion: "write")),
                ("7️⃣", .error, .unknownKey("retries", in: "limits", suggestion: nil)),
            ])
    }

    // MARK: - Groups

    @Test func keyRules() {
        expectFindings(
            header + """
                groups:
                  1️⃣-bad: {}
                  2️⃣has space: {}
                  3️⃣\(String(repeating: "k", count: 65)): {}
                  ok.key_1-2: {assets: [https://c.example.com/a.png]}
                  g:
                    assets:
                      4️⃣_a: https://c.example.com/a.png
                      5️⃣角色: https://c.example.com/b.png
                """,
            [
                ("1️⃣", .error, .invalidKey("-bad", kind: "group", reason: "must start with a letter or a digit")),
                ("2️⃣", .error, .invalidKey("has space", kind: "group", reason: "holds \" \"; keys use only A–Z a–z 0–9 . _ -")),
                (
                    "3️⃣", .error,
                    .invalidKey(String(repeating: "k", count: 65), kind: "group", reason: "is longer than 64 characters")
                ),
                ("4️⃣", .error, .invalidKey("_a", kind: "asset", reason: "must start with a letter or a digit")),
                ("5️⃣", .error, .invalidKey("角色", kind: "asset", reason: "holds \"角\"; keys use only A–Z a–z 0–9 . _ -")),
            ])
    }

    @Test func namesAndDescriptions() {
        let long = String(repeating: "名", count: 65)
        let longDescription = String(repeating: "d", count: 301)
        expectFindings(
            header + """
                groups:
                  a:
                    name: 1️⃣\(long)
                    description: 2️⃣\(longDescription)
                    assets: [https://c.example.com/a.png]
                  b:
                    name: 3️⃣""
                    assets: [https://c.example.com/a.png]
                  c:
                    name: 4️⃣true
                    assets: [https://c.example.com/a.png]
                  d:
                    name: 2024
                    description: ""
                    assets: [https://c.example.com/a.png]
                """,
            [
                ("1️⃣", .error, .invalidText(field: "name", reason: "is 65 characters long; the most is 64")),
                ("2️⃣", .error, .invalidText(field: "description", reason: "is 301 characters long; the most is 300")),
                ("3️⃣", .error, .invalidText(field: "name", reason: "must not be empty")),
                (
                    "4️⃣", .error,
                    .wrongType(field: "name", expected: "a string", found: "the boolean true (quote it to mean the text)")
                ),
            ])
    }

    @Test func aNameDescriptionOrRevisionHoldsNoLineSeparatorNorBidirectionalControl() {
        expectFindings(
            header + """
                groups:
                  a:
                    name: 1️⃣"a\\u2028b"
                    description: 2️⃣"d\\u202Ee"
                    assets:
                      x:
                        url: https://c.example.com/x.png
                        revision: 3️⃣"r\\u2029"
                      y:
                        url: https://c.example.com/y.png
                        name: 4️⃣"\\u2067y"
                  b:
                    name: "שלום\\u200F עולם"
                    assets: [https://c.example.com/b.png]
                """,
            [
                ("1️⃣", .error, .invalidText(field: "name", reason: "must be one line (it holds a line or paragraph separator)")),
                (
                    "2️⃣", .error,
                    .invalidText(
                        field: "description", reason: "must not hold bidirectional controls (they reorder what is shown)")
                ),
                (
                    "3️⃣", .error,
                    .invalidText(field: "revision", reason: "must be one line (it holds a line or paragraph separator)")
                ),
                (
                    "4️⃣", .error,
                    .invalidText(field: "name", reason: "must not hold bidirectional controls (they reorder what is shown)")
                ),
            ])
    }

    @Test func groupNamesAreUnique() {
        expectFindings(
            header + """
                groups:
                  1️⃣chars:
                    assets: [https://c.example.com/a.png]
                  other:
                    name: 2️⃣chars
                    assets: [https://c.example.com/a.png]
                """,
            [("2️⃣", .error, .duplicateName("chars", kind: "group", first: Mark(line: 5, column: 3)))])
        _ = Fixture("1️⃣").marks
    }

    /// A group or an asset with an error elsewhere still has its name checked: every violation
    /// is reported at once (SPEC §2), not one more after each fix.
    @Test func namesUsedTwiceAreFoundBesideOtherErrors() {
        let text =
            header + """
                groups:
                  g1:
                    name: 1️⃣Same
                    assets:
                      a:
                        url: 2️⃣http://c.example.com/a.png
                        name: 3️⃣shot
                      b:
                        url: https://c.example.com/b.png
                        name: 4️⃣shot
                      6️⃣c:
                        name: 5️⃣other
                      d:
                        url: https://c.example.com/d.png
                        name: 7️⃣other
                  g2:
                    name: 8️⃣Same
                    assets: [https://c.example.com/c.png]
                """
        let marks = Fixture(text).marks
        expectFindings(
            text,
            [
                ("2️⃣", .error, .invalidURL(field: "url", reason: "must use https, not http")),
                ("4️⃣", .error, .duplicateName("shot", kind: "asset", first: marks["3️⃣"]!)),
                ("6️⃣", .error, .missingKey("url", in: "asset \"c\"")),
                ("7️⃣", .error, .duplicateName("other", kind: "asset", first: marks["5️⃣"]!)),
                ("8️⃣", .error, .duplicateName("Same", kind: "group", first: marks["1️⃣"]!)),
            ])
    }

    @Test func emptyGroupsWarn() {
        expectFindings(
            header + "groups:\n  1️⃣a: {}\n  2️⃣b:\n  3️⃣c:\n    assets: []\n",
            [("1️⃣", .warning, .emptyGroup("a")), ("2️⃣", .warning, .emptyGroup("b")), ("3️⃣", .warning, .emptyGroup("c"))])
    }

    @Test func groupShape() {
        expectFindings(
            header + "groups:\n  g: 1️⃣[a]\n  h:\n    2️⃣asets: []\n",
            [
                (
                    "1️⃣", .error,
                    .wrongType(field: "group \"g\"", expected: "a mapping (name, description, assets)", found: "a list")
                ),
                ("2️⃣", .error, .unknownKey("asets", in: "group \"h\"", suggestion: "assets")),
            ])
    }

    // MARK: - Assets

    @Test func assetNamesAreUniqueWithinTheirGroup() {
        expectFindings(
            header + """
                groups:
                  g:
                    assets:
                      1️⃣front: https://c.example.com/a.png
                      side:
                        url: https://c.example.com/b.png
                        name: 2️⃣front
                  h:
                    assets:
                      front: https://c.example.com/a.png
                """,
            [("2️⃣", .error, .duplicateName("front", kind: "asset", first: Mark(line: 7, column: 7)))])
        _ = Fixture("1️⃣").marks
    }

    @Test func assetFields() {
        expectFindings(
            header + """
                groups:
                  g:
                    assets:
                      a:
                        url: https://c.example.com/a
                        type: 1️⃣picture
                      b:
                        2️⃣urll: https://c.example.com/b.png
                      3️⃣c:
                        type: image
                      d:
                        url: https://c.example.com/d.png
                        type: 4️⃣video
                      e: 5️⃣https://c.example.com/e
                      f: 6️⃣[https://c.example.com/f.png]
                      g:
                        url: 7️⃣123
                """,
            [
                ("1️⃣", .error, .unknownAssetType(found: "picture")),
                ("2️⃣", .error, .unknownKey("urll", in: "asset \"b\"", suggestion: "url")),
                ("3️⃣", .error, .missingKey("url", in: "asset \"c\"")),
                ("4️⃣", .warning, .typeDisagreesWithExtension(type: "video", inferred: "image")),
                ("5️⃣", .error, .typeRequired(url: "https://c.example.com/e")),
                (
                    "6️⃣", .error,
                    .wrongType(field: "asset \"f\"", expected: "a URL or a mapping (url, type, name, revision)", found: "a list")
                ),
                ("7️⃣", .error, .invalidURL(field: "url", reason: "must be an absolute https URL (https://host/path)")),
            ])
    }

    @Test func duplicateURLsWarn() {
        expectFindings(
            header + """
                groups:
                  g:
                    assets:
                      a: 1️⃣https://c.example.com/a.png
                      b: 2️⃣https://c.example.com/a.png
                  h:
                    assets:
                      a: https://c.example.com/a.png
                """,
            [("2️⃣", .warning, .duplicateURL("https://c.example.com/a.png", first: Mark(line: 7, column: 10)))])
        _ = Fixture("1️⃣").marks
    }

    @Test func urlLists() {
        expectFindings(
            header + """
                groups:
                  g:
                    assets:
                      - https://c.example.com/plates/plate-01.jpg
                      - 1️⃣https://c.example.com/other/Plate-01.PNG
                      - 2️⃣https://c.example.com/角色.png
                      - 3️⃣{url: https://c.example.com/x.png}
                      - 4️⃣https://c.example.com/folder/
                """,
            [
                ("1️⃣", .error, .derivedKeyCollision("plate-01", first: Mark(line: 7, column: 9))),
                ("2️⃣", .error, .underivableKey(url: "https://c.example.com/角色.png", derived: "--")),
                (
                    "3️⃣", .error,
                    .wrongType(
                        field: "an item of a URL list",
                        expected: "a URL (for more fields, write the assets as a mapping of keys)", found: "a mapping")
                ),
                ("4️⃣", .error, .underivableKey(url: "https://c.example.com/folder/", derived: "")),
            ])
    }

    /// Group names, like asset names, are told apart byte for byte, as the service tells them
    /// apart: one written in another Unicode form is another name.
    @Test func groupNamesInAnotherUnicodeFormAreOtherNames() {
        let text = """
            version: 1
            provider: {api: seedance}
            groups:
              one: {name: "Caf\\u00e9", assets: {}}
              two: {name: "Cafe\\u0301", assets: {}}
              three: {name: "Caf\\u00e9", assets: {}}
            """
        let loaded = loadBothWays(text)
        let duplicates = loaded.diagnostics.filter {
            if case .duplicateName = $0.problem { true } else { false }
        }
        #expect(duplicates.count == 1 && duplicates.first?.mark?.line == 6, "\(loaded.diagnostics)")
    }

    @Test(arguments: [
        ("http://c.example.com/a.png", "must use https, not http"),
        ("file:///tmp/a.png", "must be an https URL, not a file: URL; the service downloads it from the internet"),
        ("data:image/png;base64,AAAA", "must be an https URL, not a data: URL; host the file and give its URL"),
        ("ftp://c.example.com/a.png", "must be an https URL, not ftp:"),
        ("c.example.com/a.png", "must be an absolute https URL (https://host/path)"),
        ("https:///a.png", "has no host"),
        ("https://localhost/a.png", "points at \"localhost\", which is not on the public internet"),
        ("https://cdn.LOCALHOST./a.png", "points at \"cdn.localhost\", which is not on the public internet"),
        ("https://nas.local/a.png", "points at \"nas.local\", which is not on the public internet"),
        ("https://db.internal/a.png", "points at \"db.internal\", which is not on the public internet"),
        ("https://router.HOME.arpa./a.png", "points at \"router.home.arpa\", which is not on the public internet"),
        ("https://cdn/a.png", "has the host \"cdn\", which is not a public internet name (it has no dot)"),
        ("https://127.0.0.1/a.png", "points at a loopback address 127.0.0.1; the service downloads from the public internet"),
        ("https://10.1.2.3:8443/a.png", "points at a private address 10.1.2.3; the service downloads from the public internet"),
        ("https://172.20.0.1/a.png", "points at a private address 172.20.0.1; the service downloads from the public internet"),
        (
            "https://192.168.0.10/a.png",
            "points at a private address 192.168.0.10; the service downloads from the public internet"
        ),
        (
            "https://169.254.169.254/a.png",
            "points at a link-local address 169.254.169.254; the service downloads from the public internet"
        ),
        ("https://0.0.0.0/a.png", "points at an unspecified address 0.0.0.0; the service downloads from the public internet"),
        ("https://127.1/a.png", "has a host \"127.1\" that is neither a name nor a dotted IPv4 address"),
        ("https://2130706433/a.png", "has a host \"2130706433\" that is neither a name nor a dotted IPv4 address"),
        ("https://[::1]/a.png", "points at a loopback address [::1]; the service downloads from the public internet"),
        ("https://[fe80::1]/a.png", "points at a link-local address [fe80::1]; the service downloads from the public internet"),
        (
            "https://[fd00::5]/a.png",
            "points at a private (unique local) address [fd00::5]; the service downloads from the public internet"
        ),
        (
            "https://[::ffff:192.168.1.1]/a.png",
            "points at a private address [::ffff:192.168.1.1]; the service downloads from the public internet"
        ),
        ("https://[zz::1]/a.png", "has an invalid IPv6 address [zz::1]"),
        ("https://user:pw@c.example.com/a.png", "must not hold credentials (user:password@host)"),
        ("https://c.example.com/a b.png", "must not contain a space (write it as %20)"),
        ("https://c.example.com:99999/a.png", "has an invalid port \"99999\""),
        ("https://c.example.com:+443/a.png", "has an invalid port \"+443\""),
        ("https://c.example.com:/a.png", "has an invalid port \"\""),
        ("https://c..example.com/a.png", "has an empty label in its host \"c..example.com\""),
        ("https://c.example.com/" + String(repeating: "a", count: 2040) + ".png", "is longer than 2048 characters"),
    ])
    func badURLs(url: String, reason: String) {
        expectFindings(
            header + "groups:\n  g:\n    assets:\n      a:\n        url: 1️⃣'\(url)'\n        type: image\n",
            [("1️⃣", .error, .invalidURL(field: "url", reason: reason))])
    }

    @Test(arguments: [
        "https://cdn.example.com/a.png?X-Signature=abc&e=1", "https://8.8.8.8/a.png", "https://[2001:db8::1]/a.png",
        "https://cdn.example.com:8443/a.png", "HTTPS://CDN.EXAMPLE.COM/A.PNG", "https://cdn.example.com/角色/正面.png",
        "https://172.32.0.1/a.png", "https://xn--fiq228c.example/a.png",
    ])
    func goodURLs(url: String) {
        expectFindings(header + "groups:\n  g:\n    assets:\n      a: '\(url)'\n", [])
    }

    @Test func allProblemsAreReportedAtOnceInOrder() {
        let loaded = Fixture(
            header + """
                groups:
                  g:
                    assets:
                      a: http://c.example.com/a.png
                      b: https://10.0.0.1/b.png
                  h:
                    nmae: x
                """
        ).load()
        #expect(loaded.diagnostics.map { $0.mark?.line ?? 0 } == [7, 8, 10])
        #expect(loaded.manifest == nil)
    }
}
