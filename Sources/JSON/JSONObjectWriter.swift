/// A compact JSON object written a field at a time straight into bytes: the very bytes
/// `JSONValue.object(fields).encodedBytes` gives for the same fields in the same order, without
/// building the fields' array and their values first. For the lines written once or twice per
/// action of a large apply (journal records, NDJSON events), where that tree cost more than
/// the writing itself.
public struct JSONObjectWriter {
    private var out: [UInt8]
    private var empty = true

    public init(capacity: Int = 256) {
        out = []
        out.reserveCapacity(capacity)
        out.append(UInt8(ascii: "{"))
    }

    private mutating func key(_ key: String) {
        if !empty { out.append(UInt8(ascii: ",")) }
        empty = false
        JSONValue.appendQuoted(key, to: &out)
        out.append(UInt8(ascii: ":"))
    }

    public mutating func string(_ key: String, _ value: String) {
        self.key(key)
        JSONValue.appendQuoted(value, to: &out)
    }

    public mutating func int(_ key: String, _ value: Int) {
        self.value(key, .int(value))
    }

    public mutating func value(_ key: String, _ value: JSONValue) {
        self.key(key)
        value.appendEncoded(to: &out)
    }

    /// The object, closed.
    public consuming func finished() -> [UInt8] {
        out.append(UInt8(ascii: "}"))
        return out
    }
}
