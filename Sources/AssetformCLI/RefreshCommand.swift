import ArgumentParser
import AssetformCore
import AssetformRemote

extension Assetform {
    struct RefreshCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refresh",
            abstract: "Read remote state, update statuses in the lockfile and report drift; never writes remotely."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var lockWait: LockWaitOptions

        @Argument(help: "The manifest.")
        var manifest = ManifestLoader.defaultPath

        func run() async throws {
            let terminal = Terminal(options: global)
            try await terminal.guarding {
                var (session, held) = try await Session.openForWriting(
                    manifest, remote, terminal, command: "refresh", lockTimeout: lockWait.timeout)
                defer { held.release() }
                guard var lock = session.lock else {
                    terminal.info("Nothing to refresh: there is no lockfile at \(session.lockPath).")
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
                for d in drift { terminal.info("  " + d.description.visible) }
                if changed { try session.save(lock) }
                let statuses = drift.filter { if case .status = $0 { true } else { false } }.count
                let gone = drift.filter { if case .gone = $0 { true } else { false } }.count
                terminal.info(
                    "Refreshed \(groupCount) group\(groupCount == 1 ? "" : "s") and \(assetCount) asset\(assetCount == 1 ? "" : "s") in \(calls) call\(calls == 1 ? "" : "s"): "
                        + "\(statuses) status\(statuses == 1 ? "" : "es") updated, \(gone) gone, \(drift.count - statuses - gone) changed remotely."
                        + (changed ? " Wrote \(session.lockPath)." : ""))
            }
        }
    }
}
