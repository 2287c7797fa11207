import ArgumentParser
import AssetformCore
import AssetformEmulator

#if canImport(Glibc)
    import Glibc
#endif

extension Assetform {
    struct EmulatorCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "emulator",
            abstract:
                "Serve the remote dialects (seedance, 0-0, and the signed volcengine/byteplus one) on one port, for tests, benchmarks and trying assetform out.",
            discussion: """
                Prints the address it listens on, then serves until interrupted (SIGINT or SIGTERM). \
                State is in memory unless --state names a file. GET /_emulator/stats reports calls, throttled \
                responses, committed creates and objects per key; POST /_emulator/reset empties it. The upstream's \
                own dialect (POST /?Action=…&Version=2024-01-01, signed with HMAC-SHA256) accepts only the pairs \
                given with --access-key.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: "The address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "The port to listen on; 0 picks a free one.")
        var port = 0

        @Option(help: "Keep state in this JSON file across restarts (written atomically; a corrupt file is an error).")
        var state: String?

        @Option(help: "How long new assets stay Processing (e.g. 500ms, 2s).")
        var processingDelay = "500ms"

        @Flag(
            help: "Show seedance assets' Name and URL while Processing (by default they are \"\", as the service may show them).")
        var showWhileProcessing = false

        @Flag(help: "Turn throttling off: no 429s, whatever the rate.")
        var noThrottle = false

        @Option(
            help:
                "A per-action rate, as ACTION=N or ACTION=N/s (per second, with --burst), or ACTION=N/min (per minute, no burst: e.g. CreateAsset=120/min); repeatable."
        )
        var rate: [String] = []

        @Option(help: "A per-minute quota all writes share, with no burst, as N/min (then 429 QuotaWriteQPMExceeded).")
        var writeQuota: String?

        @Option(help: "The most assets one key may have Processing at once (then a create gets 429 AccountFlowLimitExceeded).")
        var processingLimit: Int?

        @Option(help: "The most assets one key's pool holds, Failed ones included (then 429 QuotaSharedPoolExceeded).")
        var poolSize: Int?

        @Option(help: "Billed creates one key may make; then every create gets 402.")
        var balance: Int?

        @Option(help: "How a Failed seedance asset says why: error (Error: {Code, Message}) or failcode (FailCode, FailReason).")
        var failForm = "error"

        @Flag(help: "Lists answer a NextToken while more pages remain, and take it back for the next page.")
        var nextToken = false

        @Option(help: "Calls one action may make at once before its rate applies.")
        var burst = 2.0

        @Option(
            help:
                "How seedance answers are wrapped: upstream ({ResponseMetadata, Result}), data ({data}), code-msg-data ({code, msg, data}), bare (the result itself) or state ({state, data, error})."
        )
        var envelope = "upstream"

        @Flag(help: "Answer seedance errors with HTTP 200, the error only in the body.")
        var errorsWith200 = false

        @Option(help: "The code of a throttled seedance call: AccountFlowLimitExceeded or QuotaWriteQPMExceeded.")
        var throttleCode = "AccountFlowLimitExceeded"

        @Option(help: "The HTTP status of a throttled seedance call: 429, 400 or 200 (the code tells it is a throttle).")
        var throttleStatus = 429

        @Option(help: "Added latency per request: a duration (20ms) or a range (5ms-50ms).")
        var latency: String?

        @Option(help: "Share of requests (0 to 1) answered 500 InternalError.")
        var errorRate = 0.0

        @Option(help: "Share of creates (0 to 1) that are committed and then answered by a dropped connection.")
        var dropRate = 0.0

        @Option(help: "Assets whose URL matches this pattern (* for any run of characters) end Failed; repeatable.")
        var failURL: [String] = []

        @Option(help: "The most asset groups one key may create (then QuotaExceeded).")
        var maxGroups: Int?

        @Option(help: "The most assets one key may create (then QuotaExceeded).")
        var maxAssets: Int?

        @Option(help: "Accept only this API key (repeatable); by default any non-empty key is accepted.")
        var key: [String] = []

        @Option(
            help: ArgumentHelp(
                "Accept this access key and secret key on the signed volcengine/byteplus dialect (repeatable); without one, that dialect answers every call 401 InvalidAccessKey.",
                valueName: "AK:SK"))
        var accessKey: [String] = []

        // Unconditional: the value may start with "-" (`--clock-offset -20m`).
        @Option(
            parsing: .unconditional,
            help:
                "Shift the clock the signed dialect checks X-Date against by this much (e.g. 20m, -20m), to provoke or cancel clock skew."
        )
        var clockOffset: String?

        @Option(help: "Answer this key 403 AccessDenied; repeatable.")
        var denyKey: [String] = []

        @Option(help: "Answer this key 403 SubscriptionRequired; repeatable.")
        var unsubscribedKey: [String] = []

        @Option(help: "The only seedance project names that exist (repeatable); by default any.")
        var project: [String] = []

        @Option(help: "Seed for the random faults, so that a run repeats.")
        var seed: UInt64?

        func validate() throws {
            _ = try makeConfiguration()
        }

        func makeConfiguration() throws -> EmulatorConfiguration {
            var c = EmulatorConfiguration()
            c.host = host
            guard (0...65535).contains(port) else { throw ValidationError("--port takes 0 to 65535, not \(port)") }
            c.port = port
            c.statePath = state
            c.processingDelay = try duration(processingDelay, "--processing-delay")
            c.hideWhileProcessing = !showWhileProcessing
            c.throttle = !noThrottle
            for spec in rate {
                let parts = spec.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let (value, perMinute) = Self.rate(parts[1]),
                    EmulatorConfiguration.documentedRates[String(parts[0])] != nil
                else {
                    throw ValidationError(
                        "--rate takes ACTION=N, N/s or N/min with a positive N and one of \(EmulatorConfiguration.documentedRates.keys.sorted().joined(separator: ", ")); got \(spec)"
                    )
                }
                c.rates[String(parts[0])] = value
                if perMinute { c.noBurst.insert(String(parts[0])) }
            }
            if let writeQuota {
                guard let (value, perMinute) = Self.rate(Substring(writeQuota)), perMinute else {
                    throw ValidationError("--write-quota takes N/min with a positive N, not \(writeQuota)")
                }
                c.writeQuota = value
            }
            for (name, value) in [("--processing-limit", processingLimit), ("--pool-size", poolSize), ("--balance", balance)] {
                if let value, value < 0 { throw ValidationError("\(name) takes 0 or more, not \(value)") }
            }
            c.processingLimit = processingLimit
            c.poolSize = poolSize
            c.balance = balance
            guard let form = EmulatorConfiguration.FailForm(rawValue: failForm) else {
                throw ValidationError("--fail-form takes error or failcode, not \(failForm)")
            }
            c.failForm = form
            c.nextToken = nextToken
            guard let envelope = EmulatorConfiguration.Envelope(rawValue: envelope) else {
                throw ValidationError(
                    "--envelope takes \(EmulatorConfiguration.Envelope.allCases.map(\.rawValue).joined(separator: ", ")), not \(self.envelope)"
                )
            }
            c.envelope = envelope
            c.errorsWithStatus200 = errorsWith200
            guard ["AccountFlowLimitExceeded", "QuotaWriteQPMExceeded"].contains(throttleCode) else {
                throw ValidationError("--throttle-code takes AccountFlowLimitExceeded or QuotaWriteQPMExceeded")
            }
            c.throttleCode = throttleCode
            guard [429, 400, 200].contains(throttleStatus) else {
                throw ValidationError("--throttle-status takes 429, 400 or 200, not \(throttleStatus)")
            }
            c.throttleStatus = throttleStatus
            guard burst >= 1 else { throw ValidationError("--burst must be 1 or more") }
            c.burst = burst
            if let latency {
                let parts = latency.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard !parts.contains(where: \.isEmpty) else {
                    throw ValidationError("--latency takes a duration or a range such as 5ms-50ms, not \(latency)")
                }
                let low = try duration(parts[0], "--latency")
                let high = parts.count == 2 ? try duration(parts[1], "--latency") : low
                guard low <= high else { throw ValidationError("--latency: the range's start is after its end") }
                c.latency = low...high
            }
            guard (0...1).contains(errorRate), (0...1).contains(dropRate) else {
                throw ValidationError("--error-rate and --drop-rate take a share from 0 to 1")
            }
            c.errorRate = errorRate
            c.dropRate = dropRate
            c.failingURLPatterns = failURL
            c.maxGroupsPerKey = maxGroups
            c.maxAssetsPerKey = maxAssets
            c.allowedKeys = key.isEmpty ? nil : Set(key)
            c.deniedKeys = Set(denyKey)
            c.unsubscribedKeys = Set(unsubscribedKey)
            c.projects = project.isEmpty ? nil : Set(project)
            c.seed = seed
            for pair in accessKey {
                // The secret may itself hold a colon: split at the first.
                let parts = pair.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    // Never echo the value: it holds a secret.
                    throw ValidationError("--access-key takes ACCESS_KEY:SECRET_KEY, both non-empty")
                }
                c.accessKeys[String(parts[0])] = String(parts[1])
            }
            if let clockOffset {
                let negative = clockOffset.hasPrefix("-")
                let magnitude = negative || clockOffset.hasPrefix("+") ? String(clockOffset.dropFirst()) : clockOffset
                let d = try duration(magnitude, "--clock-offset")
                c.clockOffset = negative ? .zero - d : d
            }
            return c
        }

        /// `N`, `N/s` (per second) or `N/min` (per minute): per second, and whether per minute.
        static func rate(_ text: Substring) -> (Double, Bool)? {
            let perMinute = text.hasSuffix("/min")
            let number = perMinute ? text.dropLast(4) : text.hasSuffix("/s") ? text.dropLast(2) : text
            guard let value = Double(number), value > 0, value.isFinite else { return nil }
            let perSecond = perMinute ? value / 60 : value
            // At least one a day, at most a million a second.
            guard perSecond >= 1.0 / 86_400, perSecond <= 1_000_000 else { return nil }
            return (perSecond, perMinute)
        }

        private func duration(_ text: String, _ option: String) throws -> Duration {
            guard let d = DurationText.parse(text) else {
                throw ValidationError("\(option) takes a duration such as 500ms, 2s or 1m, not \(text)")
            }
            return d
        }

        func run() async throws {
            let configuration = try makeConfiguration()
            let terminal = Terminal(options: global)
            do {
                try await Emulator.serve(configuration) { running in
                    // Always printed, even with --quiet: scripts read the address from it.
                    print("assetform emulator listening on \(running.baseURL) (seedance, 0-0 and volcengine/byteplus)")
                    fflush(nil)
                }
            } catch let error as EmulatorError {
                // (Its text may carry what a file said.)
                terminal.printError("error: \(String(describing: error).visibleLines)")
                throw error.isTemporary ? ExitStatus.temporary.exitCode : ExitCode.failure
            } catch {
                terminal.printError("error: the emulator could not serve on \(host):\(port): \(error)")
                throw ExitCode.failure
            }
        }
    }
}
