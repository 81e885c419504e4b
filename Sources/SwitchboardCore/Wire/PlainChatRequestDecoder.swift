/// Decodes the common shape of a chat request in one pass over its bytes, without Foundation's `JSONDecoder`,
/// which took about 6% of the gateway's CPU per request under load (docs/performance.md).
///
/// "Plain" is what almost every request is: `model`, `messages` whose `content` is a string, and the sampling
/// scalars (`stream`, `stream_options`, `temperature`, `top_p`, `max_tokens`, `max_completion_tokens`, `n`, `seed`,
/// `user`). Anything else it declines (returns nil) and ``ChatRequest/decode(_:)`` uses `JSONDecoder`, so that
/// every refusal keeps its field-naming error: a typed field it does not decode here (`tools`, `stop`,
/// `response_format`, content parts, ...), a value of another type than the plain one, a duplicate key, an
/// unknown role, a number that is not an integer where one is wanted, or JSON that is not valid. What it accepts
/// it decodes to exactly what `JSONDecoder` gives (a differential test and the fuzz target hold it to that).
///
/// The same pass notes where each top-level member lies, the ``JSONObjectLayout`` that forwarding splices.
enum PlainChatRequestDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer) -> (request: ChatCompletionRequest, layout: JSONObjectLayout?)? {
        var reader = JSONReader(bytes: bytes)
        guard let request = reader.request() else { return nil }
        return (request, reader.layout)
    }
}

/// A strict JSON reader over bytes: reads the values a plain request has, and checks (while skipping) every other.
private struct JSONReader {
    let bytes: UnsafeRawBufferPointer
    var index = 0
    /// How many containers the reader is inside; past ``maxDepth`` it declines, rather than recursing on.
    var depth = 0
    static let maxDepth = 64
    /// Whether the last string read had an escape.
    var stringHadEscapes = false
    /// The top-level members' layout, once ``request()`` has read them; nil when a key had an escape (the layout
    /// matches keys by their bytes).
    var layout: JSONObjectLayout?

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    // MARK: The request

    mutating func request() -> ChatCompletionRequest? {
        var model: String?
        var messages: [ChatMessage]?
        var request = ChatCompletionRequest(model: "", messages: [])
        var seen = SeenKeys()
        var layout: JSONObjectLayout? = JSONObjectLayout()
        let complete = members { key, reader in
            guard seen.insert(key) else { return false }
            if reader.stringHadEscapes { layout = nil }
            let start = reader.index
            defer { layout?.append(key, value: start..<reader.index) }
            switch key {
            case "model": model = reader.string(); return model != nil
            case "messages": messages = reader.messages(); return messages != nil
            case "stream": return reader.optional(&request.stream) { $0.bool() }
            case "stream_options": return reader.optional(&request.streamOptions) { $0.streamOptions() }
            case "temperature": return reader.optional(&request.temperature) { $0.double() }
            case "top_p": return reader.optional(&request.topP) { $0.double() }
            case "max_tokens": return reader.optional(&request.maxTokens) { $0.integer() }
            case "max_completion_tokens": return reader.optional(&request.maxCompletionTokens) { $0.integer() }
            case "n": return reader.optional(&request.n) { $0.integer() }
            case "seed": return reader.optional(&request.seed) { $0.integer() }
            case "user": return reader.optional(&request.user) { $0.string() }
            case "stop", "tools", "tool_choice", "parallel_tool_calls", "response_format", "metadata": return false
            default: return reader.skipValue()
            }
        }
        layout?.closingBrace = index - 1
        skipWhitespace()
        guard complete, index == bytes.count, let model, let messages else { return nil }
        self.layout = layout
        request.model = model
        request.messages = messages
        return request
    }

    private mutating func messages() -> [ChatMessage]? {
        var messages: [ChatMessage] = []
        let complete = elements { reader in
            guard let message = reader.message() else { return false }
            messages.append(message)
            return true
        }
        return complete ? messages : nil
    }

    private mutating func message() -> ChatMessage? {
        var role: ChatRole?
        var message = ChatMessage(role: .user, content: nil)
        var seen = SeenKeys()
        let complete = members { key, reader in
            guard seen.insert(key) else { return false }
            switch key {
            case "role":
                role = reader.string().flatMap(ChatRole.init(rawValue:))
                return role != nil
            case "content":
                var text: String?
                guard reader.optional(&text, { $0.string() }) else { return false }
                message.content = text.map(MessageContent.text)
                return true
            case "name": return reader.optional(&message.name) { $0.string() }
            case "tool_call_id": return reader.optional(&message.toolCallID) { $0.string() }
            case "tool_calls": return false
            default: return reader.skipValue()
            }
        }
        guard complete, let role else { return nil }
        message.role = role
        return message
    }

