/// A public model name resolved to the provider that serves it and the name that provider knows it by.
public struct ResolvedModel: Sendable {
    /// The name the client used.
    public var publicName: String
    public var provider: any LLMProvider
    public var upstreamModel: String
}

/// A public model name configured to map to one or more deployments.
public struct ModelAlias: Sendable, Equatable {
    public var name: String
    public var deployments: [DeploymentSpec]
    public var strategy: RoutingStrategy
    public var fallbacks: [String]
    public var contextWindowFallback: String?

    /// A model served by exactly one provider and upstream model.
    public init(name: String, provider: String, upstreamModel: String) {
        self.init(name: name, deployments: [DeploymentSpec(provider: provider, upstreamModel: upstreamModel)])
    }

    public init(
        name: String, deployments: [DeploymentSpec], strategy: RoutingStrategy = .priority, fallbacks: [String] = [],
        contextWindowFallback: String? = nil
    ) {
        self.name = name
        self.deployments = deployments
        self.strategy = strategy
        self.fallbacks = fallbacks
        self.contextWindowFallback = contextWindowFallback
    }

    /// The provider of the first deployment (the one listed as owner).
    public var provider: String { deployments.first?.provider ?? "" }
    /// The upstream model of the first deployment.
    public var upstreamModel: String { deployments.first?.upstreamModel ?? "" }
}

/// Knows every provider and alias, resolves the `model` of a request, and lists what may be used.
///
/// Addressing: a configured alias by its public name, or `provider/model` for any configured provider
/// (the model part is passed upstream as it is, so `openai/ft:gpt-4o-mini:acme` works too), which is a
/// model with a single implicit deployment.
public struct ModelCatalog: Sendable {
    /// Providers by name.
    public let providers: [String: any LLMProvider]
    /// Aliases by public name.
    public let aliases: [String: ModelAlias]
    private let routes: [String: ModelRoute]

    /// - Parameter deploymentProviders: provider instances by deployment id, for deployments whose own
    ///   timeouts need a differently configured provider; others use `providers`.
    public init(providers: [any LLMProvider], aliases: [ModelAlias], deploymentProviders: [String: any LLMProvider] = [:]) {
        let providers = Dictionary(providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.providers = providers
        self.aliases = Dictionary(aliases.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var routes: [String: ModelRoute] = [:]
        for alias in self.aliases.values {
            let deployments = alias.deployments.compactMap { spec -> Deployment? in
                let id = Self.deploymentID(model: alias.name, name: spec.name)
                guard let provider = deploymentProviders[id] ?? providers[spec.provider] else { return nil }
                return Deployment(
                    id: id, name: spec.name, model: alias.name, provider: provider, upstreamModel: spec.upstreamModel,
                    weight: spec.weight, priority: spec.priority, maxConcurrent: spec.maxConcurrent,
                    requestsPerMinute: spec.requestsPerMinute
                )
            }
            guard !deployments.isEmpty else { continue }
            routes[alias.name] = ModelRoute(
                name: alias.name, deployments: deployments, strategy: alias.strategy, fallbacks: alias.fallbacks,
                contextWindowFallback: alias.contextWindowFallback
            )
        }
        self.routes = routes
    }

    /// The id of a configured deployment.
    public static func deploymentID(model: String, name: String) -> String { "\(model)#\(name)" }

    /// Resolves `model` to its deployments and fallbacks, or throws a 404 that lists nothing secret.
    public func route(_ model: String) throws(GatewayError) -> ModelRoute {
        if let route = routes[model] { return route }
        if let slash = model.firstIndex(of: "/") {
            let providerName = String(model[..<slash])
            let upstream = String(model[model.index(after: slash)...])
            if let provider = providers[providerName], !upstream.isEmpty {
                let deployment = Deployment(id: model, name: model, model: model, provider: provider, upstreamModel: upstream)
                return ModelRoute(name: model, deployments: [deployment], strategy: .priority, fallbacks: [])
            }
        }
        throw .modelNotFound(model)
    }

    /// Resolves `model` to its first deployment, or throws a 404 that lists nothing secret.
    public func resolve(_ model: String) throws(GatewayError) -> ResolvedModel {
        let deployment = try route(model).deployments[0]
        return ResolvedModel(publicName: model, provider: deployment.provider, upstreamModel: deployment.upstreamModel)
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
