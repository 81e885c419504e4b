import Tracing

/// An upstream stream whose first chunk has arrived: the point after which the gateway commits to it.
/// Holds the iterator for the one task that relays the stream, hence the unchecked sendability.
final class StartedStream: @unchecked Sendable {
    private var iterator: CompletionStream.AsyncIterator
    private var first: StreamPart?
    private var ticket: DeploymentRegistry.Ticket?
    private var registry: DeploymentRegistry?
    /// The attempt's span, ended with the stream.
    private var span: (any Span)?
    private var usage: Usage?

    private init(iterator: CompletionStream.AsyncIterator, first: StreamPart?, span: (any Span)?) {
        self.iterator = iterator
        self.first = first
        self.span = span
    }

    /// Waits for the first chunk of `stream`; an upstream failure before it is thrown here, so it can fail over.
    /// `span` (the attempt's) is ended when the stream ends.
    static func start(_ stream: CompletionStream, span: (any Span)? = nil) async throws -> StartedStream {
        var iterator = stream.makeAsyncIterator()
        let first = try await iterator.next()
        return StartedStream(iterator: iterator, first: first, span: span)
    }

    /// The whole stream, first chunk included. Ends the attempt's ticket when the stream ends: a failure
    /// mid-way counts against the deployment's circuit; the client hanging up does not.
    func remainder(
        registry: DeploymentRegistry, ticket: DeploymentRegistry.Ticket, deadline: Duration?, timeout: Duration?, time: TimeSource
    ) -> CompletionStream {
        self.ticket = ticket
        self.registry = registry
        guard deadline != nil else { return CompletionStream(unfolding: { try await self.next() }) }
        return CompletionStream(unfolding: {
            try await Failover.withDeadline(deadline, timeout: timeout, time: time) { try await self.next() }
        })
    }

    private func next() async throws -> StreamPart? {
        if let first {
            self.first = nil
            return first
        }
        do {
            guard let part = try await iterator.next() else {
                finish(.success)
                return nil
            }
            if span != nil, let usage = part.usage { self.usage = usage }
            return part
        } catch {
            finish(failing: error)
            throw error
        }
    }

    /// Ends the attempt for a stream that failed: an upstream failure counts by its kind, anything else
    /// (the client hanging up) is abandoned.
    @inline(never)
    private func finish(failing error: any Error) {
        if let error = error as? UpstreamError {
            finish(error.isRetryable ? .failure : .success, error: error)
        } else {
            finish(.abandoned, error: error)
        }
    }

    @inline(never)
    private func finish(_ outcome: DeploymentRegistry.Outcome, error: (any Error)? = nil) {
        if let span {
            self.span = nil
            if let error { span.recordAttemptFailure(error) } else { span.recordAnswer(usage: usage) }
            span.end()
        }
        guard let ticket, let registry else { return }
        self.ticket = nil
        registry.finish(ticket, outcome: outcome)
    }

    deinit {
        // A stream dropped without being read to its end: the attempt is over without a verdict.
        finish(.abandoned, error: CancellationError())
    }
}
