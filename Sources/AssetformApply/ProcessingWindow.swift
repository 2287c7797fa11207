import AssetformCore
import Synchronization

/// This run's assets Processing at once (SPEC §6, `limits.processing`): the upstream refuses a
/// create over its cap (30 per account), so a create first takes a slot — waiting, while the
/// window is full, for Processing assets to settle — and an asset holds its slot until it is seen
/// Active or Failed. Assets the run found Processing (adopted, or left by an earlier run) hold
/// slots too: the service counts them.
final class ProcessingWindow: Sendable {
    let capacity: Int
    private let state = Mutex(State())

    struct State {
        /// Known Processing, by address: what they are waited for by.
        var pending: [Address: Executor.Pending] = [:]
        /// Slots taken by creates under way.
        var reserved = 0
        /// One task at a time looks at the service for the window.
        var looking = false
    }

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Takes a slot for a create if one is free.
    func tryReserve() -> Bool {
        state.withLock { s in
            guard s.pending.count + s.reserved < capacity else { return false }
            s.reserved += 1
            return true
        }
    }

    /// A create that took a slot made nothing that is Processing.
    func release() {
        state.withLock { $0.reserved = max(0, $0.reserved - 1) }
    }

    /// `address` is Processing; `reserved` when its create took a slot for it.
    func hold(_ address: Address, _ p: Executor.Pending, reserved: Bool) {
        state.withLock { s in
            s.pending[address] = p
            if reserved { s.reserved = max(0, s.reserved - 1) }
        }
    }

    /// `address` is no longer Processing.
    func free(_ address: Address) {
        _ = state.withLock { $0.pending.removeValue(forKey: address) }
    }

    var pending: [Address: Executor.Pending] { state.withLock { $0.pending } }

    /// An asset that settled: taken out of the window.
    struct Settled: Sendable {
        var address: Address
        var pending: Executor.Pending
        var status: AssetStatus
        var failure: RemoteAsset.Failure?
    }

    /// Takes out of the window the assets whose `status` (by remote id) is known and no longer
    /// Processing, and returns them.
    func takeSettled(_ status: (String) -> (AssetStatus, RemoteAsset.Failure?)?) -> [Settled] {
        state.withLock { s in
            var settled: [Settled] = []
            for (address, p) in s.pending {
                guard let (now, failure) = status(p.id), now != .processing else { continue }
                settled.append(Settled(address: address, pending: p, status: now, failure: failure))
            }
            for one in settled { s.pending.removeValue(forKey: one.address) }
            return settled
        }
    }

    /// Becomes the one task that looks at the service; false when another already does.
    func beginLooking() -> Bool {
        state.withLock { s in
            if s.looking { return false }
            s.looking = true
            return true
        }
    }

    func endLooking() {
        state.withLock { $0.looking = false }
    }
}
