import Foundation
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

    /// Bytes of `content` and tool-call `arguments` text in a chunk, found without decoding the JSON.
    static func deltaBytes(in payload: ByteBuffer) -> Int {
        payload.withUnsafeReadableBytes { bytes in
            var total = 0
            for marker in [contentMarker, argumentsMarker] {
                var index = 0
                while let start = find(marker, in: bytes, from: index) {
                    var end = start
                    while end < bytes.count, !(bytes[end] == UInt8(ascii: "\"") && bytes[end - 1] != UInt8(ascii: "\\")) { end += 1 }
                    total += end - start
                    index = end
                }
            }
            return total
        }
    }

    private static let contentMarker = Array(#""content":""#.utf8)
    private static let argumentsMarker = Array(#""arguments":""#.utf8)

    /// The index just after the first occurrence of `marker` at or after `from`: a search for its first byte
    /// (`memchr`, through `firstIndex(of:)`), then a comparison of the rest.
    private static func find(_ marker: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        var index = from
        while index + marker.count <= bytes.count {
            guard let next = UnsafeRawBufferPointer(rebasing: bytes[index...]).firstIndex(of: marker[0]) else { return nil }
            let start = index + next
            guard start + marker.count <= bytes.count else { return nil }
            if (1..<marker.count).allSatisfy({ bytes[start + $0] == marker[$0] }) { return start + marker.count }
            index = start + 1
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
