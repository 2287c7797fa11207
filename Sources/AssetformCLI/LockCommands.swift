import ArgumentParser
import AssetformCore
import AssetformRemote
import Foundation
import JSON

extension Assetform {
    struct ImportCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Record an existing remote group or asset under ADDR in the lockfile.",
            discussion: "Arguments: [MANIFEST] ADDR ID. The object must exist, and an asset's type must match the manifest's."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var lockWait: LockWaitOptions

        @Argument(help: "[MANIFEST] ADDR ID")
        var arguments: [String] = []

        func validate() throws {
            guard (2...3).contains(arguments.count) else { throw ValidationError("import takes [MANIFEST] ADDR ID") }
            try Address.refuseManifestAsAddress(arguments, expecting: "ADDR ID")
            _ = try Address.argument(arguments[arguments.count - 2])
        }

        func run() async throws {
            let terminal = Terminal(options: global)
            let (manifestPath, address, id) =
                arguments.count == 3
                ? (arguments[0], arguments[1], arguments[2]) : (ManifestLoader.defaultPath, arguments[0], arguments[1])
            try await terminal.guarding {
                var (session, held) = try await Session.openForWriting(
                    manifestPath, remote, terminal, command: "import", lockTimeout: lockWait.timeout)
                defer { held.release() }
                let manifest = session.manifest
                var lock = session.lock ?? Lockfile(provider: session.lockedProvider)
                let address = try Address.argument(address)
                guard let group = manifest.groups.first(where: { $0.key == address.group }) else {
                    throw CommandError.notInManifest(address, manifest: manifestPath)
                }
                let api = manifest.provider.api
                // One id, one address: two addresses tracking one object would undo each other.
                if let other = lock.address(tracking: id), other != address {
                    throw CommandError.trackedElsewhere(id: id, by: other)
                }
                if address.isGroup {
                    if let tracked = lock.groups[group.key], tracked.id != id {
                        throw CommandError.alreadyTracked(address, id: tracked.id)
                    }
                    let found = try await session.withService { service, _ in try await service.getGroup(id: id) }
                    try lock.apply(
                        .group(
                            key: group.key,
                            LockedGroup(
                                id: found.id, name: lock.groups[group.key]?.name ?? found.name,
                                description: group.description == nil ? nil : found.description)))
                    try session.save(lock)
                    terminal.info("Imported group \(found.id) (\"\(found.name.visible)\") as \(address).")
                    return
                }
                guard let asset = group.assets.first(where: { $0.key == address.asset }) else {
                    throw CommandError.notInManifest(address, manifest: manifestPath)
                }
                if let tracked = lock.asset(at: address), tracked.id != id {
                    throw CommandError.alreadyTracked(address, id: tracked.id)
                }
                let trackedGroup = lock.groups[group.key]
                let (found, foundGroup) = try await session.withService { service, _ in
                    let a = try await service.getAsset(id: id)
                    let g = trackedGroup == nil && !a.groupID.isEmpty ? try await service.getGroup(id: a.groupID) : nil
                    return (a, g)
                }
                if let type = found.type, type != asset.type {
                    throw CommandError.typeMismatch(
                        id: id, found: type, address: address, wanted: asset.type, manifest: manifestPath)
                }
                if let trackedGroup, !found.groupID.isEmpty, trackedGroup.id != found.groupID {
                    throw CommandError.inAnotherGroup(
                        id: id, group: found.groupID, key: group.key, tracked: trackedGroup.id)
                }
                if let foundGroup {
                    // Its group is an object too: tracked at one address only.
                    if let other = lock.address(tracking: foundGroup.id), other != Address(group: group.key) {
                        throw CommandError.trackedElsewhere(id: foundGroup.id, by: other)
                    }
                    try lock.apply(
                        .group(
                            key: group.key,
                            LockedGroup(
                                id: foundGroup.id, name: foundGroup.name,
                                description: group.description == nil ? nil : foundGroup.description)))
                    terminal.info("Imported its group \(foundGroup.id) as \(group.key).")
                }
                guard lock.groups[group.key] != nil else {
                    throw CommandError.groupUnknown(id: id, key: group.key)
                }
                try lock.apply(
                    .asset(
                        address,
                        LockedAsset(
                            id: found.id, name: found.name.isEmpty ? asset.name : found.name,
                            ref: LockedAsset.ref(for: found.id, api: api),
                            status: found.status, type: asset.type, url: asset.url, failure: found.failure,
                            revision: asset.revision)))
                try session.save(lock)
                terminal.info("Imported asset \(found.id) (\(found.status.rawValue)) as \(address).")
            }
        }
    }

    struct ForgetCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "forget",
            abstract: "Drop ADDR from the lockfile; the remote object stays.",
            discussion: "Arguments: [MANIFEST] ADDR. Forgetting a group forgets its assets too."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var lockWait: LockWaitOptions

        @Argument(help: "[MANIFEST] ADDR")
        var arguments: [String] = []

        func validate() throws {
            guard (1...2).contains(arguments.count) else { throw ValidationError("forget takes [MANIFEST] ADDR") }
            try Address.refuseManifestAsAddress(arguments, expecting: "ADDR")
            _ = try Address.argument(arguments[arguments.count - 1])
        }

        func run() async throws {
            let terminal = Terminal(options: global)
            let (manifestPath, address) =
                arguments.count == 2 ? (arguments[0], arguments[1]) : (ManifestLoader.defaultPath, arguments[0])
            try await terminal.guarding {
                var (session, held) = try await Session.openForWriting(
                    manifestPath, remote, terminal, command: "forget", needsService: false, lockTimeout: lockWait.timeout)
                defer { held.release() }
                guard var lock = session.lock else { throw CommandError.noLockfile(path: session.lockPath, hint: nil) }
                let address = try Address.argument(address)
                guard let group = lock.groups[address.group] else {
                    throw CommandError.notInLockfile(address, lockfile: session.lockPath)
                }
                if let key = address.asset {
                    guard let asset = group.assets[key] else {
                        throw CommandError.notInLockfile(address, lockfile: session.lockPath)
                    }
                    try lock.apply(.forget(address))
                    terminal.info("Forgot asset \(address) (\(asset.id.visible)); it stays remotely.")
                } else {
                    try lock.apply(.forget(address))
                    terminal.info(
                        "Forgot group \(address) (\(group.id.visible)) and its \(group.assets.count) assets; they stay remotely.")
                }
                try session.save(lock)
                warnIfStillDeclared(address, session: session, terminal: terminal)
            }
        }

        /// Forgetting what the manifest still declares makes the next plan create it: where the
        /// dialect cannot list, that is a billed duplicate of the object that stays remotely.
        private func warnIfStillDeclared(_ address: Address, session: Session, terminal: Terminal) {
            guard let group = session.manifest.groups.first(where: { $0.key == address.group }),
                address.asset.map({ key in group.assets.contains { $0.key == key } }) ?? true
            else { return }
            if Capabilities.of(session.manifest.provider.api).canList {
                terminal.warn(
                    "the manifest still declares \(address): the next plan adopts the remote object by its name, "
                        + "if it still has that name")
            } else {
                terminal.warn(
                    "the manifest still declares \(address), and the \(session.manifest.provider.api.rawValue) API cannot "
                        + "list: the next apply registers it again (billed), a duplicate of the object that stays "
                        + "remotely. Remove it from the manifest, or `assetform import` it back")
            }
        }
    }

    struct RefsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refs",
            abstract: "Print each address with its reference (asset://ID on seedance, the asset id on 0-0) and status.",
            discussion: "Reads the lockfile only. --format env prints ASSETFORM_REF_GROUP_ASSET=REF lines for a shell."
        )

        enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, env }

        @OptionGroup var global: GlobalOptions
        @OptionGroup var remote: RemoteOptions

        @Argument(help: "The manifest.")
        var manifest = ManifestLoader.defaultPath

        @Option(help: "text, json or env.")
        var format: Format = .text

        func run() async throws {
            var terminal = Terminal(options: global)
            terminal.json = format == .json
            try await terminal.guarding {
                let session = try await Session.open(manifest, remote, terminal, needsService: false)
                session.noteJournal()
                guard let lock = session.lock else {
                    throw CommandError.noLockfile(path: session.lockPath, hint: "run apply first")
                }
                // Manifest order first, then anything else the lockfile tracks.
                var rows: [(String, LockedAsset)] = []
                var seen = Set<String>()
                for g in session.manifest.groups {
                    for a in g.assets {
                        if let l = lock.asset(at: Address(group: g.key, asset: a.key)) {
                            rows.append((g.key + "/" + a.key, l)); seen.insert(g.key + "/" + a.key)
                        }
                    }
                }
                for key in lock.groups.keys.sorted() {
                    for (assetKey, l) in lock.groups[key]!.assets.sorted(by: { $0.key < $1.key })
                    where !seen.contains(key + "/" + assetKey) {
                        rows.append((key + "/" + assetKey, l))
                    }
                }
                switch format {
                case .text:
                    let width = rows.map(\.0.count).max() ?? 0
                    for (address, a) in rows {
                        print(
                            address.visible + String(repeating: " ", count: width - address.count) + "  " + a.ref.visible
                                + "  " + a.status.rawValue)
                    }
                case .json:
                    let doc = JSONValue.object(
                        rows.map { ($0.0, .object([("ref", .string($0.1.ref)), ("status", .string($0.1.status.rawValue))])) })
                    print(doc.pretty)
                case .env:
                    var names: [String: [String]] = [:]
                    var order: [String] = []
                    var lines: [String] = []
                    for (address, a) in rows {
                        let name = "ASSETFORM_REF_" + Self.envName(address)
                        guard Self.isShellName(name) else {
                            throw CommandError.noShellName(address, name: name)
                        }
                        if names[name] == nil { order.append(name) }
                        names[name, default: []].append(address)
                        lines.append("\(name)=\(Self.shellQuoted(a.ref))")
                    }
                    // Every clash at once, each naming all its addresses.
                    let clashing = order.filter { names[$0]!.count > 1 }
                    if !clashing.isEmpty {
                        throw CommandError.sameShellName(names: clashing, addresses: clashing.map { names[$0]! })
                    }
                    // All or nothing: a name clash found late must not leave half the lines printed.
                    for line in lines { print(line) }
                    // Only the names are on stdout (for `eval`): a job using a ref not Active yet, or
                    // Failed, is told on stderr.
                    let unready = rows.filter { $0.1.status != .active }
                    if !unready.isEmpty {
                        let listed = unready.prefix(10).map { "\($0.0.visible) (\($0.1.status.rawValue))" }.joined(
                            separator: ", ")
                        terminal.warn(
                            "\(unready.count) ref\(unready.count == 1 ? " is" : "s are") not Active: \(listed)"
                                + (unready.count > 10 ? ", …" : "") + "; a video task that uses one fails")
                    }
                }
            }
        }

        /// A POSIX shell word that stands for exactly `value`: single-quoted, with each `'` written
        /// as `'\''`, so that `eval "$(assetform refs --format env)"` runs nothing from a value.
        static func shellQuoted(_ value: String) -> String {
            "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }

        /// `[A-Za-z_][A-Za-z0-9_]*`, as POSIX names a variable.
        static func isShellName(_ name: String) -> Bool {
            guard let first = name.utf8.first, first == UInt8(ascii: "_") || (first | 0x20) >= 97 && (first | 0x20) <= 122
            else { return false }
            return name.utf8.allSatisfy { c in
                c == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c)
            }
        }

        /// `characters/hero-front` → `CHARACTERS_HERO_FRONT`.
        static func envName(_ address: String) -> String {
            String(address.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        }
    }
}
