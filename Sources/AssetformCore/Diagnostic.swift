public import YAML

/// One finding about a manifest: where it is, how serious, and what it is.
public struct Diagnostic: Sendable, Hashable, Comparable {
    public enum Severity: String, Sendable, Hashable, Comparable {
        case error, warning

        public static func < (a: Severity, b: Severity) -> Bool { a == .error && b == .warning }
    }

    public var severity: Severity
    /// Where it is; nil when it concerns the whole file.
    public var mark: Mark?
    public var problem: ManifestProblem

    public init(_ severity: Severity, _ problem: ManifestProblem, at mark: Mark?) {
        self.severity = severity
        self.problem = problem
        self.mark = mark
    }

    /// What it says, with the query of any URL in it redacted (a presigned link's signature).
    public var message: String { URLQuery.redacted(in: problem.message) }

    /// File-wide findings first, then by position, errors before warnings at one position.
    public static func < (a: Diagnostic, b: Diagnostic) -> Bool {
        switch (a.mark, b.mark) {
        case (nil, .some): return true
        case (.some, nil): return false
        case (.some(let x), .some(let y)) where x != y: return x < y
        default: return (a.severity, a.message) < (b.severity, b.message)
        }
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }
    public var errors: [Diagnostic] { filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { filter { $0.severity == .warning } }
}
