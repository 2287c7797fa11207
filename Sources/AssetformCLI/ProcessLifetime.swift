import Synchronization

/// Values kept until the process exits, so that their memory is never freed one object at a
/// time just before the process ends (a plan of 100,000 assets spends tens of milliseconds on
/// that). Only for a command's last, largest values.
enum ProcessLifetime {
    private static let kept = Mutex<[any Sendable]>([])

    static func keepUntilExit(_ value: any Sendable) {
        kept.withLock { $0.append(value) }
    }
}
