/// Renders diagnostics as `FILE:LINE:COLUMN: error: message`, then the source line and a caret.
public struct DiagnosticRenderer: Sendable {
    public var color: Bool

    public init(color: Bool) {
        self.color = color
    }

    public func render(_ diagnostics: [Diagnostic], in file: SourceFile) -> String {
        var out = ""
        for d in diagnostics.sorted() {
            out += render(d, in: file)
        }
        return out
    }

    public func render(_ d: Diagnostic, in file: SourceFile) -> String {
        let label = d.severity == .error ? paint("error:", "1;31") : paint("warning:", "1;35")
        // The message quotes what the file says (a key, a value), and the path is the user's: both
        // shown with their control characters escaped, as the source line is.
        // (A finding is one line: a line break a value holds is escaped too, or it would forge
        // a line of output.)
        let (path, message) = (file.path.visible, d.message.visible)
        guard let mark = d.mark else {
            return "\(paint(path + ":", "1")) \(label) \(paint(message, "1"))\n"
        }
        var out = "\(paint("\(path):\(mark.line):\(mark.column):", "1")) \(label) \(paint(message, "1"))\n"
        if var line = file.line(mark.line) {
            func prefix(_ text: String) -> String {
                String(String.UnicodeScalarView(text.unicodeScalars.prefix(max(0, mark.column - 1))))
            }
            var before: String
            // A secret refused in the manifest is not shown again, nor the value of any key on the
            // line that may hold one, whatever the finding: only the first key.
            if d.problem.hidesValue || ManifestKeys.lineMayHoldSecret(line), let colon = line.firstIndex(of: ":") {
                line = String(line[...colon]) + " (value hidden)"
                before = prefix(line)
            } else if line.contains("://") {
                // Nor a URL's query (a presigned link's signature). The caret stays under the same
                // character, or under the redaction where it falls inside one.
                before = URLQuery.redacted(in: prefix(line))
                line = URLQuery.redacted(in: line)
            } else {
                before = prefix(line)
            }
            // A control character in the line (a lone CR, NEL, a bidirectional override) is shown
            // escaped, as anywhere else, and the caret counts its escape's width.
            out += "  " + line.visibleKeepingTabs + "\n"
            out += "  " + caretPadding(before.visibleKeepingTabs, column: Int.max) + paint("^", "1;32") + "\n"
        }
        return out
    }

    /// White space that reaches `column` under `line`: tabs stay tabs, wide characters take two.
    func caretPadding(_ line: String, column: Int) -> String {
        var pad = ""
        for scalar in line.unicodeScalars.prefix(max(0, column - 1)) {
            if scalar == "\t" {
                pad += "\t"
            } else if Self.isWide(scalar) {
                pad += "  "
            } else {
                pad += " "
            }
        }
        return pad
    }

    static func isWide(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
            0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    private func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
