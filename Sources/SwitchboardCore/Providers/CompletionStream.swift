import Synchronization

/// A streamed completion: OpenAI chunks in order. Iterating it drives the upstream read; cancelling the
/// iterating task cancels the upstream request. It throws ``UpstreamError`` when the upstream fails mid-way.
///
/// One task reads it (the relay). It is a thin sequence over a function that produces the next part, with no
/// buffer, lock or cancellation handler of its own: `AsyncThrowingStream(unfolding:)` adds all three to every
/// read, and three async frames per level, which a held stream keeps for its whole life. After the end or an
/// error, it returns nil.
public struct CompletionStream: AsyncSequence, Sendable {
    public typealias Element = StreamPart
    private let produce: @Sendable () async throws -> StreamPart?

    /// A stream whose parts come from `produce`, until it returns nil or throws.
    public init(unfolding produce: @escaping @Sendable () async throws -> StreamPart?) {
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
        private var produce: (@Sendable () async throws -> StreamPart?)?

        init(produce: @escaping @Sendable () async throws -> StreamPart?) {
            self.produce = produce
        }

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
