/// A plan as Markdown, for a pull-request comment (`show --format markdown`, `plan --format
/// markdown`): the summary line, then a table per kind of change (long ones folded in a
/// `<details>` block), the warnings, and the billed-call count. Text from the manifest or the
/// service is escaped so that it cannot break the table or inject markup.
public struct PlanMarkdown: Sendable {
    /// Tables longer than this are folded.
    public var foldAbove = 20
    /// Rows shown per kind at most: a pull-request comment has a size limit (65,536 characters
    /// on GitHub); the rest is counted, and the saved plan holds all of it.
    public var rowsPerKind = 200
    /// Characters in all, at most: rows and warnings past it are counted, not shown (GitHub
    /// refuses a comment over 65,536; long URLs in replace rows reach it well before 200 rows).
    public var maxCharacters = 60_000

    public init() {}

    /// `note`: said under the summary line (how the plan was made, when that matters to a reviewer).
    public func render(_ plan: Plan, note: String? = nil) -> String {
        let text = PlanRenderer(color: false)
        var out = "### assetform plan\n\n**" + Self.escape(text.summary(plan, limits: nil)) + "**\n"
        if let note { out += "\n_" + Self.escape(note) + "_\n" }
        let kinds: [(Plan.Verb, String)] = [
            (.create, "Create"), (.replace, "Replace (a new billed create each; the old asset stays remotely)"),
            (.update, "Update"), (.adopt, "Adopt (recorded, no billed call)"), (.move, "Move (the lockfile record, no call)"),
            (.forget, "Forget (the remote object stays)"),
            (.delete, "Delete (remotely, and from the lockfile; it cannot be undone)"), (.wait, "Processing"),
            (.failed, "Failed remotely, left alone"),
        ]
        // The size for rows and for warnings (the headings and the counts aside): warnings (of
        // billed duplicates, say) are never all crowded out by rows.
        var warningBudget = min(maxCharacters / 4, plan.warnings.reduce(0) { $0 + $1.unicodeScalars.count + 8 })
        var budget = maxCharacters - 4_000 - warningBudget
        for (verb, title) in kinds {
            let steps = plan.steps.filter { $0.verb == verb }
            guard !steps.isEmpty else { continue }
            var table = "| | address | what |\n|---|---|---|\n"
            var shown = 0
            for step in steps.prefix(rowsPerKind) {
                let row = "| `\(verb.sign)` | `\(Self.code(step.address.description))` | \(Self.escape(text.describe(step))) |\n"
                let size = row.unicodeScalars.count
                guard size <= budget else { break }
                budget -= size
                table += row
                shown += 1
            }
            if steps.count > shown {
                table += "\n…and \(steps.count - shown) more (`assetform show PLANFILE` lists them all).\n"
            }
            let heading = "\(title): \(steps.count)"
            if steps.count > foldAbove {
                out += "\n<details><summary>\(Self.escape(heading))</summary>\n\n" + table + "\n</details>\n"
            } else {
                out += "\n#### \(Self.escape(heading))\n\n" + table
            }
        }
        if !plan.warnings.isEmpty {
            out += "\n#### Warnings\n\n"
            var shown = 0
            warningBudget += max(0, budget)  // what the rows left
            for w in plan.warnings {
                let line = "- " + Self.escape(w.visible) + "\n"
                let size = line.unicodeScalars.count
                guard size <= warningBudget else { break }
                warningBudget -= size
                out += line
                shown += 1
            }
            if plan.warnings.count > shown { out += "- …and \(plan.warnings.count - shown) more\n" }
        }
        let billed = plan.billedCreates
        out += "\n\(billed) billed create call\(billed == 1 ? "" : "s"); \(plan.unchanged.count) unchanged.\n"
        return out
    }

    /// Text for a table cell: control characters made visible, Markdown's own characters escaped,
    /// HTML's neutralised.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.visible {
            switch c {
            case "|", "\\", "`", "*", "_", "[", "]", "#", "<", ">", "~": out += "\\" + String(c)
            // A name `@team` in a comment would notify the team: a zero-width space after it.
            case "@": out += "@\u{200B}"
            case "\n": out += " "
            default: out.append(c)
            }
        }
        return out
    }

    /// Text inside a code span: backticks cannot close it.
    static func code(_ s: String) -> String { String(s.visible.map { $0 == "`" ? "'" : $0 }) }
}
