import AsyncHTTPClient
import SwitchboardCore

/// Builds the configured providers, and the per-deployment provider instances of deployments with their
/// own timeouts, over the upstream HTTP clients.
enum ProviderFactory {
    static func makeProviders(_ settings: [ProviderSettings], client: HTTPClient, defaults: UpstreamTimeouts) -> [any LLMProvider] {
        makeProviders(settings, clients: UpstreamClients(shared: client, defaults: defaults), defaults: defaults)
    }

    static func makeProviders(_ settings: [ProviderSettings], clients: UpstreamClients, defaults: UpstreamTimeouts) -> [any LLMProvider] {
        settings.map { makeProvider($0, timeouts: $0.timeouts ?? defaults, clients: clients) }
    }

    /// Provider instances by deployment id, for deployments whose timeouts differ from their provider's.
    static func makeDeploymentProviders(
        _ aliases: [ModelAlias], settings: [ProviderSettings], clients: UpstreamClients, defaults: UpstreamTimeouts
    ) -> [String: any LLMProvider] {
        var providers: [String: any LLMProvider] = [:]
        for alias in aliases {
            for deployment in alias.deployments {
                guard let timeouts = deployment.timeouts, let provider = settings.first(where: { $0.name == deployment.provider }),
                      timeouts != (provider.timeouts ?? defaults) else { continue }
                providers[ModelCatalog.deploymentID(model: alias.name, name: deployment.name)] =
                    makeProvider(provider, timeouts: timeouts, clients: clients)
            }
        }
        return providers
    }

    /// Every timeout set in use, so that ``UpstreamClients`` can create a client for each.
    static func timeoutSets(_ configuration: GatewayConfiguration) -> [UpstreamTimeouts] {
        configuration.providers.map { $0.timeouts ?? configuration.timeouts }
            + configuration.aliases.flatMap { $0.deployments.compactMap(\.timeouts) }
    }

    private static func makeProvider(_ provider: ProviderSettings, timeouts: UpstreamTimeouts, clients: UpstreamClients) -> any LLMProvider {
        let http = UpstreamHTTP(client: clients.client(for: timeouts), timeouts: timeouts, provider: provider.name)
        let models = provider.models ?? ProviderSettings.defaultModels(provider.kind)
        let key = provider.apiKey?.value ?? ""
        switch provider.kind {
        case .mock:
            return MockProvider(name: provider.name)
        case .openAI:
            let base = provider.baseURL ?? ProviderSettings.defaultBaseURL(.openAI)!
            return OpenAIProvider(name: provider.name, endpoint: .openAI(baseURL: base), apiKey: key, advertisedModels: models, http: http)
        case .azureOpenAI:
            return OpenAIProvider(
                name: provider.name,
                endpoint: .azure(endpoint: provider.endpoint ?? "", apiVersion: provider.apiVersion ?? "2024-10-21"),
                apiKey: key, advertisedModels: models, http: http
            )
        case .anthropic:
            return AnthropicProvider(
                name: provider.name, baseURL: provider.baseURL ?? ProviderSettings.defaultBaseURL(.anthropic)!, apiKey: key,
                apiVersion: provider.apiVersion ?? "2023-06-01", advertisedModels: models, http: http
            )
        }
    }

    /// An upstream client: connect and idle (read) timeouts, no hidden retries, no redirects.
    static func makeHTTPClient(timeouts: UpstreamTimeouts) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(
            connect: timeouts.connect.timeAmount,
            read: timeouts.idle.timeAmount
        )
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        // Retries are the router's alone: the client must not silently retry a failed connection attempt.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}

/// The upstream HTTP clients: the shared one for the default connect and idle timeouts, and one more per
/// other (connect, idle) pair a provider or deployment configures, since AsyncHTTPClient sets those per
/// client. The extra clients are owned here and shut down by the services in ``ownedServices``.
struct UpstreamClients: Sendable {
    private struct Key: Hashable {
        var connect: Duration
        var idle: Duration
        init(_ timeouts: UpstreamTimeouts) {
            connect = timeouts.connect
            idle = timeouts.idle
        }
    }

    let shared: HTTPClient
    private let sharedKey: Key
    private let extra: [Key: HTTPClient]

    /// - Parameter timeoutSets: every timeout set in use; a client is created for each other pair.
    init(shared: HTTPClient, defaults: UpstreamTimeouts, timeoutSets: [UpstreamTimeouts] = []) {
        self.shared = shared
        self.sharedKey = Key(defaults)
        var extra: [Key: HTTPClient] = [:]
        for timeouts in timeoutSets where Key(timeouts) != sharedKey && extra[Key(timeouts)] == nil {
            extra[Key(timeouts)] = ProviderFactory.makeHTTPClient(timeouts: timeouts)
        }
        self.extra = extra
    }

    func client(for timeouts: UpstreamTimeouts) -> HTTPClient {
        extra[Key(timeouts)] ?? shared
    }

    /// Services that shut the extra clients down after the server drained.
    var ownedServices: [HTTPClientService] { extra.values.map { HTTPClientService(client: $0) } }
}
