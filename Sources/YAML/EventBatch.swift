internal import CLibYAML

#if canImport(Glibc)
    import Glibc
#endif

/// Events in order with the bytes of their strings, reused from batch to batch (`removeAll`
/// keeps the room), so that a parse allocates a few buffers rather than one per scalar.
struct EventBatch {
    private(set) var events: [Event] = []
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        events.reserveCapacity(capacity)
        bytes.reserveCapacity(capacity * 32)
    }

    var count: Int { events.count }
    var isEmpty: Bool { events.isEmpty }

    mutating func removeAll() {
        events.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends libyaml's `event`, its strings copied, and deletes it.
    mutating func take(_ event: inout yaml_event_t) {
        var e = Event(
            type: event.type, mark: event.start_mark, style: YAML_PLAIN_SCALAR_STYLE, value: Event.Span(start: 0, count: 0))
        switch event.type {
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            e.style = s.style
            e.value = copy(s.value, count: s.length)
            e.tag = copy(s.tag)
            e.anchor = copy(s.anchor)
        case YAML_ALIAS_EVENT:
            e.anchor = copy(event.data.alias.anchor)
        case YAML_MAPPING_START_EVENT:
            e.anchor = copy(event.data.mapping_start.anchor)
        case YAML_SEQUENCE_START_EVENT:
            e.anchor = copy(event.data.sequence_start.anchor)
        default:
            break
        }
        yaml_event_delete(&event)
        events.append(e)
    }

    /// The bytes of `span` (valid only inside `body`, as the batch's bytes are).
    static func text(_ span: Event.Span, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[span.start..<span.start + span.count]), as: UTF8.self)
    }

    /// `text` of a tag or an anchor, when there is one.
    static func text(_ span: Event.Span?, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        span.map { text($0, in: bytes) }
    }

    private mutating func copy(_ pointer: UnsafeMutablePointer<yaml_char_t>?, count: Int) -> Event.Span {
        let start = bytes.count
        if let pointer, count > 0 { bytes.append(contentsOf: UnsafeBufferPointer(start: pointer, count: count)) }
        return Event.Span(start: start, count: count)
    }

    private mutating func copy(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> Event.Span? {
        guard let pointer else { return nil }
        return copy(pointer, count: strlen(UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self)))
    }
}
