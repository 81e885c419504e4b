/// Checks and redacts the text of chat requests (and optionally completions) against configured rules:
/// an input size limit, banned terms, regular expressions, and personal-data detectors.
///
/// Errors name the rule that matched and never the matched text, so a blocked secret is not echoed back.
public struct ContentPolicy: Sendable {
    /// A policy setting that cannot be used, such as an invalid pattern.
    public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, naming the list entry (`pattern #1 is not a valid regular expression`).
        public var message: String

        init(_ message: String) { self.message = message }

        public var description: String { "Invalid content policy: \(message)" }
    }

    /// The settings the policy was built from.
    public let settings: ContentPolicySettings
    private let terms: BannedTermMatcher
    private let patterns: [CompiledPattern]
    private let piiActions: [PIIKind: ContentPolicyAction]
    private let redactedKinds: Set<PIIKind>

    /// Compiles `settings` once.
    /// - Throws: ``ConfigurationError`` naming the first invalid pattern or empty term, or a negative limit.
    public init(settings: ContentPolicySettings) throws(ConfigurationError) {
        if let limit = settings.maxInputCharacters, limit < 0 {
            throw ConfigurationError("max_input_characters must not be negative")
        }
        var patterns: [CompiledPattern] = []
        for (index, source) in settings.patterns.enumerated() {
            guard let pattern = CompiledPattern(source) else {
                throw ConfigurationError("pattern #\(index) is not a valid regular expression")
            }
            patterns.append(pattern)
        }
        self.settings = settings
        self.terms = try BannedTermMatcher(terms: settings.bannedTerms)
        self.patterns = patterns
        self.piiActions = settings.piiActions
        self.redactedKinds = Set(piiActions.filter { $0.value == .redact }.keys)
    }

    /// Whether the policy has no rules, so applying it can be skipped.
    public var isEmpty: Bool {
        settings.maxInputCharacters == nil && terms.isEmpty && patterns.isEmpty && piiActions.isEmpty
    }

    /// Checks every message's text and text parts, and returns the request with redactions applied to both
    /// the typed messages and `raw["messages"]`, so the forwarded body is redacted too.
    /// - Throws: A 400 `content_policy_violation` naming the rule and the message, never the matched text.
    public func apply(to request: ChatRequest) throws(GatewayError) -> ChatRequest {
        let messages = request.typed.messages
        if let limit = settings.maxInputCharacters {
            let total = messages.reduce(0) { $0 + Self.texts(of: $1.content).reduce(0) { $0 + $1.unicodeScalarCount } }
            if total > limit {
                throw Self.violation(
                    "max_input_characters", detail: "the messages contain \(total) characters; the limit is \(limit)",
                    param: "messages"
                )
            }
        }
        var redactions: [String: String] = [:]
        for (index, message) in messages.enumerated() {
            for text in Self.texts(of: message.content) {
                let matches = piiActions.isEmpty ? [] : PIIScanner.scan(text)
                if let finding = blockingFinding(in: text, matches: matches) {
                    throw Self.violation(finding.rule, param: "messages[\(index)].content")
                }
                if matches.contains(where: { redactedKinds.contains($0.kind) }) {
                    redactions[text] = PIIScanner.redact(text, matches, kinds: redactedKinds)
                }
            }
        }
        guard !redactions.isEmpty else { return request }
        var result = request
        for index in result.typed.messages.indices {
            result.typed.messages[index].content = Self.redacting(result.typed.messages[index].content, redactions)
        }
        // `raw` decodes the body on each read: read it once, edit, write it back.
        var raw = result.raw
        if case .array(var rawMessages) = raw["messages"] {
            for index in rawMessages.indices {
                rawMessages[index] = Self.redacting(rawMessage: rawMessages[index], redactions)
            }
            raw["messages"] = .array(rawMessages)
            result.raw = raw
        }
        return result
    }

    /// The first rule a completion text breaks: blocking rules first, then redacting ones; `nil` when it is clean.
    /// Runs regardless of ``ContentPolicySettings/scanCompletions``; the caller decides whether to call it.
    public func scanCompletion(_ text: String) -> ContentPolicyFinding? {
        let matches = piiActions.isEmpty ? [] : PIIScanner.scan(text)
        if let finding = blockingFinding(in: text, matches: matches) { return finding }
        for match in matches where redactedKinds.contains(match.kind) {
            return ContentPolicyFinding(rule: match.kind.ruleName, action: .redact)
        }
        return nil
    }

    /// `text` with the matches of redacting rules replaced, e.g. for a completion.
    public func redact(_ text: String) -> String {
        guard !redactedKinds.isEmpty else { return text }
        return PIIScanner.redact(text, PIIScanner.scan(text), kinds: redactedKinds)
    }

    private func blockingFinding(in text: String, matches: [PIIMatch]) -> ContentPolicyFinding? {
        if let index = terms.firstMatch(in: text) {
            return ContentPolicyFinding(rule: "banned term rule #\(index)", action: .block)
        }
        for (index, pattern) in patterns.enumerated() where pattern.matches(in: text) {
            return ContentPolicyFinding(rule: "pattern #\(index)", action: .block)
        }
        for match in matches where piiActions[match.kind] == .block {
            return ContentPolicyFinding(rule: match.kind.ruleName, action: .block)
        }
        return nil
    }

    private static func violation(_ rule: String, detail: String? = nil, param: String) -> GatewayError {
        let suffix = detail.map { ": \($0)" } ?? ""
        return .invalidRequest(
            "The request was rejected by the content policy (\(rule))\(suffix).", param: param, code: "content_policy_violation"
        )
    }

    // MARK: Message text

    /// The texts a policy applies to: string content, or each text part.
    static func texts(of content: MessageContent?) -> [String] {
        switch content {
        case .text(let text): [text]
        case .parts(let parts): parts.compactMap(\.text)
        case nil: []
        }
    }

    private static func redacting(_ content: MessageContent?, _ redactions: [String: String]) -> MessageContent? {
        switch content {
        case .text(let text): .text(redactions[text] ?? text)
        case .parts(let parts):
            .parts(parts.map { part in
                guard case .text(let text) = part else { return part }
                return .text(redactions[text] ?? text)
            })
        case nil: nil
        }
    }

    private static func redacting(rawMessage: JSONValue, _ redactions: [String: String]) -> JSONValue {
        guard case .object(var message) = rawMessage else { return rawMessage }
        switch message["content"] {
        case .string(let text):
            message["content"] = .string(redactions[text] ?? text)
        case .array(var parts):
            for index in parts.indices {
                guard case .object(var part) = parts[index], part["type"] == "text", let text = part["text"]?.stringValue
                else { continue }
                part["text"] = .string(redactions[text] ?? text)
                parts[index] = .object(part)
            }
            message["content"] = .array(parts)
        default:
            break
        }
        return .object(message)
    }
}
