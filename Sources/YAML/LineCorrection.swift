internal import CLibYAML

/// libyaml's positions as the file's own lines and columns.
///
/// libyaml follows YAML 1.1, which also ends a line at a lone CR, NEL (U+0085), LS (U+2028) and
/// PS (U+2029). Editors, `grep -n` and CI annotations end lines at LF alone (CRLF being one
/// ending), and so does every other position this tool gives (`SourceLines`). In a source that
/// holds one of those four, libyaml's line numbers run ahead of the file's, and the column after
/// one restarts; this turns libyaml's marks back into the file's. A source without any (nearly
/// every one) is told apart by one quick look at its bytes, and its marks are taken as they come.
struct LineCorrection {
    /// Each break libyaml counts and the file does not, in order: its character index (as
    /// libyaml counts them: one per character, a CRLF two, a leading BOM none) and the file's
    /// 0-based column of the character after it.
    private var breaks: [(index: Int, columnAfter: Int)] = []

    /// nil when the source holds no such break (or is not UTF-8): its marks need no correction.
    init?(_ source: UnsafeBufferPointer<UInt8>) {
        guard let base = source.baseAddress, !Self.isUTF16(source), Self.mayHoldExtraBreak(base, source.count) else {
            return nil
        }
        var i = Self.hasBOM(source) ? 3 : 0
        var index = 0
        var lineStart = 0
        let n = source.count
        while i < n {
            let b = source[i]
            var width = 1
            var extra = false
            switch b {
            case 0x0A:
                lineStart = index + 1
            case 0x0D:
                extra = i + 1 >= n || source[i + 1] != 0x0A
            case 0xC2:
                extra = i + 1 < n && source[i + 1] == 0x85
                width = 2
            case 0xE2:
                extra = i + 2 < n && source[i + 1] == 0x80 && (source[i + 2] == 0xA8 || source[i + 2] == 0xA9)
                width = 3
            default:
                width = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            }
            if extra { breaks.append((index, index + 1 - lineStart)) }
            i += width
            index += 1
        }
        if breaks.isEmpty { return nil }
    }

    /// The file's 1-based mark of a libyaml mark.
    func mark(_ m: yaml_mark_t) -> Mark {
        let index = Int(m.index)
        let line = Int(m.line)
        let column = Int(m.column)
        // The breaks before the character: the first at or after it is not one of them.
        var lo = 0
        var hi = breaks.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if breaks[mid].index < index { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return Mark(line: line + 1, column: column + 1) }
        // libyaml's line began just after the last of them: the file's goes on from there.
        let last = breaks[lo - 1]
        let onFileLine = last.index + 1 == index - column ? last.columnAfter + column : column
        return Mark(line: line - lo + 1, column: onFileLine + 1)
    }

    /// A mark as the file counts it, corrected where `correction` says so.
    static func mark(_ m: yaml_mark_t, _ correction: LineCorrection?) -> Mark {
        correction?.mark(m) ?? Mark(line: Int(m.line) + 1, column: Int(m.column) + 1)
    }

    private static func hasBOM(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        s.count >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF
    }

    /// libyaml reads UTF-16 with a byte order mark too; its bytes are not looked at here.
    private static func isUTF16(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        s.count >= 2 && ((s[0] == 0xFE && s[1] == 0xFF) || (s[0] == 0xFF && s[1] == 0xFE))
    }

    /// Whether the bytes hold a lone CR, NEL, LS or PS: sixteen bytes at a time, looking closer
    /// only at a CR, 0xC2 or 0xE2 (a CRLF file stops at every line, briefly).
    private static func mayHoldExtraBreak(_ base: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let cr = SIMD16<UInt8>(repeating: 0x0D)
        let c2 = SIMD16<UInt8>(repeating: 0xC2)
        let e2 = SIMD16<UInt8>(repeating: 0xE2)
        func isExtraBreak(at i: Int) -> Bool {
            switch base[i] {
            case 0x0D: i + 1 >= n || base[i + 1] != 0x0A
            case 0xC2: i + 1 < n && base[i + 1] == 0x85
            case 0xE2: i + 2 < n && base[i + 1] == 0x80 && (base[i + 2] == 0xA8 || base[i + 2] == 0xA9)
            default: false
            }
        }
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i + 16 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
            if any((v .== cr) .| (v .== c2) .| (v .== e2)) {
                for j in i..<(i + 16) where isExtraBreak(at: j) { return true }
            }
            i += 16
        }
        while i < n {
            if isExtraBreak(at: i) { return true }
            i += 1
        }
        return false
    }
}
