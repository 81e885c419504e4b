import SwitchboardCore

/// Budget, pricing and usage-ledger settings (`budgets:`, `pricing:`, `ledger:` in the file).
public struct GovernanceSettings: Sendable {
    /// Price overrides and additions by model name (`pricing.MODEL.{input,cached_input,output,max_output_tokens}`).
    public var prices: [String: ModelPrice] = [:]
    /// `budgets.allow_unpriced_models`: whether a model without a price may be used under a budget.
    public var allowUnpricedModels = false
    /// `budgets.default_max_output_tokens`: the output cap reserved for when neither client nor price gives one.
    public var defaultOutputCap = 16_384
    /// `ledger.retention_days`: usage records older than this are deleted.
    public var retentionDays = 90
    /// `ledger.flush_interval_ms`: longest wait of a usage record before it is written.
    public var flushInterval: Duration = .milliseconds(200)

    public init() {}
}
