import ArgumentParser
import AssetformCore
import AssetformRemote
import JSON

extension Assetform {
    struct RefreshCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refresh",
            abstract: "Read remote state, update statuses in the lockfile and report drift; never writes remotely."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var lockWait: LockWaitOptions

        @Flag(help: "Print what was refreshed as one JSON document (the drift, and whether the lockfile was written).")
        var json = false

        @Argument(help: "The manifest.")
        var manifest = ManifestLoader.defaultPath

        func run() async throws {
            var terminal = Terminal(options: global)
            terminal.json = json
            try await terminal.guarding {
                var (session, held) = try await Session.openForWriting(
                    manifest, remote, terminal, command: "refresh", lockTimeout: lockWait.timeout)
                defer { held.release() }
                guard var lock = session.lock else {
                    if json {
                        print(
                            Self.document(
                                lockPath: session.lockPath, found: false, groups: 0, assets: 0, drift: [], calls: 0,
                                written: false
                            ).pretty)
                    } else {
                        terminal.info("Nothing to refresh: there is no lockfile at \(session.lockPath).")
                    }
                    return
                }
                // This command holds the only copy, so that it is refreshed in place.
                session.lock = nil
                let (groupCount, assetCount) = (lock.groups.count, lock.assetCount)
                let manifest = session.manifest
                // The listed assets are compared with the lockfile as they arrive (only their
                // drift is kept); the lockfile is changed once the listing is over.
                let (state, assetDrift, calls) = try await session.withService { [lock] service, policy in
                    let (state, drift) = try await Refresh.drift(manifest, lock: lock, service: service)
                    return (state, drift, await policy.counters.calls)
                }
                let (changed, drift) = lock.refresh(with: state, assetDrift: assetDrift)
                if changed { try session.save(lock) }
                if json {
                    // (Written by this refresh, or before it by the journal an interrupted apply left.)
                    let written = changed || session.journalWritten
                    print(
                        Self.document(
                            lockPath: session.lockPath, found: true, groups: groupCount, assets: assetCount, drift: drift,
                            calls: calls, written: written
                        ).pretty)
                    return
                }
                for d in drift { terminal.info("  " + d.description.visible) }
                let statuses = drift.count { $0.kind == "status" }
                let gone = drift.count { $0.kind == "gone" }
                terminal.info(
                    "Refreshed \(groupCount) group\(groupCount == 1 ? "" : "s") and \(assetCount) asset\(assetCount == 1 ? "" : "s") in \(calls) call\(calls == 1 ? "" : "s"): "
                        + "\(statuses) status\(statuses == 1 ? "" : "es") updated, \(gone) gone, \(drift.count - statuses - gone) changed remotely."
                        + (changed ? " Wrote \(session.lockPath)." : ""))
            }
        }

        /// `refresh --json`'s document: the lockfile, whether there was one, the calls made, the
        /// drift (each as `Drift.json`, counted by kind) and whether the lockfile was written.
        static func document(
            lockPath: String, found: Bool, groups: Int, assets: Int, drift: [Drift], calls: Int, written: Bool
        ) -> JSONValue {
            func count(_ kind: String) -> Int { drift.count { $0.kind == kind } }
            return .object([
                ("lockfile", .string(lockPath)), ("found", .bool(found)), ("groups", .int(groups)), ("assets", .int(assets)),
                ("calls", .int(calls)),
                ("statuses_updated", .int(count("status"))), ("gone", .int(count("gone"))),
                ("changed_remotely", .int(drift.count - count("status") - count("gone"))),
                ("drift", .array(drift.map(\.json))), ("written", .bool(written)),
            ])
        }
    }
}
