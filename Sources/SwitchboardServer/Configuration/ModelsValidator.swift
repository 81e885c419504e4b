import SwitchboardCore

/// Checks what the `models:` and `routing.rules` sections refer to once every provider is known: each
/// deployment's provider exists, fallbacks and rule targets name a usable model, and deployment timeouts
/// are completed from their provider's.
struct ModelsValidator {
    let file: ConfigFile
    let providers: [ProviderSettings]
    let defaults: UpstreamTimeouts

    /// The aliases ready to use, and every problem found.
    func validate() -> (aliases: [ModelAlias], problems: [ConfigProblem]) {
        var problems: [ConfigProblem] = []
        var aliases = file.aliases
        let names = Set(aliases.map(\.name))
        for aliasIndex in aliases.indices {
            let alias = aliases[aliasIndex]
            let path = "models.\(alias.name)"
            let listed = file.aliasesWithDeploymentList.contains(alias.name)
            for index in alias.deployments.indices {
                let deployment = alias.deployments[index]
                let fieldPath = listed ? "\(path).deployments[\(index)].provider" : "\(path).provider"
                guard let provider = providers.first(where: { $0.name == deployment.provider }) else {
                    problems.append(ConfigProblem(path: fieldPath, reason: "no provider named '\(deployment.provider)' is configured"))
                    continue
                }
                aliases[aliasIndex].deployments[index].timeouts = deployment.timeouts?.filled(from: provider.timeouts ?? defaults)
            }
            for (index, fallback) in alias.fallbacks.enumerated() where !isModel(fallback, names: names) || fallback == alias.name {
                problems.append(ConfigProblem(path: "\(path).fallbacks[\(index)]", reason: reason(fallback, own: alias.name)))
            }
            if let larger = alias.contextWindowFallback, !isModel(larger, names: names) || larger == alias.name {
                problems.append(ConfigProblem(path: "\(path).context_window_fallback", reason: reason(larger, own: alias.name)))
            }
        }
        // Rules are kept in file order; an invalid one was already dropped, so index by target.
        for (index, rule) in file.routing.rules.enumerated() where !isModel(rule.target, names: names) {
            problems.append(ConfigProblem(path: "routing.rules[\(index)].use", reason: "'\(rule.target)' is neither a model in models: nor provider/model"))
        }
        return (aliases, problems)
    }

    private func reason(_ name: String, own: String) -> String {
        name == own ? "a model cannot fall back to itself" : "'\(name)' is neither a model in models: nor provider/model of a configured provider"
    }

    /// Whether `name` is an alias or `provider/model` of a configured provider.
    private func isModel(_ name: String, names: Set<String>) -> Bool {
        if names.contains(name) { return true }
        guard let slash = name.firstIndex(of: "/") else { return false }
        let provider = String(name[..<slash])
        return !name[name.index(after: slash)...].isEmpty && providers.contains { $0.name == provider }
    }
}
