import ArgumentParser
import AssetformCore
import Durable
import JSON
import YAML

/// How a plan is shown: as `plan` prints it, as Markdown, or as its JSON document.
enum PlanFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json
}

extension Assetform {
    struct ShowCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract:
                "Render a saved plan (plan --out FILE) for review: as text, as Markdown for a pull-request comment, or as JSON.",
            discussion: "Reads the file only: no manifest, lockfile or service. " + ExitStatus.help
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The saved plan (plan --out FILE).")
        var planFile: String

        @Option(help: "text, markdown or json.")
        var format: PlanFormat = .text

        func run() async throws {
            var terminal = Terminal(options: global)
            terminal.json = format == .json
            try await terminal.guarding {
                let document = try Plan.readDocument(path: planFile)
                let (plan, origin) = try Plan.decode(document, path: planFile)
                let note = origin.note
                switch format {
                case .json:
                    print(document.pretty)
                case .markdown:
                    print(PlanMarkdown().render(plan, note: note.map { "Plan " + $0 + "." }), terminator: "")
                case .text:
                    terminal.info(
                        "Plan for \(origin.provider.api) at \(origin.provider.baseURL), project \(origin.provider.projectName)"
                            + (origin.lockSerial.map { ", lockfile serial \($0)" } ?? ", no lockfile")
                            + (note.map { "; " + $0 } ?? ""))
                    print(PlanRenderer(color: terminal.outputColor).render(plan, limits: nil), terminator: "")
                }
            }
        }
    }
}
