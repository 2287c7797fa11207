/// The text form of a plan (SPEC §5): a line per change with its sign, the address and the
/// reason or changed fields; unchanged objects counted; one summary line.
public struct PlanRenderer: Sendable {
    public var color: Bool
    /// List the unchanged objects too (`--verbose`), each on a line of its own.
    public var listUnchanged = false

    public init(color: Bool, listUnchanged: Bool = false) {
        self.color = color
        self.listUnchanged = listUnchanged
    }

    /// `limits` nil (a saved plan shown later): the summary gives no time estimate.
    public func render(_ plan: Plan, limits: Limits?) -> String {
        String(decoding: renderBytes(plan, limits: limits), as: UTF8.self)
    }

    /// `render` as UTF-8 bytes, for writing straight out.
    ///
    /// Built as bytes, not by string interpolation, and without a String per address: a first
    /// plan of 100,000 assets is 100,000 lines, and this is most of its cost otherwise.
    public func renderBytes(_ plan: Plan, limits: Limits?) -> [UInt8] {
        let width = width(plan)
        var out = lines(plan.steps[...], width: width, room: 256)
        appendRest(plan, limits: limits, width: width, to: &out)
        return out
    }

    /// `renderBytes`, a large plan's lines made in two halves at once: the same bytes.
    public func renderBytesConcurrently(_ plan: Plan, limits: Limits?) async -> [UInt8] {
        guard plan.steps.count >= Self.concurrentAbove else { return renderBytes(plan, limits: limits) }
        let width = width(plan)
        let half = plan.steps.count / 2
        async let second = lines(plan.steps[half...], width: width, room: 0)
        var out = lines(plan.steps[..<half], width: width, room: (plan.steps.count - half) * (width + 48) + 256)
        out += await second
        appendRest(plan, limits: limits, width: width, to: &out)
        return out
    }

    /// Plans of at least this many steps are rendered in two halves at once.
    public static let concurrentAbove = 20_000

    /// The width of the address column.
    private func width(_ plan: Plan) -> Int {
        var widest = 0
        for step in plan.steps { widest = max(widest, length(step.address)) }
        return min(48, widest)
    }

    /// Addresses are ASCII (keys are): their UTF-8 length is their width.
    private func length(_ a: Address) -> Int { a.group.utf8.count + (a.asset.map { $0.utf8.count + 1 } ?? 0) }

