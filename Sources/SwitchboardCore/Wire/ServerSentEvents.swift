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

    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let colon = UInt8(ascii: ":")

    /// Parses `bytes` and returns every event they complete. Lines are found by scanning the bytes and taken
    /// in one piece each; fields are read from their bytes (the format is defined on code points, not characters).
    public mutating func feed(_ bytes: ByteBuffer) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        bytes.withUnsafeReadableBytes { buffer in
            var index = 0
            if lastWasCR, !buffer.isEmpty {
                lastWasCR = false
                if buffer[0] == Self.lineFeed { index = 1 }
            }
            var lineStart = index
            while index < buffer.count {
                let byte = buffer[index]
                guard byte == Self.lineFeed || byte == Self.carriageReturn else {
                    index += 1
                    continue
                }
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[lineStart..<index]))
                if let completed = endLine() { events.append(completed) }
                index += 1
                if byte == Self.carriageReturn {
                    if index == buffer.count {
                        lastWasCR = true
                    } else if buffer[index] == Self.lineFeed {
                        index += 1
                    }
                }
                lineStart = index
            }
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[lineStart..<buffer.count]))
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
        if pending[0] == Self.colon { return nil }
        let fieldEnd = pending.firstIndex(of: Self.colon) ?? pending.endIndex
        var valueStart = min(fieldEnd + 1, pending.endIndex)
        if valueStart < pending.endIndex, pending[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let field = pending[..<fieldEnd]
        if field.elementsEqual("data".utf8) {
            dataLines.append(String(decoding: pending[valueStart...], as: UTF8.self))
        } else if field.elementsEqual("event".utf8) {
            event = String(decoding: pending[valueStart...], as: UTF8.self)
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
