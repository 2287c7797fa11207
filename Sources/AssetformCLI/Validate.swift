import ArgumentParser
import AssetformCore
import JSON

extension Assetform {
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            // Named here, not worked out from the type's name (reflection that every run paid).
            commandName: "validate",
            abstract: "Load and check a manifest; no network.",
            discussion:
                "Every problem is reported at once, as FILE:LINE:COLUMN: error: message (with --json, as one document). Exit status 0 when valid, 1 when not."
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The manifest to check.")
        var manifest: String = ManifestLoader.defaultPath

        @Flag(help: "Print one JSON document: valid, and every diagnostic with file, line, column, severity and message.")
        var json = false

        func run() async throws {
            let terminal = Terminal(options: global)
            Interrupts.shared.printJSONOnExit(json)
            let loaded = ManifestLoader.load(path: manifest)
            defer { ProcessLifetime.keepUntilExit(loaded) }
            if json {
                var fields: [(String, JSONValue)] = [
                    ("file", .string(manifest)), ("valid", .bool(loaded.manifest != nil)),
                    ("diagnostics", .array(loaded.diagnostics.map { $0.json(file: manifest) })),
                ]
                if let m = loaded.manifest {
                    fields += [
                        ("provider", .string(m.provider.api.rawValue)), ("groups", .int(m.groups.count)),
                        ("assets", .int(m.assetCount)),
                    ]
                } else {
                    // Invalid: the document is the failing command's one error object too (SPEC §4).
                    let error = JSONError(
                        kind: "manifest", message: CommandError.notValid(manifest, loaded.diagnostics), status: .error)
                    if case .object(let e) = error.json { fields += e }
                }
                print(JSONValue.object(fields).pretty)
                if loaded.manifest == nil { throw ExitStatus.error.exitCode }
                return
            }
            terminal.report(loaded)
            guard let manifest = loaded.manifest else { throw ExitCode.failure }
            let groups = manifest.groups.count
            let assets = manifest.assetCount
            terminal.info(
                "\(loaded.source.path): valid; \(groups) group\(groups == 1 ? "" : "s"), "
                    + "\(assets) asset\(assets == 1 ? "" : "s"), provider \(manifest.provider.api.rawValue)")
            if global.verbose && !global.quiet {
                let p = manifest.provider
                let credentials =
                    p.api.isNative
                    ? "access key from $\(p.accessKeyEnv ?? ""), secret key from $\(p.secretKeyEnv ?? "")"
                    : "key from $\(p.apiKeyEnv)"
                terminal.info("provider \(p.api.rawValue) at \(p.baseURL), \(credentials)")
                for group in manifest.groups {
                    let label = group.name == group.key ? group.key : "\(group.key) (\(group.name))"
                    terminal.info("  \(label): \(group.assets.count) asset\(group.assets.count == 1 ? "" : "s")")
                }
            }
        }
    }
}
