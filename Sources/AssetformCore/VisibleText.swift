import JSON

/// Text from outside the program (the service, a library, another process's lock file) made safe
/// to print on a terminal or in a log: every control character becomes a visible escape (`\e`,
/// `\n`, `\r`, `\t`, `\x07`, `\u{9b}`), so that a remote name or message can neither move the
/// cursor, clear the screen, nor forge a line of output. The `FormatControls` (line separators,
/// bidirectional overrides) are escaped too, since they break or reorder what is shown. JSON
/// outputs do not use this: they escape as JSON does, the same characters.
public enum VisibleText {
    /// `keepingTabs`: tabs stay tabs (a source line shown under its own indentation).
    public static func escape(_ text: String, keepingTabs: Bool = false) -> String {
        guard needsAnyEscape(text) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar), !(keepingTabs && scalar == "\t") else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x1B: out += "\\e"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00..<0x20, 0x7F:
                out += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            default:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }

    /// Whether any scalar of `text` needs escaping, decided on its UTF-8 bytes (this runs for
    /// every line of a plan): C0 controls and DEL are single bytes; C1 controls are 0xC2 0x80–0x9F;
    /// the format controls are three bytes led by 0xE2 (`FormatControls`).
    static func needsAnyEscape(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { b in
            var i = 0
            let n = b.count
            while i < n {
                let byte = b[i]
                if byte < 0x20 || byte == 0x7F { return true }
                if byte == 0xC2, i + 1 < n, b[i + 1] >= 0x80, b[i + 1] <= 0x9F { return true }
                if byte == 0xE2, i + 2 < n, FormatControls.contains(afterE2: b[i + 1], b[i + 2]) { return true }
                i += 1
            }
            return false
        }
    }

    /// C0 controls, DEL, C1 controls, and the format controls.
    static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00..<0x20, 0x7F..<0xA0: true
        default: FormatControls.contains(s.value)
        }
    }
}

extension String {
    /// This text with its control characters escaped visibly (`VisibleText.escape`).
    public var visible: String { VisibleText.escape(self) }
    /// `visible`, its tabs kept as they are (a source line, shown under its own indentation).
    public var visibleKeepingTabs: String { VisibleText.escape(self, keepingTabs: true) }
    /// `visible`, line by line: its own line breaks kept (a message of several lines).
    public var visibleLines: String {
        split(separator: "\n", omittingEmptySubsequences: false).map { String($0).visible }.joined(separator: "\n")
    }
}
