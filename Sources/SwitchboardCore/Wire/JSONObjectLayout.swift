/// Where each top-level member of a JSON object lies in its bytes, found by one pass that skips nested values
/// without decoding them. Lets the gateway edit a member of a body it forwards (the `model`) by splicing bytes
/// instead of decoding and re-encoding the whole document.
///
/// The scan is deliberately strict: a key written with an escape (`"mod\u0065l"`), a duplicate key, or
/// anything but one object surrounded by whitespace gives no layout, and callers fall back to a full decode.
/// It checks structure (strings closed, brackets balanced), not full JSON validity, so use it on bytes a
/// JSON decoder has accepted, or where the fallback is safe.
struct JSONObjectLayout: Sendable {
    /// Each member's key and the byte range of its value.
    private(set) var members: [(key: String, value: Range<Int>)] = []
    /// The offset of the closing `}`.
    var closingBrace = 0

    /// The byte range of `key`'s value.
    func range(of key: String) -> Range<Int>? {
        members.first { $0.key == key }?.value
    }

    var isEmpty: Bool { members.isEmpty }

    /// Room for this many members from the start: an API object rarely has more, and growing the list one
    /// member at a time reallocated it three times per object.
    static let expectedMembers = 12

    /// No members yet; a reader that has checked the document itself appends them (``PlainChatRequestDecoder``).
    init() {
        members.reserveCapacity(Self.expectedMembers)
    }

    mutating func append(_ key: String, value: Range<Int>) {
        members.append((key, value))
    }

    init?(_ bytes: UnsafeRawBufferPointer) {
        var scanner = Scanner(bytes: bytes)
        guard scanner.parse(into: &self) else { return nil }
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func parse(into layout: inout JSONObjectLayout) -> Bool {
            skipWhitespace()
            guard take(UInt8(ascii: "{")) else { return false }
            layout.members.reserveCapacity(JSONObjectLayout.expectedMembers)
            var seen = SeenKeys()
            skipWhitespace()
            if !take(UInt8(ascii: "}")) {
                while true {
                    skipWhitespace()
                    guard let key = plainKey(), seen.insert(key) else { return false }
                    skipWhitespace()
                    guard take(UInt8(ascii: ":")) else { return false }
                    skipWhitespace()
                    let start = index
                    guard skipValue() else { return false }
                    layout.members.append((key, start..<index))
                    skipWhitespace()
                    if take(UInt8(ascii: ",")) { continue }
                    guard take(UInt8(ascii: "}")) else { return false }
                    break
                }
            }
            layout.closingBrace = index - 1
            skipWhitespace()
            return index == bytes.count
        }

        /// A key without escapes.
        mutating func plainKey() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    defer { index += 1 }
                    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                case UInt8(ascii: "\\"), 0..<0x20:
                    return nil
                default:
                    index += 1
                }
            }
            return nil
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

    /// JSON's insignificant whitespace.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }
}
