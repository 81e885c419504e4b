import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import SwitchboardCore

/// `POST /v1/chat/completions`: decode, execute against the providers, answer in the OpenAI format
/// (a JSON body, or Server-Sent Events ending in `data: [DONE]`).
struct ChatCompletionsController {
    typealias Context = GatewayRequestContext
    let executor: ChatExecutor
    let maxBodyBytes: Int

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self).post("chat/completions", use: complete)
    }

    @Sendable func complete(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let chat = try await decode(&request)
        let requestID = context.requestID
        guard chat.typed.stream == true else {
            let executed = try await executor.complete(chat, requestID: requestID)
            var headers = Self.routeHeaders(executed.route)
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: executed.completion.body))
        }
        let executor = executor
        let hangUp = ClientHangUp(watching: request)
        let executed: ExecutedStream
        do {
            executed = try await hangUp.cancelling { try await executor.stream(chat, requestID: requestID) }
        } catch {
            await hangUp.release()
            throw error
        }
        var headers = Self.routeHeaders(executed.route)
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[.init("X-Accel-Buffering")!] = "no"
        let relay = StreamRelay(wantsUsage: chat.typed.wantsStreamUsage, logger: context.logger)
        let stream = executed.stream
        return Response(status: .ok, headers: headers, body: .init { writer in
            // A client that hangs up cancels the relay, and with it the upstream read.
            let transfer = UnsafeWriterTransfer(writer)
            do {
                try await hangUp.cancelling { try await relay.forward(stream, to: transfer) }
            } catch {
                await hangUp.release()
                throw error
            }
            await hangUp.release()
            try await writer.finish(nil)
        })
    }

    /// Headers that say which upstream answered.
    static func routeHeaders(_ route: UpstreamRoute) -> HTTPFields {
        var headers: HTTPFields = [
            .init("x-switchboard-provider")!: route.provider,
            .init("x-switchboard-model")!: route.upstreamModel,
            .init("x-switchboard-attempts")!: String(route.attempts),
        ]
        if let fallback = route.fallbackFrom { headers[.init("x-switchboard-fallback")!] = fallback }
        return headers
    }

    /// Reads the body within the size limit and decodes it.
    private func decode(_ request: inout Request) async throws -> ChatRequest {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw GatewayError.bodyTooLarge(limit: maxBodyBytes)
        }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw GatewayError.bodyTooLarge(limit: maxBodyBytes)
        }
        return try ChatRequest.decode(Data(buffer: body, byteTransferStrategy: .noCopy))
    }
}

/// Writes a provider stream as Server-Sent Events, one write (and flush) per chunk as it arrives.
struct StreamRelay: Sendable {
    let wantsUsage: Bool
    let logger: Logger

    static let done = ByteBuffer(string: "data: [DONE]\n\n")

    /// Forwards every chunk, then `[DONE]`. A failure after the first byte ends the stream with an
    /// OpenAI-style error event and no `[DONE]`, so it can never pass for a complete answer.
    func forward(_ stream: CompletionStream, to transfer: UnsafeWriterTransfer) async throws {
        var writer = transfer.writer
        do {
            for try await part in stream {
                if part.isUsageOnly && !wantsUsage { continue }
                try await writer.write(Self.event(part.payload))
            }
            try await writer.write(Self.done)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let gatewayError = OpenAIErrorMiddleware.map(error)
            logger.warning("stream failed after the first byte", metadata: ["code": "\(gatewayError.code ?? "")"])
            try await writer.write(Self.event(gatewayError.jsonBody))
        }
    }

    static func event(_ payload: ByteBuffer) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(payload.readableBytes + 8)
        buffer.writeString("data: ")
        buffer.writeImmutableBuffer(payload)
        buffer.writeString("\n\n")
        return buffer
    }
}

/// Carries the response body writer into the child task that relays the stream. The writer is used by that
/// one task only while the parent awaits it, hence the unchecked sendability.
final class UnsafeWriterTransfer: @unchecked Sendable {
    var writer: any ResponseBodyWriter
    init(_ writer: any ResponseBodyWriter) { self.writer = writer }
}
