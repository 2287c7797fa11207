/// Positions in raw source bytes, for the few errors libyaml reports without a line and column,
/// and for showing the line an error is on.
public enum SourceLines {
    /// The 1-based mark of a byte offset (columns count Unicode scalars, as libyaml's do; a
    /// leading byte order mark is none, as for libyaml). Lines end at LF alone (`LineCorrection`).
    public static func mark(atByteOffset offset: Int, in source: UnsafeBufferPointer<UInt8>) -> Mark {
        var line = 1
        var column = 1
        let bom = source.count >= 3 && source[0] == 0xEF && source[1] == 0xBB && source[2] == 0xBF
        for i in (bom ? 3 : 0)..<max(bom ? 3 : 0, min(offset, source.count)) {
            let b = source[i]
            if b == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
        return Mark(line: line, column: column)
    }

    /// The bytes of 1-based line `line`, without its line break; nil past the end.
    public static func line(_ line: Int, in source: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>>? {
        var current = 1
        var start = 0
        var i = 0
        while current < line {
            guard let nl = source[i...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            i = nl + 1
            current += 1
        }
        start = i
        var end = source[start...].firstIndex(of: UInt8(ascii: "\n")) ?? source.count
        if end > start, source[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return source[start..<end]
    }

    /// Whether the leading white space of `line`, before `column`, holds a tab.
    static func indentationHasTab(line number: Int, upToColumn column: Int, in source: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let bytes = line(number, in: source) else { return false }
        for b in bytes.prefix(column) {
            if b == UInt8(ascii: "\t") { return true }
            if b != UInt8(ascii: " ") && b != UInt8(ascii: "-") { return false }
        }
        return false
    }
}
