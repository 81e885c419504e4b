/// Limits on the shape of a chat request that protect the gateway and its upstreams from oversized input.
///
/// ``checkDepth(_:limit:)`` runs on the raw body before decoding; ``check(_:)`` runs on the decoded request.
/// Every violation is a 400 `invalid_request_error` whose message names the field and the limit.
public struct RequestShapeLimits: Sendable, Equatable {
    /// The deepest nesting of arrays and objects in the body. Default 64.
    public var maxNestingDepth: Int
    /// The most entries in `messages`. Default 1,000.
    public var maxMessages: Int
    /// The most characters (Unicode scalars) across message text and tool-call arguments. Default 1,000,000.
    public var maxTotalCharacters: Int
    /// The largest `n`. Default 8.
    public var maxChoices: Int
    /// Output token caps by requested model name (as the client sent it); `max_tokens` and
    /// `max_completion_tokens` above the cap are rejected. Models not listed are not capped.
    public var maxOutputTokensByModel: [String: Int]

    public init(
        maxNestingDepth: Int = 64, maxMessages: Int = 1_000, maxTotalCharacters: Int = 1_000_000, maxChoices: Int = 8,
        maxOutputTokensByModel: [String: Int] = [:]
    ) {
        self.maxNestingDepth = maxNestingDepth
        self.maxMessages = maxMessages
        self.maxTotalCharacters = maxTotalCharacters
        self.maxChoices = maxChoices
        self.maxOutputTokensByModel = maxOutputTokensByModel
    }

    /// Rejects a JSON body whose arrays and objects nest deeper than `limit`, scanning bytes without recursion
    /// and ignoring brackets inside strings. Malformed JSON is left for the decoder to report.
    /// - Throws: A 400 with code `nesting_too_deep`.
    @inlinable
    public static func checkDepth(_ bytes: some Collection<UInt8>, limit: Int) throws(GatewayError) {
        let exceeded = bytes.withContiguousStorageIfAvailable { exceedsDepth(UnsafeRawBufferPointer($0), limit: limit) }
            ?? Array(bytes).withUnsafeBytes { exceedsDepth($0, limit: limit) }
        guard exceeded else { return }
        throw .invalidRequest(
            "The request body nests arrays and objects deeper than the limit of \(limit) levels (max_nesting_depth).",
            code: "nesting_too_deep"
        )
    }

    /// Whether `bytes` nest deeper than `limit`. A string is jumped over whole, `memchr` to its closing quote (one not
    /// escaped by an odd run of backslashes): most of a chat body is text, which a loop over every byte read at
    /// about fifteen instructions a byte (callgrind).
    @usableFromInline
    static func exceedsDepth(_ bytes: UnsafeRawBufferPointer, limit: Int) -> Bool {
        var depth = 0
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                // An unterminated string is malformed: the decoder reports it.
                guard let close = JSONBytes.closingQuote(from: index + 1, in: bytes) else { return false }
                index = close + 1
                continue
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth = max(0, depth - 1)
            default:
                break
            }
            index += 1
        }
        return false
    }

    /// ``checkDepth(_:limit:)`` with ``maxNestingDepth``.
    @inlinable
    public func checkDepth(_ bytes: some Collection<UInt8>) throws(GatewayError) {
        try Self.checkDepth(bytes, limit: maxNestingDepth)
    }

    /// Checks the message count, total characters, `n` and the output token cap of a decoded request.
    public func check(_ request: ChatRequest) throws(GatewayError) {
        let typed = request.typed
        if typed.messages.count > maxMessages {
            throw .invalidRequest(
                "'messages' has \(typed.messages.count) messages; the limit is \(maxMessages) (max_messages).",
                param: "messages", code: "array_above_max_length"
            )
        }
        var total = 0
        for message in typed.messages {
            for text in ContentPolicy.texts(of: message.content) { total += text.unicodeScalarCount }
            for call in message.toolCalls ?? [] { total += call.function.arguments.unicodeScalarCount }
            if total > maxTotalCharacters {
                throw .invalidRequest(
                    "'messages' contain more than \(maxTotalCharacters) characters (max_total_characters).",
                    param: "messages", code: "string_above_max_length"
                )
            }
        }
        if let n = typed.n, n > maxChoices {
            throw .invalidRequest("'n' is \(n); the limit is \(maxChoices) (max_n).", param: "n", code: "integer_above_max_value")
        }
        guard let cap = maxOutputTokensByModel[typed.model] else { return }
        for (field, value) in [("max_tokens", typed.maxTokens), ("max_completion_tokens", typed.maxCompletionTokens)] {
            guard let value, value > cap else { continue }
            throw .invalidRequest(
                "'\(field)' is \(value); the limit for model '\(typed.model)' is \(cap) (max_output_tokens).",
                param: field, code: "integer_above_max_value"
            )
        }
    }
}
