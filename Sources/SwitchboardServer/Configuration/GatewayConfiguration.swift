import SwitchboardCore

/// A secret value (provider key, admin key) that never prints itself.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself; read it only where it is sent upstream or hashed.
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "[secret]" }
    public var debugDescription: String { "[secret]" }
}

/// Everything the gateway runs with, resolved from flags, environment, file and defaults.
public struct GatewayConfiguration: Sendable {
    /// Address to listen on.
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// How long in-flight requests and streams may run on after SIGTERM/SIGINT.
    public var shutdownGrace: Duration = .seconds(30)
    /// Longest time a client may take to send a request body.
    public var bodyTimeout: Duration = .seconds(30)
    /// Longest time a client connection may stay open with no request on it. Above the usual load balancer
    /// idle timeout (60 s), so that the balancer, not the gateway, closes first, as with nginx's 75 s.
    public var keepAliveTimeout: Duration = .seconds(75)
    /// Longest time a response may wait for a client that reads none of it (a stalled stream reader) before
    /// the connection closes; nginx's `send_timeout` is the same 60 s.
    public var sendTimeout: Duration = .seconds(60)
    /// Largest accepted request body.
    public var maxBodyBytes: Int = 4 * 1024 * 1024
    /// Connections the kernel queues for the gateway to accept. A burst beyond it is dropped and retried by
    /// the client a second later, so it is sized for a fleet reconnecting at once; the kernel caps it at
    /// `net.core.somaxconn`.
    public var listenBacklog: Int = 4096
    /// Client connections served at once; more wait in the listen queue. `nil`: from the descriptor limit, two
    /// descriptors per connection after a reserve (``ConnectionLimit``).
    public var maxConnections: Int?
    /// Input limits, content policy and tool-call validation.
    public var policy = PolicySettings()
    /// Browser origins allowed to call the gateway (CORS); other origins get 403.
    public var corsAllowedOrigins: Set<String> = []
    /// Send `Strict-Transport-Security` (set when TLS terminates in front of the gateway).
    public var hsts = false
    /// Folder of the SQLite database.
    public var dataDirectory: String = "./.switchboard"
    /// The admin key when configured explicitly; otherwise one is generated at first start.
    public var adminKey: Secret?
    /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`.
    public var logLevel: String = "info"
    /// `json` (one object per line, the default) or `text` (for terminals).
    public var logFormat: LogFormat = .json
    /// Metrics and prompt logging (`metrics:` and `log.prompts` in the file).
    public var observability = ObservabilitySettings()
    /// Default upstream timeouts; a provider may override them.
    public var timeouts = UpstreamTimeouts()
    /// Configured providers, in declaration order (the built-in `mock` included).
    public var providers: [ProviderSettings] = [ProviderSettings(name: "mock", kind: .mock)]
    /// Public model names mapped to their deployments, strategy and fallbacks.
    public var aliases: [ModelAlias] = []
    /// Retries, retry budget, circuit breakers, routing rules, client deadlines (`routing:` in the file).
    public var routing = RoutingSettings()
    /// Budgets, prices and the usage ledger.
    public var governance = GovernanceSettings()

    public init() {}

    /// Whether `host` is a loopback address, where a generated admin key is acceptable.
    public var bindsLoopbackOnly: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// Metrics exposure and what the logs may contain.
public struct ObservabilitySettings: Sendable {
    /// Whether prompts and completions appear in the completion log line (PII-redacted).
    public var logPrompts = false
    /// Whether `GET /metrics` is served.
    public var metricsEnabled = true
    /// Serve `/metrics` on this port instead of the main one (same host); `nil` for the main port.
    public var metricsPort: Int?
    /// When set, scrapers must send `Authorization: Bearer TOKEN`.
    public var metricsToken: Secret?
    /// Whether request, token and cost metrics carry a `tenant` label (mind the cardinality).
    public var tenantLabels = false
    /// Where OpenTelemetry traces go; off unless an endpoint is set.
    public var tracing = TracingSettings()

    public init() {}
}

/// OpenTelemetry trace export over OTLP/HTTP. The SDK's other `OTEL_*` variables (sampler, headers,
/// batch sizes, `OTEL_SDK_DISABLED`) apply as the OpenTelemetry specification describes.
public struct TracingSettings: Sendable {
    /// The OTLP/HTTP wire encodings.
    public enum WireProtocol: String, Sendable {
        case protobuf = "http/protobuf"
        case json = "http/json"
    }

    /// The collector's base URL (`/v1/traces` is added); tracing is off while it is nil.
    public var endpoint: String?
    public var wireProtocol = WireProtocol.protobuf
    /// The `service.name` resource attribute.
    public var serviceName = "switchboard"

    public init() {}
}

/// One configured provider.
public struct ProviderSettings: Sendable {
    public var name: String
    public var kind: ProviderKind
    public var apiKey: Secret?
    /// OpenAI-kind and Anthropic base URL; defaults per kind.
    public var baseURL: String?
    /// Azure resource endpoint, e.g. `https://my-resource.openai.azure.com`.
    public var endpoint: String?
    /// Azure `api-version` or Anthropic `anthropic-version`.
    public var apiVersion: String?
    /// Models listed in `GET /v1/models` as `name/model`.
    public var models: [String]?
    /// Per-provider timeout overrides.
    public var timeouts: UpstreamTimeouts?

    public init(name: String, kind: ProviderKind, apiKey: Secret? = nil, baseURL: String? = nil) {
        self.name = name
        self.kind = kind
        self.apiKey = apiKey
        self.baseURL = baseURL
    }

    /// Default base URL of each kind.
    public static func defaultBaseURL(_ kind: ProviderKind) -> String? {
        switch kind {
        case .openAI: "https://api.openai.com/v1"
        case .anthropic: "https://api.anthropic.com"
        case .azureOpenAI, .mock: nil
        }
    }

    /// Models advertised when the configuration lists none.
    public static func defaultModels(_ kind: ProviderKind) -> [String] {
        switch kind {
        case .openAI: ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3-mini", "o4-mini"]
        case .anthropic: ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"]
        case .azureOpenAI: []
        case .mock: ["echo"]
        }
    }
}

/// One problem with the configuration: the exact key path (or variable/flag) and why.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
}

/// Thrown when the configuration has problems; lists all of them.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigProblem]
    public init(problems: [ConfigProblem]) { self.problems = problems }
    public var description: String {
        "Invalid configuration (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
