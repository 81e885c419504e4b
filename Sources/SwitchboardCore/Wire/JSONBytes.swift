/// Reads JSON text a string or a key at a time rather than a byte at a time: the scans of request bodies, answers
/// and stream chunks jump to the next quote, colon or brace with `memchr`, where a loop over every byte took about
/// fifteen instructions a byte (callgrind), and most of a chat body or answer is text inside strings.
///
/// Reading a member name backwards from its `:` lets a scan that looks for one or two keys go from colon to colon
/// (or brace to brace) instead of walking every string. In valid JSON a quote not escaped by an odd run of backslashes delimits a string, and a string followed by a
/// colon is a member name; so an unescaped quote, the key's bytes and an unescaped quote right before the colon
/// (blanks allowed between) are that member's name, written without escapes.
public enum JSONBytes {
    /// The index of the quote closing a string whose text starts at `start` (one not escaped by an odd run of
    /// backslashes), or nil when the string is not closed.
    public static func closingQuote(from start: Int, in bytes: UnsafeRawBufferPointer) -> Int? {
        var from = start
        while let quote = ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: bytes, from: from) {
            if !isEscaped(quoteAt: quote, in: bytes) { return quote }
            from = quote + 1
        }
        return nil
    }

    /// Whether `bytes` are all ASCII: eight at a time.
    public static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while bytes.count - index >= 8 {
            if bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & highs != 0 { return false }
            index += 8
        }
        while index < bytes.count {
            if bytes[index] >= 0x80 { return false }
            index += 1
        }
        return true
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether any of the eight bytes of `word` is below 0x20: such a byte, and only such a byte, borrows into its
    /// top bit, which was clear, when 0x20 is taken from each byte.
    @inline(__always)
    public static func hasControlByte(inWord word: UInt64) -> Bool {
        (word &- ones &* 0x20) & ~word & highs != 0
    }

    /// Whether any of the eight bytes of `word` equals `byte` (a byte is zero when subtracting one borrows into its
    /// top bit, which was clear).
    @inline(__always)
    public static func hasByte(_ byte: UInt8, inWord word: UInt64) -> Bool {
        let difference = word ^ (ones &* UInt64(byte))
        return (difference &- ones) & ~difference & highs != 0
    }

    /// Whether `bytes[range]` hold a control character (below 0x20), which JSON allows in a string only escaped:
    /// eight bytes at a time.
    public static func hasControlByte(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>) -> Bool {
        var index = range.lowerBound
        while range.upperBound - index >= 8 {
            if hasControlByte(inWord: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) { return true }
            index += 8
        }
        while index < range.upperBound {
            if bytes[index] < 0x20 { return true }
            index += 1
        }
        return false
    }

    /// The closing quote of the member name before the `:` at `colon` (blanks between), if an unescaped quote is
    /// there; read the name with ``isKey(_:endingAt:in:)``.
    public static func nameEnd(beforeColonAt colon: Int, in bytes: UnsafeRawBufferPointer) -> Int? {
        var close = colon - 1
        while close >= 0, JSONObjectLayout.isWhitespace(bytes[close]) { close -= 1 }
        guard close >= 0, bytes[close] == UInt8(ascii: "\""), !isEscaped(quoteAt: close, in: bytes) else { return nil }
        return close
    }

    /// Whether the member name whose closing quote is at `close` (from ``nameEnd(beforeColonAt:in:)``) is `key`.
    public static func isKey(_ key: StaticString, endingAt close: Int, in bytes: UnsafeRawBufferPointer) -> Bool {
        let open = close - key.utf8CodeUnitCount - 1
        guard open >= 0, bytes[open] == UInt8(ascii: "\""), ByteSearch.matches(bytes, at: open + 1, key) else { return false }
        return !isEscaped(quoteAt: open, in: bytes)
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
