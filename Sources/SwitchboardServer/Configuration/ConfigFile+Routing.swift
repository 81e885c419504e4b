import SwitchboardCore
import Yams

/// The `routing:` section: retries and their budget, circuit breakers, client deadlines, hang-up watching
/// and routing rules. Every key is optional; defaults are those of ``RoutingSettings``.
extension ConfigFile {
    /// Integer keys of `routing:` (milliseconds where the name says so), with their ranges.
    static let routingIntegers: [String: ClosedRange<Int>] = [
        "retry.max_attempts": 1...10,
        "retry.base_backoff_ms": 0...60_000,
        "retry.max_backoff_ms": 0...600_000,
        "retry.max_retry_after_ms": 0...3_600_000,
        "retry.budget_percent": 0...1000,
        "retry.budget_window_ms": 100...3_600_000,
        "retry.budget_min_retries": 0...1_000_000,
        "circuit_breaker.consecutive_failures": 0...1_000_000,
        "circuit_breaker.error_rate_percent": 0...100,
        "circuit_breaker.window_ms": 100...3_600_000,
        "circuit_breaker.min_requests": 1...1_000_000,
        "circuit_breaker.cool_down_ms": 1...86_400_000,
        "max_client_timeout_ms": 1...86_400_000,
    ]

    mutating func readRouting(_ node: Node) {
        guard let mapping = node.mapping else {
            problems.append(problem("routing", node, "must be a mapping"))
            return
        }
        var values: [String: Int] = [:]
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "rules":
                if !Self.isNull(value) { readRules(value) }
            case "retry", "circuit_breaker":
                if Self.isNull(value) { continue }
                guard let section = value.mapping else {
                    problems.append(problem("routing.\(key)", value, "must be a mapping"))
                    continue
                }
                for (subKey, subValue) in section {
                    readRoutingInteger("\(key).\(subKey.string ?? "")", subValue, keyNode: subKey, into: &values)
                }
            default:
                readRoutingInteger(key, value, keyNode: keyNode, into: &values)
            }
        }
        apply(values)
    }

    private mutating func readRoutingInteger(_ key: String, _ node: Node, keyNode: Node, into values: inout [String: Int]) {
        let path = "routing.\(key)"
        guard let range = Self.routingIntegers[key] else {
            let known = Self.routingIntegers.keys.sorted().joined(separator: ", ")
            problems.append(problem(path, keyNode, "unknown key; expected rules, \(known)"))
            return
        }
        guard let text = node.scalar?.string, let value = Int(text), range.contains(value) else {
            let text = node.scalar?.string ?? ""
            problems.append(problem(path, node, "'\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)"))
            return
        }
        values[key] = value
    }

    private mutating func apply(_ values: [String: Int]) {
        func millis(_ key: String) -> Duration? { values[key].map { .milliseconds($0) } }
        var settings = routing
        if let value = values["retry.max_attempts"] { settings.retry.maxAttempts = value }
        if let value = millis("retry.base_backoff_ms") { settings.retry.baseBackoff = value }
        if let value = millis("retry.max_backoff_ms") { settings.retry.maxBackoff = value }
        if let value = millis("retry.max_retry_after_ms") { settings.retry.maxRetryAfter = value }
        if let value = values["retry.budget_percent"] { settings.retryBudget.percent = value }
        if let value = millis("retry.budget_window_ms") { settings.retryBudget.window = value }
        if let value = values["retry.budget_min_retries"] { settings.retryBudget.minimumRetries = value }
        if let value = values["circuit_breaker.consecutive_failures"] { settings.circuitBreaker.consecutiveFailures = value }
        if let value = values["circuit_breaker.error_rate_percent"] { settings.circuitBreaker.errorRatePercent = value }
        if let value = millis("circuit_breaker.window_ms") { settings.circuitBreaker.window = value }
        if let value = values["circuit_breaker.min_requests"] { settings.circuitBreaker.minimumRequests = value }
        if let value = millis("circuit_breaker.cool_down_ms") { settings.circuitBreaker.coolDown = value }
        if let value = millis("max_client_timeout_ms") { settings.maxClientTimeout = value }
        routing = settings
    }

    /// `rules: [{when: {model, metadata, tier}, use: MODEL}]`.
    private mutating func readRules(_ node: Node) {
        guard let items = node.sequence else {
            problems.append(problem("routing.rules", node, "must be a list of {when, use}"))
            return
        }
        for (index, item) in items.enumerated() {
            let path = "routing.rules[\(index)]"
            guard let mapping = item.mapping else {
                problems.append(problem(path, item, "must be a mapping with when and use"))
                continue
            }
            var rule = RoutingRule(target: "")
            var valid = true
            for (keyNode, value) in mapping {
                switch keyNode.string {
                case "use":
                    rule.target = value.scalar?.string ?? ""
                case "when":
                    valid = readCondition(value, path: "\(path).when", into: &rule) && valid
                default:
                    problems.append(problem("\(path).\(keyNode.string ?? "")", keyNode, "unknown key; expected when or use"))
                    valid = false
                }
            }
            guard !rule.target.isEmpty else {
                problems.append(problem("\(path).use", item, "is required: the model to use"))
                continue
            }
            if valid { routing.rules.append(rule) }
        }
    }

    private mutating func readCondition(_ node: Node, path: String, into rule: inout RoutingRule) -> Bool {
        guard let mapping = node.mapping else {
            problems.append(problem(path, node, "must be a mapping of model, metadata and tier"))
            return false
        }
        var valid = true
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "model":
                rule.models = stringList(value, path: "\(path).model")
                valid = valid && rule.models != nil
            case "tier":
                rule.tiers = stringList(value, path: "\(path).tier")
                valid = valid && rule.tiers != nil
            case "flag":
                rule.flag = value.scalar?.string
                if rule.flag?.isEmpty != false {
                    problems.append(problem("\(path).flag", value, "must be a flag name"))
                    valid = false
                }
            case "metadata":
                guard let entries = value.mapping else {
                    problems.append(problem("\(path).metadata", value, "must be a mapping of metadata keys to values"))
                    valid = false
                    continue
                }
                for (entryKey, entryValue) in entries {
                    guard let text = entryValue.scalar?.string, !Self.isNull(entryValue) else {
                        problems.append(problem("\(path).metadata.\(entryKey.string ?? "")", entryValue, "must be a single value"))
                        valid = false
                        continue
                    }
                    rule.metadata[entryKey.string ?? ""] = text
                }
            default:
                problems.append(problem("\(path).\(key)", keyNode, "unknown key; expected model, metadata, tier or flag"))
                valid = false
            }
        }
        return valid
    }
}
