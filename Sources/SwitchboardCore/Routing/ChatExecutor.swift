/// Which upstream answered a request, and how it got there.
public struct UpstreamRoute: Sendable, Equatable {
    /// The provider's configured name.
    public var provider: String
    /// The model name the upstream knows.
    public var upstreamModel: String
    /// Upstream attempts made for this request, the answering one included.
    public var attempts: Int
    /// The public model that failed over to this one, when a fallback answered.
    public var fallbackFrom: String?

    public init(provider: String, upstreamModel: String, attempts: Int = 1, fallbackFrom: String? = nil) {
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.attempts = attempts
        self.fallbackFrom = fallbackFrom
    }
}

/// A non-streamed completion and the route that produced it.
public struct ExecutedCompletion: Sendable {
    public var completion: ProviderCompletion
    public var route: UpstreamRoute
}

/// A started stream and the route it comes from.
public struct ExecutedStream: Sendable {
    public var stream: CompletionStream
    public var route: UpstreamRoute
}

/// Executes a decoded chat request against the providers: resolves the public model name and calls the
/// upstream that serves it. The one place that decides which upstream answers.
public struct ChatExecutor: Sendable {
    public let catalog: ModelCatalog

    public init(catalog: ModelCatalog) {
        self.catalog = catalog
    }

    /// Runs a non-streamed completion.
    public func complete(_ request: ChatRequest, requestID: String) async throws -> ExecutedCompletion {
        let model = try catalog.resolve(request.typed.model)
        let call = ProviderCall(request: request, upstreamModel: model.upstreamModel, requestID: requestID)
        let completion = try await model.provider.complete(call)
        return ExecutedCompletion(completion: completion, route: UpstreamRoute(provider: model.provider.name, upstreamModel: model.upstreamModel))
    }

    /// Starts a streamed completion; returns once the upstream accepted it.
    public func stream(_ request: ChatRequest, requestID: String) async throws -> ExecutedStream {
        let model = try catalog.resolve(request.typed.model)
        let call = ProviderCall(request: request, upstreamModel: model.upstreamModel, requestID: requestID)
        let stream = try await model.provider.stream(call)
        return ExecutedStream(stream: stream, route: UpstreamRoute(provider: model.provider.name, upstreamModel: model.upstreamModel))
    }
}
