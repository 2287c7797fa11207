internal import CLibYAML

/// Turns libyaml's error state into a `YAMLError` with a 1-based position and a plain message.
enum LibYAMLError {
    static func convert(_ parser: yaml_parser_t, source: UnsafeBufferPointer<UInt8>) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        switch parser.error {
        case YAML_READER_ERROR:
            // Reader errors carry a byte offset, not a mark.
            let offset = min(parser.problem_offset, source.count)
            let mark = SourceLines.mark(atByteOffset: offset, in: source)
            let message: String
            if problem == "control characters are not allowed" {
                let hex = String(parser.problem_value, radix: 16, uppercase: true)
                let code = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                let what = parser.problem_value == 0 ? " (a NUL byte)" : ""
                message = "control character U+\(code)\(what) is not allowed in YAML"
            } else {
                let byte = offset < source.count ? " (byte 0x\(String(source[offset], radix: 16)))" : ""
                message = "the file is not valid UTF-8: \(problem)\(byte)"
            }
            return YAMLError(.encoding, message, at: mark)
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
            let lines = LineCorrection(source)
            let mark = LineCorrection.mark(parser.problem_mark, lines)
            var message = "YAML syntax: \(problem)"
            if let context = parser.context.map({ String(cString: $0) }) {
                let at = LineCorrection.mark(parser.context_mark, lines)
                message += " (\(context) at line \(at.line), column \(at.column))"
            }
            if SourceLines.indentationHasTab(line: mark.line, upToColumn: mark.column, in: source) {
                message += "; tabs cannot indent YAML, use spaces"
            }
            return YAMLError(.syntax, message, at: mark)
        default:
            return YAMLError(.syntax, "libyaml failed: \(problem) (out of memory?)", at: nil)
        }
    }
}
