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
        decode(source, limits: limits, streaming: true)
    }

    /// `streaming`: groups' assets decoded as they are parsed (`StreamedAssets`); false only to
    /// check, in tests, that both ways find the same.
    static func decode(_ source: SourceFile, limits: YAMLLimits, streaming: Bool) -> LoadedManifest {
        let document: YAMLDocument
        let streamed = StreamedAssets()
        do throws(YAMLError) {
            document = try YAMLParser.parse(source.bytes, limits: limits, stream: streaming ? streamed.stream : nil)
        } catch {
            return LoadedManifest(
                source: source, manifest: nil,
                diagnostics: [Diagnostic(.error, .yaml(error.kind, message: error.message), at: error.mark)])
        }
        var decoder = ManifestDecoder()
        if document.streamed { decoder.streamedAssets = streamed.groups }
        for problem in document.problems {
            decoder.diagnostics.append(Diagnostic(.error, .yaml(problem.kind, message: problem.message), at: problem.mark))
        }
        var manifest: Manifest?
        if let root = document.root {
            manifest = decoder.decode(root)
        } else {
            decoder.diagnostics.append(Diagnostic(.error, .emptyFile, at: nil))
        }
        let diagnostics = decoder.diagnostics.sorted()
        return LoadedManifest(source: source, manifest: diagnostics.hasErrors ? nil : manifest, diagnostics: diagnostics)
    }
}
