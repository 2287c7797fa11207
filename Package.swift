// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "assetform",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "assetform", targets: ["assetform"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        /// libyaml, from the system (Debian: libyaml-dev, pkg-config yaml-0.1).
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        /// A YAML node tree with 1-based positions, built on libyaml; the only importer of CLibYAML.
        .target(name: "YAML", dependencies: ["CLibYAML"]),
        /// The manifest model, its loading and validation, and diagnostics; no network.
        .target(name: "AssetformCore", dependencies: ["YAML"]),
        /// The commands and terminal output.
        .target(
            name: "AssetformCLI",
            dependencies: [
                "AssetformCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        /// The executable: one call into AssetformCLI.
        .executableTarget(name: "assetform", dependencies: ["AssetformCLI"]),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"]),
        .testTarget(name: "AssetformCoreTests", dependencies: ["AssetformCore", "YAML"]),
        /// Runs the built `assetform` binary and checks stdout, stderr and the exit status.
        .testTarget(name: "EndToEndTests", dependencies: ["assetform"]),
    ],
    swiftLanguageModes: [.v6]
)
