import ArgumentParser
import AssetformCore
import AssetformEmulator
import AssetformRemote
import Logging
import Timing

/// Benchmarks that measure the remote layer against the in-process emulator. Figures are
/// ratios against a reference measured in the same run (BENCHMARKS.md; README "Benchmarks").
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assetform-bench",
        abstract: "Measure the call policy against the emulator: paced rate, and unthrottled throughput against raw capacity.")

    @Option(help: "Creates in the paced run.")
    var paced = 2000

    @Option(help: "The create_asset rate of the paced run, per second.")
    var rate = 200.0

    @Option(help: "Creates in each unthrottled run (raw, and through the client).")
    var unthrottled = 3000

    @Option(help: "Calls in flight in the unthrottled runs.")
    var concurrency = 32

    @Option(help: "Rounds of the unthrottled comparison; each runs raw, then the client; the median ratio is reported.")
    var rounds = 5

    @Option(
        help:
            "Only measure the raw CreateAsset capacity of the emulator at this address (an `assetform emulator` process), and print it."
    )
    var rawAgainst: String?

    func run() async throws {
        if let base = rawAgainst {
            // The reference for `apply` itself (scripts/bench/apply.py): the same emulator process,
            // the same transport, no policy, no journal.
            let transport = HTTPTransport(maximumConnections: max(64, concurrency))
            do {
                let groupID = try await makeGroup(base, transport)
                print("raw \(fmt(try await rawCreates(base, transport, groupID: groupID), 0))")
            } catch {
                try await transport.shutdown()
                throw error
            }
            try await transport.shutdown()
            return
        }
        var emulator = EmulatorConfiguration()
        emulator.throttle = false
        emulator.processingDelay = .zero
        try await Emulator.withRunning(emulator) { running in
            let transport = HTTPTransport(maximumConnections: max(64, concurrency))
            do {
                let groupID = try await makeGroup(running.baseURL, transport)
                var raws: [Double] = []
                var clients: [Double] = []
                for _ in 0..<rounds {
                    raws.append(try await rawCreates(running.baseURL, transport, groupID: groupID))
                    clients.append(try await clientCreates(running.baseURL, transport, groupID: groupID))
                }
                let ratios = zip(clients, raws).map { $0 / $1 }.sorted()
                let pacedResult = try await pacedCreates(running.baseURL, transport, groupID: groupID)
                print("paced: \(paced) creates at create_asset \(fmt(rate))/s")
                print(
                    "  achieved \(fmt(pacedResult.startRate))/s between first and last start = \(fmt(pacedResult.startRate / rate, 3)) of configured"
                )
                print(
                    "  achieved \(fmt(pacedResult.wallRate))/s over the whole run (last answer included) = \(fmt(pacedResult.wallRate / rate, 3))"
                )
                print(
                    "unthrottled: \(unthrottled) creates a run, \(concurrency) in flight, emulator throttling off, \(rounds) rounds"
                )
                print("  raw capacity (transport only, no policy): \(raws.map { fmt($0, 0) }.joined(separator: " "))/s")
                print("  through the client and call policy:       \(clients.map { fmt($0, 0) }.joined(separator: " "))/s")
                print(
                    "  client / raw, per round: \(zip(clients, raws).map { fmt($0 / $1, 3) }.joined(separator: " ")); median \(fmt(ratios[ratios.count / 2], 3))"
                )
            } catch {
                try await transport.shutdown()
                throw error
            }
            try await transport.shutdown()
        }
    }

    func settings(_ baseURL: String, _ limits: Limits) -> RemoteSettings {
        RemoteSettings(api: .seedance, baseURL: baseURL, key: APIKey("bench-key"), limits: limits)
    }

    func makeGroup(_ baseURL: String, _ transport: HTTPTransport) async throws -> String {
        let limits = Limits(rates: Rates(createAsset: .unlimited, write: .unlimited, read: .unlimited))
        let service = RemoteClient.make(
            settings(baseURL, limits), transport: transport, policy: CallPolicy(limits: limits), logger: quiet)
        return try await service.createGroup(name: "bench", description: "").id
    }

    /// The emulator's capacity as a bare client sees it: `concurrency` loops sending a fixed body.
    func rawCreates(_ baseURL: String, _ transport: HTTPTransport, groupID: String) async throws -> Double {
        let body = Array(
            #"{"GroupId":"\#(groupID)","Name":"raw","AssetType":"Image","URL":"https://cdn.example.com/a.png"}"#.utf8)
        let url = baseURL + "/v1/seedance/asset/CreateAsset"
        let headers = [("Authorization", "Bearer bench-key"), ("Content-Type", "application/json")]
        let per = unthrottled / concurrency
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    for _ in 0..<per {
                        let reply = try await transport.send(
                            method: "POST", url: url, headers: headers, body: body, timeout: .seconds(10)
                        ).get()
                        guard reply.status == 200 else { throw BenchFailure(message: "raw create: HTTP \(reply.status)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(per * concurrency) / seconds(clock.now - start)
    }

    /// The same creates through the client: every call under the policy, no rate set.
    func clientCreates(_ baseURL: String, _ transport: HTTPTransport, groupID: String) async throws -> Double {
        let limits = Limits(concurrency: concurrency, rates: Rates(createAsset: .unlimited, write: .unlimited, read: .unlimited))
        let service = RemoteClient.make(
            settings(baseURL, limits), transport: transport, policy: CallPolicy(limits: limits), logger: quiet)
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<unthrottled {
                group.addTask {
                    _ = try await service.createAsset(
                        groupID: groupID, name: "c\(i)", type: .image, url: "https://cdn.example.com/c.png")
                }
            }
            try await group.waitForAll()
        }
        return Double(unthrottled) / seconds(clock.now - start)
    }

    /// Creates at a configured rate: how close the policy keeps to it.
    func pacedCreates(_ baseURL: String, _ transport: HTTPTransport, groupID: String) async throws -> (
        startRate: Double, wallRate: Double
    ) {
        let limits = Limits(concurrency: 32, rates: Rates(createAsset: .perSecond(rate), write: .unlimited, read: .unlimited))
        let starts = StartLog()
        let policy = CallPolicy(limits: limits, observer: { if case .started(_, _, let at) = $0 { starts.add(at) } })
        let service = RemoteClient.make(settings(baseURL, limits), transport: transport, policy: policy, logger: quiet)
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<paced {
                group.addTask {
                    _ = try await service.createAsset(
                        groupID: groupID, name: "p\(i)", type: .image, url: "https://cdn.example.com/p.png")
                }
            }
            try await group.waitForAll()
        }
        let wall = seconds(clock.now - start)
        let times = starts.times.sorted()
        let span = seconds(times.last! - times.first!)
        return (Double(times.count - 1) / span, Double(paced) / wall)
    }
}

let quiet: Logger = {
    var l = Logger(label: "bench")
    l.logLevel = .critical
    return l
}()

struct BenchFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

func seconds(_ d: Duration) -> Double { d.inSeconds }

func fmt(_ v: Double, _ digits: Int = 1) -> String {
    let p = pow10(digits)
    return String(Double((v * p).rounded()) / p)
}

func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { a, _ in a * 10 } }

final class StartLog: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = Mutex()
    private var stored: [Duration] = []
    func add(_ d: Duration) { lock.locked { stored.append(d) } }
    var times: [Duration] { lock.locked { stored } }
}

/// A pthread mutex, so the bench needs no Foundation.
final class Mutex: @unchecked Sendable {
    // @unchecked: the pthread mutex serialises every access.
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&m)
        defer { pthread_mutex_unlock(&m) }
        return body()
    }
}

#if canImport(Glibc)
    import Glibc
#endif
