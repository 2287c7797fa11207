import Durable
import JSON
import YAML

/// Reading and writing lockfiles: JSON with keys sorted, two-space indent and a trailing
/// newline, so that it diffs well in review; written atomically; never overwritten when it does
/// not parse.
extension Lockfile {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// `assets.yaml` → `assets.lock` (any `.yaml`/`.yml` ending is replaced; otherwise `.lock` is added).
    public static func path(forManifest manifest: String) -> String {
        for ext in [".yaml", ".yml"] where manifest.hasSuffix(ext) {
            return String(manifest.dropLast(ext.count)) + ".lock"
        }
        return manifest + ".lock"
    }

    /// The lockfile at `path`; nil when there is none.
    public static func load(path: String) throws(Failure) -> Lockfile? {
        let bytes: [UInt8]
        do throws(YAMLError) {
            bytes = try YAMLFile.read(path: path, maxBytes: 512 << 20)
        } catch {
            if error.kind == .missingFile { return nil }
            throw Failure("\(path): \(error.message)")
        }
        return try decode(bytes, path: path)
    }

    /// Reads a lockfile straight into its records with a pull reader: a lockfile of 100,000
    /// assets is 25 MB, and a JSON tree in between would cost more than the manifest does.
    public static func decode(_ bytes: [UInt8], path: String) throws(Failure) -> Lockfile {
        var version: Int?
        var lineage: String?
        var serial: Int?
        var provider: JSONValue?
        var groups: [String: LockedGroup] = [:]
        var problem: String?
        do throws(JSONReader.Failure) {
            try JSONReader.read(bytes) { (r: inout JSONReader) throws(JSONReader.Failure) in
                try r.object { (r: inout JSONReader, key: String) throws(JSONReader.Failure) in
                    switch key {
                    case "version": version = try r.int()
                    case "lineage": lineage = try r.string()
                    case "serial": serial = try r.int()
                    case "provider": provider = try r.value()
                    case "groups":
                        try r.object { (r: inout JSONReader, groupKey: String) throws(JSONReader.Failure) in
                            groups[groupKey] = try readGroup(&r, groupKey, &problem)
                        }
                    default: _ = try r.value()
                    }
                }
            }
        } catch {
            let mark = bytes.withUnsafeBufferPointer { SourceLines.mark(atByteOffset: error.offset, in: $0) }
            if case .failure = JSONValue.parseOrFail(bytes) {
                throw Failure("\(path):\(mark.line):\(mark.column): error: the lockfile is not valid JSON; it was left as it is")
            }
            throw Failure(
                "\(path):\(mark.line):\(mark.column): error: the lockfile is not one assetform wrote (expected \(error.expected) here); "
                    + "it was left as it is")
        }
        func bad(_ what: String) -> Failure {
            Failure("\(path): error: the lockfile is not one assetform wrote (\(what)); it was left as it is")
        }
        guard version == Lockfile.version else {
            throw bad("version \(version.map(String.init) ?? "missing"), expected \(Lockfile.version)")
        }
        guard let lineage, let serial, let p = provider, let api = p["api"]?.string, let baseURL = p["base_url"]?.string,
            let project = p["project_name"]?.string
        else { throw bad("lineage, serial or provider missing") }
        if let problem { throw bad(problem) }
        return Lockfile(
            lineage: lineage, serial: serial, provider: LockedProvider(api: api, baseURL: baseURL, projectName: project),
            groups: groups)
    }

