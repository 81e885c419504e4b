import Foundation
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
        let characters = part.isUsageOnly ? 0 : max(0, part.payload.readableBytes - 150) / 2
        state.withLock { state in
            if state.firstByte == nil { state.firstByte = ContinuousClock.now - start }
            if let usage = part.usage { state.usage = usage }
            state.characters += characters
        }
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
