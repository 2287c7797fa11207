import Synchronization

/// A value that tasks running at once change in turn: what the listing streams of a refresh
/// gather as their pages arrive.
final class Guarded<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: sending Value) {
        self.value = Mutex(value)
    }

    func withLock<T: Sendable>(_ body: (inout sending Value) -> sending T) -> T {
        value.withLock(body)
    }

    /// The value, taken out (the guard is not used after).
    func take(replacingWith empty: sending Value) -> Value {
        value.withLock { v in
            let out = v
            v = empty
            return out
        }
    }
}
