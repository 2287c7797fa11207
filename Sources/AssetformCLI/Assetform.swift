import ArgumentParser

/// The root command: `assetform [--no-color] [--quiet] [--verbose] COMMAND`.
public struct Assetform: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "assetform",
        abstract: "Keep Seedance reference assets in a YAML manifest and make the remote service match it.",
        discussion: """
            A manifest (assetform.yaml by default) lists groups of image, video and audio URLs.
            `validate` checks it without touching the network.

            """ + ExitStatus.help,
        version: Assetform.version,
        subcommands: [
            Validate.self, PlanCommand.self, ApplyCommand.self, RefreshCommand.self, ImportCommand.self, ForgetCommand.self,
            MoveCommand.self, RefsCommand.self, ShowCommand.self, CheckCommand.self, SchemaCommand.self,
            EmulatorCommand.self,
        ]
    )

    @OptionGroup public var global: GlobalOptions

    public init() {}
}

/// Flags every command takes, before or after the command's name.
public struct GlobalOptions: ParsableArguments {
    @Flag(
        name: .customLong("no-color"),
        help: "Never colour the output (colour is used only on a terminal, and never when NO_COLOR is set).")
    public var noColor = false

    @Flag(name: .shortAndLong, help: "Print only errors and warnings.")
    public var quiet = false

    @Flag(name: .shortAndLong, help: "Print more detail about what is done.")
    public var verbose = false

    public init() {}
}
