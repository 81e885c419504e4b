import Synchronization

/// A streamed completion: OpenAI chunks in order. Iterating it drives the upstream read; cancelling the
/// iterating task cancels the upstream request. It throws ``UpstreamError`` when the upstream fails mid-way.
///
/// One task reads it (the relay). It is a thin sequence over a function that produces the next part, with no
/// buffer, lock or cancellation handler of its own: `AsyncThrowingStream(unfolding:)` adds all three to every
/// read, and three async frames per level, which a held stream keeps for its whole life. After the end or an
/// error, it returns nil.
///
/// Reading it never changes executors: `produce` runs in the reader's isolation (`nonisolated(nonsending)`), and
/// the iterator implements `next(isolation:)`, which `for try await` calls. Without that the stdlib's default
/// `next(isolation:)` calls the `@concurrent` `next()` requirement, a switch to the generic executor and back
/// for every part, which NIO's executor hook turns into two trips through the event loop's queue.
public struct CompletionStream: AsyncSequence, Sendable {
    public typealias Element = StreamPart
    public typealias Failure = any Error
    /// Produces the next part, in the caller's isolation.
    public typealias Producer = nonisolated(nonsending) @Sendable () async throws -> StreamPart?
    private let produce: Producer

    /// A stream whose parts come from `produce`, until it returns nil or throws.
    public init(unfolding produce: @escaping Producer) {
        self.produce = produce
    }

    /// A stream of parts already at hand, ending after them with `error` or cleanly.
    public init(parts: [StreamPart], endingWith error: (any Error)? = nil) {
        let remaining = Remaining(parts)
        self.init(unfolding: {
            if let part = remaining.parts.withLock({ $0.popFirst() }) { return part }
            if let error { throw error }
            return nil
        })
    }

    /// The parts not read yet, of a stream made from parts at hand.
    private final class Remaining: Sendable {
        let parts: Mutex<ArraySlice<StreamPart>>
        init(_ parts: [StreamPart]) { self.parts = Mutex(parts[...]) }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(produce: produce)
    }

    /// Reads the parts; nil once the stream ended or failed.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private var produce: Producer?

        init(produce: @escaping Producer) {
            self.produce = produce
        }

        /// The next part, read in `actor`'s isolation (the caller's), with no executor switch.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> StreamPart? {
            try await next()
        }

        /// The next part, in the caller's isolation (the gateway's modules call this, nonisolated(nonsending)).
        public mutating func next() async throws -> StreamPart? {
            guard let produce else { return nil }
            do {
                if let part = try await produce() { return part }
            } catch {
                self.produce = nil
                throw error
            }
            self.produce = nil
            return nil
        }
    }
}