    /// A line per step, with `room` bytes more reserved.
    private func lines(_ steps: ArraySlice<Plan.Step>, width: Int, room: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(steps.count * (width + 48) + room)
        let signs = Plan.Verb.allCases.map { Array(paint($0.sign.padding(3), code($0)).utf8) }
        steps.withUnsafeBufferPointer { steps in
            for i in steps.indices {
                out.append(contentsOf: signs[Plan.Verb.allCases.firstIndex(of: steps[i].verb)!])
                out.append(UInt8(ascii: " "))
                let address = steps[i].address
                out.append(contentsOf: address.group.utf8)
                if let asset = address.asset {
                    out.append(UInt8(ascii: "/"))
                    out.append(contentsOf: asset.utf8)
                }
                let n = length(address)
                if n < width { out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - n)) }
                out.append(UInt8(ascii: " "))
                out.append(UInt8(ascii: " "))
                appendDescription(steps[i], to: &out)
                out.append(UInt8(ascii: "\n"))
            }
        }
        return out
    }

    /// What follows the steps' lines: the unchanged (`--verbose`), the warnings, the summary.
    private func appendRest(_ plan: Plan, limits: Limits?, width: Int, to out: inout [UInt8]) {
        if listUnchanged {
            for address in plan.unchanged {
                out.append(contentsOf: "    \(address.description.padding(width))  unchanged\n".utf8)
            }
        }
        for warning in plan.warnings { out.append(contentsOf: (paint("warning:", "1;35") + " " + warning.visible + "\n").utf8) }
        if !plan.steps.isEmpty || !plan.warnings.isEmpty { out.append(UInt8(ascii: "\n")) }
        out.append(contentsOf: (summary(plan, limits: limits) + "\n").utf8)
    }

    /// `describe(step)` appended to `out`; a new asset's line (the most common by far) without
    /// building a String.
    private func appendDescription(_ step: Plan.Step, to out: inout [UInt8]) {
        guard case .createAsset(let spec, _) = step.action, step.reason == "new" else {
            out.append(contentsOf: describe(step).utf8)
            return
        }
        out.append(contentsOf: "create ".utf8)
        out.append(contentsOf: spec.type.rawValue.utf8)
        out.append(contentsOf: " \"".utf8)
        out.append(contentsOf: spec.name.visible.utf8)
        out.append(UInt8(ascii: "\""))
    }

    /// What follows the address. Names, reasons and values may come from the service: every one
    /// is shown with its control characters escaped, so none can forge or hide a line.
    public func describe(_ step: Plan.Step) -> String {
        if step.kind == .group && step.verb == .create {
            let what = "create group \"\((step.name ?? step.address.description).visible)\""
            // Created again (its remote group is gone): the reason says so.
            return step.reason == "new" ? what : "\(what): \(step.reason.visible)"
        }
        return text(step)
    }

    private func text(_ step: Plan.Step) -> String {
        let reason = step.reason.visible
        switch step.action {
        case .createAsset(let spec, _):
            let what = "create \(spec.type.rawValue) \"\(spec.name.visible)\""
            return step.reason == "new" ? what : "\(what): \(reason)"
        default: break
        }
        switch step.verb {
        case .update: return "update \(reason)"
        case .replace:
            // A URL's query (a presigned link's signature) is not shown; the saved plan keeps it.
            func shown(_ field: String, _ value: String?) -> String? {
                field == "url" ? value.map(URLQuery.redacted(in:)) : value
            }
            let fields = step.changes.map { c in
                let (before, after) = (shown(c.field, c.before), shown(c.field, c.after))
                let note = before == after && c.before != c.after ? " (its query changed)" : ""
                return "\(c.field): \(quote(before)) → \(quote(after))\(note)"
            }.joined(separator: ", ")
            return "replace: " + (fields.isEmpty ? reason : fields + " (" + reason + ")")
        case .adopt: return "adopt: \(reason)"
        case .move: return "move: \(reason)"
        case .wait: return "wait: \(reason)"
        case .forget: return "forget: \(reason)"
        case .delete: return "delete \((step.remoteID ?? "").visible): \(reason)"
        case .failed: return reason
        case .create: return "create: \(reason)"
        }
    }

    /// The one summary line (SPEC §5): `Plan: 12 to create, …; 240 unchanged. 13 billed create
    /// calls; …`, led by `No changes.` when there is nothing to do.
    public func summary(_ plan: Plan, limits: Limits?) -> String {
        var parts: [String] = []
        for (action, word) in [
            (Plan.Verb.create, "to create"), (.update, "to update"), (.replace, "to replace"), (.adopt, "to adopt"),
            (.move, "to move"), (.forget, "to forget"), (.delete, "to delete"),
        ] where (action != .move && action != .delete) || plan.count(action) > 0 {
            parts.append("\(plan.count(action)) \(word)")
        }
        var line = (!plan.hasChanges && plan.count(.wait) == 0 ? "No changes. " : "") + "Plan: "
        line += parts.joined(separator: ", ") + "; \(plan.unchanged.count) unchanged"
        if plan.count(.wait) > 0 { line += ", \(plan.count(.wait)) processing" }
        if plan.count(.failed) > 0 { line += ", \(plan.count(.failed)) failed" }
        if !plan.heldBack.isEmpty { line += ", \(plan.heldBack.count) held back" }
        let billed = plan.billedCreates
        line += ". \(billed) billed create call\(billed == 1 ? "" : "s")"
        if billed > 0, let limits {
            switch limits.rates.createAsset {
            case .unlimited:
                line += "; no create_asset rate is set"
            case .auto:
                line += "; about \(Self.duration(Self.autoSeconds(billed))) at the configured rates"
            case .perSecond, .perMinute:
                line +=
                    "; about \(Self.duration(Double(billed) / limits.rates.createAsset.fixedPerSecond!)) at the configured rates"
            }
        }
        return line + "."
    }

    /// How long `n` creates take at `auto` if nothing throttles it: from its start, a tenth of
    /// its cap more each second, up to the cap (the call policy's climb).
    static func autoSeconds(_ n: Int) -> Double {
        let (start, cap) = (Rates.autoCreateAsset.start, Rates.autoCreateAsset.cap)
        let slope = cap / 10
        let climb = (cap - start) / slope
        let duringClimb = start * climb + slope * climb * climb / 2
        let made = Double(n)
        if made >= duringClimb { return climb + (made - duringClimb) / cap }
        // start·t + slope·t²/2 = made
        return (-start + (start * start + 2 * slope * made).squareRoot()) / slope
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m\(s % 60 == 0 ? "" : "\(s % 60)s")" }
        return "\(s / 3600)h\(s % 3600 / 60 == 0 ? "" : "\(s % 3600 / 60)m")"
    }

    private func quote(_ s: String?) -> String { s.map { "\"\($0.visible)\"" } ?? "(none)" }

    private func code(_ verb: Plan.Verb) -> String {
        switch verb {
        case .create: "32"
        case .update: "33"
        case .replace: "35"
        case .adopt: "36"
        case .move: "36"
        case .wait: "34"
        case .forget: "31"
        case .delete: "1;31"
        case .failed: "1;31"
        }
    }

    private func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
