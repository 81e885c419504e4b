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
