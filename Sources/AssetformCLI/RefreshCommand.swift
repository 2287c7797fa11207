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
                guard let lock = session.lock else {
                    terminal.info("Nothing to refresh: there is no lockfile at \(session.lockPath).")
                    return
                }
                let manifest = session.manifest
                let (state, calls) = try await session.withService { service, policy in
                    (try await Refresh.state(manifest, lock: lock, service: service), await policy.counters.calls)
                }
                let (refreshed, drift) = lock.refreshed(with: state)
                for d in drift { terminal.info("  " + d.description.visible) }
                if refreshed != lock { try session.save(refreshed) }
                let statuses = drift.filter { if case .status = $0 { true } else { false } }.count
                let gone = drift.filter { if case .gone = $0 { true } else { false } }.count
                terminal.info(
                    "Refreshed \(lock.groups.count) groups and \(lock.assetCount) assets in \(calls) call\(calls == 1 ? "" : "s"): "
                        + "\(statuses) status\(statuses == 1 ? "" : "es") updated, \(gone) gone, \(drift.count - statuses - gone) changed remotely."
                        + (refreshed != lock ? " Wrote \(session.lockPath)." : ""))
            }
        }
    }
}
