import SwitchboardCore
@testable import SwitchboardServer
import Testing

/// `log.*` and `metrics.*` settings.
@Suite struct ObservabilityConfigurationTests {
    @Test func observabilitySettingsAreRead() throws {
        let yaml = """
            log:
              format: text
              prompts: true
            metrics:
              port: 9464
              token: env:SCRAPE_TOKEN
              tenant_labels: yes
            """
        let configuration = try ConfigurationTests.load(yaml, environment: ["SCRAPE_TOKEN": "scrape-token-0123456789"]).get()
        #expect(configuration.logFormat == .text)
        #expect(configuration.observability.logPrompts)
        #expect(configuration.observability.metricsPort == 9464)
        #expect(configuration.observability.metricsToken?.value == "scrape-token-0123456789")
        #expect(configuration.observability.tenantLabels)
        #expect(configuration.observability.metricsEnabled)
    }

    @Test func defaultsAreJSONLogsAndOpenMetricsOnTheMainPort() throws {
        let configuration = try ConfigurationTests.load(nil).get()
        #expect(configuration.logFormat == .json)
        #expect(!configuration.observability.logPrompts)
        #expect(configuration.observability.metricsPort == nil && configuration.observability.metricsToken == nil)
        #expect(!configuration.observability.tenantLabels)
    }

    @Test func flagAndEnvironmentSetTheLogFormat() throws {
        #expect(try ConfigurationTests.load(nil, environment: ["LOG_FORMAT": "TEXT"]).get().logFormat == .text)
        #expect(try ConfigurationTests.load(nil, environment: ["LOG_FORMAT": "text"], flags: [.logFormat: "json"]).get().logFormat == .json)
    }

    @Test func badValuesNameTheKey() throws {
        let problems = try ConfigurationTests.problems("log:\n  format: xml\nmetrics:\n  enabled: maybe\n  port: 70000\n",
                                                       environment: ["SWITCHBOARD_METRICS_TOKEN": "short"])
        let paths = problems.map(\.path)
        #expect(paths.contains { $0.hasPrefix("log.format") })
        #expect(paths.contains { $0.hasPrefix("metrics.enabled") })
        #expect(paths.contains { $0.hasPrefix("metrics.port") })
        #expect(paths.contains { $0.hasPrefix("metrics.token") })
        // The rejected token is never quoted.
        #expect(!problems.map(\.description).joined().contains("short"))
    }

    @Test func aLiteralTokenInTheFileIsRefused() throws {
        let problems = try ConfigurationTests.problems("metrics:\n  token: literal-scrape-token-0123456789\n")
        #expect(problems.contains { $0.path.hasPrefix("metrics.token") })
        #expect(!problems.map(\.description).joined().contains("literal-scrape-token"))
    }

    @Test func tracingIsReadFromTheFileAndTheStandardOpenTelemetryVariables() throws {
        let file = try ConfigurationTests.load("tracing:\n  otlp_endpoint: http://collector:4318\n  otlp_protocol: http/json\n").get()
        #expect(file.observability.tracing.endpoint == "http://collector:4318")
        #expect(file.observability.tracing.wireProtocol == .json)
        #expect(file.observability.tracing.serviceName == "switchboard")
        let environment = try ConfigurationTests.load(nil, environment: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SERVICE_NAME": "gateway-eu",
        ]).get()
        #expect(environment.observability.tracing.endpoint == "http://127.0.0.1:4318")
        #expect(environment.observability.tracing.serviceName == "gateway-eu")
        #expect(try ConfigurationTests.load(nil).get().observability.tracing.endpoint == nil, "off by default")
        let problems = try ConfigurationTests.problems("tracing:\n  otlp_endpoint: collector:4317\n  otlp_protocol: grpc\n")
        #expect(problems.contains { $0.path.hasPrefix("tracing.otlp_endpoint") })
        #expect(problems.contains { $0.path.hasPrefix("tracing.otlp_protocol") })
    }
}
