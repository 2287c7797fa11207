/// A YAML node after composition: aliases resolved to the node they name, merge keys (`<<`)
/// applied, every node with the position where it was written.
public enum Node: Sendable {
    case scalar(Scalar)
    case mapping(Mapping)
    case sequence(Sequence)

    public var mark: Mark {
        switch self {
        case .scalar(let s): s.mark
        case .mapping(let m): m.mark
        case .sequence(let s): s.mark
        }
    }

    /// What a person would call this kind of node in an error message ("a mapping", "an integer").
    public var kindDescription: String {
        switch self {
        case .scalar(let s): s.kind.description
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    public var scalar: Scalar? {
        if case .scalar(let s) = self { s } else { nil }
    }
}

public struct Scalar: Sendable {
    public enum Style: UInt8, Sendable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// The scalar's text, after YAML's escapes and folding.
    public var value: String
    public var style: Style
    /// The resolved tag (`tag:yaml.org,2002:str` for `!!str`), or nil when none was written.
    public var tag: String?
    public var mark: Mark

    public init(_ value: String, style: Style = .plain, tag: String? = nil, mark: Mark) {
        self.value = value
        self.style = style
        self.tag = tag
        self.mark = mark
    }
}

public struct Mapping: Sendable {
    public struct Entry: Sendable {
        public var key: Node
        public var value: Node
        public init(key: Node, value: Node) {
            self.key = key
            self.value = value
        }
    }

    public var entries: [Entry]
    public var mark: Mark

    public init(_ entries: [Entry], mark: Mark) {
        self.entries = entries
        self.mark = mark
    }

    /// The entry whose key is the scalar `key`, if any (a linear scan: mappings in a manifest
    /// that are looked up this way are small).
    public subscript(key: String) -> Node? {
        entries.first { $0.key.scalar?.value == key }?.value
    }
}

public struct Sequence: Sendable {
    public var items: [Node]
    public var mark: Mark

    public init(_ items: [Node], mark: Mark) {
        self.items = items
        self.mark = mark
    }
}

// MARK: - Equality, marks left out

extension Node: Equatable {
    public static func == (a: Node, b: Node) -> Bool {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)): x == y
        case (.mapping(let x), .mapping(let y)): x == y
        case (.sequence(let x), .sequence(let y)): x == y
        default: false
        }
    }
}

extension Scalar: Equatable {
    public static func == (a: Scalar, b: Scalar) -> Bool {
        a.value == b.value && a.kind == b.kind
    }
}

extension Mapping: Equatable {
    public static func == (a: Mapping, b: Mapping) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension Sequence: Equatable {
    public static func == (a: Sequence, b: Sequence) -> Bool { a.items == b.items }
}
