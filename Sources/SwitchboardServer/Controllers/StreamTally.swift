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
    /// decoding the JSON: from colon to colon (`memchr`), reading the key before each backwards
    /// (``JSONBytes``), and skipping a counted value whole, so that text inside it is never taken for a key. An
    /// unterminated value counts to the chunk's end.
    static func deltaBytes(in payload: ByteBuffer) -> Int {
        payload.withUnsafeReadableBytes { text in
            var total = 0
            var index = 0
            while let colon = ByteSearch.firstIndex(of: UInt8(ascii: ":"), in: text, from: index) {
                index = colon + 1
                guard Self.mayEndTextKey(before: colon, in: text), let name = JSONBytes.nameEnd(beforeColonAt: colon, in: text),
                      JSONBytes.isKey("content", endingAt: name, in: text) || JSONBytes.isKey("arguments", endingAt: name, in: text),
                      let value = stringValue(in: text, from: index)
                else { continue }
                let valueEnd = stringEnd(in: text, open: value)
                total += valueEnd - value - 1
                index = valueEnd + 1
            }
            return total
        }
    }

    /// Whether the key before the `:` at `colon` may be `content` or `arguments`, from the three bytes before it:
    /// `nt"` or `ts"` (or a blank, for a key spaced from its colon). Most of a chunk's ten or so keys are settled
    /// here, without reading the key back.
    private static func mayEndTextKey(before colon: Int, in text: UnsafeRawBufferPointer) -> Bool {
        guard colon >= 3 else { return false }
        let last = text[colon - 1]
        guard last == UInt8(ascii: "\"") else {
            return last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") || last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r")
        }
        let (second, third) = (text[colon - 2], text[colon - 3])
        return (second == UInt8(ascii: "t") && third == UInt8(ascii: "n")) || (second == UInt8(ascii: "s") && third == UInt8(ascii: "t"))
    }

    /// The index of the quote that closes the string opened at `open`, or the text's end when none does.
    private static func stringEnd(in text: UnsafeRawBufferPointer, open: Int) -> Int {
        JSONBytes.closingQuote(from: open + 1, in: text) ?? text.count
    }

    /// The opening quote of a string value at `from` (after a colon), blanks before it.
    private static func stringValue(in text: UnsafeRawBufferPointer, from: Int) -> Int? {
        var index = from
        while index < text.count {
            switch text[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            case UInt8(ascii: "\""): return index
            default: return nil
            }
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
