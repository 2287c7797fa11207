/// The fields few assets have (the service's failure, the manifest's revision, what preflight saw
/// of the source), boxed together: a lockfile's records and a plan's steps are held by the
/// hundred thousand, and are kept small by holding one reference here (nil for most) instead of
/// the fields themselves. Never changed in place: a change makes a new box, so copies stay
/// independent.
final class RareFields: Sendable {
    let failure: RemoteAsset.Failure?
    let revision: String?
    let source: SourceFingerprint?

    private init(failure: RemoteAsset.Failure?, revision: String?, source: SourceFingerprint?) {
        self.failure = failure
        self.revision = revision
        self.source = source
    }

    /// A box of these; nil when none is set.
    static func make(failure: RemoteAsset.Failure? = nil, revision: String?, source: SourceFingerprint?) -> RareFields? {
        failure == nil && revision == nil && source == nil
            ? nil : RareFields(failure: failure, revision: revision, source: source)
    }
}
