import AssetformApply
import AssetformCore
import AssetformRemote
import JSON

/// Apply's summary at the end of a run: the counts, what failed and why, what is still
/// Processing or left to do, the calls and the rates achieved; with --json, the `summary` event.
extension ApplyOutput {
    func summary(_ r: ApplyReport, elapsed: Duration) {
        flush()
        endLive()
        let seconds = elapsed.inSeconds
        let waited = r.waited.inSeconds
        if mode == .json {
            var f: [(String, JSONValue)] = [
                ("event", .string("summary")), ("created", .int(r.created)), ("replaced", .int(r.replaced)),
                ("recovered", .int(r.recovered)), ("updated", .int(r.updated)), ("adopted", .int(r.adopted)),
                ("forgotten", .int(r.forgotten)), ("deleted", .int(r.deleted)), ("moved", .int(r.moved)),
                ("unchanged", .int(r.unchanged)),
                ("active", .int(r.active)),
                ("failed", .array(r.failed.map(Self.json))), ("failed_earlier", .array(r.failedEarlier.map(Self.json))),
                ("possible_duplicates", .array(r.possibleDuplicates.map { .string($0.description) })),
                ("possible_duplicate_count", .int(r.possibleDuplicates.count)),
                ("still_processing", .array(r.stillProcessing.map { .string($0.description) })),
                ("wait_cut_short", r.waitCutShort.map(JSONValue.string) ?? .null),
                ("left_out", .array(r.leftOut.map { .string($0.description) })),
                ("held_back", .array(r.heldBack.map { .string($0.description) })),
                ("to_create_again", .array(r.toCreateAgain.map { .string($0.description) })),
                ("kept_groups", .array(r.keptGroups.map(Self.json))),
                (
                    "rates",
                    .object(
                        CallClass.allCases.compactMap { c in
                            r.rates[c].map { rate in
                                (
                                    c.rawValue,
                                    .object([
                                        ("achieved_per_second", .double(rate.achieved)),
                                        ("current_per_second", rate.current.map(JSONValue.double) ?? .null),
                                    ])
                                )
                            }
                        })
                ),
                ("processing_peak", .int(r.processingPeak)),
                ("not_started", .int(r.notStarted)), ("calls", .int(r.calls.calls)), ("throttled", .int(r.calls.throttled)),
                ("retries", .int(r.calls.retries)), ("waited_ms", .int(Int(waited * 1000))),
                ("elapsed_ms", .int(Int(seconds * 1000))),
            ]
            switch r.stopped {
            case .interrupted?: f.append(("stopped", .string("interrupted")))
            case .fatal(let why, _, _, _)?: f.append(("stopped", .string(why)))
            case nil: break
            }
            if let u = r.unrecorded { f.append(("not_recorded", .string(u.description))) }
            emit(f)
            flush()
            return
        }
        if mode == .quiet && r.failed.isEmpty && r.stopped == nil { return }
        var parts = ["\(r.created) created"]
        if r.replaced > 0 { parts.append("\(r.replaced) replaced") }
        if r.recovered > 0 { parts.append("\(r.recovered) recovered") }
        parts += ["\(r.updated) updated", "\(r.adopted) adopted"]
        if r.moved > 0 { parts.append("\(r.moved) moved") }
        if r.forgotten > 0 { parts.append("\(r.forgotten) forgotten") }
        if r.deleted > 0 { parts.append("\(r.deleted) deleted") }
        parts.append("\(r.unchanged) unchanged")
        if !r.possibleDuplicates.isEmpty {
            parts.append("\(r.possibleDuplicates.count) possible duplicate\(r.possibleDuplicates.count == 1 ? "" : "s")")
        }
        let head: String
        switch r.stopped {
        case .interrupted?: head = "Apply interrupted"
        case .fatal?: head = "Apply stopped early"
        case nil: head = r.failed.isEmpty ? "Apply complete" : "Apply finished with failures"
        }
        print("\(head): " + parts.joined(separator: ", ") + "; \(r.failed.count) failed.")
        for p in r.failed { print("  " + terminal.paintError("!") + " \(p.address): " + problemText(p)) }
        if case .fatal(let why, _, _, _)? = r.stopped { print("  stopped: \(why.visible)") }
        if let u = r.unrecorded {
            print("  " + (u.recordedAll ? "warning:" : terminal.paintError("not recorded:")) + " \(u.description.visible)")
        }
        if !r.failedEarlier.isEmpty {
            let n = r.failedEarlier.count
            print(
                "  \(n) asset\(n == 1 ? "" : "s") failed in an earlier run and \(n == 1 ? "was" : "were") left alone "
                    + "(--retry-failed creates \(n == 1 ? "it" : "them") again); not converged.")
        }
        for p in r.keptGroups { print("  \(p.address): \(p.message)") }
        if !r.leftOut.isEmpty {
            let n = r.leftOut.count
            print(
                "  \(n) asset\(n == 1 ? " was" : "s were") left out: \(n == 1 ? "its" : "their") source failed its check "
                    + "(\(r.leftOut.prefix(5).map(\.description).joined(separator: ", "))\(n > 5 ? ", …" : "")); not converged.")
        }
        if !r.heldBack.isEmpty {
            let n = r.heldBack.count
            print(
                "  \(n) create\(n == 1 ? " was" : "s were") held back: \(n == 1 ? "its" : "their") group holds assets "
                    + "still Processing with hidden names (\(r.heldBack.prefix(5).map(\.description).joined(separator: ", "))"
                    + "\(n > 5 ? ", …" : "")); apply again once they are Active; not converged.")
        }
        if !r.toCreateAgain.isEmpty {
            let n = r.toCreateAgain.count
            print(
                "  \(n) Failed asset\(n == 1 ? " was" : "s were") deleted and \(n == 1 ? "is" : "are") still in the manifest: "
                    + "the next apply creates \(n == 1 ? "it" : "them") again "
                    + "(\(r.toCreateAgain.prefix(5).map(\.description).joined(separator: ", "))\(n > 5 ? ", …" : "")); not converged."
            )
        }
        if r.notStarted > 0 {
            print("  \(r.notStarted) action\(r.notStarted == 1 ? " was" : "s were") not started; apply again to finish.")
        }
        for a in r.possibleDuplicates { print("  possible duplicate on the service: \(a)") }
        if !r.stillProcessing.isEmpty {
            print(
                "  \(r.stillProcessing.count) asset\(r.stillProcessing.count == 1 ? " is" : "s are") still Processing; the next apply or refresh picks them up."
            )
        }
        if let why = r.waitCutShort { print("  " + why.visible + ".") }
        print(
            "Calls: \(r.calls.calls) (\(r.calls.throttled) throttled, \(r.calls.retries) retried); "
                + "waited \(format1(waited))s for Processing assets; \(format1(seconds))s in all.")
        if !r.rates.isEmpty {
            print("Rates achieved: " + rateParts(r.rates).map { "\($0.0) \($0.1)" }.joined(separator: ", ") + ".")
        }
        flushOutput()
    }

    static func json(_ p: Problem) -> JSONValue {
        .object([
            ("address", .string(p.address.description)), ("code", p.code.map(JSONValue.string) ?? .null),
            ("message", .string(p.message)),
        ])
    }

    /// Per class of call, in a fixed order: `9.6/s`, and where the rate in force moved (`auto`,
    /// or slowed by throttling) and ended away from what was achieved, `(ending at 10.4/s)`. A
    /// class at its configured rate says only what it achieved: few calls, or calls that waited
    /// on others, achieve less than a rate that never moved.
    private func rateParts(_ rates: [CallClass: AchievedRate]) -> [(String, String)] {
        CallClass.allCases.compactMap { c in
            guard let rate = rates[c] else { return nil }
            var text = "\(format1(rate.achieved))/s"
            if rate.moved, let current = rate.current, abs(current - rate.achieved) / max(rate.achieved, 0.001) > 0.05 {
                text += " (ending at \(format1(current))/s)"
            }
            return (c.rawValue, text)
        }
    }
}
