/// Where each top-level member of a JSON object lies in its bytes, keys included, found by one pass that skips
/// nested values without decoding them: for reading a member or two of an upstream's answer (its `usage`) without
/// a decoder, and the scan under ``JSONObjectLayout``. Keys stay bytes: no string is made for them, and they are
/// compared with `memcmp`.
///
/// The scan is deliberately strict: a key written with an escape (`"mod\u0065l"`), a duplicate key, or anything
/// but one object surrounded by whitespace gives nothing, and callers fall back to a full decode. It checks
/// structure (strings closed, brackets balanced, no raw control bytes in strings), not full JSON validity.
struct JSONObjectSpans {
    /// Each member's key bytes (without the quotes) and the bytes of its value.
    fileprivate(set) var members: [(key: Range<Int>, value: Range<Int>)] = []
    /// The offset of the closing `}`.
    fileprivate(set) var closingBrace = 0

    /// The members of the object `bytes` hold. Keys that are the same bytes are duplicates; `checkingDuplicates`
    /// false leaves that to the caller (``JSONObjectLayout`` compares keys as strings).
    init?(_ bytes: UnsafeRawBufferPointer, checkingDuplicates: Bool = true) {
        var scanner = Scanner(bytes: bytes)
        guard scanner.parse(into: &self) else { return nil }
        if checkingDuplicates, Self.hasDuplicateKey(members, in: bytes) { return nil }
    }

    /// The value bytes of `key`.
    func range(of key: StaticString, in bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        members.first { ByteSearch.equals(UnsafeRawBufferPointer(rebasing: bytes[$0.key]), key) }?.value
    }

    /// The member `key` as a non-negative integer literal, or nil.
    func count(of key: StaticString, in bytes: UnsafeRawBufferPointer) -> Int? {
        range(of: key, in: bytes).flatMap { Self.integer(UnsafeRawBufferPointer(rebasing: bytes[$0])) }
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

    /// Whether two keys are the same bytes: compared pair by pair for an API object's handful of keys, through a
    /// set beyond (a hostile body with thousands of keys stays linear in time).
    private static func hasDuplicateKey(_ members: [(key: Range<Int>, value: Range<Int>)], in bytes: UnsafeRawBufferPointer) -> Bool {
        guard members.count > 16 else {
            for second in members.indices {
                let key = UnsafeRawBufferPointer(rebasing: bytes[members[second].key])
                for first in 0..<second where members[first].key.count == key.count {
                    if key.elementsEqual(UnsafeRawBufferPointer(rebasing: bytes[members[first].key])) { return true }
                }
            }
            return false
        }
        var seen = Set<[UInt8]>(minimumCapacity: members.count)
        return members.contains { !seen.insert(Array(bytes[$0.key])).inserted }
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func parse(into spans: inout JSONObjectSpans) -> Bool {
            skipWhitespace()
            guard take(UInt8(ascii: "{")) else { return false }
            spans.members.reserveCapacity(JSONObjectLayout.expectedMembers)
            skipWhitespace()
            if !take(UInt8(ascii: "}")) {
                while true {
                    skipWhitespace()
                    guard let key = plainKey() else { return false }
                    skipWhitespace()
                    guard take(UInt8(ascii: ":")) else { return false }
                    skipWhitespace()
                    let start = index
                    guard skipValue() else { return false }
                    spans.members.append((key, start..<index))
                    skipWhitespace()
                    if take(UInt8(ascii: ",")) { continue }
                    guard take(UInt8(ascii: "}")) else { return false }
                    break
                }
            }
            spans.closingBrace = index - 1
            skipWhitespace()
            return index == bytes.count
        }

        /// The bytes of a key without escapes (or control bytes).
        mutating func plainKey() -> Range<Int>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            guard let close = ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: bytes, from: start),
                  ByteSearch.firstIndex(of: UInt8(ascii: "\\"), in: bytes, from: start, to: close) == nil,
                  !JSONBytes.hasControlByte(bytes, in: start..<close)
            else { return nil }
            index = close + 1
            return start..<close
        }

        /// Skips one value of any kind; false when it is not well formed.
        mutating func skipValue() -> Bool {
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                return skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                return skipContainer()
            default:
                // A number or a literal: up to the next delimiter.
                let start = index
                while index < bytes.count, !Self.isDelimiter(bytes[index]) { index += 1 }
                return index > start
            }
        }

        /// Skips a string: to its closing quote, then a check that no control byte lies inside (JSON has them
        /// only escaped). Both a word or a vector at a time (``JSONBytes``).
        mutating func skipString() -> Bool {
            guard let close = JSONBytes.closingQuote(from: index + 1, in: bytes),
                  !JSONBytes.hasControlByte(bytes, in: (index + 1)..<close)
            else { return false }
            index = close + 1
            return true
        }

        /// Skips a nested object or array, tracking brackets outside strings: which closer each open level
        /// expects is a bit of a word for the first 64 levels (no allocation per value), an array beyond.
        mutating func skipContainer() -> Bool {
            var expectsBracket: UInt64 = 0
            var depth = 0
            var deeper: [Bool] = []
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    guard skipString() else { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    let bracket = byte == UInt8(ascii: "[")
                    if depth < 64 {
                        expectsBracket = bracket ? expectsBracket | 1 << depth : expectsBracket & ~(1 << depth)
                    } else {
                        deeper.append(bracket)
                    }
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    guard depth > 0 else { return false }
                    depth -= 1
                    let expected = depth < 64 ? expectsBracket & 1 << depth != 0 : deeper.removeLast()
                    guard expected == (byte == UInt8(ascii: "]")) else { return false }
                    if depth == 0 {
                        index += 1
                        return true
                    }
                default:
                    break
                }
                index += 1
            }
            return false
        }

        mutating func skipWhitespace() {
            while index < bytes.count, JSONObjectLayout.isWhitespace(bytes[index]) { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        static func isDelimiter(_ byte: UInt8) -> Bool {
            JSONObjectLayout.isWhitespace(byte) || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
        }
    }

}