    private static func readGroup(_ r: inout JSONReader, _ key: String, _ problem: inout String?) throws(JSONReader.Failure)
        -> LockedGroup
    {
        var id: String?
        var name: String?
        var description: String?
        var assets: [String: LockedAsset] = [:]
        try r.object { (r: inout JSONReader, field: String) throws(JSONReader.Failure) in
            switch field {
            case "id": id = try r.string()
            case "name": name = try r.string()
            case "description": description = try r.string()
            case "assets":
                try r.object { (r: inout JSONReader, assetKey: String) throws(JSONReader.Failure) in
                    if let asset = try readAsset(&r) {
                        assets[assetKey] = asset
                    } else {
                        problem = problem ?? "asset \(key)/\(assetKey) is incomplete"
                    }
                }
            default: _ = try r.value()
            }
        }
        guard let id, let name else {
            problem = problem ?? "group \(key) has no id or name"
            return LockedGroup(id: "", name: "")
        }
        return LockedGroup(id: id, name: name, description: description, assets: assets)
    }

    private static func readAsset(_ r: inout JSONReader) throws(JSONReader.Failure) -> LockedAsset? {
        var id: String?, name: String?, ref: String?, url: String?
        var status: AssetStatus?, type: AssetType?, failure: RemoteAsset.Failure?
        try r.object(matching: ["id", "name", "ref", "url", "status", "type", "failure"]) {
            (r: inout JSONReader, field: Int?) throws(JSONReader.Failure) in
            switch field {
            case 0: id = try r.string()
            case 1: name = try r.string()
            case 2: ref = try r.string()
            case 3: url = try r.string()
            case 4: status = AssetStatus(rawValue: try r.string())
            case 5: type = AssetType(rawValue: try r.string())
            case 6:
                let f = try r.value()
                failure = f["code"]?.string.map { RemoteAsset.Failure(code: $0, message: f["message"]?.string ?? "") }
            default: _ = try r.value()
            }
        }
        guard let id, let name, let ref, let status, let type, let url else { return nil }
        return LockedAsset(id: id, name: name, ref: ref, status: status, type: type, url: url, failure: failure)
    }

    /// The file's bytes, the same for the same lockfile, byte for byte.
    public func encoded() -> [UInt8] {
        var groups: [(String, JSONValue)] = []
        for (key, g) in self.groups {
            var assets: [(String, JSONValue)] = []
            for (assetKey, a) in g.assets {
                var fields: [(String, JSONValue)] = [
                    ("id", .string(a.id)), ("name", .string(a.name)), ("ref", .string(a.ref)),
                    ("status", .string(a.status.rawValue)),
                    ("type", .string(a.type.rawValue)), ("url", .string(a.url)),
                ]
                if let f = a.failure {
                    fields.append(("failure", .object([("code", .string(f.code)), ("message", .string(f.message))])))
                }
                assets.append((assetKey, .object(fields)))
            }
            var fields: [(String, JSONValue)] = [("id", .string(g.id)), ("name", .string(g.name)), ("assets", .object(assets))]
            if let d = g.description { fields.append(("description", .string(d))) }
            groups.append((key, .object(fields)))
        }
        let document = JSONValue.object([
            ("groups", .object(groups)), ("lineage", .string(lineage)),
            (
                "provider",
                .object([
                    ("api", .string(provider.api)), ("base_url", .string(provider.baseURL)),
                    ("project_name", .string(provider.projectName)),
                ])
            ),
            ("serial", .int(serial)), ("version", .int(Lockfile.version)),
        ])
        return Array((document.pretty + "\n").utf8)
    }

    /// Writes the lockfile atomically, one serial later.
    public mutating func write(to path: String) throws(Failure) {
        serial += 1
        do throws(AtomicFile.Failure) {
            try AtomicFile.write(encoded(), to: path)
        } catch {
            serial -= 1
            throw Failure("cannot write the lockfile: \(error)")
        }
    }

    /// Refuses a lockfile written for another service (api, address or project).
    public func check(against provider: LockedProvider, path: String) throws(Failure) {
        guard self.provider != provider else { return }
        func show(_ p: LockedProvider) -> String { "api \(p.api) at \(p.baseURL), project \(p.projectName)" }
        throw Failure(
            "\(path) was written for \(show(self.provider)); this run uses \(show(provider)). "
                + "It was left as it is: use --lock to keep a lockfile per service.")
    }
}
