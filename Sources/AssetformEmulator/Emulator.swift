import Durable
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Timing
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// A running emulator, as its user sees it.
public struct RunningEmulator: Sendable {
    /// `http://127.0.0.1:PORT`, with no trailing slash.
    public let baseURL: String
    public let port: Int
}

public enum EmulatorError: Error, CustomStringConvertible {
    case corruptState(path: String, reason: String)
    case cannotWriteState(path: String, reason: String)
    case didNotStart(String)
    /// Another emulator that writes the state file runs on it now.
    case stateInUse(path: String, holder: String)

    /// Retrying later may succeed (the other emulator may stop): exit status 75.
    public var isTemporary: Bool {
        if case .stateInUse = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .stateInUse(let path, let holder):
            "the emulator state file \(path) is in use by another emulator (\(holder)); two that write one state "
                + "file would each lose the other's changes: stop that one first, or run this one on another state file"
        case .corruptState(let path, let reason):
            "the emulator state file \(path) cannot be read (\(reason)); it was left as it is: move it away to start afresh"
        case .cannotWriteState(let path, let reason): "cannot write the emulator state file \(path): \(reason)"
        case .didNotStart(let reason): "the emulator did not start: \(reason)"
        }
    }
}

/// The emulator of both dialects (API.md §3), on one port.
public enum Emulator {
    /// Starts the emulator, runs `body` with it, and shuts it down when `body` returns or throws.
    @discardableResult
    public static func withRunning<T: Sendable>(
        _ configuration: EmulatorConfiguration, logger: Logger = Emulator.quietLogger,
        _ body: @Sendable (RunningEmulator) async throws -> T
    ) async throws -> T {
        try await run(configuration, logger: logger, signals: []) { running, _ in try await body(running) }
    }

    /// Serves until SIGINT or SIGTERM (the `assetform emulator` command); `onStart` gets the
    /// address as soon as it listens.
    public static func serve(
        _ configuration: EmulatorConfiguration, logger: Logger = Emulator.quietLogger,
        onStart: @Sendable (RunningEmulator) -> Void
    ) async throws {
        try await run(configuration, logger: logger, signals: [.sigint, .sigterm]) { running, server in
            onStart(running)
            try await server.value
        }
    }

    public static var quietLogger: Logger {
        var logger = Logger(label: "assetform.emulator")
        logger.logLevel = .warning
        return logger
    }

    private static func run<T: Sendable>(
        _ configuration: EmulatorConfiguration, logger: Logger, signals: [UnixSignal],
        _ body: @Sendable (RunningEmulator, Task<Void, any Error>) async throws -> T
    ) async throws -> T {
        let readOnly = configuration.stateReadOnly
        // One writer of a state file at a time, across processes: held until this emulator stops.
        let writerLock = try readOnly ? nil : configuration.statePath.map(holdState)
        defer { writerLock?.release() }
        let loaded = try configuration.statePath.map(StateFile.init(path:))?.load(removingStale: !readOnly)
        let state = EmulatorState(configuration: configuration, restoring: loaded)
        let store = readOnly ? nil : configuration.statePath.map(StateFile.init(path:))
        // A state file that cannot be written is found now, before anything is served, not at
        // shutdown after a session's changes are lost.
        if let store { try store.write(await state.snapshot()) }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: EmulatorRouter.make(state: state, configuration: configuration),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let services = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: signals, logger: logger))
        // Unstructured, but awaited on every path below, and cancelled with the caller.
        let server = Task {
            defer { portContinuation.finish() }
            try await services.run()
        }
        let persister = Task {
            guard let store else { return }
            // Writes changes at most four times a second; the last ones are written at shutdown.
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                guard let snapshot = await state.takeSnapshot() else { continue }
                // A failed write (a full disk, for a moment) is said and tried again with the
                // next change; the write at shutdown reports a failure that lasts.
                do { try store.write(snapshot) } catch {
                    logger.error("could not write the emulator's state: \(error)")
                    await state.markDirty()
                }
            }
        }
        return try await withTaskCancellationHandler {
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                persister.cancel()
                try await server.value  // its error says why it stopped
                throw EmulatorError.didNotStart("the server stopped before it listened")
            }
            let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
            let running = RunningEmulator(baseURL: "http://\(host):\(port)", port: port)
            let result: Result<T, any Error>
            do {
                result = .success(try await body(running, server))
            } catch {
                result = .failure(error)
            }
            await stop(services, server)
            persister.cancel()
            let persisted = await persister.result
            if let store, let snapshot = await state.takeSnapshot() { try store.write(snapshot) }
            if case .failure(let error) = persisted { throw error }
            return try result.get()
        } onCancel: {
            server.cancel()
            persister.cancel()
        }
    }

    /// The lock of the state file at `path` (`PATH.lck`), for an emulator that writes it.
    private static func holdState(_ path: String) throws -> ExclusiveLock {
        let holder = "pid \(getpid()), since \(UTCDate.rfc3339(UTCDate.now()))"
        do throws(ExclusiveLock.Failure) {
            return try ExclusiveLock.acquire(path: path + ".lck", holder: holder)
        } catch {
            switch error {
            case .held(_, let who): throw EmulatorError.stateInUse(path: path, holder: who)
            case .io, .notOwn: throw EmulatorError.cannotWriteState(path: path, reason: "\(error)")
            }
        }
    }

    /// Graceful shutdown, bounded: connections a client keeps open do not hold it up for long.
    private static func stop(_ services: ServiceGroup, _ server: Task<Void, any Error>) async {
        await services.triggerGracefulShutdown()
        let stoppedInTime = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = await server.result
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(3))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !stoppedInTime {
            server.cancel()
            _ = await server.result
        }
    }
}

extension Emulator {
    /// How `/_emulator/stats` names a key: a digest, never the key.
    public static func keyID(_ key: String) -> String { EmulatorState.keyID(key) }
}
