/// The result of parsing a YAML source that had no fatal problem.
public struct YAMLDocument: Sendable {
    /// The document's root node; nil for a source with no document (empty, or only comments).
    public var root: Node?
    /// Problems that did not stop composition: duplicate keys (the first value is kept) and
    /// invalid merge keys (ignored). A caller reports them along with its own.
    public var problems: [YAMLError]
    /// Whether the mappings a `MappingStream` chose were handed to it (and are empty here).
    public var streamed: Bool

    public init(root: Node?, problems: [YAMLError], streamed: Bool = false) {
        self.root = root
        self.problems = problems
        self.streamed = streamed
    }
}
