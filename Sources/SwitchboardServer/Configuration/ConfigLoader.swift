import Configuration
import Foundation
import SwitchboardCore

/// Resolves the gateway configuration with precedence flag > environment > file > default, reporting every
/// problem at once with its key path.
///
/// The scalar settings are merged by swift-configuration (a `ConfigReader` over the flags, the environment
/// mapped to `SWITCHBOARD_*` names, and the file). Providers come from the file and from the environment:
/// `OPENAI_API_KEY` (+`OPENAI_BASE_URL`) defines or overrides provider `openai`, `ANTHROPIC_API_KEY`
/// (+`ANTHROPIC_BASE_URL`) provider `anthropic`, and `AZURE_OPENAI_API_KEY` + `AZURE_OPENAI_ENDPOINT` +
/// `AZURE_OPENAI_API_VERSION` provider `azure`.
public struct ConfigLoader: Sendable {
    /// Environment variables, usually the process's.
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Loads the configuration.
    /// - Parameters:
    ///   - filePath: the YAML file, or `nil` for none (`SWITCHBOARD_CONFIG` is read by the caller).
    ///   - flags: command-line values by setting.
    public func load(filePath: String?, flags: [Setting: String] = [:]) throws(ConfigurationError) -> GatewayConfiguration {
        var file = ConfigFile(yaml: "")
        if let filePath {
            guard let text = try? String(contentsOfFile: filePath, encoding: .utf8) else {
                throw ConfigurationError(problems: [ConfigProblem(path: filePath, reason: "cannot read the file")])
            }
            file = ConfigFile(yaml: text)
        }
        var problems = file.problems
        var configuration = GatewayConfiguration()
        let reader = makeReader(file: file, flags: flags)
        var settings = SettingsReader(reader: reader, environment: environment, problems: [])
        settings.apply(to: &configuration)
        problems += settings.problems

        var providers = configuration.providers
        for declared in file.providers {
            var resolver = ProviderResolver(environment: environment, defaults: configuration.timeouts)
            let provider = resolver.resolve(declared)
            problems += resolver.problems
            if let provider {
                providers.removeAll { $0.name == provider.name }
                providers.append(provider)
            }
        }
        problems += applyEnvironmentProviders(to: &providers)
        problems += providers.flatMap(HeaderValueCheck.problems(of:))
        configuration.providers = providers

        let models = ModelsValidator(file: file, providers: providers, defaults: configuration.timeouts).validate()
        problems += models.problems
        configuration.aliases = models.aliases
        configuration.routing = file.routing
        problems += file.undefinedFlagProblems()
        configuration.governance.prices = file.prices
        configuration.policy = file.policy
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration
    }

    private func makeReader(file: ConfigFile, flags: [Setting: String]) -> ConfigReader {
        func values(_ pairs: [(String, String)]) -> [AbsoluteConfigKey: ConfigValue] {
            Dictionary(pairs.map { key, value in
                (AbsoluteConfigKey(key.split(separator: ".").map(String.init)),
                 ConfigValue(.string(value), isSecret: Setting(rawValue: key)?.isSecret ?? false))
            }, uniquingKeysWith: { _, last in last })
        }
        // An empty variable counts as unset, as for the provider variables and SWITCHBOARD_CONFIG.
        let environmentProvider = EnvironmentVariablesProvider(
            environmentVariables: environment.filter { !$0.value.isEmpty },
            secretsSpecifier: .specific(Set(Setting.allCases.filter(\.isSecret).map(\.environmentVariable)))
        ).mapKeys { key in
            Setting(rawValue: key.components.joined(separator: ".")).map { AbsoluteConfigKey([$0.environmentVariable]) } ?? key
        }
        return ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: values(flags.map { ($0.key.rawValue, $0.value) })),
            environmentProvider,
            InMemoryProvider(name: "file", values: values(file.scalars.map { ($0.key, $0.value) })),
        ])
    }

    /// Adds or overrides providers from the well-known provider environment variables.
    private func applyEnvironmentProviders(to providers: inout [ProviderSettings]) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        func upsert(_ name: String, kind: ProviderKind, update: (inout ProviderSettings) -> Void) {
            if let index = providers.firstIndex(where: { $0.name == name }) {
                update(&providers[index])
            } else {
                var provider = ProviderSettings(name: name, kind: kind)
                update(&provider)
                providers.append(provider)
            }
        }
        if let key = nonEmpty("OPENAI_API_KEY") {
            upsert("openai", kind: .openAI) { provider in
                provider.apiKey = Secret(key)
                if let base = nonEmpty("OPENAI_BASE_URL") { provider.baseURL = base }
            }
        }
        if let key = nonEmpty("ANTHROPIC_API_KEY") {
            upsert("anthropic", kind: .anthropic) { provider in
                provider.apiKey = Secret(key)
                if let base = nonEmpty("ANTHROPIC_BASE_URL") { provider.baseURL = base }
            }
        }
        if let key = nonEmpty("AZURE_OPENAI_API_KEY") {
            // A file provider named `azure` may supply the endpoint the variable leaves out.
            if let endpoint = nonEmpty("AZURE_OPENAI_ENDPOINT") ?? providers.first(where: { $0.name == "azure" })?.endpoint {
                upsert("azure", kind: .azureOpenAI) { provider in
                    provider.apiKey = Secret(key)
                    provider.endpoint = endpoint
                    provider.apiVersion = nonEmpty("AZURE_OPENAI_API_VERSION") ?? provider.apiVersion ?? "2024-10-21"
                }
            } else {
                // Keep going: the URL checks below must still be reported with this problem.
                problems.append(ConfigProblem(
                    path: "AZURE_OPENAI_ENDPOINT",
                    reason: "is required when AZURE_OPENAI_API_KEY is set and no provider 'azure' in the file has an endpoint"
                ))
            }
        }
        for variable in ["OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "AZURE_OPENAI_ENDPOINT"] {
            if let url = nonEmpty(variable), !URLCheck.isHTTP(url) {
                problems.append(ConfigProblem(path: variable, reason: "must be an http:// or https:// URL"))
            }
        }
        return problems
    }

    private func nonEmpty(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }
}

/// Checks the settings a provider sends in upstream request headers. The upstream connections do not validate
/// each request's headers (that was 1.5% of the gateway's CPU): every value is checked here, once, or built by
/// the gateway from checked parts (request ids, trace context).
enum HeaderValueCheck {
    /// A header value may not hold control characters: a line break would end the header early and let the
    /// rest of the value pose as headers of its own.
    static func isValid(_ value: String) -> Bool {
        value.utf8.allSatisfy { byte in byte == UInt8(ascii: "\t") || (byte >= 0x20 && byte != 0x7F) }
    }

    static func problems(of provider: ProviderSettings) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        if let key = provider.apiKey, !isValid(key.value) {
            problems.append(ConfigProblem(
                path: "providers.\(provider.name).api_key", reason: "holds a control character or line break (the value is not shown)"
            ))
        }
        if let version = provider.apiVersion, !isValid(version) {
            problems.append(ConfigProblem(path: "providers.\(provider.name).api_version", reason: "holds a control character or line break"))
        }
        return problems
    }
}

/// Checks URL settings.
enum URLCheck {
    static func isHTTP(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), url.host != nil else { return false }
        return scheme == "http" || scheme == "https"
    }
}
