/// What refresh found remotely, for the planner: the objects the lockfile tracks, found or gone,
/// and (seedance) what listing the managed groups shows, to adopt objects by name.
public struct RemoteState: Sendable, Equatable {
    /// Found, by id.
    public var groups: [String: RemoteGroup] = [:]
    public var assets: [String: RemoteAsset] = [:]
    /// Looked for and not found: gone.
    public var missing: Set<String> = []
    /// Every group listing showed (seedance); nil where the dialect cannot list.
    public var listedGroups: [RemoteGroup]?
    /// The assets listing showed that the lockfile does not track, per group id (seedance): what
    /// a manifest's asset could adopt by name. (Tracked ones are in `assets`.)
    public var listedAssets: [String: [RemoteAsset]] = [:]

    public init(
        groups: [String: RemoteGroup] = [:], assets: [String: RemoteAsset] = [:], missing: Set<String> = [],
        listedGroups: [RemoteGroup]? = nil, listedAssets: [String: [RemoteAsset]] = [:]
    ) {
        self.groups = groups
        self.assets = assets
        self.missing = missing
        self.listedGroups = listedGroups
        self.listedAssets = listedAssets
    }
}
