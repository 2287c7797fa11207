import AssetformCore
import AssetformRemote
import Testing
import YAML

@Suite("Settings from the manifest and the environment")
struct SettingsTests {
    let manifest = Manifest(
        provider: Provider(api: .seedance, apiKeyEnv: "MY_KEY", projectName: "film"), limits: Limits(concurrency: 3), groups: [])

    @Test func keyFromTheNamedVariable() throws {
        let s = try RemoteSettings.resolve(manifest, environment: ["MY_KEY": "sk-1"])
        #expect(s.baseURL == "https://gogogotoken.com")
        #expect(s.projectName == "film")
        #expect(s.limits.concurrency == 3)
        #expect("\(s.key)" == "<redacted>")
    }

    @Test func missingOrEmptyKeyIsAClearError() {
        #expect(throws: RemoteSettings.Failure.self) { try RemoteSettings.resolve(manifest, environment: [:]) }
        do {
            _ = try RemoteSettings.resolve(manifest, environment: ["MY_KEY": ""])
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description
                    == "the environment variable MY_KEY is empty; it must hold the API key (the manifest's provider.api_key_env names it)"
            )
        }
        do {
            _ = try RemoteSettings.resolve(manifest, environment: ["ASSETFORM_API_KEY": "x"])
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("the environment variable MY_KEY is not set"))
        }
    }

    @Test func baseURLOverride() throws {
        let s = try RemoteSettings.resolve(
            manifest, environment: ["MY_KEY": "k", "ASSETFORM_BASE_URL": "http://127.0.0.1:9999/"])
        #expect(s.baseURL == "http://127.0.0.1:9999")
        #expect(throws: RemoteSettings.Failure.self) {
            try RemoteSettings.resolve(manifest, environment: ["MY_KEY": "k", "ASSETFORM_BASE_URL": "http://example.com"])
        }
    }
}
