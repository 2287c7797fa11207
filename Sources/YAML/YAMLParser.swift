internal import CLibYAML

/// Parses one YAML document into a `Node` tree with libyaml's event API.
///
/// libyaml checks the syntax and the encoding; this layer adds what it leaves to the caller:
/// alias resolution, merge keys, duplicate keys, and the limits of `YAMLLimits`.
public enum YAMLParser {
    /// `stream`: mappings handed over entry by entry instead of kept (`MappingStream`).
    public static func parse(_ bytes: [UInt8], limits: YAMLLimits = YAMLLimits(), stream: MappingStream? = nil)
        throws(YAMLError) -> YAMLDocument
    {
        try parse(bytes, limits: limits, stream: stream, pipelined: bytes.count >= pipelinedBytes)
    }

    /// `pipelined`: libyaml on a thread of its own (`EventPipe`); by size otherwise, and forced
    /// only by tests that check both ways give the same.
    static func parse(_ bytes: [UInt8], limits: YAMLLimits, stream: MappingStream?, pipelined: Bool)
        throws(YAMLError) -> YAMLDocument
    {
        guard bytes.count <= limits.maxBytes else {
            throw YAMLError(.fileTooLarge(limit: limits.maxBytes), tooLargeMessage(limits.maxBytes), at: nil)
        }
        if bytes.isEmpty { return YAMLDocument(root: nil, problems: []) }
        let result: Result<YAMLDocument, Composer.Failure> = bytes.withUnsafeBufferPointer { buffer in
            var composer = Composer(limits: limits, source: buffer, stream: stream, pipelined: pipelined)
            do throws(Composer.Failure) {
                return .success(try composer.run())
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let document): return document
        case .failure(.yaml(let error)): throw error
        case .failure(.mergeInStreamedMapping): return try parse(bytes, limits: limits, stream: nil, pipelined: pipelined)
        }
    }

    /// Sources at least this large are parsed on a thread of their own while composed
    /// (`EventPipe`); smaller ones in line, where a thread would cost more than it saves.
    static let pipelinedBytes = 256 << 10

    static func tooLargeMessage(_ limit: Int) -> String {
        "the file is larger than \(limit / (1 << 20)) MiB, the most a manifest may be"
    }
}

/// One pass over libyaml's events, building nodes bottom-up on an explicit stack (so nesting
/// depth never becomes recursion depth).
private struct Composer {
    enum Failure: Error {
        case yaml(YAMLError)
        /// A merge key in a mapping being streamed: the parse starts again without streaming.
        case mergeInStreamedMapping
    }

    private struct Frame {
        var isMapping: Bool
        var mark: Mark
        var anchor: String?
        /// Entries go to the stream, not into `entries`; the keys seen so far, for duplicates.
        var streamed = false
        var streamedKeys: [String: Mark] = [:]
        /// A mapping's entries so far, built as its children arrive (no copy at its end).
        var entries: [Mapping.Entry] = []
        /// A mapping's key whose value has not arrived yet.
        var key: Node?
        var hasMerge = false
        /// A sequence's items so far.
        var items: [Node] = []
        /// Nodes in this subtree with aliases expanded.
        var size = 1
    }

    let limits: YAMLLimits
    let source: UnsafeBufferPointer<UInt8>
    let stream: MappingStream?
    /// Set by a merge key in a streamed mapping: the parse stops, to start again unstreamed.
    private var mergeInStreamedMapping = false
    private var lastStreamedCount = 0
    private var stack: [Frame] = []
    private var anchors: [String: (node: Node, size: Int)] = [:]
    private var root: Node?
    private var documents = 0
    private var nodes = 0
    private var problems: [YAMLError] = []

    let pipelined: Bool
    /// nil for a source whose lines libyaml counts as the file does (nearly every one).
    private let lines: LineCorrection?

    init(limits: YAMLLimits, source: UnsafeBufferPointer<UInt8>, stream: MappingStream?, pipelined: Bool) {
        self.limits = limits
        self.source = source
        self.lines = LineCorrection(source)
        self.stream = stream
        self.pipelined = pipelined
    }

    mutating func run() throws(Failure) -> YAMLDocument {
        if pipelined {
            let pipe = EventPipe(source: source)
            if pipe.start() {
                defer { pipe.finish() }
                return try run(pipe)
            }
        }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw .yaml(YAMLError(.syntax, "libyaml could not start (out of memory)", at: nil))
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, source.baseAddress, source.count)

