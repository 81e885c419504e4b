import Hummingbird
import NIOCore
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStorage

/// Everything a gateway application is built from; tests pass memory versions and an in-process upstream.
public struct GatewayDependencies: Sendable {
    public var configuration: GatewayConfiguration
    public var adminKeyHash: String
    /// The upstream keep-alive connections; the caller shuts them down (``UpstreamConnectionsService``).
    public var connections: UpstreamConnectionPool
    public var database: any ReadinessCheck
    public var governance: Governance
    public var logger: Logger
    /// The clock of breakers, retry budgets, RPM caps, backoff and client deadlines; tests may drive their own.
    public var routingTime: TimeSource = .continuous
    /// Randomness for backoff jitter and weighted picks.
    public var routingRandom: any RandomSource = SystemRandomSource()
    /// The Prometheus metrics `/metrics` renders; each application gets its own registry unless given one.
    public var metrics = GatewayMetrics()
    /// Where request spans go (see ``TracingBackend``); off unless given.
    public var tracer = GatewayTracer.off
    /// Called with the port of the separate metrics server once it listens (when `metrics.port` is set).
    public var onMetricsServerRunning: @Sendable (Int) async -> Void = { _ in }

    public init(
        configuration: GatewayConfiguration, adminKeyHash: String, connections: UpstreamConnectionPool, database: any ReadinessCheck,
        governance: Governance, logger: Logger
    ) {
        self.configuration = configuration
        self.adminKeyHash = adminKeyHash
        self.connections = connections
        self.database = database
        self.governance = governance
        self.logger = logger
    }
}

extension SQLiteDatabase: ReadinessCheck {}

