import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStorage

/// Runs the gateway process: opens the database, settles the admin key, serves until SIGTERM/SIGINT, then
/// drains in-flight requests and streams for up to the configured grace period.
public struct GatewayServer: Sendable {
    public let configuration: GatewayConfiguration
    public let logger: Logger
    /// Where the start-up banner goes (stdout in the executable).
    public let print: @Sendable (String) -> Void

    public init(configuration: GatewayConfiguration, logger: Logger, print: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.logger = logger
        self.print = print
    }

    public func run() async throws {
        // The descriptor limit is raised, then read, once: the application is built with the resolved limit.
        let descriptors = ConnectionLimit.descriptorLimit(raisingToHard: true)
        var resolved = self.configuration
        resolved.maxConnections = ConnectionLimit.resolve(configured: resolved.maxConnections)
        let configuration = resolved
        logger.info("connection limit", metadata: [
            "max_connections": "\(configuration.maxConnections ?? 0)", "descriptor_limit": "\(descriptors)",
        ])
        // Held until `run` returns, so that `switchboard restore` refuses while this server has the database open.
        let lock = try DataDirectoryLock(directory: configuration.dataDirectory)
        defer { withExtendedLifetime(lock) {} }
        let database = try SQLiteDatabase(directory: configuration.dataDirectory)
        let admin = try await AdminKeyBootstrap.resolve(configuration: configuration, store: SQLiteAdminKeyStore(database: database))
        let connections = UpstreamConnectionPool()
        let store = SQLiteGovernanceStore(database: database)
        let usageRepository = SQLiteUsageRepository(database: database)
        let ledger = UsageLedgerWriter(repository: usageRepository, logger: logger, flushInterval: configuration.governance.flushInterval)
        let governance = Governance(
            tenants: store, keys: store, usageRepository: usageRepository, usage: ledger, settings: configuration.governance
        )
        try await governance.load()
        let refresher = KeyDirectoryRefresher(
            directory: governance.directory, tenants: store, keys: store, changes: store, logger: logger
        )
        let janitor = LedgerRetentionJanitor(
            repository: usageRepository, retentionDays: configuration.governance.retentionDays, clock: governance.clock, logger: logger
        )
        var dependencies = GatewayDependencies(
            configuration: configuration, adminKeyHash: admin.hash, connections: connections, database: database, governance: governance,
            logger: logger
        )
        dependencies.metrics = GatewayMetrics(tenantLabels: configuration.observability.tenantLabels)
        let tracing = try TracingBackend.make(
            configuration.observability.tracing, environment: ProcessInfo.processInfo.environment, logger: logger
        )
        if let tracing { dependencies.tracer = tracing.tracer }
        let print = print
        let app = try buildApplication(dependencies) { port in
            print(StartupBanner(configuration: configuration, port: port, generatedAdminKey: admin.generatedKey).text)
        }
        var groupConfiguration = ServiceGroupConfiguration(
            // Shut down in reverse order: the server drains first, then the upstream connections, and the usage
            // ledger and the span exporter last, so that they write the records and spans of every drained request.
            services: (tracing.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0.service)] } ?? []) + [
                .init(service: ledger), .init(service: janitor), .init(service: refresher),
                .init(service: UpstreamConnectionsService(connections: connections)), .init(service: app),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGrace
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}

/// The text printed once the server listens: where it is, which providers are on, and how to call it.
struct StartupBanner {
    let configuration: GatewayConfiguration
    let port: Int
    let generatedAdminKey: String?

    var text: String {
        let base = "http://\(configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host):\(port)"
        let key = generatedAdminKey ?? "$SWITCHBOARD_ADMIN_KEY"
        var lines = [
            "Switchboard \(SwitchboardVersion.current) listening on \(base)",
            "Providers: \(configuration.providers.map { "\($0.name) (\($0.kind.rawValue))" }.joined(separator: ", "))",
            "Database: \(configuration.dataDirectory)/switchboard.sqlite",
        ]
        if let generatedAdminKey {
            lines += ["", "Admin key (shown only this once; only its SHA-256 hash is stored):", "  \(generatedAdminKey)"]
        } else {
            lines += ["", "Admin key: the configured SWITCHBOARD_ADMIN_KEY, or the one printed at first start."]
        }
        lines += [
            "",
            "Try it:",
            "  curl \(base)/v1/chat/completions \\",
            "    -H \"Authorization: Bearer \(key)\" -H \"Content-Type: application/json\" \\",
            "    -d '{\"model\":\"mock/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello from Switchboard\"}]}'",
            "",
            "OpenAI SDK (Python):",
            "  from openai import OpenAI",
            "  client = OpenAI(base_url=\"\(base)/v1\", api_key=\"\(key)\")",
            "  reply = client.chat.completions.create(model=\"mock/echo\", messages=[{\"role\": \"user\", \"content\": \"Hello\"}])",
            "  print(reply.choices[0].message.content)",
            "",
        ]
        return lines.joined(separator: "\n")
    }
}

/// The version this build reports.
public enum SwitchboardVersion {
    public static let current = "0.1.0"
}
