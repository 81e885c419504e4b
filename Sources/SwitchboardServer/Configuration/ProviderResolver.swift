import Foundation
import SwitchboardCore

/// Resolves a secret reference, `env:NAME` or `file:/path`, recording a problem when it cannot.
struct SecretReference {
    let environment: [String: String]
    var problems: [ConfigProblem] = []

    init(environment: [String: String]) { self.environment = environment }

    mutating func resolve(_ reference: String, path: String) -> Secret? {
        if reference.hasPrefix("env:") {
            let name = String(reference.dropFirst(4))
            guard let value = environment[name], !value.isEmpty else {
                problems.append(ConfigProblem(path: path, reason: "environment variable \(name) is not set"))
                return nil
            }
            return Secret(value)
        }
        if reference.hasPrefix("file:") {
            let file = String(reference.dropFirst(5))
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                problems.append(ConfigProblem(path: path, reason: "cannot read secret file \(file)"))
                return nil
            }
            return Secret(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        problems.append(ConfigProblem(path: path, reason: "secrets are given by reference: 'env:NAME' or 'file:/path' (the value is not shown)"))
        return nil
    }
}

/// Turns a provider declared in the file into ``ProviderSettings``, checking each field for its kind.
struct ProviderResolver {
    let environment: [String: String]
    let defaults: UpstreamTimeouts
    var problems: [ConfigProblem] = []

    init(environment: [String: String], defaults: UpstreamTimeouts) {
        self.environment = environment
        self.defaults = defaults
    }

    mutating func resolve(_ declared: ConfigFile.FileProvider) -> ProviderSettings? {
        let path = declared.path
        var settings = ProviderSettings(name: declared.name, kind: declared.kind)
        settings.models = declared.models
        let fields = declared.fields
        if let reference = fields["api_key"] {
            var secrets = SecretReference(environment: environment)
            settings.apiKey = secrets.resolve(reference, path: "\(path).api_key")
            problems += secrets.problems
        } else if declared.kind != .mock {
            problems.append(ConfigProblem(path: "\(path).api_key", reason: "is required for kind \(declared.kind.rawValue)"))
        }
        for field in ["base_url", "endpoint"] {
            if let url = fields[field], !URLCheck.isHTTP(url) {
                problems.append(ConfigProblem(path: "\(path).\(field)", reason: "must be an http:// or https:// URL"))
            }
        }
        settings.baseURL = fields["base_url"]
        settings.endpoint = fields["endpoint"]
        settings.apiVersion = fields["api_version"]
        if declared.kind == .azureOpenAI {
            if settings.endpoint == nil {
                problems.append(ConfigProblem(path: "\(path).endpoint", reason: "is required for kind azure-openai"))
            }
            if settings.apiVersion == nil {
                problems.append(ConfigProblem(path: "\(path).api_version", reason: "is required for kind azure-openai"))
            }
        }
        if !declared.timeouts.isEmpty {
            settings.timeouts = timeouts(declared.timeouts, path: "\(path).timeouts")
        }
        return settings
    }

    private mutating func timeouts(_ values: [String: String], path: String) -> UpstreamTimeouts {
        var timeouts = defaults
        for (name, text) in values {
            guard let millis = Int(text), millis > 0 else {
                problems.append(ConfigProblem(path: "\(path).\(name)", reason: "'\(text)' is not a positive whole number of milliseconds"))
                continue
            }
            timeouts.set(name, milliseconds: millis)
        }
        return timeouts
    }
}

extension UpstreamTimeouts {
    /// Sets the timeout named by a configuration key (`connect_ms`, `first_byte_ms`, `idle_ms`, `total_ms`).
    mutating func set(_ key: String, milliseconds: Int) {
        switch key {
        case "connect_ms": connect = .milliseconds(milliseconds)
        case "first_byte_ms": firstByte = .milliseconds(milliseconds)
        case "idle_ms": idle = .milliseconds(milliseconds)
        default: total = .milliseconds(milliseconds)
        }
    }
}
