import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// The gateway's HTTP/1.1 connections: NIO's HTTP codec with its pipelining assistance, then the gateway's
/// connection handlers, then a ``RequestDriver`` that serves each request (see there for why it replaces
/// Hummingbird's async channel loop). Hummingbird still owns the listening socket, the accept loop, the
/// connection limit and graceful shutdown: on shutdown every connection is asked to quiesce, NIO's
/// pipelining handler closes it once its response in flight ended, and ``handle(value:logger:)`` returns.
struct GatewayHTTP1Channel: ServerChildChannel {
    /// An open connection.
    struct Connection: ServerChildChannelValue {
        let channel: any Channel
    }

    /// The `Server` header of every response.
    static let serverName = "switchboard"

    let serving: RequestServing
    let limits: RequestDriver.Limits
    /// Handlers between the HTTP codec and the driver, made for each connection.
    let connectionHandlers: @Sendable () -> [any ChannelHandler]

    /// A server builder for `Application(server:)`. The application's own responder closure is not used:
    /// it writes through Hummingbird's async channel, which this server does not have.
    static func server(serving: RequestServing, limits: RequestDriver.Limits, connectionHandlers: @escaping @Sendable () -> [any ChannelHandler]) -> HTTPServerBuilder {
        HTTPServerBuilder { _ in GatewayHTTP1Channel(serving: serving, limits: limits, connectionHandlers: connectionHandlers) }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Connection> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            // Outbound headers are checked by HTTPTypes already; malformed requests get NIO's 400 and a close.
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: true, withErrorHandling: true, withOutboundHeaderValidation: false
            )
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandlers(connectionHandlers())
            try pipeline.addHandler(RequestDriver(limits: limits, serve: serving))
            return Connection(channel: channel)
        }
    }

    /// Waits for the connection to close; the driver serves it meanwhile.
    func handle(value: Connection, logger: Logger) async {
        let channel = value.channel
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}