    private mutating func streamOptions() -> StreamOptions? {
        var options = StreamOptions()
        var seen = SeenKeys()
        let complete = members { key, reader in
            guard seen.insert(key) else { return false }
            if key == "include_usage" { return reader.optional(&options.includeUsage) { $0.bool() } }
            return reader.skipValue()
        }
        return complete ? options : nil
    }

    /// `null` (leaving `value` nil, as `decodeIfPresent` does) or what `read` reads.
    private mutating func optional<Value>(_ value: inout Value?, _ read: (inout JSONReader) -> Value?) -> Bool {
        if literal("null") { return true }
        value = read(&self)
        return value != nil
    }

    // MARK: Containers

    /// An object, handing each key to `member` with the reader at its value; `member` reads the value or says no.
    private mutating func members(_ member: (String, inout JSONReader) -> Bool) -> Bool {
        container(open: UInt8(ascii: "{"), close: UInt8(ascii: "}")) { reader in
            guard let key = reader.string() else { return false }
            reader.skipWhitespace()
            guard reader.take(UInt8(ascii: ":")) else { return false }
            reader.skipWhitespace()
            return member(key, &reader)
        }
    }

    /// An array, reading each element with `element`.
    private mutating func elements(_ element: (inout JSONReader) -> Bool) -> Bool {
        container(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), element)
    }

    /// `open`, items separated by commas (each read by `item`), `close`; no deeper than ``maxDepth``.
    private mutating func container(open: UInt8, close: UInt8, _ item: (inout JSONReader) -> Bool) -> Bool {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { return false }
        skipWhitespace()
        guard take(open) else { return false }
        skipWhitespace()
        if take(close) { return true }
        while true {
            skipWhitespace()
            guard item(&self) else { return false }
            skipWhitespace()
            if take(UInt8(ascii: ",")) { continue }
            return take(close)
        }
    }

    /// Any one value, checked as strictly as it would be read.
    private mutating func skipValue() -> Bool {
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "{"): return members { _, reader in reader.skipValue() }
        case UInt8(ascii: "["): return elements { $0.skipValue() }
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number() != nil
        }
    }

    // MARK: Scalars

    private mutating func bool() -> Bool? {
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    /// An integer written as one (no fraction or exponent), in range.
    private mutating func integer() -> Int? {
        guard let text = number(), !text.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") })
        else { return nil }
        return Int(String(decoding: text, as: UTF8.self))
    }

    private mutating func double() -> Double? {
        guard let text = number(), let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite else { return nil }
        return value
    }

    /// A number's bytes, by JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() -> UnsafeRawBufferPointer.SubSequence? {
        let start = index
        _ = take(UInt8(ascii: "-"))
        if take(UInt8(ascii: "0")) {
            // No leading zeros.
        } else {
            guard digits() else { return nil }
        }
        if take(UInt8(ascii: ".")) { guard digits() else { return nil } }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            guard digits() else { return nil }
        }
        return bytes[start..<index]
    }

    private mutating func digits() -> Bool {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index > start
    }

    /// A string, unescaped; nil when it is not one, is not valid UTF-8, or holds an unpaired surrogate. One without
    /// escapes (most) is found with `memchr` and checked a word at a time (``JSONBytes``): a prompt's text, read a
    /// byte at a time, took about sixteen instructions a byte (callgrind).
    private mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        stringHadEscapes = false
        let start = index
        guard let quote = ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: bytes, from: start) else { return nil }
        if ByteSearch.firstIndex(of: UInt8(ascii: "\\"), in: bytes, from: start, to: quote) != nil {
            stringHadEscapes = true
            return escapedString()
        }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<quote])
        guard !JSONBytes.hasControlByte(bytes, in: start..<quote) else { return nil }
        index = quote + 1
        return JSONBytes.isASCII(raw) ? String(decoding: raw, as: UTF8.self) : String(validating: raw, as: UTF8.self)
    }

    /// The rest of a string that has escapes, from its first byte.
    private mutating func escapedString() -> String? {
        var utf8: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    utf8.append(contentsOf: String(Character(scalar)).utf8)
                default: return nil
                }
            case 0..<0x20:
                return nil
            default:
                utf8.append(byte)
            }
        }
        return nil
    }

    /// The scalar of a `\uXXXX` escape (its `\u` read), with the low half of a surrogate pair when it is one.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let high = hex4() else { return nil }
        guard (0xD800...0xDFFF).contains(high) else { return Unicode.Scalar(high) }
        guard high < 0xDC00, take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(), (0xDC00...0xDFFF).contains(low)
        else { return nil }
        return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Self.hexValue(bytes[index]) else { return nil }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// `word` (`true`, `false`, `null`), consumed when it is next.
    private mutating func literal(_ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard index + length <= bytes.count else { return false }
        for offset in 0..<length where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += length
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, JSONObjectLayout.isWhitespace(bytes[index]) { index += 1 }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }
}
