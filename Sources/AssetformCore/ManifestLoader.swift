public import YAML

/// A manifest as read from a file: the model when it is valid, and every finding either way.
public struct LoadedManifest: Sendable {
    public var source: SourceFile
    /// nil when there is any error.
    public var manifest: Manifest?
    /// Errors and warnings, sorted by position.
    public var diagnostics: [Diagnostic]
}

/// Reads and validates manifests (SPEC §2). No network, no writes.
public enum ManifestLoader {
    public static let defaultPath = "assetform.yaml"

    public static func load(path: String, limits: YAMLLimits = YAMLLimits()) -> LoadedManifest {
        let bytes: [UInt8]
        do throws(YAMLError) {
            bytes = try YAMLFile.read(path: path, maxBytes: limits.maxBytes)
        } catch {
            return LoadedManifest(
                source: SourceFile(path: path, bytes: []), manifest: nil,
                diagnostics: [Diagnostic(.error, .yaml(error.kind, message: error.message), at: nil)])
        }
        return decode(SourceFile(path: path, bytes: bytes), limits: limits)
    }

    public static func decode(_ source: SourceFile, limits: YAMLLimits = YAMLLimits()) -> LoadedManifest {
        let document: YAMLDocument
        do throws(YAMLError) {
            document = try YAMLParser.parse(source.bytes, limits: limits)
        } catch {
            return LoadedManifest(
                source: source, manifest: nil,
                diagnostics: [Diagnostic(.error, .yaml(error.kind, message: error.message), at: error.mark)])
        }
        var decoder = ManifestDecoder()
        for problem in document.problems {
            decoder.diagnostics.append(Diagnostic(.error, .yaml(problem.kind, message: problem.message), at: problem.mark))
        }
        var manifest: Manifest?
        if let root = document.root {
            manifest = decoder.decode(root)
        } else {
            decoder.diagnostics.append(Diagnostic(.error, .emptyFile, at: nil))
        }
        // The node tree is freed on another thread, object by object, while this one goes on
        // (for 100,000 assets that is a tenth of the time it took to build).
        let tree = consume document
        Task.detached(priority: .utility) { withExtendedLifetime(tree) {} }
        let diagnostics = decoder.diagnostics.sorted()
        return LoadedManifest(source: source, manifest: diagnostics.hasErrors ? nil : manifest, diagnostics: diagnostics)
    }
}
