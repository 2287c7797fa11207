import ArgumentParser
import AssetformCore
import JSON

extension Assetform {
    struct SchemaCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "schema",
            abstract: "Print the manifest's JSON Schema (draft 2020-12), for editors to check manifests as you type.",
            discussion: """
                The same document ships as schema/assetform.schema.json. With yaml-language-server, put this first line \
                in a manifest: # yaml-language-server: $schema=PATH/TO/assetform.schema.json
                """
        )

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            print(ManifestSchema.document.pretty)
        }
    }
}
