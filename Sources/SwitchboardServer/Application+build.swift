import AsyncHTTPClient
import Hummingbird
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStorage

/// Everything a gateway application is built from; tests pass memory versions and an in-process upstream.
public struct GatewayDependencies: Sendable {
    public var configuration: GatewayConfiguration
    public var adminKeyHash: String
    public var httpClient: HTTPClient
    public var database: any ReadinessCheck
    public var governance: Governance
    public var logger: Logger
    /// The clock of breakers, retry budgets, RPM caps, backoff and client deadlines; tests may drive their own.
    public var routingTime: TimeSource = .continuous
    /// Randomness for backoff jitter and weighted picks.
    public var routingRandom: any RandomSource = SystemRandomSource()

    public init(
        configuration: GatewayConfiguration, adminKeyHash: String, httpClient: HTTPClient, database: any ReadinessCheck,
        governance: Governance, logger: Logger
    ) {
        self.configuration = configuration
        self.adminKeyHash = adminKeyHash
        self.httpClient = httpClient
        self.database = database
        self.governance = governance
        self.logger = logger
    }
}

extension SQLiteDatabase: ReadinessCheck {}

/// Builds the gateway application from its dependencies. The caller owns the HTTP client's lifecycle.
public func buildApplication(
    _ dependencies: GatewayDependencies, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let configuration = dependencies.configuration
    let clients = UpstreamClients(
        shared: dependencies.httpClient, defaults: configuration.timeouts, timeoutSets: ProviderFactory.timeoutSets(configuration)
    )
    let providers = ProviderFactory.makeProviders(configuration.providers, clients: clients, defaults: configuration.timeouts)
    let deploymentProviders = ProviderFactory.makeDeploymentProviders(
        configuration.aliases, settings: configuration.providers, clients: clients, defaults: configuration.timeouts
    )
    let catalog = ModelCatalog(providers: providers, aliases: configuration.aliases, deploymentProviders: deploymentProviders)
    let executor = ChatExecutor(
        catalog: catalog, settings: configuration.routing, time: dependencies.routingTime, random: dependencies.routingRandom,
        logger: dependencies.logger
    )
    let router = buildRouter(catalog: catalog, executor: executor, dependencies: dependencies)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "switchboard"),
        services: clients.ownedServices,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: dependencies.logger
    )
}

/// The routes: health and readiness open, `/v1` for any key, `/admin/v1` for the admin key only.
func buildRouter(catalog: ModelCatalog, executor: ChatExecutor, dependencies: GatewayDependencies) -> Router<GatewayRequestContext> {
    let governance = dependencies.governance
    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: OpenAIErrorMiddleware())
    router.addRoutes(HealthController(database: dependencies.database, providerCount: catalog.providers.count).endpoints)
    let authentication = AuthenticationMiddleware(
        adminKeyHash: dependencies.adminKeyHash, directory: governance.directory, clock: governance.clock
    )
    let accounting = ChatAccounting(admission: governance.admission, sink: governance.usage, clock: governance.clock)
    let api = router.group("v1").add(middleware: authentication)
    api.addRoutes(ChatCompletionsController(
        executor: executor, accounting: accounting, maxBodyBytes: dependencies.configuration.maxBodyBytes
    ).endpoints)
    api.addRoutes(ModelsController(catalog: catalog).endpoints)
    let admin = router.group("admin/v1").add(middleware: authentication).add(middleware: AdminOnlyMiddleware())
    admin.addRoutes(TenantsController(admin: governance.admin).endpoints, atPath: "tenants")
    admin.addRoutes(KeysController(admin: governance.admin).endpoints, atPath: "keys")
    admin.addRoutes(UsageController(admin: governance.admin).endpoints, atPath: "usage")
    admin.addRoutes(CircuitsController(executor: executor).endpoints, atPath: "circuits")
    return router
}
