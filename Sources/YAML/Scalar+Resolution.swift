/// Resolution of scalars by the YAML 1.2 core schema: a plain scalar without a tag may be null,
/// a boolean, an integer or a float; quoted and block scalars, and `!`/`!!str`, are strings.
extension Scalar {
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        case null, bool, int, float, string
        /// A tag other than the core schema's, such as `!custom`.
        case tagged(String)

        public var description: String {
            switch self {
            case .null: "null"
            case .bool: "a boolean"
            case .int: "an integer"
            case .float: "a number"
            case .string: "a string"
            case .tagged(let tag): "a value tagged \(tag)"
            }
        }
    }

    public static let coreTagPrefix = "tag:yaml.org,2002:"

    public var kind: Kind {
        if let tag {
            switch tag {
            case "!", Self.coreTagPrefix + "str": return .string
            case Self.coreTagPrefix + "null": return .null
            case Self.coreTagPrefix + "bool": return .bool
            case Self.coreTagPrefix + "int": return .int
            case Self.coreTagPrefix + "float": return .float
            default: return .tagged(tag)
            }
        }
        guard style == .plain else { return .string }
        return Self.resolvePlain(value)
    }

    /// The boolean a core-schema boolean spells, or nil.
    public var bool: Bool? {
        guard kind == .bool else { return nil }
        switch value {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// The integer a core-schema integer spells (decimal, `0o` octal, `0x` hex), or nil.
    public var int: Int? {
        guard kind == .int else { return nil }
        return Self.parseInt(value)
    }

    /// The number an integer or float scalar spells, or nil.
    public var double: Double? {
        switch kind {
        case .int: return Self.parseInt(value).map(Double.init)
        case .float:
            switch value {
            case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
            case "-.inf", "-.Inf", "-.INF": return -.infinity
            case ".nan", ".NaN", ".NAN": return .nan
            default: return Double(value)
            }
        default: return nil
        }
    }

    static func resolvePlain(_ text: String) -> Kind {
        guard let first = text.utf8.first else { return .null }
        // Most plain scalars in a manifest are words or URLs: decide those from the first byte.
        switch first {
        case UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "~"):
            return text == "~" || text == "null" || text == "Null" || text == "NULL" ? .null : .string
        case UInt8(ascii: "t"), UInt8(ascii: "T"):
            return text == "true" || text == "True" || text == "TRUE" ? .bool : .string
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            return text == "false" || text == "False" || text == "FALSE" ? .bool : .string
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            break
        default:
            return .string
        }
        if parseInt(text) != nil || isIntegerSyntax(text) { return .int }
        if isFloatSyntax(text) { return .float }
        return .string
    }

    private static func isIntegerSyntax(_ text: String) -> Bool {
        // Integers too large for Int are still integers to the schema.
        var bytes = Substring(text).utf8[...]
        if let s = bytes.first, s == UInt8(ascii: "-") || s == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        return !bytes.isEmpty && bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    static func parseInt(_ text: String) -> Int? {
        if text.hasPrefix("0o") { return Int(text.dropFirst(2), radix: 8) }
        if text.hasPrefix("0x") { return Int(text.dropFirst(2), radix: 16) }
        guard isIntegerSyntax(text) else { return nil }
        return Int(text.hasPrefix("+") ? String(text.dropFirst()) : text)
    }

    private static func isFloatSyntax(_ text: String) -> Bool {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
            ".nan", ".NaN", ".NAN":
            return true
        default: break
        }
        // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
        let b = Array(text.utf8)
        var i = 0
        func digits() -> Int {
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            return i - start
        }
        if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        } else {
            guard digits() > 0 else { return false }
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                _ = digits()
            }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == b.count
    }
}
