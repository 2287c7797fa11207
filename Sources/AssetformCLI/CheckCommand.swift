import ArgumentParser
import AssetformCore
import AssetformPreflight
import Foundation
import JSON
import Timing

extension Assetform {
    struct CheckCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Preflight the source URLs of the assets that would be created; no call to the asset service.",
            discussion: """
                Fetches the first bytes of each URL (following at most 5 redirects, each of which must stay public \
                https) and reports, at the asset's line: unreachable or not 2xx, a content type that contradicts \
                `type`, a size over the limit, image dimensions, aspect ratio and pixels, video/audio duration and a video's \
                frame rate outside the limits (`checks:` in the manifest; defaults from the upstream's media limits). Sources \
                registered with a recorded fingerprint are compared with it: a change is a warning. \
                Exit status: 0 no problem found, 1 problems found (or an error).
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var remote: RemoteOptions

        @Argument(help: "The manifest.")
        var manifest = ManifestLoader.defaultPath

        @Flag(help: "Check every asset of the manifest, not only those that would be created.")
        var all = false

        @Flag(help: "Print one JSON document: every source checked, with what was found.")
        var json = false

        @Option(help: "Sources fetched at once (default 16).")
        var concurrency: Int?

        @Option(help: "Per URL, redirects included (default 10s).")
        var timeout: String?

        func validate() throws {
            if let concurrency, !(1...256).contains(concurrency) {
                throw ValidationError("--concurrency must be between 1 and 256")
            }
            if let timeout, DurationText.parse(timeout).map({ $0 > .zero }) != true {
                throw ValidationError("--timeout \(timeout) is not a duration more than zero (e.g. 10s, 500ms)")
            }
        }

        func run() async throws {
            var terminal = Terminal(options: global)
            terminal.json = json
            // Its document either way: a failure before the check is one that is not ok.
            terminal.jsonDocument = [("file", .string(manifest)), ("ok", .bool(false)), ("diagnostics", .array([]))]
            let failed: Bool = try await terminal.guarding {
                let session: Session
                do {
                    session = try await Session.open(manifest, remote, terminal, needsService: false, sourceLines: true)
                } catch CommandError.invalidManifest(let path, let diagnostics) where json {
                    // Not ok, the manifest's findings (on stderr too), and the error object, as
                    // `validate --json` gives them.
                    var document = JSONError.of(
                        CommandError.invalidManifest(path: path, diagnostics: diagnostics),
                        message: CommandError.notValid(manifest, diagnostics), status: .error)
                    document.message = document.message.visibleLines
                    var fields: [(String, JSONValue)] = [
                        ("file", .string(manifest)), ("ok", .bool(false)),
                        ("diagnostics", .array(diagnostics.sorted().map { $0.json(file: manifest) })),
                    ]
                    if case .object(let e) = document.json { fields += e }
                    print(JSONValue.object(fields).pretty)
                    return true
                }
                session.noteJournal()
                let (items, unrecorded) = Self.items(session, all: all)
                let outcome = try await session.preflight(
                    items, concurrency: concurrency, timeout: timeout.flatMap(DurationText.parse))
                if json {
                    guard case .object(var fields) = outcome.json else { return !outcome.failed.isEmpty }
                    fields.insert(("file", .string(manifest)), at: 0)
                    fields.insert(("ok", .bool(!outcome.diagnostics.hasErrors)), at: 1)
                    fields.append(("registered_without_source", .int(unrecorded)))
                    fields.append(("diagnostics", .array(outcome.diagnostics.sorted().map { $0.json(file: manifest) })))
                    // Problems found: the document is the failing command's one error object too
                    // (SPEC §4), so a pipeline can test `.error` as it does for every command.
                    if outcome.diagnostics.hasErrors,
                        case .object(let error) = JSONError(kind: "check", message: outcome.summary, status: .error).json
                    {
                        fields += error
                    }
                    print(JSONValue.object(fields).pretty)
                } else {
                    if global.verbose && !global.quiet {
                        for r in outcome.reports where r.passed { terminal.info(Self.describe(r)) }
                    }
                    terminal.info(outcome.summary)
                    if unrecorded > 0 {
                        terminal.info(
                            "\(unrecorded) registered asset\(unrecorded == 1 ? " has" : "s have") no recorded source "
                                + "(registered without --check-urls), so a change to \(unrecorded == 1 ? "it" : "them") "
                                + "cannot be told\(all ? "" : "; --all checks them as sources")."
                        )
                    }
                }
                return outcome.diagnostics.hasErrors
            }
            if failed { throw ExitStatus.error.exitCode }
        }

        /// What would be created (planned against the lockfile alone, as `plan --no-refresh`),
        /// strictly; with `--all`, every asset strictly. Registered assets with a recorded source
        /// are looked at too, for a change (their other findings are warnings: they exist already).
        static func items(_ session: Session, all: Bool) -> (items: [(item: Preflight.Item, strict: Bool)], unrecorded: Int) {
            let plan = Planner(capabilities: .of(session.manifest.provider.api)).plan(
                session.manifest, lock: session.lock, remote: nil)
            let creating = Set(plan.registrations.map(\.address))
            var items: [(item: Preflight.Item, strict: Bool)] = []
            var unrecorded = 0
            for g in session.manifest.groups {
                for a in g.assets {
                    let address = Address(group: g.key, asset: a.key)
                    let locked = session.lock?.asset(at: address)
                    let recorded = locked?.url == a.url && !creating.contains(address) ? locked?.source : nil
                    let strict = all || creating.contains(address)
                    if locked != nil, !creating.contains(address), recorded == nil { unrecorded += 1 }
                    guard strict || recorded != nil else { continue }
                    items.append(
                        (Preflight.Item(address: address.description, url: a.url, type: a.type, recorded: recorded), strict))
                }
            }
            return (items, unrecorded)
        }

        static func describe(_ r: SourceReport) -> String {
            var parts: [String] = []
            if let f = r.media?.format, f != .unknown { parts.append(f.rawValue.uppercased()) }
            if let w = r.media?.width, let h = r.media?.height { parts.append("\(w)×\(h)") }
            if let d = r.media?.duration { parts.append(String(format: "%.1f s", d)) }
            if let f = r.media?.frameRate { parts.append(String(format: "%.2f fps", f)) }
            if let l = r.length { parts.append(ByteCountText.format(l)) }
            return "\(r.address): ok" + (parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")")
        }
    }
}
