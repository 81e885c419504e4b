import SwitchboardCore

/// Builds the configured providers, and the per-deployment provider instances of deployments with their
/// own timeouts, over the shared upstream connections.
enum ProviderFactory {
    static func makeProviders(
        _ settings: [ProviderSettings], connections: UpstreamConnectionPool, defaults: UpstreamTimeouts
    ) -> [any LLMProvider] {
        settings.map { makeProvider($0, timeouts: $0.timeouts ?? defaults, connections: connections) }
    }

    /// Provider instances by deployment id, for deployments whose timeouts differ from their provider's.
    static func makeDeploymentProviders(
        _ aliases: [ModelAlias], settings: [ProviderSettings], connections: UpstreamConnectionPool, defaults: UpstreamTimeouts
    ) -> [String: any LLMProvider] {
        var providers: [String: any LLMProvider] = [:]
        for alias in aliases {
            for deployment in alias.deployments {
                guard let timeouts = deployment.timeouts, let provider = settings.first(where: { $0.name == deployment.provider }),
                      timeouts != (provider.timeouts ?? defaults) else { continue }
                providers[ModelCatalog.deploymentID(model: alias.name, name: deployment.name)] =
                    makeProvider(provider, timeouts: timeouts, connections: connections)
            }
        }
        return providers
    }

    private static func makeProvider(
        _ provider: ProviderSettings, timeouts: UpstreamTimeouts, connections: UpstreamConnectionPool
    ) -> any LLMProvider {
        let http = UpstreamHTTP(connections: connections, timeouts: timeouts, provider: provider.name)
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
