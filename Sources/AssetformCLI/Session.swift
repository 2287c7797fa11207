import ArgumentParser
import AssetformCore
import AssetformEmulator
import AssetformRemote
import Durable
import Logging

/// Flags of every command that reads the lockfile or talks to the service.
struct RemoteOptions: ParsableArguments {
    @Flag(help: "Run against an in-process emulator; its state and the lockfile are kept under .assetform/ beside the manifest.")
    var emulate = false

    @Option(help: "The lockfile (default: beside the manifest, its .yaml replaced by .lock).")
    var lock: String?
}

/// A user's mistake, said plainly: printed as `error: …`, exit status 1.
struct UserError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What every remote command starts from: a valid manifest, its lockfile, and how to reach the
/// service (or the emulator standing in for it).
struct Session {
    let terminal: Terminal
    let manifestPath: String
    let source: SourceFile
    let manifest: Manifest
    let lockPath: String
    var lock: Lockfile?
    let emulate: Bool
    /// The provider as the lockfile records it.
    let lockedProvider: LockedProvider
    private let settings: RemoteSettings?

    static func open(_ manifestPath: String, _ options: RemoteOptions, _ terminal: Terminal, needsService: Bool = true)
        async throws
        -> Session
    {
        let lockPath = Self.resolveLockPath(manifestPath, options)
        // The lockfile is read on the other core while the manifest is parsed on this one.
        async let lockRead = Result { () throws(Lockfile.Failure) in try Lockfile.load(path: lockPath) }
        let loaded = ManifestLoader.load(path: manifestPath)
        if !loaded.diagnostics.isEmpty { terminal.report(loaded) }
        guard let manifest = loaded.manifest else { throw ExitCode.failure }
        let environment = Terminal.environment()
        var settings: RemoteSettings?
        var baseURL = manifest.provider.baseURL
        if !options.emulate, let override = environment[RemoteSettings.baseURLVariable], !override.isEmpty {
            if let problem = Provider.baseURLProblem(override) { throw UserError("\(RemoteSettings.baseURLVariable) \(problem)") }
            baseURL = override.hasSuffix("/") ? String(override.dropLast()) : override
        }
        let lockedProvider = LockedProvider(manifest.provider, baseURL: baseURL)
        if options.emulate {
            // The emulator's address changes every run: the lockfile beside its state records the
            // manifest's address instead.
            let key = environment[manifest.provider.apiKeyEnv].flatMap { $0.isEmpty ? nil : $0 } ?? "assetform-emulator"
            settings = RemoteSettings(
                api: manifest.provider.api, baseURL: "http://127.0.0.1", key: APIKey(key),
                projectName: manifest.provider.projectName,
                platform: manifest.provider.platform ?? Provider.defaultPlatform, limits: manifest.limits)
        } else if needsService {
            do {
                settings = try RemoteSettings.resolve(manifest, environment: environment)
            } catch {
                throw UserError(error.description)
            }
        }
        var lock: Lockfile?
        do {
            lock = try await lockRead.get()
            try lock?.check(against: lockedProvider, path: lockPath)
        } catch {
            throw UserError(error.description)
        }
        return Session(
            terminal: terminal, manifestPath: manifestPath, source: loaded.source, manifest: manifest, lockPath: lockPath,
            lock: lock,
            emulate: options.emulate, lockedProvider: lockedProvider, settings: settings)
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
    func withService<T: Sendable>(_ body: @Sendable (any AssetService, CallPolicy) async throws -> T) async throws -> T {
        guard let settings else { throw UserError("internal: no service settings (this is a bug)") }
        let logger: Logger = {
            var l = Logger(label: "assetform.remote") { StreamLogHandler.standardError(label: $0) }
            l.logLevel = terminal.verbose ? .info : .warning
            return l
        }()
        let transport = HTTPTransport(maximumConnections: max(8, manifest.limits.concurrency))
        let policy = CallPolicy(limits: manifest.limits, logger: logger)
        @Sendable func run(_ settings: RemoteSettings) async throws -> T {
            try await body(RemoteClient.make(settings, transport: transport, policy: policy, logger: logger), policy)
        }
        do {
            let result: T
            if emulate {
                var configuration = EmulatorConfiguration()
                let folder = AtomicFile.folder(of: lockPath)
                do { try AtomicFile.makeFolder(folder) } catch { throw UserError("cannot \(error)") }
                configuration.statePath = folder + "/emulator-state.json"
                configuration.processingDelay = .milliseconds(800)
                // Throttling as the service does it, at the rates the manifest asks for or above.
                for (action, rate) in EmulatorConfiguration.documentedRates {
                    let wanted = action == "CreateAsset" ? manifest.limits.rates.createAsset : nil
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
        var lock = lock
        do {
            try AtomicFile.makeFolder(AtomicFile.folder(of: lockPath))
            try lock.write(to: lockPath)
        } catch let error as Lockfile.Failure {
            throw UserError(error.description)
        } catch {
            throw UserError("cannot \(error)")
        }
        self.lock = lock
    }
}
