import NIOCore
import Testing

@testable import SwitchboardCore

@Suite struct CompletionStreamTests {
    static func parts(_ count: Int) -> [StreamPart] {
        (0..<count).map { StreamPart(payload: ByteBuffer(string: "\($0)")) }
    }

    static func read(_ iterator: inout CompletionStream.AsyncIterator) async throws -> String? {
        try await iterator.next().map { String(buffer: $0.payload) }
    }

    @Test func yieldsThePartsInOrderThenEndsForGood() async throws {
        var iterator = CompletionStream(parts: Self.parts(3)).makeAsyncIterator()
        #expect(try await Self.read(&iterator) == "0")
        #expect(try await Self.read(&iterator) == "1")
        #expect(try await Self.read(&iterator) == "2")
        #expect(try await Self.read(&iterator) == nil)
        #expect(try await Self.read(&iterator) == nil)
    }

    @Test func throwsOnceAfterThePartsThenEnds() async throws {
        var iterator = CompletionStream(parts: Self.parts(1), endingWith: UpstreamError(.interrupted, provider: "p")).makeAsyncIterator()
        #expect(try await Self.read(&iterator) == "0")
        await #expect(throws: UpstreamError.self) { try await Self.read(&iterator) }
        #expect(try await Self.read(&iterator) == nil)
    }

    @Test func stopsAskingTheProducerAfterItsEnd() async throws {
        let calls = Counter()
        var iterator = CompletionStream(unfolding: { calls.increment() < 2 ? StreamPart(payload: ByteBuffer(string: "x")) : nil })
            .makeAsyncIterator()
        while try await iterator.next() != nil {}
        #expect(try await iterator.next() == nil)
        #expect(calls.value == 3)
    }

    /// A relay reads a stream in its connection's isolation: the producer must run there too, with no switch to
    /// the generic executor (which costs two trips through the event loop's queue per part).
    @Test func theProducerRunsInTheReadersIsolation() async throws {
        let isolations = Isolations()
        let remaining = Counter()
        let stream = CompletionStream(unfolding: {
            isolations.record(#isolation)
            return remaining.increment() < 3 ? StreamPart(payload: ByteBuffer(string: "x")) : nil
        })
        let reader = StreamReader()
        #expect(try await reader.count(stream) == 3)
        #expect(isolations.all.count == 4)
        #expect(isolations.all.allSatisfy { $0 === reader })
    }
}

/// Reads a stream with `for try await`, isolated to itself.
private actor StreamReader {
    func count(_ stream: CompletionStream) async throws -> Int {
        var count = 0
        for try await _ in stream { count += 1 }
        return count
    }
}

/// The isolations a producer ran in.
private final class Isolations: @unchecked Sendable {
    private(set) var all: [(any Actor)?] = []
    func record(_ isolation: (any Actor)?) { all.append(isolation) }
}

/// Counts calls from a `@Sendable` closure.
private final class Counter: @unchecked Sendable {
    private(set) var value = 0
    /// Returns the count before this call.
    func increment() -> Int {
        defer { value += 1 }
        return value
    }
}
