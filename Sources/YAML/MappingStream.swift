/// Mappings whose entries are handed to the caller as each is composed, instead of kept in the
/// tree: a manifest's 100,000 assets need never be a tree at once.
///
/// A mapping is streamed when the scalar keys leading to it from the root match `path` (nil
/// matches any key) and it has no anchor (an alias could name it later). Its entries go to
/// `entry` in order, duplicate keys already left out (and reported as in any mapping); in the
/// tree it is an empty mapping at its own position, which `begin` was given first.
///
/// A merge key (`<<`) in a streamed mapping needs the whole mapping: the parse then starts again
/// without streaming, and the document says so (`YAMLDocument.streamed` false): the caller
/// discards what it was handed.
public struct MappingStream {
    public var path: [String?]
    /// A streamed mapping starts, at this position, under these keys.
    public var begin: (_ mapping: Mark, _ keys: [String]) -> Void
    /// One entry of the streamed mapping at `mapping`.
    public var entry: (_ mapping: Mark, _ key: Node, _ value: Node) -> Void

    public init(
        path: [String?], begin: @escaping (_ mapping: Mark, _ keys: [String]) -> Void,
        entry: @escaping (_ mapping: Mark, _ key: Node, _ value: Node) -> Void
    ) {
        self.path = path
        self.begin = begin
        self.entry = entry
    }
}
