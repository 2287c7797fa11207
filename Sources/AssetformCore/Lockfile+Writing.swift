import Durable
import JSON

/// Writing lockfiles: JSON with keys sorted, two-space indent and a trailing newline, so that it
/// diffs well in review; written atomically, one serial later.
extension Lockfile {
    /// The file's bytes, the same for the same lockfile, byte for byte: what `JSONValue.pretty`
    /// would make of it (keys sorted, two-space indent, trailing newline), written straight to
    /// bytes. A lockfile of 100,000 assets is 25 MB; a JSON tree in between would cost several
    /// times that in memory at every checkpoint of an apply.
    public func encoded() -> [UInt8] {
        var all: [UInt8] = []
        all.reserveCapacity(4096 + assetCount * 400)
        encode { all += $0 }
        return all
    }

    /// `encoded()` a part of about `partSize` bytes at a time, each handed to `put` as it is made
    /// (written to the file at once): a lockfile of 100,000 assets is 30 MB that need not be in
    /// memory whole.
    func encode<E: Error>(partSize: Int = 1 << 20, _ put: ([UInt8]) throws(E) -> Void) throws(E) {
        var w = PrettyWriter()
        w.out.reserveCapacity(partSize + 4096)
        func flush(_ force: Bool = false) throws(E) {
            guard force || w.out.count >= partSize else { return }
            try put(w.out)
            w.out.removeAll(keepingCapacity: true)
        }
        w.open()
        if !forgotten.isEmpty {
            w.key("forgotten", depth: 1)
            w.open()
            let entries = forgotten.map { ($0.key.description, $0.value) }.sorted { Self.byBytes($0.0, $1.0) }
            for (i, (address, id)) in entries.enumerated() { w.field(address, id, depth: 2, last: i == entries.count - 1) }
            w.close(depth: 1, last: false)
        }
        w.key("groups", depth: 1)
        if groups.isEmpty { w.raw("{}") } else { w.open() }
        for (gi, key) in groups.keys.sorted(by: Self.byBytes).enumerated() {
            let g = groups[key]!
            w.key(key, depth: 2)
            w.open()
            w.key("assets", depth: 3)
            if g.assets.isEmpty { w.raw("{}") } else { w.open() }
            for (ai, assetKey) in g.assets.keys.sorted(by: Self.byBytes).enumerated() {
                let a = g.assets[assetKey]!
                w.key(assetKey, depth: 4)
                w.open()
                if let f = a.failure {
                    w.key("failure", depth: 5)
                    w.open()
                    w.field("code", f.code, depth: 6)
                    w.field("message", f.message, depth: 6, last: true)
                    w.close(depth: 5, last: false)
                }
                w.field("id", a.id, depth: 5)
                w.field("name", a.name, depth: 5)
                w.field("ref", a.ref, depth: 5)
                if let r = a.revision { w.field("revision", r, depth: 5) }
                if let s = a.source, !s.isEmpty, case .object(let fields) = s.json {
                    // Its fields as `SourceFingerprint.json` names and orders them (sorted).
                    w.key("source", depth: 5)
                    w.open()
                    for (i, (k, v)) in fields.enumerated() {
                        let last = i == fields.count - 1
                        if case .int(let n) = v {
                            w.key(k, depth: 6)
                            w.raw("\(n)" + (last ? "\n" : ",\n"))
                        } else {
                            w.field(k, v.string ?? "", depth: 6, last: last)
                        }
                    }
                    w.close(depth: 5, last: false)
                }
                w.field("status", a.status.rawValue, depth: 5)
                w.field("type", a.type.rawValue, depth: 5)
                w.field("url", a.url, depth: 5, last: true)
                w.close(depth: 4, last: ai == g.assets.count - 1)
                try flush()
            }
            if g.assets.isEmpty { w.raw(",\n") } else { w.close(depth: 3, last: false) }
            if let d = g.description { w.field("description", d, depth: 3) }
            w.field("id", g.id, depth: 3)
            w.field("name", g.name, depth: 3, last: true)
            w.close(depth: 2, last: gi == groups.count - 1)
        }
        if groups.isEmpty { w.raw(",\n") } else { w.close(depth: 1, last: false) }
        w.field("lineage", lineage, depth: 1)
        w.key("provider", depth: 1)
        w.open()
        let fields = provider.jsonFields
        for (i, (key, value)) in fields.enumerated() { w.field(key, value.string ?? "", depth: 2, last: i == fields.count - 1) }
        w.close(depth: 1, last: false)
        w.key("serial", depth: 1)
        w.raw("\(serial),\n")
        w.key("version", depth: 1)
        w.raw("\(Lockfile.version)\n")
        w.raw("}\n")
        try flush(true)
    }

    /// Keys in the order `JSONValue.pretty` sorts them: by their UTF-8 bytes.
    static func byBytes(_ a: String, _ b: String) -> Bool { a.precedesByUTF8(b) }

    /// Lines of pretty JSON, written by hand in the lockfile's fixed shape.
    private struct PrettyWriter {
        var out: [UInt8] = []

        mutating func raw(_ s: String) { out.append(contentsOf: s.utf8) }

        mutating func indent(_ depth: Int) { out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2)) }

        /// `"key": ` at `depth`.
        mutating func key(_ k: String, depth: Int) {
            indent(depth)
            JSONValue.appendQuoted(k, to: &out)
            raw(": ")
        }

        mutating func field(_ k: String, _ v: String, depth: Int, last: Bool = false) {
            key(k, depth: depth)
            JSONValue.appendQuoted(v, to: &out)
            raw(last ? "\n" : ",\n")
        }

        mutating func open() { raw("{\n") }

        mutating func close(depth: Int, last: Bool) {
            indent(depth)
            raw(last ? "}\n" : "},\n")
        }
    }

    /// Writes the lockfile atomically, one serial later.
    public mutating func write(to path: String) throws(StateError) {
        // (Never past what a lockfile may hold, so that what is written can be read back.)
        guard serial < Lockfile.maxSerial else {
            throw .cannotWrite(path: path, reason: "its serial \(serial) is the largest a lockfile holds (edited by hand?)")
        }
        serial += 1
        do throws(AtomicFile.Failure) {
            try AtomicFile.write(to: path) { (put: ([UInt8]) throws(AtomicFile.Failure) -> Void) throws(AtomicFile.Failure) in
                try encode(put)
            }
        } catch {
            serial -= 1
            throw .cannotWrite(path: path, reason: "\(error)")
        }
    }
}
