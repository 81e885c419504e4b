import NIOCore

/// One Server-Sent Event: its `event:` name (if any) and its `data:` lines joined by newlines.
public struct ServerSentEvent: Sendable, Equatable {
    public var event: String?
    public var data: String

    public init(event: String? = nil, data: String) {
        self.event = event
        self.data = data
    }
}

/// An incremental Server-Sent Events parser: feed it bytes as they arrive, in any split, and it returns the
/// events completed so far. Handles `\n`, `\r\n` and `\r` line ends and ignores comments and unknown fields.
public struct ServerSentEventParser: Sendable {
    private var pending: [UInt8] = []
    private var event: String?
    private var dataLines: [String] = []
    private var lastWasCR = false

    public init() {}

    /// Parses `bytes` and returns every event they complete.
    public mutating func feed(_ bytes: ByteBuffer) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        bytes.withUnsafeReadableBytes { buffer in
            for byte in buffer {
                if lastWasCR {
                    lastWasCR = false
                    if byte == UInt8(ascii: "\n") { continue }
                }
                if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                    lastWasCR = byte == UInt8(ascii: "\r")
                    if let completed = endLine() { events.append(completed) }
                } else {
                    pending.append(byte)
                }
            }
        }
        return events
    }

    /// Ends the input: an event whose blank line never came is returned, as browsers' EventSource does not,
    /// but an upstream that closes right after its last `data:` line still delivered that data.
    public mutating func finish() -> ServerSentEvent? {
        if !pending.isEmpty { _ = endLine() }
        return dispatch()
    }

    private mutating func endLine() -> ServerSentEvent? {
        defer { pending.removeAll(keepingCapacity: true) }
        if pending.isEmpty { return dispatch() }
        if pending.first == UInt8(ascii: ":") { return nil }
        let line = String(decoding: pending, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = line[...]
            value = ""
        }
        switch field {
        case "data": dataLines.append(String(value))
        case "event": event = String(value)
        default: break
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            event = nil
            dataLines.removeAll(keepingCapacity: true)
        }
        guard !dataLines.isEmpty else { return nil }
        return ServerSentEvent(event: event, data: dataLines.joined(separator: "\n"))
    }
}
