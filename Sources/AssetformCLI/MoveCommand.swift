import ArgumentParser
import AssetformCore

extension Assetform {
    struct MoveCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mv",
            abstract: "Move a lockfile record to a new address (a key renamed in the manifest); no remote call.",
            discussion: """
                Arguments: [MANIFEST] FROM TO, both groups or both assets of one group. A group moves with its \
                assets. An asset cannot move to another group (the service has no such call): declare it there, \
                and apply registers it anew.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var lockWait: LockWaitOptions

        @Argument(help: "[MANIFEST] FROM TO")
        var arguments: [String] = []

        func validate() throws {
            guard (2...3).contains(arguments.count) else { throw ValidationError("mv takes [MANIFEST] FROM TO") }
            try Address.refuseManifestAsAddress(arguments, expecting: "FROM TO")
            _ = try Address.argument(arguments[arguments.count - 2])
            _ = try Address.argument(arguments[arguments.count - 1])
        }

        func run() async throws {
            let terminal = Terminal(options: global)
            let manifestPath = arguments.count == 3 ? arguments[0] : ManifestLoader.defaultPath
            try await terminal.guarding {
                let from = try Address.argument(arguments[arguments.count - 2])
                let to = try Address.argument(arguments[arguments.count - 1])
                var (session, held) = try await Session.openForWriting(
                    manifestPath, remote, terminal, command: "mv", needsService: false, lockTimeout: lockWait.timeout)
                defer { held.release() }
                guard var lock = session.lock else { throw CommandError.noLockfile(path: session.lockPath, hint: nil) }
                let change = LockfileChange.move(from: from, to: to, id: lock.id(at: from) ?? "")
                if let refusal = lock.refusal(of: change) {
                    // An asset whose group was moved: said where it is now, when that is one place.
                    var tracked: Address?
                    if case .moveFromUntracked = refusal, let key = from.asset, lock.groups[from.group] == nil {
                        let holders = lock.groups.filter { $0.value.assets[key] != nil }.keys.sorted()
                        if holders.count == 1 { tracked = Address(group: holders[0], asset: key) }
                    }
                    throw CommandError.cannotMove(refusal, lockfile: session.lockPath, tracked: tracked)
                }
                let manifest = session.manifest
                let declared = manifest.groups.contains { g in
                    g.key == from.group && (from.asset == nil || g.assets.contains { $0.key == from.asset })
                }
                if declared { throw CommandError.moveOfDeclared(from, manifest: manifestPath) }
                let id = lock.id(at: from) ?? ""
                let carried = from.isGroup ? lock.groups[from.group]?.assets.count ?? 0 : 0
                try lock.apply(change)
                try session.save(lock)
                terminal.info(
                    "Moved \(from) (\(id.visible)) to \(to)"
                        + (from.isGroup ? " with its \(carried) asset\(carried == 1 ? "" : "s")" : "") + "; no remote call.")
                // What the next plan makes of it.
                guard let group = manifest.groups.first(where: { $0.key == to.group }) else {
                    terminal.warn("\(to.group) is not declared in \(manifestPath): the next plan forgets \(to)")
                    return
                }
                let canRename = Capabilities.of(manifest.provider.api).canUpdate
                func renamed(_ name: String) {
                    terminal.info(
                        "The manifest names it \"\(name.visible)\": "
                            + (canRename
                                ? "the next apply renames it remotely (no billed call)."
                                : "0-0 cannot rename it, so the remote name stays (plan warns of it)."))
                }
                if let key = to.asset {
                    guard let asset = group.assets.first(where: { $0.key == key }) else {
                        terminal.warn("\(to) is not declared in \(manifestPath): the next plan forgets it")
                        return
                    }
                    if let locked = lock.asset(at: to), !locked.name.isSameText(as: asset.name) { renamed(asset.name) }
                } else if let locked = lock.groups[to.group], !locked.name.isSameText(as: group.name) {
                    renamed(group.name)
                }
            }
        }
    }
}
