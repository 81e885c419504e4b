/// The scalar settings, each with its key path in the file, its environment variable and its flag.
/// One table, so that precedence, `--help` and `docs/configuration.md` all agree.
public enum Setting: String, CaseIterable, Sendable {
    case host = "server.host"
    case port = "server.port"
    case shutdownGrace = "server.shutdown_grace_seconds"
    case maxBodyBytes = "server.max_body_bytes"
    case listenBacklog = "server.listen_backlog"
    case maxConnections = "server.max_connections"
    case dataDirectory = "storage.data_dir"
    case adminKey = "admin.key"
    case logLevel = "log.level"
    case logFormat = "log.format"
    case logPrompts = "log.prompts"
    case metricsEnabled = "metrics.enabled"
    case metricsPort = "metrics.port"
    case metricsToken = "metrics.token"
    case metricsTenantLabels = "metrics.tenant_labels"
    case connectTimeout = "upstream.timeouts.connect_ms"
    case firstByteTimeout = "upstream.timeouts.first_byte_ms"
    case idleTimeout = "upstream.timeouts.idle_ms"
    case totalTimeout = "upstream.timeouts.total_ms"
    case bodyTimeout = "server.body_timeout_ms"
    case keepAliveTimeout = "server.keep_alive_timeout_ms"
    case corsAllowedOrigins = "server.cors_allowed_origins"
    case hsts = "server.hsts"
    case allowUnpricedModels = "budgets.allow_unpriced_models"
    case defaultMaxOutputTokens = "budgets.default_max_output_tokens"
    case ledgerRetentionDays = "ledger.retention_days"
    case ledgerFlushInterval = "ledger.flush_interval_ms"
    case tracingEndpoint = "tracing.otlp_endpoint"
    case tracingProtocol = "tracing.otlp_protocol"
    case tracingServiceName = "tracing.service_name"

    /// The environment variable that sets it.
    public var environmentVariable: String {
        switch self {
        case .host: "SWITCHBOARD_HOST"
        case .port: "SWITCHBOARD_PORT"
        case .shutdownGrace: "SWITCHBOARD_SHUTDOWN_GRACE_SECONDS"
        case .maxBodyBytes: "SWITCHBOARD_MAX_BODY_BYTES"
        case .listenBacklog: "SWITCHBOARD_LISTEN_BACKLOG"
        case .maxConnections: "SWITCHBOARD_MAX_CONNECTIONS"
        case .dataDirectory: "SWITCHBOARD_DATA_DIR"
        case .adminKey: "SWITCHBOARD_ADMIN_KEY"
        case .logLevel: "LOG_LEVEL"
        case .logFormat: "LOG_FORMAT"
        case .logPrompts: "SWITCHBOARD_LOG_PROMPTS"
        case .metricsEnabled: "SWITCHBOARD_METRICS_ENABLED"
        case .metricsPort: "SWITCHBOARD_METRICS_PORT"
        case .metricsToken: "SWITCHBOARD_METRICS_TOKEN"
        case .metricsTenantLabels: "SWITCHBOARD_METRICS_TENANT_LABELS"
        case .connectTimeout: "SWITCHBOARD_UPSTREAM_CONNECT_TIMEOUT_MS"
        case .firstByteTimeout: "SWITCHBOARD_UPSTREAM_FIRST_BYTE_TIMEOUT_MS"
        case .idleTimeout: "SWITCHBOARD_UPSTREAM_IDLE_TIMEOUT_MS"
        case .totalTimeout: "SWITCHBOARD_UPSTREAM_TOTAL_TIMEOUT_MS"
        case .bodyTimeout: "SWITCHBOARD_BODY_TIMEOUT_MS"
        case .keepAliveTimeout: "SWITCHBOARD_KEEP_ALIVE_TIMEOUT_MS"
        case .corsAllowedOrigins: "SWITCHBOARD_CORS_ALLOWED_ORIGINS"
        case .hsts: "SWITCHBOARD_HSTS"
        case .allowUnpricedModels: "SWITCHBOARD_ALLOW_UNPRICED_MODELS"
        case .defaultMaxOutputTokens: "SWITCHBOARD_DEFAULT_MAX_OUTPUT_TOKENS"
        case .ledgerRetentionDays: "SWITCHBOARD_LEDGER_RETENTION_DAYS"
        case .ledgerFlushInterval: "SWITCHBOARD_LEDGER_FLUSH_INTERVAL_MS"
        // The OpenTelemetry SDK's own variables, so that a standard deployment turns tracing on unchanged.
        case .tracingEndpoint: "OTEL_EXPORTER_OTLP_ENDPOINT"
        case .tracingProtocol: "OTEL_EXPORTER_OTLP_PROTOCOL"
        case .tracingServiceName: "OTEL_SERVICE_NAME"
        }
    }

    /// Whether the file must give it as a secret reference.
    public var isSecret: Bool { self == .adminKey || self == .metricsToken }
}
