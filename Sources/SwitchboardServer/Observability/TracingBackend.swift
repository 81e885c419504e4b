import Logging
import OTel
import ServiceLifecycle
import SwitchboardCore

/// Builds the OpenTelemetry tracer (swift-otel, OTLP over HTTP) that the gateway's spans go to, and the
/// service that batches and exports them. The tracer is handed to the application rather than bootstrapped
/// into `InstrumentationSystem`, so nothing global changes.
public enum TracingBackend {
    /// The tracer and its exporter service, or nil when tracing is off: no endpoint in the settings or the
    /// environment (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), or `OTEL_SDK_DISABLED=true`, or
    /// `OTEL_TRACES_EXPORTER=none`. Run the service after the server in a service group, so that it
    /// exports the spans of drained requests when it shuts down.
    public static func make(
        _ settings: TracingSettings, environment: [String: String], logger: Logger
    ) throws -> (tracer: GatewayTracer, service: any Service)? {
        guard isOn(settings, environment: environment) else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = settings.serviceName
        configuration.diagnosticLogger = .custom(logger)
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        configuration.traces.sampler = .parentBasedAlwaysOn
        configuration.propagators = [.traceContext]
        if let endpoint = settings.endpoint {
            configuration.traces.otlpExporter.endpoint = tracesURL(endpoint)
        }
        configuration.traces.otlpExporter.protocol = switch settings.wireProtocol {
        case .protobuf: .httpProtobuf
        case .json: .httpJSON
        }
        // The `OTEL_*` environment variables are applied on top, as the specification says.
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        return (GatewayTracer(backend.factory), backend.service)
    }

    static func isOn(_ settings: TracingSettings, environment: [String: String]) -> Bool {
        if environment["OTEL_SDK_DISABLED"]?.lowercased() == "true" { return false }
        if environment["OTEL_TRACES_EXPORTER"]?.lowercased() == "none" { return false }
        return settings.endpoint != nil || !(environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? "").isEmpty
    }

    /// The base endpoint with the traces path, as the OTLP/HTTP specification builds it.
    static func tracesURL(_ endpoint: String) -> String {
        if endpoint.hasSuffix("/v1/traces") { return endpoint }
        return (endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint) + "/v1/traces"
    }
}
