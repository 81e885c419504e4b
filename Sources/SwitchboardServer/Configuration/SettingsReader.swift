import Foundation
import Configuration
import SwitchboardCore

/// Reads the scalar settings from the merged `ConfigReader` into a ``GatewayConfiguration``, collecting a
/// problem for every value that does not parse.
struct SettingsReader {
    let reader: ConfigReader
    let environment: [String: String]
    var problems: [ConfigProblem]

    mutating func apply(to configuration: inout GatewayConfiguration) {
        if let host = string(.host) { configuration.host = host }
        if let port = integer(.port, in: 0...65535) { configuration.port = port }
        if let grace = integer(.shutdownGrace, in: 0...3600) { configuration.shutdownGrace = .seconds(grace) }
        if let bytes = integer(.maxBodyBytes, in: 1024...(1 << 30)) { configuration.maxBodyBytes = bytes }
        if let backlog = integer(.listenBacklog, in: 1...65535) { configuration.listenBacklog = backlog }
        if let connections = integer(.maxConnections, in: 1...10_000_000) { configuration.maxConnections = connections }
        if let directory = string(.dataDirectory) { configuration.dataDirectory = directory }
        if let level = string(.logLevel) {
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            if levels.contains(level.lowercased()) {
                configuration.logLevel = level.lowercased()
            } else {
                report(.logLevel, "must be one of \(levels.joined(separator: ", "))")
            }
        }
        if let admin = secret(.adminKey) { configuration.adminKey = validatedAdminKey(admin) }
        if let format = string(.logFormat) {
            if let parsed = LogFormat(rawValue: format.lowercased()) {
                configuration.logFormat = parsed
            } else {
                report(.logFormat, "must be json or text")
            }
        }
        if let value = boolean(.logPrompts) { configuration.observability.logPrompts = value }
        if let value = boolean(.metricsEnabled) { configuration.observability.metricsEnabled = value }
        if let port = integer(.metricsPort, in: 0...65535) { configuration.observability.metricsPort = port }
        if let token = secret(.metricsToken) {
            if token.count >= 16 {
                configuration.observability.metricsToken = Secret(token)
            } else {
                report(.metricsToken, "must be at least 16 characters")
            }
        }
        if let value = boolean(.metricsTenantLabels) { configuration.observability.tenantLabels = value }
        var timeouts = configuration.timeouts
        if let value = integer(.connectTimeout, in: 1...600_000) { timeouts.connect = .milliseconds(value) }
        if let value = integer(.firstByteTimeout, in: 1...3_600_000) { timeouts.firstByte = .milliseconds(value) }
        if let value = integer(.idleTimeout, in: 1...3_600_000) { timeouts.idle = .milliseconds(value) }
        if let value = integer(.totalTimeout, in: 1...86_400_000) { timeouts.total = .milliseconds(value) }
        configuration.timeouts = timeouts
        if let value = boolean(.allowUnpricedModels) { configuration.governance.allowUnpricedModels = value }
        if let value = boolean(.hsts) { configuration.hsts = value }
        if let value = integer(.bodyTimeout, in: 1...3_600_000) { configuration.bodyTimeout = .milliseconds(value) }
        if let value = integer(.keepAliveTimeout, in: 1...3_600_000) { configuration.keepAliveTimeout = .milliseconds(value) }
        if let value = integer(.sendTimeout, in: 1...3_600_000) { configuration.sendTimeout = .milliseconds(value) }
        if let text = string(.corsAllowedOrigins) {
            let origins = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for origin in origins where origin == "*" || !URLCheck.isHTTP(origin) || origin.hasSuffix("/") {
                report(.corsAllowedOrigins, "'\(origin)' is not an origin like https://app.example.com (no wildcard, no path)")
            }
            configuration.corsAllowedOrigins = Set(origins)
        }
        if let value = integer(.defaultMaxOutputTokens, in: 1...10_000_000) { configuration.governance.defaultOutputCap = value }
        if let value = integer(.ledgerRetentionDays, in: 1...36_500) { configuration.governance.retentionDays = value }
        if let value = integer(.ledgerFlushInterval, in: 1...60_000) { configuration.governance.flushInterval = .milliseconds(value) }
        applyTracing(to: &configuration.observability.tracing)
    }

    private mutating func applyTracing(to tracing: inout TracingSettings) {
        if let endpoint = string(.tracingEndpoint) {
            if URLCheck.isHTTP(endpoint) {
                tracing.endpoint = endpoint
            } else {
                report(.tracingEndpoint, "'\(endpoint)' is not an http(s) URL like http://otel-collector:4318")
            }
        }
        if let text = string(.tracingProtocol) {
            if let parsed = TracingSettings.WireProtocol(rawValue: text.lowercased()) {
                tracing.wireProtocol = parsed
            } else {
                report(.tracingProtocol, "must be http/protobuf or http/json (gRPC is not built in)")
            }
        }
        if let name = string(.tracingServiceName) { tracing.serviceName = name }
    }

    private mutating func validatedAdminKey(_ key: String) -> Secret? {
        guard key.count >= 16 else {
            report(.adminKey, "must be at least 16 characters")
            return nil
        }
        return Secret(key)
    }

    /// A secret setting: the environment variable holds the value itself; the file must reference it.
    private mutating func secret(_ setting: Setting) -> String? {
        guard let value = string(setting, isSecret: true) else { return nil }
        if environment[setting.environmentVariable] == value { return value }
        var resolver = SecretReference(environment: environment)
        let resolved = resolver.resolve(value, path: setting.rawValue)
        problems += resolver.problems
        return resolved?.value
    }

    private mutating func boolean(_ setting: Setting) -> Bool? {
        guard let text = string(setting) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default:
            report(setting, "'\(text)' is not true or false")
            return nil
        }
    }

    private func string(_ setting: Setting, isSecret: Bool = false) -> String? {
        reader.string(forKey: ConfigKey(setting.rawValue.split(separator: ".").map(String.init)), isSecret: isSecret)
    }

    private mutating func integer(_ setting: Setting, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(setting) else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            report(setting, "'\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    private mutating func report(_ setting: Setting, _ reason: String) {
        problems.append(ConfigProblem(path: "\(setting.rawValue) (\(setting.environmentVariable))", reason: reason))
    }
}
