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

    /// The layout of the object `bytes` hold (``JSONObjectSpans``), its keys as strings; nil also when two keys
    /// are equal strings.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard let spans = JSONObjectSpans(bytes, checkingDuplicates: false) else { return nil }
        members.reserveCapacity(spans.members.count)
        var seen = SeenKeys()
        for (key, value) in spans.members {
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[key]), as: UTF8.self)
            guard seen.insert(name) else { return nil }
            members.append((name, value))
        }
        closingBrace = spans.closingBrace
    }

    /// JSON's insignificant whitespace.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }
}
