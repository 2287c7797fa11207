import AssetformCore
import AssetformEmulator
import AssetformRemote
import Foundation
import JSON
import Testing

@Suite("The call policy, against the emulator")
struct CallPolicyTests {
    @Test func retryAfterPausesTheClassAndOtherClassesGoOn() async throws {
        try await withClient(
            limits: Limits(
                concurrency: 8, rates: Rates(createAsset: .unlimited, write: .unlimited, read: .unlimited), attempts: 6,
                timeout: .seconds(30)),
            emulator: {
                $0.throttle = true
                $0.rates = EmulatorConfiguration.documentedRates.mapValues { _ in 1000 }
                $0.rates["CreateAssetGroup"] = 1
                $0.burst = 1
            }
        ) { h in
            let seed = try await h.service.createGroup(name: "seed", description: "")
            let writesDone = Flag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await withThrowingTaskGroup(of: Void.self) { writes in
                        for i in 0..<3 { writes.addTask { _ = try await h.service.createGroup(name: "g\(i)", description: "") } }
                        try await writes.waitForAll()
                    }
                    writesDone.set()
                }
                // Reads keep going while writes are paused.
                group.addTask {
                    while !writesDone.isSet {
                        _ = try await h.service.getGroup(id: seed.id)
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
                try await group.waitForAll()
            }
            let events = h.events.events
            let throttledAt: [Duration] = events.compactMap {
                if case .finished(let call, _, let status, let at, _) = $0, call.callClass == .write, status == 429 {
                    return at
                } else {
                    return nil
                }
            }
            #expect(!throttledAt.isEmpty, "the emulator throttled some creates")
            let writeStarts = h.events.starts(.write)
            for t in throttledAt {
                let tooSoon = writeStarts.filter { $0 > t && $0 < t + .milliseconds(990) }
                #expect(tooSoon.isEmpty, "no write started within Retry-After of a 429 at \(t): \(tooSoon)")
            }
            // Reads went on while writes were paused: during at least one pause (a loaded machine
            // may stall the read loop through a single one; that says nothing of the policy).
            let readStarts = h.events.starts(.read)
            #expect(
                throttledAt.contains { t in
                    // The pause: from the 429 to the next write (at least the Retry-After), and a
                    // little after, for a process that was stalled through all of it.
                    let resumed = max(writeStarts.first { $0 > t } ?? t, t + .seconds(1))
                    return readStarts.contains { $0 > t && $0 < resumed + .milliseconds(500) }
                },
                "reads went on during a pause: 429s at \(throttledAt), reads at \(readStarts)")
            let counters = await h.policy.counters
            #expect(counters.throttled == throttledAt.count)
            #expect(try await h.service.allGroups().count == 4, "every create got through in the end")
            // Throttling gave the unlimited writes a rate: the summary says where it ended.
            let writes = await h.policy.achievedRates[.write]
            #expect(writes?.moved == true && writes?.current != nil, "\(String(describing: writes))")
        }
    }

    @Test func internalErrorStormIsRetriedUpToAttempts() async throws {
        try await withClient(emulator: { $0.errorRate = 1 }) { h in
            let e = await remoteError { _ = try await h.service.getGroup(id: "group-x") }
            #expect(e?.kind == .retryable)
            #expect(e?.attempts == 3)
            #expect(e?.description.hasSuffix("(after 3 attempts)") == true)
            let stats = try await h.stats()
            #expect(stats["calls"]?["seedance"]?["GetAssetGroup"]?.int == 3)
        }
    }

    @Test func retryBudgetStopsARetryStorm() async throws {
        try await withClient(budget: RetryBudget(capacity: 20, retryCost: 5, timeoutCost: 10), emulator: { $0.errorRate = 1 }) {
            h in
            var messages: [String] = []
            for _ in 0..<10 {
                if let e = await remoteError({ _ = try await h.service.getGroup(id: "group-x") }) { messages.append(e.message) }
            }
            let stats = try await h.stats()
            #expect(stats["calls"]?["seedance"]?["GetAssetGroup"]?.int == 14, "10 calls and the 4 retries the budget pays for")
            #expect(messages.last?.contains("retry budget") == true)
        }
    }

    @Test func anAmbiguousCreateIsNeverResent() async throws {
        try await withClient(emulator: { $0.dropRate = 1 }) { h in
            let e = await remoteError { _ = try await h.service.createGroup(name: "g", description: "") }
            #expect(e?.kind == .ambiguous)
            let stats = try await h.stats()
            #expect(stats["calls"]?["seedance"]?["CreateAssetGroup"]?.int == 1)
            #expect(stats["committed_creates"]?["seedance"]?["groups"]?.int == 1, "it was committed: the caller must reconcile")
        }
        try await withClient(emulator: { $0.errorRate = 1 }) { h in
            let e = await remoteError {
                _ = try await h.service.createAsset(
                    groupID: "group-x", name: "a", type: .image, url: "https://cdn.example.com/a.png")
            }
            #expect(e?.kind == .ambiguous, "a 5xx on a create")
            let stats = try await h.stats()
            #expect(stats["calls"]?["seedance"]?["CreateAsset"]?.int == 1)
        }
    }

    @Test func aConnectionThatCannotBeMadeIsRetriedEvenForCreates() async throws {
        let (port, fd) = try refusingPort()
        defer { close(fd) }
        let transport = HTTPTransport()
        let policy = CallPolicy(limits: fast, backoff: Backoff(base: .milliseconds(10), cap: .milliseconds(20)))
        let service = RemoteClient.make(
            RemoteSettings(api: .seedance, baseURL: "http://127.0.0.1:\(port)", key: APIKey("k"), limits: fast),
            transport: transport,
            policy: policy, logger: .init(label: "test"))
        let e = await remoteError {
            _ = try await service.createAsset(groupID: "g", name: "a", type: .image, url: "https://c.example.com/a.png")
        }
        #expect(e?.kind == .retryable, "never sent, so never ambiguous")
        #expect(e?.attempts == 3)
        #expect(e?.message.contains("cannot connect") == true, "\(e?.message ?? "")")
        try await transport.shutdown()
    }

    @Test func callsInFlightStayUnderTheCap() async throws {
        try await withClient(
            limits: Limits(
                concurrency: 4, rates: Rates(createAsset: .unlimited, write: .unlimited, read: .unlimited), attempts: 3,
                timeout: .seconds(30)),
            emulator: { $0.latency = .milliseconds(50) ... .milliseconds(50) }
        ) { h in
            let g = try await h.service.createGroup(name: "g", description: "")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<24 { group.addTask { _ = try await h.service.getGroup(id: g.id) } }
                try await group.waitForAll()
            }
            var inFlight = 0
            var most = 0
            for e in h.events.events {
                switch e {
                case .started: inFlight += 1
                case .finished: inFlight -= 1
                case .retrying: break
                }
                most = max(most, inFlight)
            }
            #expect(most == 4)
        }
    }

    @Test func aConfiguredRateIsKeptAgainstTheEmulator() async throws {
        try await withClient(
            limits: Limits(
                concurrency: 16, rates: Rates(createAsset: 20, write: .unlimited, read: .unlimited), attempts: 3,
                timeout: .seconds(30))
        ) { h in
            let g = try await h.service.createGroup(name: "g", description: "")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<30 {
                    group.addTask {
                        _ = try await h.service.createAsset(
                            groupID: g.id, name: "a\(i)", type: .image, url: "https://c.example.com/\(i).png")
                    }
                }
                try await group.waitForAll()
            }
            let starts = h.events.starts(.createAsset)
            #expect(starts.count == 30)
            var j = 0
            for i in starts.indices {
                while starts[i] - starts[j] >= .seconds(1) { j += 1 }
                #expect(i - j + 1 <= 21)
            }
            #expect(starts.last! - starts.first! >= .milliseconds(29 * 50 - 5), "29 intervals of 50 ms, less timer slack")
            // Never throttled, the rate in force is the one configured: nothing moved to report.
            let creates = await h.policy.achievedRates[.createAsset]
            #expect(creates?.moved == false && creates?.current == 20, "\(String(describing: creates))")
            #expect((creates?.achieved ?? 99) <= 20.5, "a paced class achieves at most its rate")
        }
    }

    @Test func theKeyAndSignedURLsAppearInNoLogLine() async throws {
        let key = "sk-DISTINCTIVE-7f3a9c-SECRET"
        try await withClient(key: key, emulator: { $0.failingURLPatterns = ["broken"] }) { h in
            let g = try await h.service.createGroup(name: "g", description: "")
            let a = try await h.service.createAsset(
                groupID: g.id, name: "a", type: .image, url: "https://cdn.example.com/a.png?token=abc")
            _ = try await h.service.getAsset(id: a.id)
            _ = try await h.service.allAssets(groupIDs: [g.id])
            _ = await remoteError { _ = try await h.service.getAsset(id: "asset-missing") }
            _ = await remoteError { _ = try await h.service.createGroup(name: "", description: "") }
            let lines = h.logs.lines
            #expect(
                lines.contains { $0.contains("POST /v1/seedance/asset/CreateAsset 200") && $0.contains("attempt 1") }, "\(lines)")
            #expect(lines.contains { $0.contains("POST /v1/seedance/asset/GetAsset 404") })
            for line in lines {
                #expect(!line.contains(key))
                #expect(!line.contains("DISTINCTIVE"))
                #expect(!line.contains("X-Signature"))
            }
        }
    }
}

final class Flag: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// A port nothing listens on: bind one, note it, close it.
/// A port on 127.0.0.1 that refuses connections: bound, never listening, and kept bound (so
/// that no server another test starts meanwhile can take it) until `fd` is closed.
func refusingPort() throws -> (port: Int, fd: Int32) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return (Int(UInt16(bigEndian: address.sin_port)), fd)
}
