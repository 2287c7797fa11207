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
            if error.message.contains("No such file") { return nil }
            throw Failure("\(path): \(error.message)")
        }
        return try decode(bytes, path: path)
    }

    public static func decode(_ bytes: [UInt8], path: String) throws(Failure) -> Lockfile {
        let json: JSONValue
        switch JSONValue.parseOrFail(bytes) {
        case .success(let v):
            json = v
        case .failure(let e):
            let mark = bytes.withUnsafeBufferPointer { SourceLines.mark(atByteOffset: e.offset, in: $0) }
            throw Failure("\(path):\(mark.line):\(mark.column): error: the lockfile is not valid JSON; it was left as it is")
        }
        func bad(_ what: String) -> Failure {
            Failure("\(path): error: the lockfile is not one assetform wrote (\(what)); it was left as it is")
        }
        guard json["version"]?.int == Lockfile.version else {
            throw bad("version \(json["version"]?.encoded ?? "missing"), expected \(Lockfile.version)")
        }
        guard let lineage = json["lineage"]?.string, let serial = json["serial"]?.int,
            let p = json["provider"], let api = p["api"]?.string, let baseURL = p["base_url"]?.string,
            let project = p["project_name"]?.string
        else { throw bad("lineage, serial or provider missing") }
        var lock = Lockfile(
            lineage: lineage, serial: serial, provider: LockedProvider(api: api, baseURL: baseURL, projectName: project))
        guard case .object(let groups) = json["groups"] ?? .object([]) else { throw bad("groups is not an object") }
        for (key, g) in groups {
            guard let id = g["id"]?.string, let name = g["name"]?.string else { throw bad("group \(key) has no id or name") }
            var group = LockedGroup(id: id, name: name, description: g["description"]?.string)
            guard case .object(let assets) = g["assets"] ?? .object([]) else { throw bad("group \(key) has no assets object") }
            group.assets.reserveCapacity(assets.count)
            for (assetKey, a) in assets {
                // One pass over the fields: a lockfile of 100,000 assets has 600,000 of them.
                guard case .object(let fields) = a else { throw bad("asset \(key)/\(assetKey) is not an object") }
                var id: String?, name: String?, ref: String?, url: String?
                var status: AssetStatus?, type: AssetType?, failure: RemoteAsset.Failure?
                for (field, value) in fields {
                    switch field {
                    case "id": id = value.string
                    case "name": name = value.string
                    case "ref": ref = value.string
                    case "url": url = value.string
                    case "status": status = value.string.flatMap(AssetStatus.init(rawValue:))
                    case "type": type = value.string.flatMap(AssetType.init(rawValue:))
                    case "failure":
                        failure = value["code"]?.string.map {
                            RemoteAsset.Failure(code: $0, message: value["message"]?.string ?? "")
                        }
                    default: break
                    }
                }
                guard let id, let name, let ref, let status, let type, let url else {
                    throw bad("asset \(key)/\(assetKey) is incomplete")
                }
                group.assets[assetKey] = LockedAsset(
                    id: id, name: name, ref: ref, status: status, type: type, url: url, failure: failure)
            }
            lock.groups[key] = group
        }
        return lock
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
