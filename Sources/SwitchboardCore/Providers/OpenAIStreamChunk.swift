extension OpenAIProvider {
    /// The usage of a stream chunk, read without a JSON decoder, and whether the chunk carries nothing else
    /// (no choices): for a chunk that is a plain object (``JSONObjectLayout``) with no `error` member, a plain
    /// `usage` (``Usage/plain(_:)``) and `choices` absent, `null` or an array. Nil otherwise, and the chunk is
    /// decoded instead. Like every other chunk it is forwarded as it came, so only what the tally needs is read.
    static func plainUsageChunk(_ bytes: UnsafeRawBufferPointer) -> (usage: Usage, usageOnly: Bool)? {
        guard let layout = JSONObjectLayout(bytes), layout.range(of: "error") == nil, let usageRange = layout.range(of: "usage"),
              let usage = Usage.plain(UnsafeRawBufferPointer(rebasing: bytes[usageRange]))
        else { return nil }
        guard let choicesRange = layout.range(of: "choices") else { return (usage, true) }
        let choices = UnsafeRawBufferPointer(rebasing: bytes[choicesRange])
        if choices.elementsEqual("null".utf8) { return (usage, true) }
        guard choices.first == UInt8(ascii: "[") else { return nil }
        let inside = choices.dropFirst().drop(while: JSONObjectLayout.isWhitespace)
        return (usage, inside.first == UInt8(ascii: "]"))
    }
}

/// Finds `"usage": {` and `"error": {` in a stream chunk's JSON text by scanning its bytes once, to decide
/// cheaply whether the chunk needs reading. It may say yes for a match inside a string value (the chunk is then
/// read, which is still correct); it never says no for a chunk that has the key with an object value.
enum JSONKeyScan {
    private static let usage: StaticString = #""usage""#
    private static let error: StaticString = #""error""#

    /// Which of the two keys the chunk's UTF-8 bytes have with an object value.
    static func objectKeys(in bytes: UnsafeBufferPointer<UInt8>) -> (usage: Bool, error: Bool) {
        var found = (usage: false, error: false)
        var index = 0
        while index < bytes.count, !(found.usage && found.error) {
            guard let at = ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: UnsafeRawBufferPointer(bytes), from: index) else { break }
            index = at + 1
            if !found.usage, ByteSearch.matches(UnsafeRawBufferPointer(bytes), at: at, usage) {
                found.usage = objectFollows(bytes, from: at + usage.utf8CodeUnitCount)
            } else if !found.error, ByteSearch.matches(UnsafeRawBufferPointer(bytes), at: at, error) {
                found.error = objectFollows(bytes, from: at + error.utf8CodeUnitCount)
            }
        }
        return found
    }

    /// Whether `{` comes next, after blanks and the colon.
    private static func objectFollows(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        var next = start
        while next < bytes.count, bytes[next] == UInt8(ascii: ":") || JSONObjectLayout.isWhitespace(bytes[next]) { next += 1 }
        return next < bytes.count && bytes[next] == UInt8(ascii: "{")
    }
}