/// Builds the gateway's servers from its dependencies, as one service: the API server, and the metrics server when
/// metrics have a port of their own. The caller owns the upstream connections' lifecycle.
public func buildApplication(
    _ dependencies: GatewayDependencies, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some Service {
    let configuration = dependencies.configuration
    let connections = dependencies.connections
    let providers = ProviderFactory.makeProviders(configuration.providers, connections: connections, defaults: configuration.timeouts)
    let deploymentProviders = ProviderFactory.makeDeploymentProviders(
        configuration.aliases, settings: configuration.providers, connections: connections, defaults: configuration.timeouts
    )
    let catalog = ModelCatalog(providers: providers, aliases: configuration.aliases, deploymentProviders: deploymentProviders)
    let executor = ChatExecutor(
        catalog: catalog, settings: configuration.routing, time: dependencies.routingTime, random: dependencies.routingRandom,
        logger: dependencies.logger, observer: MetricsAttemptObserver(metrics: dependencies.metrics), tracer: dependencies.tracer
    )
    let hangUps = ConnectionHangUps()
    let (router, routes) = try buildRouter(catalog: catalog, executor: executor, hangUps: hangUps, dependencies: dependencies)
    let limits = RequestDriver.Limits(
        maxBodyBytes: configuration.maxBodyBytes, bodyTimeout: TimeAmount(configuration.bodyTimeout),
        keepAliveTimeout: TimeAmount(configuration.keepAliveTimeout), sendTimeout: TimeAmount(configuration.sendTimeout)
    )
    var servers: [any Service] = []
    let observability = configuration.observability
    if observability.metricsEnabled, let metricsPort = observability.metricsPort {
        let metricsRouter = Router(context: GatewayRequestContext.self)
        metricsRouter.addRoutes(metricsController(executor: executor, dependencies: dependencies).endpoints)
        let metricsServing = RequestServing(router: metricsRouter, logger: dependencies.logger, serverName: "switchboard-metrics")
        servers.append(GatewayListener(
            configuration: .init(
                host: configuration.host, port: metricsPort, backlog: configuration.listenBacklog,
                maxConnections: ConnectionLimit.resolve(configured: configuration.maxConnections)
            ),
            group: .singleton, connection: GatewayHTTP1Channel(serving: metricsServing, limits: limits),
            onRunning: dependencies.onMetricsServerRunning, logger: dependencies.logger
        ))
    }
    let serving = RequestServing(
        router: router, routes: routes, logger: dependencies.logger, serverName: GatewayHTTP1Channel.serverName,
        everyAnswer: SecurityHeaders.everyAnswer(hsts: configuration.hsts)
    )
    // Every connection reports its client hanging up, so a request can be cancelled without giving up keep-alive.
    servers.append(GatewayListener(
        configuration: .init(
            host: configuration.host, port: configuration.port, backlog: configuration.listenBacklog,
            maxConnections: ConnectionLimit.resolve(configured: configuration.maxConnections)
        ),
        group: .singleton, connection: GatewayHTTP1Channel(serving: serving, limits: limits, connectionHandlers: { [hangUps.handler()] }),
        onRunning: onServerRunning, logger: dependencies.logger
    ))
    return ServiceGroup(configuration: .init(services: servers, logger: dependencies.logger))
}

/// The routes: health and readiness open, `/v1` for any key, `/admin/v1` for the admin key only. The `/v1` routes
/// are served ahead of Hummingbird's router, in the request task's isolation (``GatewayRoutes``), through the
/// same middleware as the router's routes.
func buildRouter(
    catalog: ModelCatalog, executor: ChatExecutor, hangUps: ConnectionHangUps, dependencies: GatewayDependencies
) throws -> (Router<GatewayRequestContext>, GatewayRoutes) {
    let governance = dependencies.governance
    let router = Router(context: GatewayRequestContext.self)
    let tracing = RequestTracingMiddleware<GatewayRequestContext>(tracer: dependencies.tracer)
    let edge = EdgeMiddleware(
        securityHeaders: SecurityHeaders(allowedOrigins: dependencies.configuration.corsAllowedOrigins), requestIDs: RequestIDGenerator()
    )
    router.add(middleware: tracing)
    router.add(middleware: edge)
    let registry = executor.registry
    router.addRoutes(HealthController(
        database: dependencies.database, providerNames: Array(catalog.providers.keys), circuits: { registry.statuses() }
    ).endpoints)
    let observability = dependencies.configuration.observability
    if observability.metricsEnabled, observability.metricsPort == nil {
        router.addRoutes(metricsController(executor: executor, dependencies: dependencies).endpoints)
    }
    let authentication = AuthenticationMiddleware(
        adminKeyHash: dependencies.adminKeyHash, directory: governance.directory, clock: governance.clock, tracer: dependencies.tracer
    )
    var accounting = ChatAccounting(admission: governance.admission, sink: governance.usage, clock: governance.clock)
    accounting.tracer = dependencies.tracer
    accounting.observer = GatewayRequestObserver(
        logger: dependencies.logger, metrics: dependencies.metrics, logPrompts: observability.logPrompts
    )
    let inFlight = InFlightMiddleware<GatewayRequestContext>(metrics: dependencies.metrics)
    // Outermost first, as the router would run them: tracing, the edge, then the key and the in-flight gauges.
    var api = GatewayRoutes { request, context, route in
        try await tracing.respond(to: request, context: context) { request, context in
            try await edge.respond(to: request, context: context) { request, context in
                try await authentication.respond(to: request, context: context) { request, context in
                    try await inFlight.respond(to: request, context: context, next: route)
                }
            }
        }
    }
    let chat = ChatCompletionsController(
        executor: executor, accounting: accounting, policy: try RequestPolicy(settings: dependencies.configuration.policy),
        maxBodyBytes: dependencies.configuration.maxBodyBytes, hangUps: hangUps
    )
    api.add(.post, "/v1/chat/completions", respond: chat.complete)
    let models = ModelsController(catalog: catalog)
    api.add(.get, "/v1/models") { request, context in try await models.list(request, context: context).response(from: request, context: context) }
    let admin = router.group("admin/v1").add(middleware: authentication).add(middleware: AdminOnlyMiddleware())
    admin.addRoutes(TenantsController(admin: governance.admin).endpoints, atPath: "tenants")
    admin.addRoutes(KeysController(admin: governance.admin).endpoints, atPath: "keys")
    admin.addRoutes(UsageController(admin: governance.admin).endpoints, atPath: "usage")
    admin.addRoutes(CircuitsController(executor: executor).endpoints, atPath: "circuits")
    admin.addRoutes(FlagsController(flags: executor.settings.flags).endpoints, atPath: "flags")
    return (router, api)
}

/// `/metrics`, reading circuit states and the ledger queue at scrape time.
func metricsController<Context: RequestContext>(executor: ChatExecutor, dependencies: GatewayDependencies) -> MetricsController<Context> {
    let registry = executor.registry
    let queue = dependencies.governance.usage as? any QueuedWork
    return MetricsController(
        metrics: dependencies.metrics,
        sources: ScrapeSources(circuits: { registry.statuses() }, ledgerQueueDepth: { queue?.queueDepth ?? 0 }),
        tokenHash: dependencies.configuration.observability.metricsToken.map { SecretHash.sha256Hex($0.value) }
    )
}

/// Work waiting to be done, for the metrics (the usage ledger's queue).
protocol QueuedWork: Sendable {
    var queueDepth: Int { get }
}

extension UsageLedgerWriter: QueuedWork {}
