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
        #expect(throws: RemoteSettings.Failure.missingKey(variable: "MY_KEY", empty: false)) {
            try RemoteSettings.resolve(manifest, environment: [:])
        }
        #expect(throws: RemoteSettings.Failure.missingKey(variable: "MY_KEY", empty: true)) {
            try RemoteSettings.resolve(manifest, environment: ["MY_KEY": ""])
        }
        #expect(throws: RemoteSettings.Failure.missingKey(variable: "MY_KEY", empty: false)) {
            try RemoteSettings.resolve(manifest, environment: ["ASSETFORM_API_KEY": "x"])
        }
        #expect(
            RemoteSettings.Failure.missingKey(variable: "MY_KEY", empty: true).description
                == "the environment variable MY_KEY is empty; it must hold the API key (the manifest's provider.api_key_env names it)"
        )
    }

    @Test func baseURLOverride() throws {
        let s = try RemoteSettings.resolve(
            manifest, environment: ["MY_KEY": "k", "ASSETFORM_BASE_URL": "http://127.0.0.1:9999/"])
        #expect(s.baseURL == "http://127.0.0.1:9999")
        #expect {
            try RemoteSettings.resolve(manifest, environment: ["MY_KEY": "k", "ASSETFORM_BASE_URL": "http://example.com"])
        } throws: { error in
            if case .badBaseURL(let variable, _)? = error as? RemoteSettings.Failure {
                variable == "ASSETFORM_BASE_URL"
            } else {
                false
            }
        }
    }
}
