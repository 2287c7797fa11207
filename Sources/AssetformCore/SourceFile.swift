import YAML

/// A file that was read, kept whole so that diagnostics can show the line they point at.
public struct SourceFile: Sendable {
    /// The path as the user gave it; diagnostics start with it.
    public var path: String
    public var bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    /// The text of 1-based line `number`, without its line break.
    public func line(_ number: Int) -> String? {
        bytes.withUnsafeBufferPointer { buffer in
            YAML.SourceLines.line(number, in: buffer).map { String(decoding: $0, as: UTF8.self) }
        }
    }
}
