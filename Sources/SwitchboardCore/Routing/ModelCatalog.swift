/// A public model name resolved to the provider that serves it and the name that provider knows it by.
public struct ResolvedModel: Sendable {
    /// The name the client used.
    public var publicName: String
    public var provider: any LLMProvider
    public var upstreamModel: String
}

/// A public model name configured to map to a provider and upstream model.
public struct ModelAlias: Sendable, Equatable {
    public var name: String
    public var provider: String
    public var upstreamModel: String

    public init(name: String, provider: String, upstreamModel: String) {
        self.name = name
        self.provider = provider
        self.upstreamModel = upstreamModel
    }
}

/// Knows every provider and alias, resolves the `model` of a request, and lists what may be used.
///
/// Addressing: a configured alias by its public name, or `provider/model` for any configured provider
/// (the model part is passed upstream as it is, so `openai/ft:gpt-4o-mini:acme` works too).
public struct ModelCatalog: Sendable {
    /// Providers by name.
    public let providers: [String: any LLMProvider]
    /// Aliases by public name.
    public let aliases: [String: ModelAlias]

    public init(providers: [any LLMProvider], aliases: [ModelAlias]) {
        self.providers = Dictionary(providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.aliases = Dictionary(aliases.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Resolves `model`, or throws a 404 that lists nothing secret.
    public func resolve(_ model: String) throws(GatewayError) -> ResolvedModel {
        if let alias = aliases[model], let provider = providers[alias.provider] {
            return ResolvedModel(publicName: model, provider: provider, upstreamModel: alias.upstreamModel)
        }
        if let slash = model.firstIndex(of: "/") {
            let providerName = String(model[..<slash])
            let upstream = String(model[model.index(after: slash)...])
            if let provider = providers[providerName], !upstream.isEmpty {
                return ResolvedModel(publicName: model, provider: provider, upstreamModel: upstream)
            }
        }
        throw .modelNotFound(model)
    }

    /// Every model name a caller may use: aliases first, then each provider's advertised models, sorted.
    public var listedModels: [(id: String, ownedBy: String)] {
        let aliasEntries = aliases.values.map { (id: $0.name, ownedBy: $0.provider) }.sorted { $0.id < $1.id }
        let providerEntries = providers.values.flatMap { provider in
            provider.advertisedModels.map { (id: "\(provider.name)/\($0)", ownedBy: provider.name) }
        }.sorted { $0.id < $1.id }
        return aliasEntries + providerEntries
    }
}
