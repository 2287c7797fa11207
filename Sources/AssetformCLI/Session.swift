import ArgumentParser
import AssetformCore
import AssetformEmulator
import AssetformRemote
import Durable
import Logging
import Timing
import YAML

#if canImport(Glibc)
    import Glibc
#endif

/// `--lock-timeout`, for every command that writes the lockfile (and so takes its lock).
struct LockWaitOptions: ParsableArguments {
    @Option(help: "Wait up to this long for another run holding the lockfile (default: fail at once, exit 75).")
    var lockTimeout: String?

    func validate() throws {
        if let lockTimeout, DurationText.parse(lockTimeout) == nil {
            throw ValidationError("--lock-timeout \(lockTimeout) is not a duration (e.g. 30s, 5m)")
        }
    }

    var timeout: Duration? { lockTimeout.flatMap(DurationText.parse) }
}

/// Flags of every command that reads the lockfile or talks to the service.
struct RemoteOptions: ParsableArguments {
    @Flag(help: "Run against an in-process emulator; its state and the lockfile are kept under .assetform/ beside the manifest.")
    var emulate = false

    @Option(help: "The lockfile (default: beside the manifest, its .yaml replaced by .lock).")
    var lock: String?
}

/// What every remote command starts from: a valid manifest, its lockfile, and how to reach the
/// service (or the emulator standing in for it).
struct Session {
    let terminal: Terminal
    let manifestPath: String
    /// SHA-256 of the manifest's bytes, for the commands that write or check a plan document
    /// (`open(digest: true)`; read it as `digest`): the bytes themselves are not kept (10 MB at
    /// 100,000 assets).
    private let manifestSHA256: String?
    /// The manifest's bytes, kept only for the commands that may show many of its lines after
    /// opening (URL checks: `open(sourceLines: true)`); `source` reads them again otherwise.
    private let keptSource: SourceFile?
    /// The manifest's warnings (already printed on stderr), for the JSON documents.
    var manifestWarnings: [Diagnostic] = []
    let manifest: Manifest
    let lockPath: String
    var lock: Lockfile?
    /// Whether `settleJournal` wrote an interrupted apply's journal into the lockfile.
    private(set) var journalWritten = false
    /// SHA-256 of the lockfile's bytes as they were read (`open(digest: true)`, and a lockfile
    /// there): a saved plan keeps it.
    let lockSHA256: String?
    let emulate: Bool
    /// The provider as the lockfile records it.
    let lockedProvider: LockedProvider
    private let settings: RemoteSettings?
    /// What a journal left by an interrupted apply held (already replayed onto `lock`).
    var journal: JournalReplay?

    var journalPath: String { lockPath + ".journal" }

    /// The manifest's SHA-256, for a plan document (written, or checked against the manifest).
    var digest: String {
        guard let manifestSHA256 else { preconditionFailure("a plan document needs Session.open(digest: true)") }
        return manifestSHA256
    }

    /// The manifest's lines, for findings made after opening: as loaded when they were kept,
    /// else read again (a rare finding, just after opening); without lines when that fails.
    var source: SourceFile {
        if let keptSource { return keptSource }
        let bytes = try? YAMLFile.read(path: manifestPath)
        return SourceFile(path: manifestPath, bytes: bytes ?? [])
    }
    /// The in-process emulator's own credentials for the upstream's dialects (`--emulate`): one
    /// access key per dialect, so that volcengine's and byteplus's emulated accounts stay apart,
    /// as the real ones are.
    /// (volcengine keeps the key it always had, so that its emulated state stays reachable.)
    static func emulatorAccessKey(_ api: API) -> String {
        api == .byteplus ? "AKassetform-emulator-byteplus" : "AKassetform-emulator"
    }
    static let emulatorSecretKey = "assetform-emulator-secret"
    static func exclusiveLockPath(_ lockPath: String) -> String { lockPath + ".lck" }

