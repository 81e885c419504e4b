import Foundation

/// The price of one model in nano-dollars per token (input, cached input, output).
public struct ModelPrice: Sendable, Equatable {
    public var input: Int64
    public var cachedInput: Int64
    public var output: Int64
    /// The model's output cap, assumed for a reservation when the client sets no `max_tokens`.
    public var maxOutputTokens: Int?

    /// Builds a price from the usual USD-per-million-tokens figures.
    public init(inputPerMillion: Double, cachedInputPerMillion: Double? = nil, outputPerMillion: Double, maxOutputTokens: Int? = nil) {
        input = Int64((inputPerMillion * 1000).rounded())
        cachedInput = Int64(((cachedInputPerMillion ?? inputPerMillion) * 1000).rounded())
        output = Int64((outputPerMillion * 1000).rounded())
        self.maxOutputTokens = maxOutputTokens
    }

    /// The cost of `usage`: cached prompt tokens at the cached price, the rest at the input price.
    public func cost(of usage: Usage) -> USD {
        let cached = Int64(min(usage.cachedTokens, usage.promptTokens))
        let uncached = Int64(usage.promptTokens) - cached
        return USD(nanos: uncached * input + cached * cachedInput + Int64(usage.completionTokens) * output)
    }

    /// The most a request can cost with at most `promptTokens` in and `outputTokens` out.
    public func worstCase(promptTokens: Int, outputTokens: Int) -> USD {
        USD(nanos: Int64(promptTokens) * input + Int64(outputTokens) * output)
    }
}

/// Prices by upstream model name: the bundled table for current OpenAI and Anthropic models, overridden and
/// extended by configuration. A dated or versioned name (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`,
/// `...-latest`) falls back to its undated family.
public struct PriceTable: Sendable {
    private var prices: [String: ModelPrice]

    public init(overrides: [String: ModelPrice] = [:]) {
        prices = Self.bundled.merging(overrides) { _, override in override }
    }

    /// The price of `model`, if known.
    public func price(for model: String) -> ModelPrice? {
        if let exact = prices[model] { return exact }
        var candidate = Substring(model)
        // Only strip date and version suffixes, so `gpt-4o-mini-x` never falls back to `gpt-4o`.
        while let dash = candidate.lastIndex(of: "-") {
            let suffix = candidate[candidate.index(after: dash)...]
            let isDateOrTag = (suffix.count >= 2 && suffix.allSatisfy(\.isNumber)) || ["latest", "preview"].contains(suffix)
            guard isDateOrTag else { return nil }
            candidate = candidate[..<dash]
            if let price = prices[String(candidate)] { return price }
        }
        return nil
    }

    /// USD per million tokens (input, cached input, output), November 2026 list prices.
    static let bundled: [String: ModelPrice] = [
        "gpt-4o": .init(inputPerMillion: 2.50, cachedInputPerMillion: 1.25, outputPerMillion: 10.00, maxOutputTokens: 16384),
        "gpt-4o-mini": .init(inputPerMillion: 0.15, cachedInputPerMillion: 0.075, outputPerMillion: 0.60, maxOutputTokens: 16384),
        "gpt-4.1": .init(inputPerMillion: 2.00, cachedInputPerMillion: 0.50, outputPerMillion: 8.00, maxOutputTokens: 32768),
        "gpt-4.1-mini": .init(inputPerMillion: 0.40, cachedInputPerMillion: 0.10, outputPerMillion: 1.60, maxOutputTokens: 32768),
        "gpt-4.1-nano": .init(inputPerMillion: 0.10, cachedInputPerMillion: 0.025, outputPerMillion: 0.40, maxOutputTokens: 32768),
        "gpt-5": .init(inputPerMillion: 1.25, cachedInputPerMillion: 0.125, outputPerMillion: 10.00, maxOutputTokens: 128000),
        "gpt-5-mini": .init(inputPerMillion: 0.25, cachedInputPerMillion: 0.025, outputPerMillion: 2.00, maxOutputTokens: 128000),
        "gpt-5-nano": .init(inputPerMillion: 0.05, cachedInputPerMillion: 0.005, outputPerMillion: 0.40, maxOutputTokens: 128000),
        "o3": .init(inputPerMillion: 2.00, cachedInputPerMillion: 0.50, outputPerMillion: 8.00, maxOutputTokens: 100000),
        "o3-mini": .init(inputPerMillion: 1.10, cachedInputPerMillion: 0.55, outputPerMillion: 4.40, maxOutputTokens: 100000),
        "o4-mini": .init(inputPerMillion: 1.10, cachedInputPerMillion: 0.275, outputPerMillion: 4.40, maxOutputTokens: 100000),
        "claude-opus-4-1": .init(inputPerMillion: 15.00, cachedInputPerMillion: 1.50, outputPerMillion: 75.00, maxOutputTokens: 32000),
        "claude-opus-4": .init(inputPerMillion: 15.00, cachedInputPerMillion: 1.50, outputPerMillion: 75.00, maxOutputTokens: 32000),
        "claude-sonnet-4-5": .init(inputPerMillion: 3.00, cachedInputPerMillion: 0.30, outputPerMillion: 15.00, maxOutputTokens: 64000),
        "claude-sonnet-4": .init(inputPerMillion: 3.00, cachedInputPerMillion: 0.30, outputPerMillion: 15.00, maxOutputTokens: 64000),
        "claude-haiku-4-5": .init(inputPerMillion: 1.00, cachedInputPerMillion: 0.10, outputPerMillion: 5.00, maxOutputTokens: 64000),
        "claude-3-5-haiku": .init(inputPerMillion: 0.80, cachedInputPerMillion: 0.08, outputPerMillion: 4.00, maxOutputTokens: 8192),
        // The built-in mock model has a nominal price so that budgets and cost tracking can be tried offline.
        "echo": .init(inputPerMillion: 1.00, outputPerMillion: 2.00, maxOutputTokens: 4096),
    ]
}

/// Upper bounds of the tokens a request can use, for reservations made before the call.
public enum TokenBudgetEstimate {
    /// At most one token per UTF-8 byte of text (true of BPE tokenizers), plus per-message overhead and a
    /// fixed allowance per image; so a reservation made from it is never below the real prompt.
    public static func promptUpperBound(_ request: ChatCompletionRequest) -> Int {
        var tokens = 8
        for message in request.messages {
            tokens += 8 + (message.name?.utf8.count ?? 0)
            switch message.content {
            case .text(let text): tokens += text.utf8.count
            case .parts(let parts):
                for part in parts {
                    switch part {
                    case .text(let text): tokens += text.utf8.count
                    case .imageURL: tokens += 2_000
                    case .other: tokens += 2_000
                    }
                }
            case nil: break
            }
            for call in message.toolCalls ?? [] { tokens += call.function.name.utf8.count + call.function.arguments.utf8.count + 8 }
        }
        for tool in request.tools ?? [] {
            tokens += tool.function.name.utf8.count + (tool.function.description?.utf8.count ?? 0) + 16
            if let parameters = tool.function.parameters, let data = try? JSONEncoder().encode(parameters) { tokens += data.count }
        }
        return tokens
    }

    /// A best guess of the prompt tokens (about four bytes per token), for rate limits and estimated records.
    public static func promptEstimate(_ request: ChatCompletionRequest) -> Int {
        promptEstimate(upperBound: promptUpperBound(request))
    }

    /// The best guess from an upper bound already measured (``promptUpperBound(_:)`` walks every message and
    /// encodes every tool schema, so a request measures it once).
    public static func promptEstimate(upperBound: Int) -> Int {
        max(1, upperBound / 4)
    }
}
