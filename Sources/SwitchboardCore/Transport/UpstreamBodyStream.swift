import NIOCore
import Synchronization

/// A streamed upstream body, as its connection reads it: an async sequence for one consumer.
///
/// It replaces NIO's `NIOThrowingAsyncSequenceProducer`, whose generic code, not specialized for the gateway's
/// types, looked up its nested types' metadata in the runtime's tables at every step: about 20k instructions of
/// a 16-event stream, 4% of it. This one does what the gateway needs and nothing generic: chunks are handed over
/// on the connection's event loop, reading pauses at ``UpstreamBody/highWatermark`` chunks waiting and resumes
/// at ``UpstreamBody/lowWatermark``, and a consumer that is cancelled or lets go before the end stops the
/// exchange, which drops the connection.
struct UpstreamBodyStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    /// The consuming side's handle: when the last copy goes, the body's consumer is gone.
    fileprivate final class Reader: Sendable {
        let body: UpstreamBody

        init(body: UpstreamBody) { self.body = body }

        deinit {
            // A body that ended needs nothing more (and its loop may be gone, as in tests that shut theirs down).
            guard !body.isOver.load(ordering: .acquiring) else { return }
            let body = body
            body.loop.execute { body.consumerLeft() }
        }
    }

    private let reader: Reader

    init(_ body: UpstreamBody) {
        reader = Reader(body: body)
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }

    struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let reader: Reader

        /// The next chunk; nil at the body's end. Throws `CancellationError` once the consuming task is cancelled,
        /// as NIO's producer did: the relay then ends as a hang-up, never as an upstream failure (which would count
        /// against the provider's circuit).
        func next() async throws -> ByteBuffer? { try await reader.body.next() }
    }
}

/// The state of a streamed body, shared by its exchange (which adds chunks) and its consumer. Every mutable
/// member is touched only on `loop`, the connection's event loop, hence the unchecked sendability.
final class UpstreamBody: @unchecked Sendable {
    /// What the connection does after handing over a chunk.
    enum YieldResult {
        case produceMore, stopProducing
        /// The consumer is gone: the chunk is dropped, and so should the exchange be.
        case dropped
    }

    /// Chunks waiting at which reading pauses, and at which it resumes.
    static let highWatermark = 16
    static let lowWatermark = 2

    let loop: any EventLoop
    /// Told when the consumer wants more or is gone; let go of once the body ended or the consumer left.
    private var exchange: UpstreamExchange?
    private var waiting = CircularBuffer<ByteBuffer>(initialCapacity: 4)
    /// How the body ended, once it did: nil for its end, or the error it failed with.
    private var ending: (any Error)??
    private var consumer: UnsafeContinuation<ByteBuffer?, any Error>?
    private var consumerGone = false
    private var paused = false
    /// Set once the body ended or its consumer left, for the consumer's handle to read from any thread.
    fileprivate let isOver = Atomic<Bool>(false)

    init(loop: any EventLoop, exchange: UpstreamExchange) {
        self.loop = loop
        self.exchange = exchange
    }

    // MARK: The connection's side, on `loop`

    /// Hands `chunk` to the consumer, or keeps it until asked for.
    func yield(_ chunk: ByteBuffer) -> YieldResult {
        loop.assertInEventLoop()
        if consumerGone { return .dropped }
        if let consumer {
            self.consumer = nil
            consumer.resume(returning: chunk)
            return .produceMore
        }
        waiting.append(chunk)
        guard waiting.count >= Self.highWatermark else { return .produceMore }
        paused = true
        return .stopProducing
    }

    /// The body ended, or failed with `error`; the consumer gets what is waiting first.
    func finish(_ error: (any Error)? = nil) {
        loop.assertInEventLoop()
        guard ending == nil, !consumerGone else { return }
        ending = .some(error)
        isOver.store(true, ordering: .releasing)
        exchange = nil
        if let consumer, waiting.isEmpty {
            self.consumer = nil
            deliverEnd(to: consumer)
        }
    }

    // MARK: The consumer's side

    fileprivate func next() async throws -> ByteBuffer? {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                if loop.inEventLoop {
                    wait(continuation)
                } else {
                    loop.execute { self.wait(continuation) }
                }
            }
        } onCancel: {
            loop.execute { self.consumerLeft() }
        }
    }

    private func wait(_ continuation: UnsafeContinuation<ByteBuffer?, any Error>) {
        // Only a cancelled consumer asks after it left (one that let go of the body cannot).
        if consumerGone { return continuation.resume(throwing: CancellationError()) }
        guard waiting.isEmpty else {
            let chunk = waiting.removeFirst()
            if paused, waiting.count <= Self.lowWatermark {
                paused = false
                exchange?.consumerWantsMore()
            }
            return continuation.resume(returning: chunk)
        }
        guard ending != nil else {
            consumer = continuation
            return
        }
        deliverEnd(to: continuation)
    }

    /// The end, or the failure once; after it, the end.
    private func deliverEnd(to continuation: UnsafeContinuation<ByteBuffer?, any Error>) {
        if case .some(.some(let error)) = ending {
            ending = .some(nil)
            continuation.resume(throwing: error)
        } else {
            continuation.resume(returning: nil)
        }
    }

    /// The consumer was cancelled or let go of the body: before its end, that stops the exchange.
    fileprivate func consumerLeft() {
        guard !consumerGone else { return }
        consumerGone = true
        isOver.store(true, ordering: .releasing)
        waiting.removeAll()
        let exchange = self.exchange
        self.exchange = nil
        if ending == nil { exchange?.consumerStopped() }
        if let consumer {
            self.consumer = nil
            consumer.resume(throwing: CancellationError())
        }
    }
}
