import ArgumentParser
import AssetformApply
import AssetformCore
import AssetformEmulator
import AssetformRemote
import Foundation
import JSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where output goes and how it looks: colour only on a terminal and never with NO_COLOR,
/// results on stdout, diagnostics on stderr.
struct Terminal: Sendable {
    let errorColor: Bool
    /// Colour for what goes to stdout (a plan), on its own terminal test.
    let outputColor: Bool
    let quiet: Bool
    let verbose: Bool
    /// `--json`: a failure also prints one JSON error object on stdout.
    var json = false

    init(options: GlobalOptions, environment: [String: String] = Terminal.environment()) {
        // Set at all (SPEC §4: "never when NO_COLOR is set"), even to an empty value.
        let noColorEnv = environment["NO_COLOR"] != nil
        errorColor = !options.noColor && !noColorEnv && isatty(STDERR_FILENO) == 1
        outputColor = !options.noColor && !noColorEnv && isatty(STDOUT_FILENO) == 1
        quiet = options.quiet
        verbose = options.verbose
    }

    /// Errors and warnings of a manifest, sorted, with their source lines.
    func report(_ loaded: LoadedManifest) {
        report(loaded.diagnostics, in: loaded.source)
    }

    /// Findings about a manifest (`source`), sorted, with their source lines.
    func report(_ diagnostics: [Diagnostic], in source: SourceFile) {
        let renderer = DiagnosticRenderer(color: errorColor)
        let text = renderer.render(diagnostics, in: source)
        if !text.isEmpty { printError(text, terminator: "") }
        let errors = diagnostics.errors.count
        let warnings = diagnostics.warnings.count
        if errors > 0 {
            printError(
                "\(errors) error\(errors == 1 ? "" : "s")"
                    + (warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : ""))
        }
    }

    /// Runs a command's work. The errors of every layer are the user's to act on and are printed
    /// as `error: …` with exit status 1 (a bug of ours says so, and what to report); anything
    /// else is a bug.
    @discardableResult
    func guarding<T>(_ body: () async throws -> T) async throws -> T {
        // SIGINT or SIGTERM: exit 130, with the JSON error object under --json.
        Interrupts.shared.printJSONOnExit(json)
        do {
            return try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch CommandError.invalidManifest(let path, let diagnostics) {
            // Its findings are on stderr already, each at its place.
            let error = CommandError.invalidManifest(path: path, diagnostics: diagnostics)
            printJSON(JSONError.of(error, message: error.description, status: .error))
            throw ExitStatus.error.exitCode
        } catch let error as CommandError {
            throw fail(error, error.description, isBug: error.isBug, status: error.isTemporary ? .temporary : .error)
        } catch let error as StateError {
            throw fail(error, error.description, isBug: false, positioned: true)
        } catch let error as ApplyError {
            throw fail(error, error.description, isBug: error.isBug)
        } catch let error as RemoteError {
            throw fail(error, error.description, isBug: false, status: error.isTemporary ? .temporary : .error)
        } catch let error as RemoteSettings.Failure {
            throw fail(error, error.description, isBug: false)
        } catch let error as EmulatorError {
            throw fail(error, error.description, isBug: false, status: error.isTemporary ? .temporary : .error)
        } catch {
            throw fail(error, Redaction.redact(String(describing: error)), isBug: true)
        }
    }

    /// The fields of the command's own document, where it prints one whatever happens (`check
    /// --json`): a failure's error object is printed as its `error` member, after them.
    var jsonDocument: [(String, JSONValue)]?

    /// With `--json`, the error object on stdout (its text made visible, as on stderr).
    func printJSON(_ error: JSONError) {
        guard json else { return }
        var e = error
        e.message = e.message.visibleLines
        if let jsonDocument, case .object(let fields) = e.json {
            print(JSONValue.object(jsonDocument + fields).pretty)
        } else {
            print(e.json.encoded)
        }
        flushOutput()
    }

    /// Prints an error; the command then exits with `status` (1 unless the error is temporary),
    /// unwinding, so that what it holds is let go. Its text may carry values from files or the
    /// service: each line is shown with its control characters escaped, its own line breaks
    /// kept. A message that names its file position (a `StateError`) says `error:` there already.
    private func fail(
        _ error: any Error, _ message: String, isBug: Bool, positioned: Bool = false, status: ExitStatus = .error
    ) -> ExitCode {
        printJSON(JSONError.of(error, message: message, status: status))
        let text = message.visibleLines
        let shown = positioned && text.contains(": error: ") ? text : paintError("error:") + " " + text
        printError(
            isBug && !text.contains("this is a bug")
                ? shown + " (this is a bug in assetform; please report it with the command you ran and this message)" : shown)
        return status.exitCode
    }

    func paintError(_ s: String) -> String { errorColor ? "\u{1B}[1;31m\(s)\u{1B}[0m" : s }

    /// A warning on stderr (shown even with --quiet).
    /// A warning on stderr: one line. Its text may carry names from files, arguments or the
    /// service: shown with their control characters escaped (a line break in a file's name
    /// too, which would forge a line of output), as every message is.
    func warn(_ line: String) {
        printError((errorColor ? "\u{1B}[1;33mwarning:\u{1B}[0m" : "warning:") + " " + line.visible)
    }

    /// A line of ordinary output (escaped as `warn`'s is); silent with --quiet.
    func info(_ line: String) {
        if !quiet { print(line.visible) }
    }

    func printError(_ text: String, terminator: String = "\n") {
        var stream = StandardError()
        print(text, terminator: terminator, to: &stream)
    }

    static func environment() -> [String: String] { ProcessInfo.processInfo.environment }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var s = string
        s.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }
}
