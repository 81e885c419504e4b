/// What a content policy rule does when it matches.
public enum ContentPolicyAction: String, Sendable, Equatable {
    /// Reject the request with a 400.
    case block
    /// Replace the match with a marker such as `[REDACTED:email]` and forward the request.
    case redact
}

/// The plain-data configuration of a ``ContentPolicy``: global, per tenant, or both merged.
public struct ContentPolicySettings: Sendable, Equatable {
    /// A personal-data rule: which kind to detect and what to do with it.
    public struct PIIRule: Sendable, Equatable {
        /// What to detect.
        public var kind: PIIKind
        /// What to do with a match.
        public var action: ContentPolicyAction

        public init(_ kind: PIIKind, _ action: ContentPolicyAction) {
            self.kind = kind
            self.action = action
        }
    }

    /// The most characters (Unicode scalars) allowed across the text of all messages; `nil` for no limit.
    public var maxInputCharacters: Int?
    /// Terms that block a request: case-insensitive, matched on word boundaries, whitespace runs as one space.
    public var bannedTerms: [String]
    /// Regular expressions (Swift `Regex` syntax) that block a request when they match anywhere in a text.
    public var patterns: [String]
    /// Personal-data rules. When a kind appears more than once, `block` wins over `redact`.
    public var piiRules: [PIIRule]
    /// Whether the gateway should also check completion text with ``ContentPolicy/scanCompletion(_:)``.
    public var scanCompletions: Bool

    public init(
        maxInputCharacters: Int? = nil, bannedTerms: [String] = [], patterns: [String] = [], piiRules: [PIIRule] = [],
        scanCompletions: Bool = false
    ) {
        self.maxInputCharacters = maxInputCharacters
        self.bannedTerms = bannedTerms
        self.patterns = patterns
        self.piiRules = piiRules
        self.scanCompletions = scanCompletions
    }

    /// Combines this (global) policy with a tenant's: lists concatenate, global entries first, so rule numbers of
    /// the global policy stay the same; the smaller character limit wins; completions are scanned if either asks.
    public func merged(with tenantOverrides: ContentPolicySettings) -> ContentPolicySettings {
        let limits = [maxInputCharacters, tenantOverrides.maxInputCharacters].compactMap { $0 }
        return ContentPolicySettings(
            maxInputCharacters: limits.min(),
            bannedTerms: bannedTerms + tenantOverrides.bannedTerms,
            patterns: patterns + tenantOverrides.patterns,
            piiRules: piiRules + tenantOverrides.piiRules,
            scanCompletions: scanCompletions || tenantOverrides.scanCompletions
        )
    }

    /// The action for each configured kind, the strictest when a kind is listed more than once.
    var piiActions: [PIIKind: ContentPolicyAction] {
        var actions: [PIIKind: ContentPolicyAction] = [:]
        for rule in piiRules where actions[rule.kind] != .block { actions[rule.kind] = rule.action }
        return actions
    }
}

/// A rule that matched a text, named the way errors name it (`pii.email`, `pattern #0`).
public struct ContentPolicyFinding: Sendable, Equatable {
    /// The rule's name: `banned term rule #N`, `pattern #N` (numbered from 0 in the settings lists),
    /// `pii.<kind>` or `max_input_characters`.
    public var rule: String
    /// Whether the rule blocks or redacts.
    public var action: ContentPolicyAction

    public init(rule: String, action: ContentPolicyAction) {
        self.rule = rule
        self.action = action
    }
}
