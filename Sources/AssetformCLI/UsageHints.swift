import ArgumentParser
import AssetformCore

#if canImport(Glibc)
    import Glibc
#endif

/// Mistakes on the command line that deserve more than "unexpected argument": a mistyped
/// command (`valdiate`) and a Terraform-style single-dash long flag (`-auto-approve`). Both are
/// usage errors (exit 64) that say what was probably meant.
enum UsageHints {
    /// The hint for `arguments` (without the program name), if any.
    static func hint(_ arguments: [String]) -> String? {
        let commands =
            Assetform.configuration.subcommands.map { $0._commandName }
            + ["help"]
        let flags = arguments.filter { $0.hasPrefix("-") }
        // `-qv` is two short flags; `-json` and `-auto-approve` are long ones with a dash missing.
        for a in flags
        where !a.hasPrefix("--") && a.dropFirst().allSatisfy({ $0.isLetter || $0 == "-" })
            && (a.dropFirst().contains("-") || a.count >= 5)
        {
            return "\(a) is not an option; long options take two dashes: -\(a)"
        }
        guard let first = arguments.first(where: { !$0.hasPrefix("-") }) else { return nil }
        // `help COMMAND`: the command must be one (ArgumentParser would print the main help).
        if first == "help", let named = arguments.drop(while: { $0 != "help" }).dropFirst().first(where: { !$0.hasPrefix("-") }),
            !commands.contains(named)
        {
            let close = Suggestion.closest(to: named, in: commands).map { "; did you mean \"\($0)\"?" } ?? ""
            return "help: unknown command \"\(named)\"\(close)"
        }
        guard !commands.contains(first) else { return nil }
        // The first word that is not a flag must be a command (a manifest comes after it).
        if let close = Suggestion.closest(to: first, in: commands) {
            return "unknown command \"\(first)\"; did you mean \"\(close)\"?"
        }
        if first.hasSuffix(".yaml") || first.hasSuffix(".yml") {
            return "\(first) comes after a command: assetform validate|plan|apply \(first)"
        }
        return nil
    }
}

extension Assetform {
    /// Runs the command line, with the hints above before ArgumentParser's own errors; with
    /// `--json` (or `--format json`), a usage error also prints the JSON error object.
    public static func start() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let json = zip(arguments, arguments.dropFirst() + [""]).contains { a, next in
            a == "--json" || a == "--format=json" || (a == "--format" && next == "json")
        }
        func usage(_ message: String) -> Never {
            // The arguments are echoed in it: shown with their control characters escaped.
            var stream = StandardError()
            print(message.visibleLines, to: &stream)
            if json {
                print(JSONError(kind: "usage", message: message.visibleLines, status: .usage).json.encoded)
                flushOutput()
            }
            Glibc.exit(ExitStatus.usage.rawValue)
        }
        // No command at all is a missing argument (SPEC §4): the help, on stderr, and status 64.
        let globalFlags: Set<String> = ["--no-color", "--quiet", "-q", "--verbose", "-v"]
        if arguments.allSatisfy({ globalFlags.contains($0) }) {
            usage(helpMessage() + "\nerror: no command given (see the commands above)")
        }
        if let hint = UsageHints.hint(arguments) {
            usage("error: \(hint)\nUsage: assetform [--no-color] [--quiet] [--verbose] COMMAND (see assetform --help)")
        }
        // Parsed here, so that a usage error can be told as JSON too, and never echoes a control
        // character raw; help and --version are not errors.
        let command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            usage(fullMessage(for: error))
        }
        do {
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                var sync = command
                try sync.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
