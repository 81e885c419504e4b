import Foundation
import HTTPTypes
import NIOCore
import NIOFoundationCompat
import SwitchboardCore

/// Applies the input limits, the content policy (global, merged with the caller's tenant's) and tool
/// definition checks to a request before any upstream call, and checks the model's tool calls after.
struct RequestPolicy: Sendable {
    let limits: RequestShapeLimits
    let global: ContentPolicy
    /// Merged policies of tenants that add rules of their own, built once at start.
    let tenants: [String: ContentPolicy]
    let toolCalls: PolicySettings.ToolCallMode

    static let toolCallWarning = HTTPField.Name("x-switchboard-tool-call-warning")!

    /// Builds the compiled policies. The configuration was validated at load, so patterns compile.
    init(settings: PolicySettings) throws {
        limits = settings.limits
        global = try ContentPolicy(settings: settings.content)
        tenants = try settings.tenantContent.mapValues { try ContentPolicy(settings: settings.content.merged(with: $0)) }
        toolCalls = settings.toolCalls
    }

    /// Rejects bodies nested deeper than the limit, before they are decoded.
    func checkBody(_ body: ByteBuffer) throws(GatewayError) {
        try body.withUnsafeReadableBytes { bytes throws(GatewayError) in try limits.checkDepth(bytes) }
    }

    /// Checks a decoded request and returns it with the content policy's redactions applied.
    func apply(to request: ChatRequest, identity: CallerIdentity?) throws(GatewayError) -> ChatRequest {
        try limits.check(request)
        if let error = ToolCallValidation.checkToolSchemas(request.typed.tools ?? []) { throw error }
        return try policy(for: identity).apply(to: request)
    }

    /// Applies the content policy to a non-streamed answer when `scan_completions` is on: a blocking rule turns
    /// the answer into 502 `content_policy_violation` (naming the rule), redacting rules rewrite its text.
    func checkAnswer(_ completion: ProviderCompletion, identity: CallerIdentity?) throws(GatewayError) -> ProviderCompletion {
        let policy = policy(for: identity)
        guard policy.settings.scanCompletions,
              var answer = try? JSONDecoder().decode(ChatCompletion.self, from: Data(buffer: completion.body)) else { return completion }
        var changed = false
        for index in answer.choices.indices {
            guard let text = answer.choices[index].message.content, let finding = policy.scanCompletion(text) else { continue }
            if finding.action == .block {
                throw GatewayError(status: 502, type: "upstream_error", code: "content_policy_violation",
                                   message: "The model's answer was blocked by the content policy (\(finding.rule)).")
            }
            answer.choices[index].message.content = policy.redact(text)
            changed = true
        }
        guard changed, let data = try? JSONEncoder().encode(answer) else { return completion }
        return ProviderCompletion(body: ByteBuffer(data: data), usage: completion.usage)
    }

    /// Checks the tool calls of a non-streamed answer against the declared tools: a warning header, an
    /// error, or nothing, as configured. Streams are passed through unchecked.
    func checkToolCalls(in completion: ProviderCompletion, request: ChatRequest) throws(GatewayError) -> HTTPFields {
        guard toolCalls != .off, let tools = request.typed.tools, !tools.isEmpty,
              let answer = try? JSONDecoder().decode(ChatCompletion.self, from: Data(buffer: completion.body)) else { return [:] }
        let calls = answer.choices.flatMap { $0.message.toolCalls ?? [] }
        let invalid = ToolCallValidation(tools: tools).validate(calls).filter { !$0.isValid }
        guard let first = invalid.first else { return [:] }
        let summary = "\(invalid.count) tool call(s) do not match their declared tools; first: \(first.toolName) (\(Self.describe(first.issue)))"
        if toolCalls == .error {
            throw GatewayError(status: 502, type: "upstream_error", code: "invalid_tool_call", message: "The model answered with invalid tool calls: \(summary).")
        }
        return [Self.toolCallWarning: summary]
    }

    private func policy(for identity: CallerIdentity?) -> ContentPolicy {
        guard case .virtualKey(let key) = identity, let tenant = tenants[key.tenant.name] else { return global }
        return tenant
    }

    private static func describe(_ issue: ToolCallValidation.Issue?) -> String {
        switch issue {
        case .unknownTool: "unknown tool"
        case .argumentsNotJSON: "arguments are not JSON"
        case .argumentsNotObject: "arguments are not an object"
        case .schemaViolations(let problems): "arguments break the schema at \(problems.first?.path ?? "/")"
        case nil: "valid"
        }
    }
}
