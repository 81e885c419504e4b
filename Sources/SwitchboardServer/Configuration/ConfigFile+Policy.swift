import SwitchboardCore
import Yams

extension ConfigFile {
    static let limitFields: Set = ["max_nesting_depth", "max_messages", "max_total_characters", "max_n", "max_output_tokens"]
    static let contentFields: Set = ["max_input_characters", "banned_terms", "patterns", "pii", "scan_completions", "tenants"]

    /// Reads `limits: {max_nesting_depth, max_messages, max_total_characters, max_n, max_output_tokens: {MODEL: N}}`.
    mutating func readLimits(_ node: Node) {
        for (keyNode, value) in mapping(node, path: "limits") {
            let key = keyNode.string ?? ""
            let path = "limits.\(key)"
            switch key {
            case "max_output_tokens":
                for (modelNode, capNode) in mapping(value, path: path) {
                    if let cap = positiveInteger(capNode, path: "\(path).\(modelNode.string ?? "")") {
                        policy.limits.maxOutputTokensByModel[modelNode.string ?? ""] = cap
                    }
                }
            case "max_nesting_depth": positiveInteger(value, path: path).map { policy.limits.maxNestingDepth = $0 }
            case "max_messages": positiveInteger(value, path: path).map { policy.limits.maxMessages = $0 }
            case "max_total_characters": positiveInteger(value, path: path).map { policy.limits.maxTotalCharacters = $0 }
            case "max_n": positiveInteger(value, path: path).map { policy.limits.maxChoices = $0 }
            default: problems.append(problem(path, keyNode, "unknown key; expected one of \(Self.limitFields.sorted().joined(separator: ", "))"))
            }
        }
    }

    /// Reads `content_policy:` (global) with `tenants: {NAME: {...}}` additions.
    mutating func readContentPolicy(_ node: Node) {
        policy.content = contentSettings(node, path: "content_policy", allowTenants: true)
    }

    /// Reads `tool_calls: {validation: warn|error|off}`.
    mutating func readToolCalls(_ node: Node) {
        for (keyNode, value) in mapping(node, path: "tool_calls") {
            guard keyNode.string == "validation" else {
                problems.append(problem("tool_calls.\(keyNode.string ?? "")", keyNode, "unknown key; expected validation"))
                continue
            }
            guard let mode = value.string.flatMap(PolicySettings.ToolCallMode.init(rawValue:)) else {
                problems.append(problem("tool_calls.validation", value, "must be warn, error or off"))
                continue
            }
            policy.toolCalls = mode
        }
    }

    private mutating func contentSettings(_ node: Node, path: String, allowTenants: Bool) -> ContentPolicySettings {
        var settings = ContentPolicySettings()
        for (keyNode, value) in mapping(node, path: path) {
            let key = keyNode.string ?? ""
            let fieldPath = "\(path).\(key)"
            switch key {
            case "max_input_characters": settings.maxInputCharacters = positiveInteger(value, path: fieldPath)
            case "banned_terms": settings.bannedTerms = strings(value, path: fieldPath)
            case "patterns": settings.patterns = strings(value, path: fieldPath)
            case "scan_completions": settings.scanCompletions = Self.bool(value) ?? false
            case "pii":
                for (kindNode, actionNode) in mapping(value, path: fieldPath) {
                    let rulePath = "\(fieldPath).\(kindNode.string ?? "")"
                    guard let kind = kindNode.string.flatMap(PIIKind.init(rawValue:)) else {
                        problems.append(problem(rulePath, kindNode, "unknown PII kind; expected \(PIIKind.allCases.map(\.rawValue).joined(separator: ", "))"))
                        continue
                    }
                    guard let action = actionNode.string.flatMap(ContentPolicyAction.init(rawValue:)) else {
                        problems.append(problem(rulePath, actionNode, "must be block or redact"))
                        continue
                    }
                    settings.piiRules.append(.init(kind, action))
                }
            case "tenants" where allowTenants:
                for (tenantNode, tenantValue) in mapping(value, path: fieldPath) {
                    let name = tenantNode.string ?? ""
                    policy.tenantContent[name] = contentSettings(tenantValue, path: "\(fieldPath).\(name)", allowTenants: false)
                }
            default:
                problems.append(problem(fieldPath, keyNode, "unknown key; expected one of \(Self.contentFields.sorted().joined(separator: ", "))"))
            }
        }
        if let error = Self.compileError(settings) { problems.append(ConfigProblem(path: path, reason: error)) }
        return settings
    }

    private static func compileError(_ settings: ContentPolicySettings) -> String? {
        do {
            _ = try ContentPolicy(settings: settings)
            return nil
        } catch {
            return error.description
        }
    }

    private mutating func mapping(_ node: Node, path: String) -> Node.Mapping {
        if Self.isNull(node) { return [:] }
        guard let mapping = node.mapping else {
            problems.append(problem(path, node, "must be a mapping"))
            return [:]
        }
        return mapping
    }

    private mutating func positiveInteger(_ node: Node, path: String) -> Int? {
        guard let value = node.int, value > 0 else {
            problems.append(problem(path, node, "must be a positive whole number"))
            return nil
        }
        return value
    }

    private mutating func strings(_ node: Node, path: String) -> [String] {
        guard let items = node.sequence?.map(\.scalar?.string), items.allSatisfy({ $0 != nil }) else {
            problems.append(problem(path, node, "must be a list of strings"))
            return []
        }
        return items.compactMap { $0 }
    }
}
