extension Usage {
    /// Reads a usage object from its bytes without a JSON decoder when it is plain: the three counts as
    /// non-negative integer literals, `prompt_tokens_details` absent, `null` or an object whose `cached_tokens` is
    /// such a literal, `null` or absent. Other members are skipped. Nil when it is not plain (a missing count, a
    /// float, an escaped key): the caller decodes it instead, so the answer is the decoder's in every case.
    static func plain(_ bytes: UnsafeRawBufferPointer) -> Usage? {
        guard let layout = JSONObjectLayout(bytes),
              let prompt = layout.count(of: "prompt_tokens", in: bytes),
              let completion = layout.count(of: "completion_tokens", in: bytes),
              let total = layout.count(of: "total_tokens", in: bytes) else { return nil }
        var usage = Usage(promptTokens: prompt, completionTokens: completion)
        usage.totalTokens = total
        guard let detailsRange = layout.range(of: "prompt_tokens_details") else { return usage }
        let details = UnsafeRawBufferPointer(rebasing: bytes[detailsRange])
        if details.elementsEqual("null".utf8) { return usage }
        guard let detailsLayout = JSONObjectLayout(details) else { return nil }
        guard let cachedRange = detailsLayout.range(of: "cached_tokens") else {
            usage.promptTokensDetails = PromptTokensDetails(cachedTokens: nil)
            return usage
        }
        let cached = UnsafeRawBufferPointer(rebasing: details[cachedRange])
        if cached.elementsEqual("null".utf8) {
            usage.promptTokensDetails = PromptTokensDetails(cachedTokens: nil)
            return usage
        }
        guard let count = JSONObjectLayout.integer(cached) else { return nil }
        usage.promptTokensDetails = PromptTokensDetails(cachedTokens: count)
        return usage
    }
}

extension JSONObjectLayout {
    /// The member `key` as a non-negative integer literal, or nil.
    func count(of key: String, in bytes: UnsafeRawBufferPointer) -> Int? {
        range(of: key).flatMap { Self.integer(UnsafeRawBufferPointer(rebasing: bytes[$0])) }
    }

    /// Digits only, at most 18 of them (no sign, fraction, exponent or leading zero), as JSON writes a count.
    static func integer(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard (1...18).contains(bytes.count), bytes.count == 1 || bytes[0] != UInt8(ascii: "0") else { return nil }
        var value = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
