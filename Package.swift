// swift-tools-version: 6.2
import PackageDescription

/// Our own targets build without warnings: a warning fails the build.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
    name: "assetform",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "assetform", targets: ["assetform"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        /// libyaml, from the system (Debian: libyaml-dev, pkg-config yaml-0.1).
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        /// A YAML node tree with 1-based positions, built on libyaml; the only importer of CLibYAML.
        .target(name: "YAML", dependencies: ["CLibYAML"], swiftSettings: strict),
        /// JSON values with exact field names and number kinds, parsed strictly; shared by the client
        /// and the emulator, which must agree on what a body says.
        .target(name: "JSON", swiftSettings: strict),
        /// Files that survive crashes (atomic replacement, an append-only log, an exclusive lock), and
        /// their digests (SHA-256 from swift-crypto).
        .target(
            name: "Durable", dependencies: ["Timing", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        /// Time in one place: `Duration` in seconds and milliseconds, and every UTC date format read
        /// or written (RFC 3339, id stamps, HTTP dates).
        .target(name: "Timing", swiftSettings: strict),
        /// The manifest model, its loading and validation, and diagnostics; no network.
        .target(name: "AssetformCore", dependencies: ["YAML", "JSON", "Durable", "Timing"], swiftSettings: strict),
        /// The service protocol, the seedance and 0-0 clients, and the call policy every remote call
        /// goes through: rate limits per class, adaptive throttling, retries.
        .target(
            name: "AssetformRemote",
            dependencies: [
                "AssetformCore", "JSON", "Timing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        /// Preflight of source URLs (SPEC §10): the first bytes of each over HTTPS (SwiftNIO and
        /// NIOSSL, so the bytes read are bounded exactly), and what they say of the media.
        .target(
            name: "AssetformPreflight",
            dependencies: [
                "AssetformCore", "AssetformRemote", "JSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        /// Apply: the executor, the ledger (journal and lockfile as a run goes), reconciliation of
        /// creates of unknown outcome, and waiting for Processing assets.
        .target(
            name: "AssetformApply",
            dependencies: [
                "AssetformCore", "AssetformRemote", "Durable", "Timing", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        /// The emulator of both remote dialects (API.md §3), as a server and in-process. It never
        /// imports the client: it is the independent check that the client speaks the APIs right.
        .target(
            name: "AssetformEmulator",
            dependencies: [
                "JSON", "Durable", "Timing",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        /// The commands and terminal output.
        .target(
            name: "AssetformCLI",
            dependencies: [
                "AssetformCore",
                "AssetformRemote",
                "AssetformApply",
                "AssetformPreflight",
                "AssetformEmulator",
                "Durable",
                "Timing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        /// The executable: one call into AssetformCLI.
        .executableTarget(name: "assetform", dependencies: ["AssetformCLI"], swiftSettings: strict),
        /// Benchmarks of the remote layer against the in-process emulator (README, Benchmarks).
        .executableTarget(
            name: "assetform-bench",
            dependencies: [
                "AssetformRemote", "AssetformEmulator", "AssetformCore", "Timing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"], swiftSettings: strict),
        .testTarget(name: "TimingTests", dependencies: ["Timing"], swiftSettings: strict),
        .testTarget(name: "DurableTests", dependencies: ["Durable"], swiftSettings: strict),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: strict),
        .testTarget(
            name: "AssetformApplyTests", dependencies: ["AssetformApply", "AssetformCore", "AssetformRemote", "YAML"],
            swiftSettings: strict),
        .testTarget(
            name: "AssetformPreflightTests", dependencies: ["AssetformPreflight", "AssetformCore", "AssetformEmulator"],
            swiftSettings: strict),
        .testTarget(
            name: "AssetformCoreTests", dependencies: ["AssetformCore", "AssetformEmulator", "YAML", "JSON", "Durable"],
            swiftSettings: strict),
        .testTarget(
            name: "AssetformRemoteTests",
            dependencies: ["AssetformRemote", "AssetformApply", "AssetformEmulator", "AssetformCore", "JSON"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AssetformEmulatorTests",
            dependencies: [
                "JSON", "Timing",
                "AssetformEmulator",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        /// Runs the built `assetform` binary and checks stdout, stderr and the exit status.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "assetform", "AssetformEmulator", "AssetformRemote", "JSON", "Timing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
