extension Usage {
    /// Reads a usage object from its bytes without a JSON decoder when it is plain: the three counts as
    /// non-negative integer literals, `prompt_tokens_details` absent, `null` or an object whose `cached_tokens` is
    /// such a literal, `null` or absent. Other members are skipped. Nil when it is not plain (a missing count, a
    /// float, an escaped key): the caller decodes it instead, so the answer is the decoder's in every case.
    static func plain(_ bytes: UnsafeRawBufferPointer) -> Usage? {
        guard let members = JSONObjectSpans(bytes),
              let prompt = members.count(of: "prompt_tokens", in: bytes),
              let completion = members.count(of: "completion_tokens", in: bytes),
              let total = members.count(of: "total_tokens", in: bytes) else { return nil }
        var usage = Usage(promptTokens: prompt, completionTokens: completion)
        usage.totalTokens = total
        guard let detailsRange = members.range(of: "prompt_tokens_details", in: bytes) else { return usage }
        let details = UnsafeRawBufferPointer(rebasing: bytes[detailsRange])
        if details.elementsEqual("null".utf8) { return usage }
        guard let detailMembers = JSONObjectSpans(details) else { return nil }
        guard let cachedRange = detailMembers.range(of: "cached_tokens", in: details) else {
            usage.promptTokensDetails = PromptTokensDetails(cachedTokens: nil)
            return usage
        }
        let cached = UnsafeRawBufferPointer(rebasing: details[cachedRange])
        if cached.elementsEqual("null".utf8) {
            usage.promptTokensDetails = PromptTokensDetails(cachedTokens: nil)
            return usage
        }
        guard let count = JSONObjectSpans.integer(cached) else { return nil }
        usage.promptTokensDetails = PromptTokensDetails(cachedTokens: count)
        return usage
    }
}
