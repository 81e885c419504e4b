import SwitchboardCore

/// Input limits, content policy and tool-call validation (`limits:`, `content_policy:`, `tool_calls:`).
public struct PolicySettings: Sendable, Equatable {
    /// What to do with a model's tool call whose arguments do not parse or do not match the declared schema.
    public enum ToolCallMode: String, Sendable, Equatable {
        /// Pass the answer through with an `x-switchboard-tool-call-warning` header.
        case warn
        /// Answer 502 `invalid_tool_call` instead.
        case error
        /// Do not check.
        case off
    }

    public var limits = RequestShapeLimits()
    /// The global content policy.
    public var content = ContentPolicySettings()
    /// Additions per tenant, merged with the global policy (lists add up, limits take the stricter).
    public var tenantContent: [String: ContentPolicySettings] = [:]
    public var toolCalls = ToolCallMode.warn

    public init() {}
}