    static func open(
        _ manifestPath: String, _ options: RemoteOptions, _ terminal: Terminal, needsService: Bool = true,
        digest: Bool = false, sourceLines: Bool = false
    ) async throws -> Session {
        let lockPath = Self.resolveLockPath(manifestPath, options)
        // The lockfile is read on the other core while the manifest is parsed on this one.
        async let lockRead = Result { () throws(StateError) in try Lockfile.load(path: lockPath, digest: digest) }
        let loaded = ManifestLoader.load(path: manifestPath)
        if !loaded.diagnostics.isEmpty { terminal.report(loaded) }
        guard let manifest = loaded.manifest else {
            throw CommandError.invalidManifest(path: manifestPath, diagnostics: loaded.diagnostics)
        }
        let environment = Terminal.environment()
        var settings: RemoteSettings?
        var baseURL = manifest.provider.baseURL
        if !options.emulate, let override = environment[RemoteSettings.baseURLVariable], !override.isEmpty {
            if let problem = Provider.baseURLProblem(override) {
                throw RemoteSettings.Failure.badBaseURL(variable: RemoteSettings.baseURLVariable, problem: problem)
            }
            baseURL = override.hasSuffix("/") ? String(override.dropLast()) : override
        }
        let lockedProvider = LockedProvider(manifest.provider, baseURL: baseURL)
        if options.emulate {
            // The emulator's address changes every run: the lockfile beside its state records the
            // manifest's address instead. Its data is kept under a key of its own, whatever key the
            // environment holds: the same lockfile plans the same way with a real key exported.
            let key = "assetform-emulator"
            let provider = manifest.provider
            settings = RemoteSettings(
                api: provider.api, baseURL: "http://127.0.0.1", key: APIKey(key),
                signing: provider.api.isNative
                    ? SigningKey(
                        accessKey: Self.emulatorAccessKey(provider.api), secretKey: Self.emulatorSecretKey,
                        region: provider.region ?? provider.api.defaultRegion ?? "")
                    : nil,
                projectName: provider.projectName, platform: provider.platform ?? Provider.defaultPlatform,
                limits: manifest.limits)
        } else if needsService {
            settings = try RemoteSettings.resolve(manifest, environment: environment)
        }
        let read = try await lockRead.get()
        var lock = read?.lock
        try lock?.check(against: lockedProvider, path: lockPath)
        // A journal left by an interrupted apply: its completed changes count as recorded.
        let journalPath = lockPath + ".journal"
        var journal: JournalReplay?
        var journalBytes: [UInt8]?
        do throws(YAMLError) {
            journalBytes = try YAMLFile.read(path: journalPath, maxBytes: 1 << 30, ownFile: true)
        } catch {
            if error.kind != .missingFile { throw StateError.unreadable(path: journalPath, reason: error.message) }
        }
        if let journalBytes {
            let replay = try JournalReplay.replay(journalBytes, path: journalPath, onto: lock, provider: lockedProvider)
            journal = replay
            lock = replay.lockfile
        }
        var session = Session(
            terminal: terminal, manifestPath: manifestPath,
            manifestSHA256: digest ? Digest.sha256Hex(loaded.source.bytes) : nil,
            keptSource: sourceLines ? loaded.source : nil, manifest: manifest, lockPath: lockPath,
            lock: lock, lockSHA256: read?.sha256,
            emulate: options.emulate, lockedProvider: lockedProvider, settings: settings, journal: journal)
        session.manifestWarnings = loaded.diagnostics.warnings
        return session
    }

    /// `open` for a command that writes the lockfile: its exclusive lock is taken first (the
    /// caller releases it), and a journal left by an interrupted apply is settled.
    static func openForWriting(
        _ manifestPath: String, _ options: RemoteOptions, _ terminal: Terminal, command: String, needsService: Bool = true,
        lockTimeout: Duration? = nil
    ) async throws -> (Session, ExclusiveLock) {
        let held = try await hold(
            lockPath: resolveLockPath(manifestPath, options), command: command, timeout: lockTimeout, terminal: terminal)
        // An interrupt lets the lock go on its way out (apply adds what it must do too).
        Interrupts.shared.beforeExit { held.release() }
        do {
            var session = try await open(manifestPath, options, terminal, needsService: needsService)
            try session.settleJournal(command)
            return (session, held)
        } catch {
            held.release()
            throw error
        }
    }

    /// For a command that only reads: says that an interrupted apply's journal was counted.
    func noteJournal() {
        guard let journal else { return }
        if let holder = ExclusiveLock.currentHolder(path: Self.exclusiveLockPath(lockPath)) {
            // Not left behind: an apply is writing it now.
            terminal.warn(
                "an apply is under way (\(holder.visible)): the \(journal.records) records of its journal so far are counted")
            return
        }
        terminal.warn(
            "\(journalPath) (left by an interrupted apply) was replayed: \(journal.records) records"
                + (journal.openIntents.isEmpty
                    ? "" : "; \(journal.openIntents.count) create(s) of unknown outcome are settled by the next apply"))
    }

