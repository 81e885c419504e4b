import SwitchboardCore
import Yams

/// The `models:` section: public model names mapped to one deployment (`provider` + `model`) or a list of
/// `deployments`, with `strategy`, `fallbacks` and `context_window_fallback`.
extension ConfigFile {
    static let modelFields = ["provider", "model", "deployments", "strategy", "fallbacks", "context_window_fallback"]
    static let deploymentFields = ["name", "provider", "model", "weight", "priority", "max_concurrent", "rpm", "timeouts"]

    mutating func readModels(_ node: Node) {
        guard let mapping = node.mapping else {
            problems.append(problem("models", node, "must be a mapping of public model names to {provider, model} or {deployments}"))
            return
        }
        for (keyNode, value) in mapping {
            let name = keyNode.string ?? ""
            if let alias = readModel(name, value, path: "models.\(name)") { aliases.append(alias) }
        }
    }

    private mutating func readModel(_ name: String, _ node: Node, path: String) -> ModelAlias? {
        var fields: [String: Node] = [:]
        for (fieldNode, fieldValue) in node.mapping ?? [:] {
            let field = fieldNode.string ?? ""
            guard Self.modelFields.contains(field) else {
                problems.append(problem("\(path).\(field)", fieldNode, "unknown key; expected one of \(Self.modelFields.joined(separator: ", "))"))
                continue
            }
            fields[field] = fieldValue
        }
        var alias = ModelAlias(name: name, deployments: [])
        if let list = fields["deployments"] {
            aliasesWithDeploymentList.insert(name)
            for key in ["provider", "model"] where fields[key] != nil {
                problems.append(problem("\(path).\(key)", fields[key]!, "give either provider and model, or deployments, not both"))
            }
            guard let items = list.sequence, !items.isEmpty else {
                problems.append(problem("\(path).deployments", list, "must be a non-empty list of {provider, model, ...}"))
                return nil
            }
            for (index, item) in items.enumerated() {
                if let deployment = readDeployment(item, path: "\(path).deployments[\(index)]") { alias.deployments.append(deployment) }
            }
            var seen: Set<String> = []
            for (index, deployment) in alias.deployments.enumerated() where !seen.insert(deployment.name).inserted {
                problems.append(ConfigProblem(path: "\(path).deployments[\(index)].name",
                                              reason: "'\(deployment.name)' is used twice in this model; give each deployment a unique name"))
            }
        } else {
            guard let provider = fields["provider"]?.scalar?.string, !provider.isEmpty else {
                problems.append(problem("\(path).provider", node, "is required"))
                return nil
            }
            guard let model = fields["model"]?.scalar?.string, !model.isEmpty else {
                problems.append(problem("\(path).model", node, "is required"))
                return nil
            }
            alias.deployments = [DeploymentSpec(provider: provider, upstreamModel: model)]
        }
        if let strategyNode = fields["strategy"] {
            let text = strategyNode.scalar?.string ?? ""
            if let strategy = RoutingStrategy(rawValue: text) {
                alias.strategy = strategy
            } else {
                let names = RoutingStrategy.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append(problem("\(path).strategy", strategyNode, "unknown strategy '\(text)'; expected one of \(names)"))
            }
        }
        if let fallbacks = fields["fallbacks"] {
            alias.fallbacks = stringList(fallbacks, path: "\(path).fallbacks") ?? []
        }
        if let larger = fields["context_window_fallback"] {
            guard let text = larger.scalar?.string, !text.isEmpty else {
                problems.append(problem("\(path).context_window_fallback", larger, "must be a model name"))
                return alias
            }
            alias.contextWindowFallback = text
        }
        return alias
    }

