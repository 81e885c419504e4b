import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOHTTPTypesHTTP1

/// The gateway's HTTP/1.1 connections: NIO's request decoder, ``GatewayHTTP1Codec``,
/// the gateway's connection handlers, then a ``RequestDriver`` that serves each request (see there for why it
/// replaces Hummingbird's async channel loop). Hummingbird still owns the listening socket, the accept loop, the
/// connection limit and graceful shutdown: on shutdown every connection is asked to quiesce, the driver
/// closes it once its response in flight ended, and ``handle(value:logger:)`` returns.
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

    /// The listening server for these connections. Hummingbird's `Application` is not used: its responder
    /// closure writes through an async channel this server does not have, and its `run()` starts a date cache whose
    /// `Calendar` opens ICU's time-zone data, megabytes of resident memory, for a header ``RequestServing`` writes.
    func server(
        configuration: ServerConfiguration, onServerRunning: @escaping @Sendable (any Channel) async -> Void, logger: Logger
    ) -> Server<GatewayHTTP1Channel> {
        Server(
            childChannelSetup: self, configuration: configuration, onServerRunning: onServerRunning,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger
        )
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Connection> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            // Outbound headers are checked by HTTPTypes already. The driver queues pipelined requests and answers
            // malformed ones itself.
            try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
            try pipeline.addHandler(GatewayHTTP1Codec())
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
