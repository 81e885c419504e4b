import AsyncHTTPClient
import Foundation
import NIOCore
import SwitchboardCore
import Testing

/// Client hang-ups and graceful shutdown.
@Suite struct LifecycleTests {
    @Test(arguments: ["openai/gpt-4o", "anthropic/claude-sonnet-4-5"])
    func clientHangUpMidStreamCancelsTheUpstreamRequest(model: String) async throws {
        try await GatewayHarness.run { gateway in
            let body = GatewayHarness.chat("\(model)@chunk-delay-ms=300", "a b c d e f g h i j k l m n o p", stream: true)
            let reader = Task {
                let response = try await gateway.send("/v1/chat/completions", body: body)
                var iterator = response.body.makeAsyncIterator()
                // Read the first chunk, then hang up by cancelling the read.
                _ = try await iterator.next()
                return response.status.code
            }
            #expect(try await reader.value == 200)
            reader.cancel()
            try await withTimeLimit(.seconds(1)) { await gateway.recorder.waitForDisconnects(1) }
        }
    }

    @Test func streamsAndSlowAnswersKeepTheConnectionAlive() async throws {
        try await GatewayHarness.run { gateway in
            // Hang-ups are noticed from the connection's pipeline, not by reading the request's connection, so
            // neither a stream nor a slow answer costs the client its keep-alive connection.
            let streamed = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("openai/gpt-4o", stream: true))
            let slow = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("openai/gpt-4o@headers-delay-ms=300"))
            #expect(streamed.status == 200 && slow.status == 200)
            #expect(streamed.headers.first(name: "connection") != "close")
            #expect(slow.headers.first(name: "connection") != "close")
        }
    }

    @Test func clientHangUpWhileWaitingForFirstByteCancelsUpstream() async throws {
        try await GatewayHarness.run { gateway in
            let body = GatewayHarness.chat("openai/gpt-4o@headers-delay-ms=60000", stream: true)
            let caller = Task { try await gateway.send("/v1/chat/completions", body: body) }
            // Wait until the upstream has the request, then hang up.
            try await withTimeLimit(.seconds(5)) {
                while await gateway.recorder.totalRequests == 0 { await Task.yield() }
            }
            caller.cancel()
            try await withTimeLimit(.seconds(1)) { await gateway.recorder.waitForDisconnects(1) }
        }
    }

    @Test func gracefulShutdownLetsAnInFlightStreamFinish() async throws {
        try await GatewayHarness.run { gateway in
            let words = "alpha beta gamma delta epsilon zeta eta theta"
            let body = GatewayHarness.chat("openai/gpt-4o@chunk-delay-ms=50", words, stream: true)
            let response = try await gateway.send("/v1/chat/completions", body: body)
            var iterator = response.body.makeAsyncIterator()
            var text = String(buffer: try #require(try await iterator.next()))
            // Shut down while the stream is in flight; it must still complete with [DONE].
            await gateway.gatewayGroup.triggerGracefulShutdown()
            while let chunk = try await iterator.next() { text += String(buffer: chunk) }
            let events = GatewayHarness.events(text)
            #expect(events.last == "[DONE]")
            #expect(GatewayHarness.content(ofChunks: events) == words)
            // And the gateway process finishes its shutdown.
            try await withTimeLimit(.seconds(5)) { await gateway.waitUntilStopped() }
        }
    }
}
