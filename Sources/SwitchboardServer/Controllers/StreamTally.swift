import NIOCore
import Synchronization
import SwitchboardCore

/// What a relayed stream delivered: usage if the upstream reported it, the characters of content sent
/// (to bill a client that hung up before the usage chunk), time to first byte, and a mid-stream failure.
final class StreamTally: Sendable {
    private struct State {
        var usage: Usage?
        var characters = 0
        var firstByte: Duration?
        var failure: GatewayError?
    }

    private let state = Mutex(State())
    private let start = ContinuousClock.now

    /// Notes one part as it is relayed.
    func saw(_ part: StreamPart) {
        let characters = part.isUsageOnly ? 0 : Self.deltaBytes(in: part.payload)
        state.withLock { state in
            if state.firstByte == nil { state.firstByte = ContinuousClock.now - start }
            if let usage = part.usage { state.usage = usage }
            state.characters += characters
        }
    }

    /// Bytes of `content` and tool-call `arguments` text in a chunk, as sent (escapes included), found without
    /// decoding the JSON: one pass from string to string (`memchr` for each quote), so that a value is skipped
    /// whole and text inside it is never taken for a key. An unterminated value counts to the chunk's end.
    static func deltaBytes(in payload: ByteBuffer) -> Int {
        payload.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
            let text = UnsafeBufferPointer(start: base, count: bytes.count)
            var total = 0
            var index = 0
            while let open = quote(in: text, from: index) {
                let close = stringEnd(in: text, open: open)
                index = close + 1
                guard isTextKey(UnsafeBufferPointer(rebasing: text[(open + 1)..<close])),
                      let value = stringValue(in: text, afterKey: index)
                else { continue }
                let valueEnd = stringEnd(in: text, open: value)
                total += valueEnd - value - 1
                index = valueEnd + 1
            }
            return total
        }
    }

    /// Whether a key names text the client is sent: `content` or `arguments`.
    private static func isTextKey(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        ByteSearch.equals(UnsafeRawBufferPointer(key), "content") || ByteSearch.equals(UnsafeRawBufferPointer(key), "arguments")
    }

    /// The index of the next `"` at or after `from`.
    private static func quote(in text: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: UnsafeRawBufferPointer(text), from: from)
    }

    /// The index of the quote that closes the string opened at `open` (one not escaped by an odd run of
    /// backslashes), or the text's end when none does.
    private static func stringEnd(in text: UnsafeBufferPointer<UInt8>, open: Int) -> Int {
        var from = open + 1
        while let close = quote(in: text, from: from) {
            var backslashes = 0
            while close - backslashes - 1 > open, text[close - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 { return close }
            from = close + 1
        }
        return text.count
    }

    /// The opening quote of a string value after a key ending just before `from`: a colon, blanks either side.
    private static func stringValue(in text: UnsafeBufferPointer<UInt8>, afterKey from: Int) -> Int? {
        var index = from
        var colon = false
        while index < text.count {
            switch text[index] {
            case UInt8(ascii: ":") where !colon: colon = true
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): break
            case UInt8(ascii: "\""): return colon ? index : nil
            default: return nil
            }
            index += 1
        }
        return nil
    }

    /// Notes that the stream failed after its first byte.
    func failed(_ error: GatewayError) { state.withLock { $0.failure = error } }

    /// Settles the request: billed for what was delivered, with the upstream's usage when it came.
    func settle(_ meter: ChatMeter, route: UpstreamRoute, disconnected: Bool) async {
        let snapshot = state.withLock { $0 }
        await meter.succeed(
            usage: snapshot.usage, route: route, streamed: true, timeToFirstByte: snapshot.firstByte,
            deliveredCharacters: snapshot.characters, clientDisconnected: disconnected,
            status: snapshot.failure?.statusCode ?? 200, errorType: snapshot.failure?.type
        )
    }
}
