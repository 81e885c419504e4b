import NIOCore

/// One Server-Sent Event: its `event:` name (if any) and its `data:` lines joined by newlines.
public struct ServerSentEvent: Sendable, Equatable {
    public var event: String?
    /// The data as bytes: for a one-line event, a slice of the bytes the parser was fed, not a copy.
    public var dataBytes: ByteBuffer

    /// The data as text.
    public var data: String { String(buffer: dataBytes) }

    public init(event: String? = nil, data: String) {
        self.init(event: event, dataBytes: ByteBuffer(string: data))
    }

    public init(event: String? = nil, dataBytes: ByteBuffer) {
        self.event = event
        self.dataBytes = dataBytes
    }
}

/// An incremental Server-Sent Events parser: feed it bytes as they arrive, in any split, and it returns the
/// events completed so far. Handles `\n`, `\r\n` and `\r` line ends and ignores comments and unknown fields.
public struct ServerSentEventParser: Sendable {
    /// The start of a line that the bytes fed so far did not end.
    private var pending: [UInt8] = []
    private var event: String?
    /// The event's data lines so far, joined by newlines; nil before its first `data:` line.
    private var data: ByteBuffer?
    private var lastWasCR = false

    public init() {}

    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let colon = UInt8(ascii: ":")

    /// Parses `bytes` and returns every event they complete. Lines are found by scanning the bytes and taken
    /// in one piece each; fields are read from their bytes (the format is defined on code points, not characters).
    /// A data line that lies whole in `bytes` becomes a slice of them, not a copy.
    public mutating func feed(_ bytes: ByteBuffer) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        feed(bytes) { events.append($0) }
        return events
    }

    /// Parses `bytes` and hands each event they complete to `onEvent` as it completes, without gathering them
    /// into an array (the relay's path: an array per upstream read grew once per doubling). When `onEvent`
    /// throws, the rest of `bytes` is not parsed and the error is rethrown.
    public mutating func feed<Failure: Error>(
        _ bytes: ByteBuffer, onEvent: (ServerSentEvent) throws(Failure) -> Void
    ) throws(Failure) {
        let base = bytes.readerIndex
        var failure: Failure?
        bytes.withUnsafeReadableBytes { buffer in
            func emit(_ event: ServerSentEvent) -> Bool {
                do throws(Failure) {
                    try onEvent(event)
                    return true
                } catch {
                    failure = error
                    return false
                }
            }
            var index = 0
            if lastWasCR, !buffer.isEmpty {
                lastWasCR = false
                if buffer[0] == Self.lineFeed { index = 1 }
            }
            var lineStart = index
            while let lineEnd = Self.lineEnd(in: buffer, from: index) {
                index = lineEnd
                let byte = buffer[index]
                if pending.isEmpty {
                    let line = UnsafeRawBufferPointer(rebasing: buffer[lineStart..<index])
                    if let completed = endLine(line, slice: { bytes.getSlice(at: base + lineStart + $0, length: $1) }), !emit(completed) {
                        return
                    }
                } else {
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[lineStart..<index]))
                    if let completed = endPendingLine(), !emit(completed) { return }
                }
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
        if let failure { throw failure }
    }

    /// The first line end (CR or LF) at or after `start`: the next LF, unless a CR comes before it.
    private static func lineEnd(in buffer: UnsafeRawBufferPointer, from start: Int) -> Int? {
        let lineFeed = ByteSearch.firstIndex(of: Self.lineFeed, in: buffer, from: start)
        return ByteSearch.firstIndex(of: Self.carriageReturn, in: buffer, from: start, to: lineFeed ?? buffer.count) ?? lineFeed
    }

    /// Ends the input: an event whose blank line never came is returned, as browsers' EventSource does not,
    /// but an upstream that closes right after its last `data:` line still delivered that data.
    public mutating func finish() -> ServerSentEvent? {
        if !pending.isEmpty { _ = endPendingLine() }
        return dispatch()
    }

    /// Ends the line gathered in ``pending`` (one that arrived split across reads).
    private mutating func endPendingLine() -> ServerSentEvent? {
        // Moved out while it is read (``endLine`` mutates self), then back empty: its capacity is kept, not copied.
        var line: [UInt8] = []
        swap(&line, &pending)
        defer {
            line.removeAll(keepingCapacity: true)
            pending = line
        }
        return line.withUnsafeBytes { endLine($0, slice: { _, _ in nil }) }
    }

    /// Reads one line's field. `slice` gives the value's bytes as a slice of the input, when they lie in it.
    private mutating func endLine(_ line: UnsafeRawBufferPointer, slice: (_ offset: Int, _ length: Int) -> ByteBuffer?) -> ServerSentEvent? {
        if line.isEmpty { return dispatch() }
        if line[0] == Self.colon { return nil }
        let fieldEnd = line.firstIndex(of: Self.colon) ?? line.endIndex
        var valueStart = min(fieldEnd + 1, line.endIndex)
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let field = UnsafeRawBufferPointer(rebasing: line[..<fieldEnd])
        let value = UnsafeRawBufferPointer(rebasing: line[valueStart...])
        if ByteSearch.equals(field, "data") {
            if data == nil {
                data = slice(valueStart, value.count) ?? ByteBuffer(bytes: value)
            } else {
                data!.writeStaticString("\n")
                data!.writeBytes(value)
            }
        } else if ByteSearch.equals(field, "event") {
            event = String(decoding: value, as: UTF8.self)
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            event = nil
            data = nil
        }
        guard let data else { return nil }
        return ServerSentEvent(event: event, dataBytes: data)
    }
}
