internal import CLibYAML

/// One of libyaml's events as the composer reads it, its strings (a scalar's value, a tag, an
/// anchor) copied into the bytes of the `EventBatch` holding it, so that libyaml's own event is
/// deleted at once, by the thread that made it, while its memory is still in that thread's cache
/// (an event kept until composed cost its producer about a sixth more time, in the allocator).
struct Event {
    /// Where a string is in the batch's bytes.
    struct Span {
        var start: Int
        var count: Int
    }

    var type: yaml_event_type_t
    var mark: yaml_mark_t
    /// A scalar's style (plain for every other event).
    var style: yaml_scalar_style_t
    /// A scalar's value (empty for every other event).
    var value: Span
    /// A scalar's tag.
    var tag: Span?
    /// A scalar's, a mapping's or a list's anchor, or the one an alias names.
    var anchor: Span?
}
