internal import CLibYAML

#if canImport(Glibc)
    import Glibc
#endif

/// libyaml's events for a large source, made on a thread of their own while the caller composes
/// them: parsing and composing each take about half the time, and a machine has two cores.
///
/// The producer hands over batches of events through a queue of at most `depth` batches, so it
/// is never more than `batchSize × depth` events ahead (memory stays bounded, whatever the source).
/// It stops at the end of the stream, at libyaml's first error (kept, with its position, for the
/// consumer to throw after the events before it), or when the consumer cancels. Each of libyaml's
/// events is copied into its batch and deleted at once, by the thread that made it
/// (`EventBatch.take`); the consumer hands each batch back once handled (`recycle`), for the
/// producer to fill again without allocating. The composer makes each scalar's String itself,
/// from the batch's bytes: a String made here would be freed or retained by the composer's thread,
/// across cores.
final class EventPipe: @unchecked Sendable {
    static let batchSize = 512
    static let depth = 16

    private let source: UnsafeBufferPointer<UInt8>
    /// At addresses of their own: a pthread mutex must not move, and `&property` of a class
    /// gives no lasting address.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Signalled when a batch is queued (the consumer waits on it) …
    private let queued = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// … and when one is taken or the consumer cancels (the producer waits on it).
    private let taken = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`:
    private var queue: [EventBatch] = []
    private var spent: [EventBatch] = []
    private var ended = false
    private var failure: YAMLError?
    private var cancelled = false
    private var thread = pthread_t()
    private var started = false

    /// `source` must stay valid until `finish` returns.
    init(source: UnsafeBufferPointer<UInt8>) {
        self.source = source
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(queued, nil)
        pthread_cond_init(taken, nil)
    }

    deinit {
        pthread_cond_destroy(queued)
        pthread_cond_destroy(taken)
        pthread_mutex_destroy(mutex)
        queued.deallocate()
        taken.deallocate()
        mutex.deallocate()
    }

    /// Starts the producer; false when no thread could be made (the caller parses in line).
    func start() -> Bool {
        let context = Unmanaged.passRetained(self).toOpaque()
        let made = pthread_create(
            &thread, nil,
            { context in
                let pipe = Unmanaged<EventPipe>.fromOpaque(context!).takeRetainedValue()
                pipe.produce()
                return nil
            }, context)
        if made != 0 {
            Unmanaged<EventPipe>.fromOpaque(context).release()
            return false
        }
        started = true
        return true
    }

    /// The next batch, in order; empty at the end, after which `failure` says whether libyaml
    /// stopped at an error.
    func next() -> (events: EventBatch, failure: YAMLError?) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while queue.isEmpty && !ended { pthread_cond_wait(queued, mutex) }
        if queue.isEmpty { return (EventBatch(), failure) }
        let batch = queue.removeFirst()
        // Only a full queue can have the producer waiting.
        if queue.count == Self.depth - 1 { pthread_cond_signal(taken) }
        return (batch, nil)
    }

    /// A batch `next` gave, handled or not: the producer fills it again.
    func recycle(_ batch: consuming EventBatch) {
        pthread_mutex_lock(mutex)
        spent.append(batch)
        pthread_mutex_unlock(mutex)
    }

    /// Stops the producer (if it is still going) and waits for it. Called once, whatever
    /// happened.
    func finish() {
        pthread_mutex_lock(mutex)
        cancelled = true
        pthread_cond_signal(taken)
        pthread_mutex_unlock(mutex)
        if started { pthread_join(thread, nil) }
        queue = []
        spent = []
    }

    private func produce() {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            end(failure: YAMLError(.syntax, "libyaml could not start (out of memory)", at: nil))
            return
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, source.baseAddress, source.count)
        while true {
            pthread_mutex_lock(mutex)
            var batch = spent.popLast() ?? EventBatch(capacity: Self.batchSize)
            pthread_mutex_unlock(mutex)
            batch.removeAll()
            var failure: YAMLError?
            var done = false
            while batch.count < Self.batchSize {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    failure = LibYAMLError.convert(parser, source: source)
                    break
                }
                done = event.type == YAML_STREAM_END_EVENT
                batch.take(&event)
                if done { break }
            }
            pthread_mutex_lock(mutex)
            while queue.count >= Self.depth && !cancelled { pthread_cond_wait(taken, mutex) }
            if cancelled {
                pthread_mutex_unlock(mutex)
                return
            }
            // Only an empty queue can have the consumer waiting.
            let wake = queue.isEmpty || failure != nil || done
            if !batch.isEmpty { queue.append(batch) }
            if failure != nil || done {
                self.failure = failure
                ended = true
            }
            if wake { pthread_cond_signal(queued) }
            pthread_mutex_unlock(mutex)
            if failure != nil || done { return }
        }
    }

    private func end(failure: YAMLError) {
        pthread_mutex_lock(mutex)
        self.failure = failure
        ended = true
        pthread_cond_signal(queued)
        pthread_mutex_unlock(mutex)
    }
}
