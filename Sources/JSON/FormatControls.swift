/// The invisible Unicode characters that change how the text around them is shown: the line and
/// paragraph separators (U+2028, U+2029: a line break to some viewers and to JavaScript), and
/// the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069: they
/// reorder what is shown, so that a name can read as something it is not). Text from outside the
/// program never reaches output with one raw: JSON writes it as `\u2028`…, and text for people
/// (`VisibleText`) as `\u{2028}`…. One rule for both, here.
public enum FormatControls {
    /// Whether the scalar `value` is one.
    public static func contains(_ value: UInt32) -> Bool {
        (0x2028...0x202E).contains(value) || (0x2066...0x2069).contains(value)
    }

    /// Whether the UTF-8 sequence 0xE2 `second` `third` encodes one (every one is three bytes
    /// long, led by 0xE2: U+2028–U+202E are 0xE2 0x80 0xA8–0xAE, U+2066–U+2069 0xE2 0x81 0xA6–0xA9).
    @inline(__always)
    public static func contains(afterE2 second: UInt8, _ third: UInt8) -> Bool {
        (second == 0x80 && third >= 0xA8 && third <= 0xAE) || (second == 0x81 && third >= 0xA6 && third <= 0xA9)
    }
}