        var batch = EventBatch(capacity: 1)
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else {
                throw .yaml(LibYAMLError.convert(parser, source: source))
            }
            batch.removeAll()
            batch.take(&event)
            let done: Bool
            do throws(YAMLError) {
                done = try handle(batch, 0)
            } catch {
                throw .yaml(error)
            }
            if mergeInStreamedMapping { throw .mergeInStreamedMapping }
            if done { break }
        }
        return YAMLDocument(root: root, problems: problems, streamed: stream != nil)
    }

    /// `run` with libyaml on the pipe's thread: the same events, handled in the same order.
    private mutating func run(_ pipe: EventPipe) throws(Failure) -> YAMLDocument {
        while true {
            let (batch, failure) = pipe.next()
            if batch.isEmpty {
                // Only libyaml's error ends the events before the stream's end.
                throw .yaml(failure ?? YAMLError(.syntax, "the YAML stream ended early", at: nil))
            }
            // Handled or not, the batch goes back to the producer, to be filled again.
            defer { pipe.recycle(batch) }
            for i in 0..<batch.count {
                let done: Bool
                do throws(YAMLError) {
                    done = try handle(batch, i)
                } catch {
                    throw .yaml(error)
                }
                if mergeInStreamedMapping { throw .mergeInStreamedMapping }
                if done { return YAMLDocument(root: root, problems: problems, streamed: stream != nil) }
            }
        }
    }

    /// Handles the batch's event `i`; true at the end of the stream.
    private mutating func handle(_ batch: borrowing EventBatch, _ i: Int) throws(YAMLError) -> Bool {
        try batch.bytes.withUnsafeBufferPointer { bytes throws(YAMLError) in try handle(batch.events[i], bytes) }
    }

    /// Handles one event, its strings in `bytes`; true at the end of the stream.
    private mutating func handle(_ event: Event, _ bytes: UnsafeBufferPointer<UInt8>) throws(YAMLError) -> Bool {
        let mark = LineCorrection.mark(event.mark, lines)
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return true
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                throw YAMLError(
                    .multipleDocuments, "a second YAML document starts here; a manifest is one document",
                    at: mark)
            }
        case YAML_SCALAR_EVENT:
            let value = EventBatch.text(event.value, in: bytes)
            let node = Node.scalar(
                Scalar(value, style: Self.style(event.style), tag: EventBatch.text(event.tag, in: bytes), mark: mark))
            try count(1, at: mark)
            if let anchor = EventBatch.text(event.anchor, in: bytes) { anchors[anchor] = (node, 1) }
            add(node, size: 1)
        case YAML_ALIAS_EVENT:
            let name = EventBatch.text(event.anchor, in: bytes) ?? ""
            guard let (node, size) = anchors[name] else {
                if stack.contains(where: { $0.anchor == name }) {
                    throw YAMLError(
                        .recursiveAlias(name), "alias *\(name) refers to a node that contains it", at: mark)
                }
                throw YAMLError(.undefinedAlias(name), "alias *\(name) names no anchor defined before it", at: mark)
            }
            try count(size, at: mark)
            add(node, size: size)
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            guard stack.count < limits.maxDepth else {
                throw YAMLError(
                    .nestingTooDeep(limit: limits.maxDepth),
                    "nesting is deeper than \(limits.maxDepth) levels", at: mark)
            }
            try count(1, at: mark)
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            let anchor = EventBatch.text(event.anchor, in: bytes)
            var frame = Frame(isMapping: isMapping, mark: mark, anchor: anchor)
            if isMapping, anchor == nil, let stream, stack.count == stream.path.count, let keys = streamedPath(stream) {
                frame.streamed = true
                // As many keys as the last streamed mapping had: seldom grown, and rehashed.
                frame.streamedKeys.reserveCapacity(lastStreamedCount)
                stream.begin(mark, keys)
            }
            stack.append(frame)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            let frame = stack.removeLast()
            if frame.streamed { lastStreamedCount = frame.streamedKeys.count }
            let node: Node =
                frame.isMapping
                ? .mapping(
                    frame.streamed
                        ? Mapping([], mark: frame.mark) : makeMapping(frame.entries, hasMerge: frame.hasMerge, mark: frame.mark))
                : .sequence(Sequence(frame.items, mark: frame.mark))
            if let anchor = frame.anchor { anchors[anchor] = (node, frame.size) }
            add(node, size: frame.size)
        default:
            break  // stream start, document end
        }
        return false
    }

    private mutating func count(_ n: Int, at mark: Mark) throws(YAMLError) {
        nodes += n
        if nodes > limits.maxNodes {
            throw YAMLError(
                .tooManyNodes(limit: limits.maxNodes),
                "the document expands to more than \(limits.maxNodes) nodes with its aliases "
                    + "(an alias bomb?); stopped here", at: mark)
        }
    }

    private mutating func add(_ node: Node, size: Int) {
        guard !stack.isEmpty else {
            root = node
            return
        }
        let top = stack.count - 1
        stack[top].size += size
        if !stack[top].isMapping {
            stack[top].items.append(node)
        } else if let key = stack[top].key {
            stack[top].key = nil
            if stack[top].streamed {
                streamEntry(key: key, value: node, in: top)
            } else {
                stack[top].entries.append(Mapping.Entry(key: key, value: node))
            }
        } else {
            let isMerge = Self.isMergeKey(node)
            if isMerge && stack[top].streamed { mergeInStreamedMapping = true }
            stack[top].hasMerge = stack[top].hasMerge || isMerge
            stack[top].key = node
        }
    }

    /// The keys leading to the mapping about to start, when they match the stream's path.
    private func streamedPath(_ stream: MappingStream) -> [String]? {
        var keys: [String] = []
        for (frame, wanted) in zip(stack, stream.path) {
            guard frame.isMapping, case .scalar(let key)? = frame.key else { return nil }
            if let wanted, key.value != wanted { return nil }
            keys.append(key.value)
        }
        return keys
    }

    /// An entry of a streamed mapping: to the stream, unless its key came before (the first
    /// is kept, as `removingDuplicates` keeps it).
    private mutating func streamEntry(key: Node, value: Node, in top: Int) {
        if case .scalar(let k) = key {
            // One lookup for a new key (the usual case); a key seen before keeps its first mark.
            if let first = stack[top].streamedKeys.updateValue(k.mark, forKey: k.value) {
                stack[top].streamedKeys[k.value] = first
                record(duplicate: k.value, at: k.mark, first: first)
                return
            }
        }
        stream?.entry(stack[top].mark, key, value)
    }

    // MARK: - Mappings: duplicate keys and merge keys

    private mutating func makeMapping(_ entries: [Mapping.Entry], hasMerge: Bool, mark: Mark) -> Mapping {
        let entries = removingDuplicates(entries)
        return Mapping(hasMerge ? merged(entries) : entries, mark: mark)
    }

    /// Keeps the first of any keys written twice, and records a problem at each later one.
    /// Keys compare by their text: in a manifest, `1` and `"1"` name the same thing. A second
    /// merge key `<<` is a duplicate too (several are merged with `<<: [*a, *b]`).
    private mutating func removingDuplicates(_ entries: [Mapping.Entry]) -> [Mapping.Entry] {
        var firstMarks: [String: Mark] = [:]
        var duplicates: [Int] = []
        if entries.count <= 16 {
            // Most mappings: compare each key with the ones before it, without copying nodes.
            for j in entries.indices.dropFirst() {
                guard case .scalar(let key) = entries[j].key else { continue }
                for i in 0..<j {
                    guard case .scalar(let earlier) = entries[i].key, earlier.value == key.value else { continue }
                    duplicates.append(j)
                    record(duplicate: key.value, at: key.mark, first: earlier.mark)
                    break
                }
            }
        } else {
            firstMarks.reserveCapacity(entries.count)
            for j in entries.indices {
                guard let key = Self.keyText(entries[j].key) else { continue }
                if let first = firstMarks[key] {
                    duplicates.append(j)
                    record(duplicate: key, at: entries[j].key.mark, first: first)
                } else {
                    firstMarks[key] = entries[j].key.mark
                }
            }
        }
        guard !duplicates.isEmpty else { return entries }
        var kept = entries
        for j in duplicates.reversed() { kept.remove(at: j) }
        return kept
    }

    private mutating func record(duplicate key: String, at mark: Mark, first: Mark) {
        problems.append(
            YAMLError(
                .duplicateKey(key, first: first),
                "duplicate key \"\(key)\"; it is first written at line \(first.line), column \(first.column)"
                    + (key == "<<" ? " (merge several mappings with one key: `<<: [*a, *b]`)" : ""),
                at: mark))
    }

    /// Applies merge keys: each `<<` entry is replaced, in place, by the entries of the mapping
    /// (or list of mappings) it names whose keys the mapping does not already have. Keys written
    /// in the mapping win; among several merged mappings, the earlier wins.
    private mutating func merged(_ entries: [Mapping.Entry]) -> [Mapping.Entry] {
        var seen = Set(entries.lazy.filter { !Self.isMergeKey($0.key) }.compactMap { Self.keyText($0.key) })
        var result: [Mapping.Entry] = []
        for entry in entries {
            guard Self.isMergeKey(entry.key) else {
                result.append(entry)
                continue
            }
            var sources: [Mapping] = []
            switch entry.value {
            case .mapping(let m):
                sources = [m]
            case .sequence(let s):
                for item in s.items {
                    if case .mapping(let m) = item {
                        sources.append(m)
                    } else {
                        invalidMerge(at: item.mark, found: item)
                    }
                }
            case .scalar:
                invalidMerge(at: entry.value.mark, found: entry.value)
            }
            for source in sources {
                for e in source.entries {
                    guard let key = Self.keyText(e.key) else { continue }
                    if seen.insert(key).inserted { result.append(e) }
                }
            }
        }
        return result
    }

    private mutating func invalidMerge(at mark: Mark, found: Node) {
        problems.append(
            YAMLError(
                .invalidMerge,
                "a merge key (<<) takes a mapping or a list of mappings, not \(found.kindDescription)",
                at: mark))
    }

    private static func isMergeKey(_ key: Node) -> Bool {
        guard case .scalar(let s) = key else { return false }
        return isMergeKey(s)
    }

    private static func isMergeKey(_ s: Scalar) -> Bool {
        if let tag = s.tag { return tag == Scalar.coreTagPrefix + "merge" }
        return s.style == .plain && s.value == "<<"
    }

    private static func keyText(_ key: Node) -> String? {
        key.scalar?.value
    }

    // MARK: - libyaml values

    private static func style(_ style: yaml_scalar_style_t) -> Scalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }
}
