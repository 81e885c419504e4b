import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes

/// How a request task writes its response: straight to its connection's ``RequestDriver`` when it runs on
/// the connection's event loop (the usual case: tasks stay on the loop that started them), with a hop to it
/// when it does not.
struct ResponseOutlet: Sendable {
    let driver: NIOLoopBound<RequestDriver>

    private var loop: any EventLoop { driver.eventLoop }

    /// A response whose body is already known: head, body and end in one flush.
    func write(head: HTTPResponse, body: ByteBuffer?) {
        onLoop { driver in
            try? driver.write(.head(head))
            if let body, body.readableBytes > 0 { try? driver.write(.body(body)) }
            driver.end(nil)
        }
    }

    /// The head of a streamed response; it goes out with the body's first write.
    func write(head: HTTPResponse) async throws {
        try await perform { try $0.write(.head(head)); return nil }
    }

    /// One body part, flushed; waits while the client reads slower than the response is written.
    func write(body: ByteBuffer) async throws {
        try await perform { try $0.writeAndFlush(.body(body)) }
    }

    func end(_ trailers: HTTPFields?) async throws {
        try await perform { $0.end(trailers); return nil }
    }

    /// The last body part and the end, in one flush (one system call rather than two).
    func end(after last: ByteBuffer) async throws {
        try await perform { driver in
            if last.readableBytes > 0 { try driver.write(.body(last)) }
            driver.end(nil)
            return nil
        }
    }

    /// Closes the connection (a response cut short).
    func close() {
        onLoop { $0.close() }
    }

    /// Runs `operation` on the loop: at once when already there, otherwise queued.
    private func onLoop(_ operation: @escaping @Sendable (RequestDriver) -> Void) {
        if loop.inEventLoop { return operation(driver.value) }
        let driver = driver
        loop.execute { operation(driver.value) }
    }

    private func perform(_ operation: @escaping @Sendable (RequestDriver) throws -> EventLoopFuture<Void>?) async throws {
        if loop.inEventLoop {
            try await operation(driver.value)?.get()
        } else {
            let driver = driver
            try await loop.flatSubmit { () -> EventLoopFuture<Void> in
                do {
                    return try operation(driver.value) ?? driver.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return driver.eventLoop.makeFailedFuture(error)
                }
            }.get()
        }
    }
}

/// A body writer that can write its last bytes and end the body in one go: one flush, one system call, where
/// `write` and `finish` make two.
protocol FinishingBodyWriter: ResponseBodyWriter {
    /// Writes `last` and ends the body.
    func finish(after last: ByteBuffer) async throws
}

/// Writes a streamed response body through its ``ResponseOutlet``.
struct OutletBodyWriter: FinishingBodyWriter {
    let outlet: ResponseOutlet

    mutating func write(_ buffer: ByteBuffer) async throws {
        try await outlet.write(body: buffer)
    }

    mutating func write(contentsOf buffers: some Sequence<ByteBuffer>) async throws {
        for buffer in buffers { try await outlet.write(body: buffer) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await outlet.end(trailingHeaders)
    }

    /// Writes `last` and ends the body in one flush.
    func finish(after last: ByteBuffer) async throws {
        try await outlet.end(after: last)
    }
}
