/// A 1-based position in a YAML source: the line, and the column counted in Unicode scalars.
///
/// Marks are left out of node equality, so two trees with the same content compare equal
/// wherever they were written.
public struct Mark: Sendable, Hashable, Comparable, CustomStringConvertible {
    // UInt32 keeps a node small: a manifest of 100,000 assets holds about a million of them.
    private let rawLine: UInt32
    private let rawColumn: UInt32

    public init(line: Int, column: Int) {
        rawLine = UInt32(clamping: line)
        rawColumn = UInt32(clamping: column)
    }

    public var line: Int { Int(rawLine) }
    public var column: Int { Int(rawColumn) }

    public static func < (a: Mark, b: Mark) -> Bool {
        (a.rawLine, a.rawColumn) < (b.rawLine, b.rawColumn)
    }

    public var description: String { "\(line):\(column)" }
}
