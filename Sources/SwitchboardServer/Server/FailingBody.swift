import NIOCore

/// A request body that fails when read: the upload was refused or timed out before the router saw the request.
struct FailingBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let error: any Error

    struct AsyncIterator: AsyncIteratorProtocol {
        let error: any Error
        func next() async throws -> ByteBuffer? { throw error }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(error: error) }
}
