/// Reads a JSON text backwards from a `:` to tell which member name precedes it, for the scans of stream chunks
/// that look for one or two keys: they jump from colon to colon (or brace to brace) with `memchr`, instead of
/// walking every string of the chunk from quote to quote.
///
/// In valid JSON a quote not escaped by an odd run of backslashes delimits a string, and a string followed by a
/// colon is a member name; so an unescaped quote, the key's bytes and an unescaped quote right before the colon
/// (blanks allowed between) are that member's name, written without escapes.
public enum JSONKeyBefore {
    /// Whether the member name ending before the `:` at `colon` is `key`.
    public static func isKey(_ key: StaticString, beforeColonAt colon: Int, in bytes: UnsafeRawBufferPointer) -> Bool {
        var close = colon - 1
        while close >= 0, JSONObjectLayout.isWhitespace(bytes[close]) { close -= 1 }
        let open = close - key.utf8CodeUnitCount - 1
        guard open >= 0, bytes[close] == UInt8(ascii: "\""), bytes[open] == UInt8(ascii: "\""),
              ByteSearch.matches(bytes, at: open + 1, key)
        else { return false }
        return !isEscaped(quoteAt: open, in: bytes) && !isEscaped(quoteAt: close, in: bytes)
    }

    /// The index of the `:` before `index`, blanks between, if there is one.
    public static func colon(before index: Int, in bytes: UnsafeRawBufferPointer) -> Int? {
        var at = index - 1
        while at >= 0, JSONObjectLayout.isWhitespace(bytes[at]) { at -= 1 }
        return at >= 0 && bytes[at] == UInt8(ascii: ":") ? at : nil
    }

    /// Whether the quote at `index` is escaped: an odd run of backslashes before it.
    public static func isEscaped(quoteAt index: Int, in bytes: UnsafeRawBufferPointer) -> Bool {
        var backslashes = 0
        while index - backslashes - 1 >= 0, bytes[index - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
        return backslashes % 2 == 1
    }
}