    /// The exclusive lock of a lockfile, for a command that writes it: at once, or waiting up to
    /// `timeout`; a lock left by a dead process is taken over.
    static func hold(lockPath: String, command: String, timeout: Duration?, terminal: Terminal) async throws -> ExclusiveLock {
        let path = exclusiveLockPath(lockPath)
        do { try AtomicFile.makeFolder(AtomicFile.folder(of: path)) } catch { throw CommandError.file(error) }
        // Refused before anything is done (rather than at the first write, after billed calls):
        // the lockfile and its journal are replaced and appended to, never written through a link.
        for file in [lockPath, lockPath + ".journal"] {
            do throws(AtomicFile.Failure) {
                try AtomicFile.refuseLink(file)
            } catch {
                throw CommandError.link(path: file)
            }
        }
        var host = [UInt8](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let hostName = String(decoding: host.prefix { $0 != 0 }, as: UTF8.self)
        let holder =
            "pid \(getpid()) on \(hostName), since \(UTCDate.rfc3339(UTCDate.now())), running `assetform \(command)`"
        do throws(ExclusiveLock.Failure) {
            let held: ExclusiveLock
            if let timeout {
                held = try await ExclusiveLock.acquire(path: path, holder: holder, timeout: timeout)
            } else {
                held = try ExclusiveLock.acquire(path: path, holder: holder)
            }
            if let before = held.tookOverFrom {
                terminal.warn("took over \(path), left by a process that is gone (\(before.visible))")
            }
            // No other run writes these while this one holds the lock: a temporary file beside
            // them is a killed run's, cut short before its rename.
            for file in [lockPath, lockPath + ".journal"] { AtomicFile.removeLeftovers(of: file) }
            return held
        } catch {
            switch error {
            case .held(let path, let who): throw CommandError.lockHeld(path: path, holder: who, waited: timeout)
            case .io, .notOwn: throw CommandError.lock(error)
            }
        }
    }

    /// For a command that writes the lockfile (holding its lock): a journal an interrupted apply
    /// left is written into the lockfile and removed; creates of unknown outcome in it are left
    /// for apply, which can settle them.
    mutating func settleJournal(_ command: String) throws {
        guard let journal else { return }
        guard journal.openIntents.isEmpty else {
            throw CommandError.openIntents(count: journal.openIntents.count, journal: journalPath, command: command)
        }
        try save(journal.lockfile)
        journalWritten = true
        Interrupts.shared.recorded()
        // The lockfile holds all of it now; a journal left behind is replayed harmlessly.
        try? AtomicFile.remove(journalPath)
        self.journal = nil
        terminal.warn("an interrupted apply's journal (\(journal.records) records) was written into \(lockPath)")
    }

    /// `--lock`, or beside the manifest (with `--emulate`, under `.assetform/` there).
    static func resolveLockPath(_ manifestPath: String, _ options: RemoteOptions) -> String {
        if let explicit = options.lock { return explicit }
        guard options.emulate else { return Lockfile.path(forManifest: manifestPath) }
        let name = manifestPath.split(separator: "/").last.map(String.init) ?? manifestPath
        return AtomicFile.folder(of: manifestPath) + "/.assetform/" + Lockfile.path(forManifest: name)
    }

    /// Runs `body` with a client for the manifest's dialect, under the call policy; with
    /// `--emulate`, against an in-process emulator whose state is kept under `.assetform/`.
    /// `writes`: the command may change what the service holds (apply); with `--emulate`, the
    /// emulator of any other command only reads its state file, beside a run that may write it.
    func withService<T: Sendable>(
        limits: Limits? = nil, observer: (@Sendable (CallEvent) -> Void)? = nil, writes: Bool = false,
        _ body: @Sendable (any AssetService, CallPolicy) async throws -> T
    ) async throws -> T {
        guard var settings else { throw CommandError.bug("no service settings for a command that needs them") }
        let limits = limits ?? manifest.limits
        settings.limits = limits
        let logger: Logger = {
            var l = Logger(label: "assetform.remote") { StreamLogHandler.standardError(label: $0) }
            l.logLevel = terminal.verbose ? .info : .warning
            return l
        }()
        let transport = HTTPTransport(maximumConnections: max(8, limits.concurrency), idleRead: limits.timeout)
        let policy = CallPolicy(limits: limits, logger: logger, observer: observer)
        @Sendable func run(_ settings: RemoteSettings) async throws -> T {
            try await body(RemoteClient.make(settings, transport: transport, policy: policy, logger: logger), policy)
        }
        do {
            let result: T
            if emulate {
                var configuration = EmulatorConfiguration()
                let folder = AtomicFile.folder(of: lockPath)
                do { try AtomicFile.makeFolder(folder) } catch { throw CommandError.file(error) }
                configuration.statePath = folder + "/emulator-state.json"
                configuration.stateReadOnly = !writes
                configuration.processingDelay = .milliseconds(800)
                configuration.accessKeys = [Self.emulatorAccessKey(settings.api): Self.emulatorSecretKey]
                // The manifest's own region too: the emulator stands in for its endpoint.
                if let region = settings.signing?.region { configuration.regions.insert(region) }
                // Throttling as the service does it, at the rates the manifest asks for or above;
                // under `auto`, an account of 10 creates a second, for it to find.
                for (action, rate) in EmulatorConfiguration.documentedRates {
                    let create = limits.rates.createAsset
                    let wanted = action == "CreateAsset" ? (create == .auto ? 5 : create.fixedPerSecond) : nil
                    configuration.rates[action] = max(rate, (wanted ?? 0) * 2)
                }
                let s = settings
                result = try await Emulator.withRunning(configuration) { running in
                    var local = s
                    local.baseURL = running.baseURL
                    return try await run(local)
                }
            } else {
                result = try await run(settings)
            }
            try await transport.shutdown()
            return result
        } catch {
            try? await transport.shutdown()
            throw error
        }
    }

    /// Writes the lockfile (one serial later).
    mutating func save(_ lock: Lockfile) throws {
        self.lock = try written(lock)
    }

    /// Writes `lock` to the lockfile (one serial later) and returns it as written.
    func written(_ lock: Lockfile) throws -> Lockfile {
        var lock = lock
        do { try AtomicFile.makeFolder(AtomicFile.folder(of: lockPath)) } catch { throw CommandError.file(error) }
        try lock.write(to: lockPath)
        return lock
    }
}
