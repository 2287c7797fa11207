import AssetformCore
import AssetformEmulator
import Testing
import YAML

@Suite("A valid manifest becomes the model, defaults filled in")
struct ManifestModelTests {
    @Test func specExample() throws {
        let loaded = Fixture(
            """
            version: 1
            provider:
              api: seedance
              base_url: https://gogogotoken.com
              api_key_env: ASSETFORM_API_KEY
              project_name: default
            limits:
              concurrency: 8
              rate:
                create_asset: auto
                write: 30
                read: 100
              processing: 30
              attempts: 6
              timeout: 30s
              wait: 15m
            groups:
              characters:
                name: 角色素材组
                description: 角色参考素材
                assets:
                  hero-front:
                    url: https://cdn.example.com/hero/front.png
                    type: image
                    name: 角色正面图
                  hero-side: https://cdn.example.com/hero/side.png
              plates:
                assets:
                  - https://cdn.example.com/plates/plate-01.jpg
                  - https://cdn.example.com/plates/plate-02.jpg
            """
        ).load()
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics.map(describe))")
        let m = try #require(loaded.manifest)
        #expect(m.provider == Provider(api: .seedance))
        #expect(m.limits == Limits())
        #expect(m.groups.map(\.key) == ["characters", "plates"])
        let chars = m.groups[0]
        #expect(chars.name == "角色素材组")
        #expect(chars.description == "角色参考素材")
        #expect(chars.assets.map(\.key) == ["hero-front", "hero-side"])
        #expect(chars.assets[0].name == "角色正面图")
        #expect(chars.assets[1].name == "hero-side")
        #expect(chars.assets[1].type == .image)
        #expect(chars.assets[1].address(in: chars) == "characters/hero-side")
        let plates = m.groups[1]
        #expect(plates.name == "plates")
        #expect(plates.description == nil)
        #expect(plates.assets.map(\.key) == ["plate-01", "plate-02"])
        #expect(plates.assets[0].mark == Mark(line: 29, column: 9))
    }

    @Test func defaults() throws {
        let m = try #require(Fixture("version: 1\nprovider:\n  api: 0-0\n").load().manifest)
        #expect(m.provider.baseURL == "https://api.0-0.pro")
        #expect(m.provider.platform == "JIMENG")
        #expect(m.provider.apiKeyEnv == "ASSETFORM_API_KEY")
        #expect(m.provider.projectName == "default")
        #expect(m.limits.concurrency == 8)
        #expect(m.limits.rates == Rates(createAsset: .auto, write: 30, read: 100))
        #expect(m.limits.attempts == 6)
        #expect(m.limits.timeout == .seconds(30))
        #expect(m.limits.wait == .seconds(900))
        #expect(m.groups.isEmpty)
        let s = try #require(Fixture(header).load().manifest)
        #expect(s.provider.baseURL == "https://gogogotoken.com")
        #expect(s.provider.platform == nil)
    }

    @Test func limitsAreRead() throws {
        let m = try #require(
            Fixture(
                header + """
                    limits:
                      concurrency: 32
                      rate: {create_asset: 0.5, write: unlimited}
                      attempts: 3
                      timeout: 1m30s
                      wait: 0
                    """
            ).load().manifest)
        #expect(m.limits.concurrency == 32)
        #expect(m.limits.rates == Rates(createAsset: 0.5, write: .unlimited, read: 100))
        #expect(m.limits.attempts == 3)
        #expect(m.limits.timeout == .seconds(90))
        #expect(m.limits.wait == .zero)
    }

    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("15m", .seconds(900)), ("1h", .seconds(3600)),
        ("1h30m", .seconds(5400)), ("1.5s", .milliseconds(1500)), ("0", .zero),
    ])
    func durations(text: String, value: Duration) {
        #expect(DurationText.parse(text) == value)
    }

    @Test(arguments: ["", "30", "10x", "s", "1 m", "-1s", "1.2.3s", "m5"])
    func badDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func baseURLTrailingSlashIsDropped() throws {
        let m = try #require(
            Fixture("version: 1\nprovider:\n  api: seedance\n  base_url: http://127.0.0.1:8080/\n").load().manifest)
        #expect(m.provider.baseURL == "http://127.0.0.1:8080")
    }

    @Test func anchorsAndMergeKeysWorkInAManifest() throws {
        let m = try #require(
            Fixture(
                header + """
                    x-defaults: &audio {type: audio}
                    groups:
                      g:
                        assets:
                          clip:
                            <<: *audio
                            url: https://cdn.example.com/clip?id=1
                      h:
                        assets: &shared
                          - https://cdn.example.com/a.png
                      i:
                        assets: *shared
                    """
            ).load().manifest)
        #expect(m.groups[0].assets[0].type == .audio)
        #expect(m.groups[2].assets.map(\.key) == ["a"])
    }

    @Test(arguments: [
        ("https://c.example.com/a.JPG", AssetType.image), ("https://c.example.com/a.jpeg", .image),
        ("https://c.example.com/a.png?x=1.mp4", .image), ("https://c.example.com/a.webp", .image),
        ("https://c.example.com/a.bmp", .image), ("https://c.example.com/a.tif", .image),
        ("https://c.example.com/a.TIFF", .image), ("https://c.example.com/a.gif", .image),
        ("https://c.example.com/a.heic", .image), ("https://c.example.com/a.mp4", .video),
        ("https://c.example.com/a.MOV#t=1", .video), ("https://c.example.com/a.wav", .audio),
        ("https://c.example.com/x.y/a.mp3", .audio),
    ])
    func typeInference(url: String, type: AssetType) throws {
        let parsed = try SourceURL.parse(url).get()
        #expect(parsed.inferredType == type)
    }

    /// Hosts that only look like the local ones (a last label as long as theirs, or a suffix
    /// that is not a whole label) are public names.
    @Test(arguments: [
        "https://x.vocal/a.png", "https://cdn.example.arpa/a.png", "https://x.home2.arpa/a.png", "https://x.external/a.png",
        "https://notlocalhost.com/a.png", "https://local.example.com/a.png", "https://x.mylocal/a.png",
    ])
    func lookalikesOfLocalHostsArePublic(url: String) {
        #expect((try? SourceURL.parse(url).get()) != nil, "\(url)")
    }

    @Test(
        arguments: [
            ("https://c.example.com/Plate 01.png", nil),
            ("https://c.example.com/p/Plate%2001.PNG", "plate-01"),
            ("https://c.example.com/p/hero.front.v2.png", "hero.front.v2"),
            ("https://c.example.com/p/Shadow_King.png?w=1", "shadow_king"),
            ("https://c.example.com/p/scene(1).jpg", "scene-1-"),
            ("https://c.example.com/p/noext", "noext"),
            ("https://c.example.com/p/.hidden", ".hidden"),
        ] as [(String, String?)])
    func derivedKeys(url: String, key: String?) {
        switch SourceURL.parse(url) {
        case .success(let parsed): #expect(parsed.derivedKey == key)
        case .failure: #expect(key == nil)
        }
    }

    /// URLs parsed one after another with the host last found good remembered give what each
    /// gives alone: a bad host is never taken for a good one before it, not even one of the
    /// same length or the same name in other case.
    @Test(arguments: [11, 12, 13, 14])
    func aRememberedHostChangesNoAnswer(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let hosts = [
            "c.example.com", "C.Example.COM", "localhost", "c.example.com.", "c..example.com", "127.0.0.1", "10.0.0.1",
            "c.example.local", "single", "c.example.com:8443", "c.example.com:99999", "c.example.com:0", "[::1]",
            "[2606:4700::1]", "c.exa_mple.com", "c.example.co", "c.example.comm", "ex ample.com", "xn--bcher-kva.example",
            "c..example.co", "c.example.loc", "a.b.c.de", "10.0.0.1", "LOCALHOST", "localhos", "c.example.com..",
        ]
        let paths = ["/a.png", "/b.mp4", "/c", "", "/d.wav?x=1", "/e.png#f", "/ü.png"]
        var memo = HostMemo()
        for n in 0..<400 {
            let host = hosts[Int(random.next() % UInt64(hosts.count))]
            let path = paths[Int(random.next() % UInt64(paths.count))]
            let scheme = random.next() % 10 == 0 ? "http://" : "https://"
            let url = scheme + host + path
            let alone = SourceURL.parse(url)
            let remembered = SourceURL.parse(url, hosts: &memo)
            switch (alone, remembered) {
            case (.success(let a), .success(let b)):
                #expect(a.text == b.text && a.inferredType == b.inferredType, "seed \(seed), #\(n): \(url)")
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "seed \(seed), #\(n): \(url)")
            default:
                Issue.record("seed \(seed), #\(n): \(url) gave \(alone) alone, \(remembered) after the others")
            }
        }
    }
}