    private mutating func readDeployment(_ node: Node, path: String) -> DeploymentSpec? {
        guard let mapping = node.mapping else {
            problems.append(problem(path, node, "must be a mapping with at least provider and model"))
            return nil
        }
        var scalars: [String: (String, Node)] = [:]
        var timeouts: UpstreamTimeouts?
        for (fieldNode, fieldValue) in mapping {
            let field = fieldNode.string ?? ""
            guard Self.deploymentFields.contains(field) else {
                problems.append(problem("\(path).\(field)", fieldNode, "unknown key; expected one of \(Self.deploymentFields.joined(separator: ", "))"))
                continue
            }
            if field == "timeouts" {
                timeouts = readTimeouts(fieldValue, path: "\(path).timeouts")
                continue
            }
            guard let scalar = fieldValue.scalar?.string, !Self.isNull(fieldValue) else {
                problems.append(problem("\(path).\(field)", fieldValue, "must be a single value"))
                continue
            }
            scalars[field] = (scalar, fieldValue)
        }
        guard let provider = scalars["provider"]?.0, !provider.isEmpty else {
            problems.append(problem("\(path).provider", node, "is required"))
            return nil
        }
        guard let model = scalars["model"]?.0, !model.isEmpty else {
            problems.append(problem("\(path).model", node, "is required"))
            return nil
        }
        func integer(_ field: String, _ range: ClosedRange<Int>) -> Int? {
            guard let (text, valueNode) = scalars[field] else { return nil }
            guard let value = Int(text), range.contains(value) else {
                problems.append(problem("\(path).\(field)", valueNode, "'\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)"))
                return nil
            }
            return value
        }
        return DeploymentSpec(
            name: scalars["name"]?.0, provider: provider, upstreamModel: model, weight: integer("weight", 0...1_000_000) ?? 1,
            priority: integer("priority", -1_000_000...1_000_000) ?? 0, maxConcurrent: integer("max_concurrent", 1...1_000_000),
            requestsPerMinute: integer("rpm", 1...100_000_000), timeouts: timeouts
        )
    }

    /// Deployment timeouts: milliseconds over the provider's (or the global) values, resolved by the loader.
    private mutating func readTimeouts(_ node: Node, path: String) -> UpstreamTimeouts? {
        guard let mapping = node.mapping else {
            problems.append(problem(path, node, "must be a mapping of \(Self.timeoutFields.sorted().joined(separator: ", "))"))
            return nil
        }
        var timeouts = UpstreamTimeouts(connect: .zero, firstByte: .zero, idle: .zero, total: .zero)
        for (keyNode, valueNode) in mapping {
            let key = keyNode.string ?? ""
            guard Self.timeoutFields.contains(key) else {
                problems.append(problem("\(path).\(key)", keyNode, "unknown key; expected one of \(Self.timeoutFields.sorted().joined(separator: ", "))"))
                continue
            }
            guard let text = valueNode.scalar?.string, let millis = Int(text), millis > 0 else {
                problems.append(problem("\(path).\(key)", valueNode, "'\(valueNode.scalar?.string ?? "")' is not a positive whole number of milliseconds"))
                continue
            }
            timeouts.set(key, milliseconds: millis)
        }
        return timeouts
    }

    /// A list of names, or one name.
    mutating func stringList(_ node: Node, path: String) -> [String]? {
        if let scalar = node.scalar?.string, !Self.isNull(node), !scalar.isEmpty { return [scalar] }
        guard let items = node.sequence?.map(\.scalar?.string), !items.contains(nil), !items.isEmpty else {
            problems.append(problem(path, node, "must be a name or a list of names"))
            return nil
        }
        return items.compactMap { $0 }
    }
}

extension UpstreamTimeouts {
    /// These timeouts with every zero field taken from `base` (a deployment's partial override).
    func filled(from base: UpstreamTimeouts) -> UpstreamTimeouts {
        UpstreamTimeouts(
            connect: connect == .zero ? base.connect : connect, firstByte: firstByte == .zero ? base.firstByte : firstByte,
            idle: idle == .zero ? base.idle : idle, total: total == .zero ? base.total : total
        )
    }
}
