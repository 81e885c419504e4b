extension OpenAIProvider {
    /// The usage of a stream chunk, read without a JSON decoder, and whether the chunk carries nothing else
    /// (no choices): for a chunk that is a plain object (``JSONObjectSpans``) with no `error` member, a plain
    /// `usage` (``Usage/plain(_:)``) and `choices` absent, `null` or an array. Nil otherwise, and the chunk is
    /// decoded instead. Like every other chunk it is forwarded as it came, so only what the tally needs is read.
    static func plainUsageChunk(_ bytes: UnsafeRawBufferPointer) -> (usage: Usage, usageOnly: Bool)? {
        guard let members = JSONObjectSpans(bytes), members.range(of: "error", in: bytes) == nil,
              let usageRange = members.range(of: "usage", in: bytes), let usage = Usage.plain(UnsafeRawBufferPointer(rebasing: bytes[usageRange]))
        else { return nil }
        guard let choicesRange = members.range(of: "choices", in: bytes) else { return (usage, true) }
        let choices = UnsafeRawBufferPointer(rebasing: bytes[choicesRange])
        if choices.elementsEqual("null".utf8) { return (usage, true) }
        guard choices.first == UInt8(ascii: "[") else { return nil }
        let inside = choices.dropFirst().drop(while: JSONObjectLayout.isWhitespace)
        return (usage, inside.first == UInt8(ascii: "]"))
    }
}

/// Finds `"usage": {` and `"error": {` in a stream chunk's JSON text, to decide cheaply whether the chunk needs
/// reading: it goes from `{` to `{` (`memchr`; a chunk has three or four) and reads the key before each backwards
/// (``JSONBytes``). It never says no for a chunk that has either key with an object value; it may say yes for
/// one that is not valid JSON, which is then read, and refused, as before.
enum JSONKeyScan {
    /// Which of the two keys the chunk's UTF-8 bytes have with an object value.
    static func objectKeys(in bytes: UnsafeBufferPointer<UInt8>) -> (usage: Bool, error: Bool) {
        let text = UnsafeRawBufferPointer(bytes)
        var found = (usage: false, error: false)
        var index = 0
        while !(found.usage && found.error), let brace = ByteSearch.firstIndex(of: UInt8(ascii: "{"), in: text, from: index) {
            index = brace + 1
            guard let colon = JSONBytes.colon(before: brace, in: text), let name = JSONBytes.nameEnd(beforeColonAt: colon, in: text) else {
                continue
            }
            if !found.usage, JSONBytes.isKey("usage", endingAt: name, in: text) {
                found.usage = true
            } else if !found.error, JSONBytes.isKey("error", endingAt: name, in: text) {
                found.error = true
            }
        }
        return found
    }
}
