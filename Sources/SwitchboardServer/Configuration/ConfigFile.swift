import SwitchboardCore
import Yams

/// What a YAML configuration file declares, read with every problem named by key path and line.
struct ConfigFile {
    /// Scalar settings by key path (`server.port`), as written.
    var scalars: [String: String] = [:]
    /// Providers in file order; secrets still as references.
    var providers: [FileProvider] = []
    var aliases: [ModelAlias] = []
    /// Aliases declared with a `deployments:` list (problems then name `models.X.deployments[i]`).
    var aliasesWithDeploymentList: Set<String> = []
    /// The `routing:` section.
    var routing = RoutingSettings()
    var problems: [ConfigProblem] = []
    /// Price overrides by model name (`pricing:`).
    var prices: [String: ModelPrice] = [:]
    /// Input limits, content policy and tool-call validation.
    var policy = PolicySettings()

    /// A provider as the file declares it.
    struct FileProvider {
        var name: String
        var kind: ProviderKind
        var fields: [String: String]
        var models: [String]?
        var timeouts: [String: String]
        var path: String
    }

    static let providerFields: Set = ["kind", "api_key", "base_url", "endpoint", "api_version", "models", "timeouts"]
    static let timeoutFields: Set = ["connect_ms", "first_byte_ms", "idle_ms", "total_ms"]

    /// Parses `text`; structural problems are collected in ``problems`` rather than thrown.
    init(yaml text: String) {
        let root: Node?
        do {
            // Plain scalars are read by their spelling below, not by Yams's default resolver: it compiles seven
            // regular expressions through ICU, which kept 3 MiB of ICU's code resident for the process's life.
            root = try Yams.compose(yaml: text, .basic)
        } catch {
            problems.append(ConfigProblem(path: "(file)", reason: Self.describe(yamlError: error)))
            return
        }
        guard let root else { return }
        guard let mapping = root.mapping else {
            problems.append(problem("(file)", root, "the top level must be a mapping of keys"))
            return
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            // A section left empty (every entry commented out) sets nothing.
            if Self.isNull(value), key == "providers" || key == "models" || key == "routing" || key == "flags" { continue }
            switch key {
            case "providers": readProviders(value)
            case "models": readModels(value)
            case "routing": readRouting(value)
            case "pricing": readPricing(value)
            case "limits": readLimits(value)
            case "content_policy": readContentPolicy(value)
            case "tool_calls": readToolCalls(value)
            case "flags": readFlags(value)
            default: readScalars(value, path: key)
            }
        }
    }

    private mutating func readScalars(_ node: Node, path: String) {
        if let mapping = node.mapping {
            for (keyNode, value) in mapping { readScalars(value, path: path + "." + (keyNode.string ?? "")) }
            return
        }
        // A settings section left empty (`server:` with every key commented out) sets nothing.
        if Self.isNull(node), Self.isSection(path) { return }
        guard let setting = Setting(rawValue: path) else {
            problems.append(problem(path, node, "unknown key"))
            return
        }
        guard !Self.isNull(node) else {
            problems.append(problem(path, node, "has no value; remove the key to use the default"))
            return
        }
        guard let scalar = node.scalar else {
            problems.append(problem(path, node, "must be a single value"))
            return
        }
        scalars[setting.rawValue] = scalar.string
    }

    private mutating func readProviders(_ node: Node) {
        guard let mapping = node.mapping else {
            problems.append(problem("providers", node, "must be a mapping of provider names to settings"))
            return
        }
        for (keyNode, value) in mapping {
            let name = keyNode.string ?? ""
            let path = "providers.\(name)"
            guard Self.isValidName(name) else {
                problems.append(problem(path, keyNode, "a provider name may use letters, digits, '-' and '_' only"))
                continue
            }
            guard let fields = value.mapping else {
                problems.append(problem(path, value, "must be a mapping with at least 'kind'"))
                continue
            }
            var provider = FileProvider(name: name, kind: .mock, fields: [:], timeouts: [:], path: path)
            for (fieldNode, fieldValue) in fields {
                let field = fieldNode.string ?? ""
                let fieldPath = "\(path).\(field)"
                switch field {
                case "models":
                    guard let items = fieldValue.sequence?.map(\.scalar?.string), !items.contains(nil) else {
                        problems.append(problem(fieldPath, fieldValue, "must be a list of model names"))
                        continue
                    }
                    provider.models = items.compactMap { $0 }
                case "timeouts":
                    guard let timeouts = fieldValue.mapping else {
                        let names = Self.timeoutFields.sorted().joined(separator: ", ")
                        problems.append(problem(fieldPath, fieldValue, "must be a mapping of \(names)"))
                        continue
                    }
                    for (timeoutKey, timeoutValue) in timeouts {
                        let timeoutName = timeoutKey.string ?? ""
                        guard Self.timeoutFields.contains(timeoutName), let scalar = timeoutValue.scalar else {
                            problems.append(problem("\(fieldPath).\(timeoutName)", timeoutValue, "unknown key or not a number"))
                            continue
                        }
                        provider.timeouts[timeoutName] = scalar.string
                    }
                case _ where Self.providerFields.contains(field):
                    guard let scalar = fieldValue.scalar else {
                        problems.append(problem(fieldPath, fieldValue, "must be a single value"))
                        continue
                    }
                    provider.fields[field] = scalar.string
                default:
                    problems.append(problem(fieldPath, fieldNode, "unknown key; expected one of \(Self.providerFields.sorted().joined(separator: ", "))"))
                }
            }
            guard let kindName = provider.fields["kind"] else {
                problems.append(problem("\(path).kind", value, "is required (openai, azure-openai, anthropic or mock)"))
                continue
            }
            guard let kind = ProviderKind(rawValue: kindName) else {
                problems.append(problem("\(path).kind", value, "unknown kind '\(kindName)'; expected openai, azure-openai, anthropic or mock"))
                continue
            }
            provider.kind = kind
            providers.append(provider)
        }
    }

    func problem(_ path: String, _ node: Node, _ reason: String) -> ConfigProblem {
        let location = node.mark.map { " (line \($0.line))" } ?? ""
        return ConfigProblem(path: path + location, reason: reason)
    }

    /// Whether `path` is a section holding settings (`server`, `upstream.timeouts`) rather than a setting.
    static func isSection(_ path: String) -> Bool {
        Setting.allCases.contains { $0.rawValue.hasPrefix(path + ".") }
    }

    /// Whether `node` is YAML's null: a plain scalar spelled `~`, `null`, `Null`, `NULL`, or nothing at all.
    static func isNull(_ node: Node) -> Bool {
        node.null != nil
    }

    /// `node` as YAML's boolean: a plain scalar spelled `true`/`false`, `yes`/`no` or `on`/`off`, in lower case,
    /// capitalised or upper case. A quoted `"true"` is a string, as in YAML.
    static func bool(_ node: Node) -> Bool? {
        guard let scalar = node.scalar, scalar.style == .plain else { return nil }
        switch scalar.string {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    /// Names the YAML problem and its position without quoting the file, which may hold a literal secret.
    static func describe(yamlError error: any Error) -> String {
        switch error as? YamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "not valid YAML: \(problem) at line \(mark.line), column \(mark.column)"
        case .duplicatedKeysInMapping(let duplicates, _):
            return "not valid YAML: duplicated keys \(duplicates.joined(separator: ", "))"
        default:
            return "not valid YAML"
        }
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
