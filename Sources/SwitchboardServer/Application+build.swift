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
    public var logger: Logger

    public init(configuration: GatewayConfiguration, adminKeyHash: String, httpClient: HTTPClient, database: any ReadinessCheck, logger: Logger) {
        self.configuration = configuration
        self.adminKeyHash = adminKeyHash
        self.httpClient = httpClient
        self.database = database
        self.logger = logger
    }
}

extension SQLiteDatabase: ReadinessCheck {}

/// Builds the gateway application from its dependencies. The caller owns the HTTP client's lifecycle.
public func buildApplication(
    _ dependencies: GatewayDependencies, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let configuration = dependencies.configuration
    let providers = ProviderFactory.makeProviders(configuration.providers, client: dependencies.httpClient, defaults: configuration.timeouts)
    let catalog = ModelCatalog(providers: providers, aliases: configuration.aliases)
    let router = buildRouter(
        catalog: catalog, adminKeyHash: dependencies.adminKeyHash, database: dependencies.database,
        maxBodyBytes: configuration.maxBodyBytes
    )
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "switchboard"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: dependencies.logger
    )
}

/// The routes: health and readiness open, everything under `/v1` authenticated.
func buildRouter(catalog: ModelCatalog, adminKeyHash: String, database: any ReadinessCheck, maxBodyBytes: Int) -> Router<GatewayRequestContext> {
    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: OpenAIErrorMiddleware())
    router.addRoutes(HealthController(database: database, providerCount: catalog.providers.count).endpoints)
    let api = router.group("v1").add(middleware: AuthenticationMiddleware(adminKeyHash: adminKeyHash))
    api.addRoutes(ChatCompletionsController(executor: ChatExecutor(catalog: catalog), maxBodyBytes: maxBodyBytes).endpoints)
    api.addRoutes(ModelsController(catalog: catalog).endpoints)
    return router
}
