import AsyncHTTPClient
import SwitchboardCore

/// Builds the configured providers over one shared HTTP client.
enum ProviderFactory {
    static func makeProviders(_ settings: [ProviderSettings], client: HTTPClient, defaults: UpstreamTimeouts) -> [any LLMProvider] {
        settings.map { provider in
            let http = UpstreamHTTP(client: client, timeouts: provider.timeouts ?? defaults, provider: provider.name)
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
    }

    /// The shared upstream client: connect and idle (read) timeouts, no hidden retries, no redirects.
    static func makeHTTPClient(timeouts: UpstreamTimeouts) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(
            connect: timeouts.connect.timeAmount,
            read: timeouts.idle.timeAmount
        )
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
