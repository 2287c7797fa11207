internal import CLibYAML

/// One libyaml event, with what the composer reads of it copied out of libyaml's memory, so
/// that the event is deleted at once by the thread that parsed it, as the bare libyaml loop
/// does: its memory goes straight back to that thread's allocator cache. (Held in batches and
/// deleted later, the events' frees were a quarter of the parsing thread's time.)
struct ParsedEvent {
    enum Kind {
        case streamEnd, documentStart, scalar, alias, sequenceStart, mappingStart, sequenceEnd, mappingEnd, other
    }

    var kind: Kind
    var mark: Mark
    /// A scalar's text.
    var text: String = ""
    var style: Scalar.Style = .plain
    /// A scalar's tag.
    var tag: String?
    /// The anchor a scalar, sequence or mapping defines, or the one an alias names.
    var anchor: String?

    /// Takes what is needed from `event`, then deletes it.
    init(taking event: inout yaml_event_t) {
        mark = Mark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_END_EVENT: kind = .streamEnd
        case YAML_DOCUMENT_START_EVENT: kind = .documentStart
        case YAML_SCALAR_EVENT:
            kind = .scalar
            let s = event.data.scalar
            text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
            style = Self.style(s.style)
            tag = Self.string(s.tag)
            anchor = Self.string(s.anchor)
        case YAML_ALIAS_EVENT:
            kind = .alias
            anchor = Self.string(event.data.alias.anchor) ?? ""
        case YAML_SEQUENCE_START_EVENT:
            kind = .sequenceStart
            anchor = Self.string(event.data.sequence_start.anchor)
        case YAML_MAPPING_START_EVENT:
            kind = .mappingStart
            anchor = Self.string(event.data.mapping_start.anchor)
        case YAML_SEQUENCE_END_EVENT: kind = .sequenceEnd
        case YAML_MAPPING_END_EVENT: kind = .mappingEnd
        default: kind = .other  // stream start, document end
        }
        yaml_event_delete(&event)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

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
