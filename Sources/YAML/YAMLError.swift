/// A problem with a YAML source, with the position it was found at.
public struct YAMLError: Error, Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// libyaml's scanner or parser refused the text.
        case syntax
        /// The bytes are not valid UTF-8 (or UTF-16 with a BOM), or hold a control character.
        case encoding
        case fileTooLarge(limit: Int)
        case nestingTooDeep(limit: Int)
        /// The document, with every alias expanded, holds more nodes than the limit allows.
        case tooManyNodes(limit: Int)
        case undefinedAlias(String)
        case recursiveAlias(String)
        case multipleDocuments
        /// A key written twice in one mapping; the mark is the second, `first` the first.
        case duplicateKey(String, first: Mark)
        case invalidMerge
        /// There is no file at the path.
        case missingFile
        /// The file could not be read.
        case io
    }

    public var kind: Kind
    public var message: String
    /// Where the problem is; nil when it concerns the whole file (unreadable, too large).
    public var mark: Mark?

    public init(_ kind: Kind, _ message: String, at mark: Mark?) {
        self.kind = kind
        self.message = message
        self.mark = mark
    }
}

/// Bounds that keep a hostile file from costing unbounded time or memory.
public struct YAMLLimits: Sendable {
    /// Largest file read, in bytes. A manifest of 100,000 assets is about 15 MB.
    public var maxBytes: Int
    /// Deepest nesting of mappings and sequences. A manifest needs five levels.
    public var maxDepth: Int
    /// Most nodes in the document once every alias is expanded (an alias bomb stops here).
    public var maxNodes: Int

    public init(maxBytes: Int = 64 << 20, maxDepth: Int = 256, maxNodes: Int = 5_000_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }
}
