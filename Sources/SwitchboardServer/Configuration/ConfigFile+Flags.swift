import SwitchboardCore
import Yams

extension ConfigFile {
    /// `flags: {NAME: {enabled: BOOL, rollout_percent: 0-100, description: TEXT}}`, into `routing.flags`.
    mutating func readFlags(_ node: Node) {
        guard let mapping = node.mapping else {
            problems.append(problem("flags", node, "must be a mapping of flag names to {enabled, rollout_percent, description}"))
            return
        }
        var flags: [FeatureFlag] = []
        for (nameNode, value) in mapping {
            let name = nameNode.string ?? ""
            let path = "flags.\(name)"
            guard Self.isValidName(name) else {
                problems.append(problem(path, nameNode, "a flag name is letters, digits, '-' and '_'"))
                continue
            }
            var flag = FeatureFlag(name: name)
            for (keyNode, entry) in value.mapping ?? [:] {
                let key = keyNode.string ?? ""
                switch key {
                case "enabled":
                    guard let enabled = Self.bool(entry) else {
                        problems.append(problem("\(path).enabled", entry, "must be true or false"))
                        continue
                    }
                    flag.enabled = enabled
                case "rollout_percent":
                    guard let percent = entry.scalar.flatMap({ Int($0.string) }), (0...100).contains(percent) else {
                        problems.append(problem("\(path).rollout_percent", entry, "must be a whole number from 0 to 100"))
                        continue
                    }
                    flag.rolloutPercent = percent
                case "description":
                    flag.description = entry.scalar?.string
                default:
                    problems.append(problem("\(path).\(key)", keyNode, "unknown key; expected enabled, rollout_percent or description"))
                }
            }
            if value.mapping == nil, !Self.isNull(value) {
                problems.append(problem(path, value, "must be a mapping of enabled, rollout_percent and description"))
                continue
            }
            flags.append(flag)
        }
        routing.flags = FeatureFlags(flags)
    }

    /// Routing rules that name a flag the file does not define.
    func undefinedFlagProblems() -> [ConfigProblem] {
        routing.rules.enumerated().compactMap { index, rule in
            guard let flag = rule.flag, !routing.flags.all.contains(where: { $0.name == flag }) else { return nil }
            return ConfigProblem(path: "routing.rules[\(index)].when.flag", reason: "no flag '\(flag)' under flags")
        }
    }
}
