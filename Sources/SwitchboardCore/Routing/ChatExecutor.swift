import Logging

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
    /// The name of the deployment that answered.
    public var deployment: String?

    public init(provider: String, upstreamModel: String, attempts: Int = 1, fallbackFrom: String? = nil, deployment: String? = nil) {
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.attempts = attempts
        self.fallbackFrom = fallbackFrom
        self.deployment = deployment
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

/// Where one request may go: the routes the rules chose (the model's own, then its fallbacks'), or the one
/// deployment pinned for debugging.
public struct RoutePlan: Sendable {
    let chain: [ModelRoute]
    let pinned: Deployment?
    /// The route tried when the upstream says the request exceeds the context window.
    let contextWindowFallback: ModelRoute?

    /// Every deployment that may serve the request, in the order they would be considered: the model's own,
    /// then its fallbacks', then its context-window fallback's. For estimating the worst-case cost.
    public var deployments: [Deployment] {
        if let pinned { return [pinned] }
        return chain.flatMap(\.deployments) + (contextWindowFallback?.deployments ?? [])
    }
}

/// Executes a decoded chat request against the providers: applies the routing rules, resolves the model to
/// its deployments and fallbacks, and runs attempts with failover, backoff, the retry budget, circuit
/// breakers and the client's deadline. The one place that decides which upstream answers.
public struct ChatExecutor: Sendable {
    public let catalog: ModelCatalog
    public let settings: RoutingSettings
    /// Live state of every deployment (circuits, load, latency).
    public let registry: DeploymentRegistry
    public let retryBudget: RetryBudget
    let time: TimeSource
    let picker: DeploymentPicker
    let tracer: GatewayTracer

    /// - Parameters:
    ///   - time: the clock for breakers, budgets, caps, backoff and deadlines.
    ///   - random: the source for jitter and weighted picks.
    ///   - logger: where circuit transitions are logged.
    ///   - observer: told about every upstream attempt (metrics).
    ///   - tracer: where each attempt's span goes, its context sent upstream as `traceparent`.
    public init(
        catalog: ModelCatalog, settings: RoutingSettings = .init(), time: TimeSource = .continuous,
        random: any RandomSource = SystemRandomSource(), logger: Logger = Logger(label: "switchboard.routing"),
        observer: any AttemptObserver = NoAttemptObserver(), tracer: GatewayTracer = .off
    ) {
        self.catalog = catalog
        self.tracer = tracer
        self.settings = settings
        self.time = time
        self.registry = DeploymentRegistry(breaker: settings.circuitBreaker, time: time, logger: logger, observer: observer)
        self.retryBudget = RetryBudget(settings: settings.retryBudget, time: time)
        self.picker = DeploymentPicker(random: random)
    }

    /// Where a request may go, as its execution will see it: the rules see the request's own metadata unless
    /// `context` carries some. Made once per request, for pricing before the call and for the call itself.
    public func plan(for request: ChatRequest, context: RoutingContext = .init()) throws(GatewayError) -> RoutePlan {
        var context = context
        if context.metadata.isEmpty { context.metadata = request.typed.metadata ?? [:] }
        return try plan(for: request.typed.model, context: context)
    }

    /// Where a request for `model` may go under `context`.
    public func plan(for model: String, context: RoutingContext = .init()) throws(GatewayError) -> RoutePlan {
        let (chain, pinned) = try chain(for: model, context: context)
        let larger = pinned == nil ? chain.first?.contextWindowFallback.flatMap { try? catalog.route($0) } : nil
        return RoutePlan(chain: chain, pinned: pinned, contextWindowFallback: larger)
    }

    /// Runs a non-streamed completion, along `plan` when the caller made it already.
    public func complete(
        _ request: ChatRequest, requestID: String, context: RoutingContext = .init(), plan: RoutePlan? = nil
    ) async throws -> ExecutedCompletion {
        let failover = try failover(for: request, context: context, plan: plan)
        let registry = registry
        let tracer = tracer
        let (completion, route, _) = try await failover.run(keepsTicket: false) { deployment, ticket in
            let span = AttemptSpan.start(tracer, deployment: deployment, request: request.typed)
            defer { span?.end() }
            do {
                let call = ProviderCall(
                    request: request, upstreamModel: deployment.upstreamModel, requestID: requestID,
                    traceHeaders: span.map { tracer.propagationHeaders(for: $0.context) } ?? []
                )
                let completion = try await deployment.provider.complete(call)
                registry.recordFirstByte(ticket)
                span?.recordAnswer(usage: completion.usage)
                return completion
            } catch {
                span?.recordAttemptFailure(error)
                throw error
            }
        }
        return ExecutedCompletion(completion: completion, route: route)
    }

    /// Starts a streamed completion; returns once the upstream sent its first chunk, so that a failure
    /// before then fails over without the client noticing. Goes along `plan` when the caller made it already.
    public func stream(
        _ request: ChatRequest, requestID: String, context: RoutingContext = .init(), plan: RoutePlan? = nil
    ) async throws -> ExecutedStream {
        let failover = try failover(for: request, context: context, plan: plan)
        let registry = registry
        let tracer = tracer
        let (started, route, ticket) = try await failover.run(keepsTicket: true) { deployment, attemptTicket in
            // The span stays open until the stream ends, when it gets the usage of the last chunk.
            let span = AttemptSpan.start(tracer, deployment: deployment, request: request.typed)
            do {
                let call = ProviderCall(
                    request: request, upstreamModel: deployment.upstreamModel, requestID: requestID,
                    traceHeaders: span.map { tracer.propagationHeaders(for: $0.context) } ?? []
                )
                let started = try await StartedStream.start(deployment.provider.stream(call), span: span)
                registry.recordFirstByte(attemptTicket)
                return started
            } catch {
                span?.recordAttemptFailure(error)
                span?.end()
                throw error
            }
        }
        let stream = started.remainder(
            registry: registry, ticket: ticket, deadline: failover.deadline, timeout: failover.timeout, time: time
        )
        return ExecutedStream(stream: stream, route: route)
    }

    @inline(never)
    private func failover(for request: ChatRequest, context: RoutingContext, plan: RoutePlan?) throws(GatewayError) -> Failover {
        let plan = if let plan { plan } else { try self.plan(for: request, context: context) }
        let timeout = context.timeout.map { min($0, settings.maxClientTimeout) }
        return Failover(
            catalog: catalog, chain: plan.chain, pinned: plan.pinned, policy: settings.retry, registry: registry, budget: retryBudget,
            picker: picker, time: time, timeout: timeout, deadline: timeout.map { time.now + $0 }
        )
    }

    /// The model the rules choose, then its fallbacks; or the one pinned deployment.
    private func chain(for model: String, context: RoutingContext) throws(GatewayError) -> (chain: [ModelRoute], pinned: Deployment?) {
        let target = RoutingRule.apply(settings.rules, model: model, context: context, flags: settings.flags)
        let primary = try catalog.route(target)
        if let pin = context.pinnedDeployment {
            guard context.isAdmin else { throw .pinningNeedsAdmin }
            guard let deployment = primary.deployments.first(where: { $0.name == pin }) else {
                throw .unknownDeployment(pin, model: target)
            }
            return ([primary], deployment)
        }
        var chain = [primary]
        for name in primary.fallbacks where !chain.contains(where: { $0.name == name }) {
            if let route = try? catalog.route(name) { chain.append(route) }
        }
        return (chain, nil)
    }
}
