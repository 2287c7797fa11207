import AssetformApply
import AssetformCore
import AssetformRemote
import Durable
import JSON
import Synchronization
import Timing

#if canImport(Glibc)
    import Glibc
#endif

/// What apply shows as it goes (SPEC §6): on a terminal a live status line (done/total, in
/// flight, retrying, failed, rate, ETA); without one a line per finished action; with --json
/// NDJSON events (`planned`, `started`, `retrying`, `completed`, `failed`, `summary`).
final class ApplyOutput: Sendable {
    enum Mode { case json, live, lines, quiet }

    private struct Counts {
        var total = 0
        var done = 0
        var failed = 0
        var inFlight = 0
        var retries = 0
        var waiting = 0
        var finishedAt: [ContinuousClock.Instant] = []
        var shown = false
    }

    let mode: Mode
    let terminal: Terminal
    private let counts = Mutex(Counts())
    private let started = ContinuousClock.now

    /// How references are written (`asset://ID` on seedance), for `completed` events.
    let api: API

    init(terminal: Terminal, json: Bool, api: API) {
        self.terminal = terminal
        self.api = api
        mode = json ? .json : terminal.quiet ? .quiet : isatty(STDOUT_FILENO) == 1 ? .live : .lines
    }

    // MARK: - Events

    /// `document`: the plan document's fields (`Session.documentFields`); its actions are taken
    /// from `plan` and written one at a time, never held as one tree.
    func planned(_ plan: Plan, document: [(String, JSONValue)]?) {
        // Waits finish in the waiting phase, shown apart.
        counts.withLock { $0.total = plan.steps.reduce(0) { $0 + ($1.verb != .wait ? 1 : 0) } }
        guard mode == .json, let document else { return }
        flush()
        // One line, written a megabyte at a time while no other output can come between: at
        // 100,000 actions the line is tens of megabytes.
        writing.withLock { _ in
            let part = 1 << 20
            var line: [UInt8] = []
            line.reserveCapacity(part + 64 * 1024)
            line.append(contentsOf: #"{"event":"planned","plan":{"#.utf8)
            for (i, (key, value)) in document.enumerated() {
                if i > 0 { line.append(UInt8(ascii: ",")) }
                JSONValue.appendQuoted(key, to: &line)
                line.append(UInt8(ascii: ":"))
                guard key == Plan.actionsKey else {
                    value.appendEncoded(to: &line)
                    continue
                }
                line.append(UInt8(ascii: "["))
                for (j, step) in plan.steps.enumerated() {
                    if j > 0 { line.append(UInt8(ascii: ",")) }
                    Plan.json(of: step).appendEncoded(to: &line)
                    if line.count >= part {
                        printBytes(line)
                        line.removeAll(keepingCapacity: true)
                    }
                }
                line.append(UInt8(ascii: "]"))
            }
            line.append(contentsOf: #"},"t":"#.utf8)
            JSONValue.double(Double((ContinuousClock.now - started).inMilliseconds) / 1000).appendEncoded(to: &line)
            line.append(contentsOf: "}\n".utf8)
            printBytes(line)
        }
    }

    /// With `--check-urls`: what preflight found (NDJSON `checked`).
    func checked(_ outcome: JSONValue) {
        if mode == .json {
            emit([("event", .string("checked")), ("checks", outcome)])
            flush()
        }
    }

    func call(_ event: CallEvent) {
        switch event {
        case .started: counts.withLock { $0.inFlight += 1 }
        case .finished: counts.withLock { $0.inFlight -= 1 }
        case .retrying(let call, let attempt, let after, let error):
            counts.withLock { $0.retries += 1 }
            if mode == .json {
                emit([
                    ("event", .string("retrying")),
                    ("address", StepContext.address.map { .string($0.description) } ?? .null),
                    ("call", .string(call.name)), ("attempt", .int(attempt)),
                    (
                        "after_ms",
                        .int(Int(after.inMilliseconds))
                    ),
                    ("error", .string(error.description)),
                ])
            }
        }
    }

    func event(_ event: ApplyEvent) {
        switch event {
        case .started(let step):
            if mode == .json { emit(stepEvent("started", step)) }
        case .notSent(let step):
            // Its `started` gets an end (a pipeline pairs them), in the events' own vocabulary;
            // it is counted with those not started, not with the failures.
            if mode == .json {
                var w = stepEvent("failed", step)
                w.value("code", .null)
                w.value("not_sent", .bool(true))
                w.string("message", "not sent: the run stopped before its call; nothing was billed")
                emit(w)
            }
        case .completed(let step, let outcome):
            if outcome != .waiting { finished(failed: false) }
            switch mode {
            case .json:
                var w = stepEvent("completed", step)
                for (key, value) in describe(outcome) { w.value(key, value) }
                switch outcome {
                case .created(let id, _, _) where step.kind == .asset, .adopted(let id) where step.kind == .asset:
                    w.string("ref", LockedAsset.ref(for: id, api: api))
                default: break
                }
                emit(w)
            case .lines: if outcome != .waiting { line("\(step.verb.sign) \(step.address): \(text(outcome, step))") }
            case .live, .quiet: break
            }
        case .failed(let step, let problem):
            finished(failed: true)
            if mode == .json {
                var w: JSONObjectWriter
                if let step {
                    w = stepEvent("failed", step)
                } else {
                    w = JSONObjectWriter()
                    w.string("event", "failed")
                    w.string("address", problem.address.description)
                }
                w.value("code", problem.code.map(JSONValue.string) ?? .null)
                w.string("message", problem.message)
                emit(w)
            } else {
                line(terminal.paintError("!") + " \(problem.address): failed: " + problemText(problem), error: mode == .quiet)
            }
        case .settled(let address, let status, let failure):
            if status == .failed {
                finished(failed: true, counted: false)
                let problem = Problem(address: address, code: failure?.code, message: failure?.message ?? "the asset failed")
                if mode == .json {
                    emit([
                        ("event", .string("failed")), ("address", .string(address.description)), ("action", .string("wait")),
                        ("code", problem.code.map(JSONValue.string) ?? .null), ("message", .string(problem.message)),
                    ])
                } else {
                    line(terminal.paintError("!") + " \(address): Failed: " + problemText(problem), error: mode == .quiet)
                }
            } else {
                switch mode {
                case .json:
                    emit([
                        ("event", .string("completed")), ("address", .string(address.description)), ("action", .string("wait")),
                        ("status", .string(status.rawValue)),
                    ])
                case .lines: line("… \(address): \(status.rawValue)")
                case .live, .quiet: break
                }
            }
            counts.withLock { $0.waiting = max(0, $0.waiting - 1) }
        case .waiting(let remaining):
            counts.withLock { $0.waiting = remaining }
            if mode == .lines {
                line("Waiting for \(remaining) Processing asset\(remaining == 1 ? "" : "s") to become Active or Failed…")
            }
        case .possibleDuplicate(let address):
            let text =
                "\(address): its create's answer was lost and 0-0 cannot list, so it was sent again; the service may now hold it twice"
            if mode == .json {
                emit([("event", .string("retrying")), ("address", .string(address.description)), ("warning", .string(text))])
            } else {
                clearLine()
                terminal.warn(text)
            }
        }
    }

    private func finished(failed: Bool, counted: Bool = true) {
        counts.withLock { c in
            if counted { c.done += 1 }
            if failed { c.failed += 1 }
            c.finishedAt.append(ContinuousClock.now)
            if c.finishedAt.count > 4096 { c.finishedAt.removeFirst(2048) }
        }
    }

    /// An event about a step, begun: `event`, then the step's `address`, `kind` and `action`.
    private func stepEvent(_ name: String, _ step: Plan.Step) -> JSONObjectWriter {
        var w = JSONObjectWriter()
        w.string("event", name)
        w.string("address", step.address.description)
        w.string("kind", step.kind.rawValue)
        w.string("action", step.verb.rawValue)
        return w
    }

    private func describe(_ outcome: Outcome) -> [(String, JSONValue)] {
        switch outcome {
        case .created(let id, let status, let recovered):
            return [("outcome", .string(recovered ? "recovered" : "created")), ("id", .string(id))]
                + (status.map { [("status", .string($0.rawValue))] } ?? [])
        case .adopted(let id): return [("outcome", .string("adopted")), ("id", .string(id))]
        case .updated: return [("outcome", .string("updated"))]
        case .forgotten: return [("outcome", .string("forgotten"))]
        case .deleted: return [("outcome", .string("deleted"))]
        case .keptHolding(let n): return [("outcome", .string("forgotten")), ("untracked_objects", .int(n))]
        case .moved: return [("outcome", .string("moved"))]
        case .waiting: return [("outcome", .string("waiting"))]
        }
    }

    private func text(_ outcome: Outcome, _ step: Plan.Step) -> String {
        switch outcome {
        case .created(let id, let status, let recovered):
            let what = step.verb == .replace ? "created anew as \(id)" : "created \(id)"
            return (recovered ? what + " (its answer was lost; found by listing, not created twice)" : what)
                + (status.map { " (\($0.rawValue))" } ?? "")
        case .adopted(let id): return "adopted \(id)"
        case .updated: return "updated"
        case .forgotten: return "forgotten (the remote object stays)"
        case .deleted: return "deleted"
        case .keptHolding(let n):
            return "not deleted: it holds \(n) object\(n == 1 ? "" : "s") this lockfile does not track; forgotten instead"
        case .moved: return "moved (the lockfile record; no call)"
        case .waiting: return "waiting"
        }
    }

    func problemText(_ p: Problem) -> String {
        // The message already names the code when it came from a failed call.
        if let code = p.code, !p.message.contains(code) { return (code + ": " + p.message).visible }
        return p.message.visible
    }

    // MARK: - Writing

    private let writing = Mutex(())

    /// For an exit on an interrupt: waits (up to `patience`) for a line being written to stdout
    /// to end, so that a reader of the NDJSON stream never gets half of one (the `planned` line
    /// of 100,000 actions is written in parts). Blocks its thread: call it only from the
    /// interrupt's own.
    func waitForWholeLines(patience: Duration = .seconds(2)) {
        let deadline = ContinuousClock.now + patience
        while writing.withLockIfAvailable({ _ in true }) == nil, ContinuousClock.now < deadline {
            usleep(10_000)
        }
    }
    /// Event lines not yet written (NDJSON, and the lines without a terminal): written together
    /// at most every 100 ms (`flush`), not one system call per event.
    private let buffered = Mutex<[UInt8]>([])

    /// One NDJSON event, stamped with `t`, the seconds since apply started.
    func emit(_ fields: [(String, JSONValue)]) {
        var w = JSONObjectWriter()
        for (key, value) in fields { w.value(key, value) }
        emit(w)
    }

    /// One NDJSON event, written field by field (`stepEvent(_:_:)`), stamped with `t`.
    private func emit(_ event: consuming JSONObjectWriter) {
        let elapsed = ContinuousClock.now - started
        let ms = elapsed.inMilliseconds
        event.value("t", .double(Double(ms) / 1000))
        let bytes = event.finished()
        buffered.withLock {
            $0.append(contentsOf: bytes)
            $0.append(UInt8(ascii: "\n"))
        }
    }

    private func line(_ text: String, error: Bool = false) {
        if mode == .lines && !error {
            buffered.withLock {
                $0.append(contentsOf: text.utf8)
                $0.append(UInt8(ascii: "\n"))
            }
            return
        }
        writing.withLock { _ in
            if mode == .live { print("\r\u{1B}[K", terminator: "") }
            if error {
                terminal.printError(text)
            } else {
                print(text)
                flushOutput()
            }
        }
        if mode == .live { redraw() }
    }

    /// Writes the buffered event lines.
    func flush() {
        writing.withLock { _ in
            let bytes = buffered.withLock { b in
                defer { b.removeAll(keepingCapacity: true) }
                return b
            }
            guard !bytes.isEmpty else { return }
            printBytes(bytes)
        }
    }

    /// Until cancelled: writes the buffered event lines every 100 ms and, on a terminal, redraws
    /// the status line every 200 ms.
    func keepShowing() async {
        var tick = 0
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(100))
            } catch {
                return
            }
            flush()
            tick += 1
            if mode == .live && tick % 2 == 0 { redraw() }
        }
    }

    private func clearLine() {
        guard mode == .live else { return }
        writing.withLock { _ in
            print("\r\u{1B}[K", terminator: "")
            flushOutput()
        }
    }

    /// The live status line.
    func redraw() {
        guard mode == .live else { return }
        let now = ContinuousClock.now
        let c = counts.withLock { $0 }
        let window = Duration.seconds(5)
        let recent = c.finishedAt.filter { now - $0 <= window }.count
        let span = min(window, now - started)
        let seconds = span.inSeconds
        let rate = seconds > 0.2 ? Double(recent) / seconds : 0
        var text =
            "Applying: \(c.done)/\(c.total) done, \(max(0, c.inFlight)) in flight, \(c.retries) retried, \(c.failed) failed"
        text += rate > 0 ? ", \(String(format1(rate)))/s" : ""
        if rate > 0, c.total > c.done {
            text += ", ETA \(DurationText.format(.seconds(Int((Double(c.total - c.done) / rate).rounded(.up)))))"
        }
        if c.waiting > 0 { text += "; waiting for \(c.waiting) Processing" }
        // One line, whatever the window's width: a line that wraps would leave a copy of itself
        // at every redraw.
        let width = Self.terminalWidth()
        if text.count >= width { text = String(text.prefix(max(1, width - 2))) + "…" }
        writing.withLock { _ in
            print("\r\u{1B}[K" + text, terminator: "")
            flushOutput()
            counts.withLock { $0.shown = true }
        }
    }

    /// The terminal's width in columns (80 when it cannot be told), asked at each redraw so that
    /// a resized window is followed.
    static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    /// Ends the live line, before the summary.
    func endLive() {
        guard mode == .live, counts.withLock({ $0.shown }) else { return }
        writing.withLock { _ in
            print("\r\u{1B}[K", terminator: "")
            flushOutput()
        }
    }

    func format1(_ x: Double) -> String {
        let tenths = Int((x * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
