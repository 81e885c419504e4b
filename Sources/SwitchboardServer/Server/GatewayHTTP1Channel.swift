import NIOCore
import NIOHTTP1

/// The pipeline of the gateway's HTTP/1.1 connections: NIO's request decoder, ``GatewayHTTP1Codec``, the
/// gateway's connection handlers, then a ``RequestDriver`` that serves each request (see there for why it
/// replaces Hummingbird's async channel loop). ``GatewayListener`` accepts the connections and sets them up here.
struct GatewayHTTP1Channel: Sendable {
    /// The `Server` header of every response.
    static let serverName = "switchboard"

    let serving: RequestServing
    let limits: RequestDriver.Limits
    /// Handlers between the HTTP codec and the driver, made for each connection.
    let connectionHandlers: @Sendable () -> [any ChannelHandler]

    init(serving: RequestServing, limits: RequestDriver.Limits, connectionHandlers: @escaping @Sendable () -> [any ChannelHandler] = { [] }) {
        self.serving = serving
        self.limits = limits
        self.connectionHandlers = connectionHandlers
    }

    /// Adds the handlers to a new connection's pipeline; runs on the connection's event loop.
    func setUp(_ channel: any Channel) throws {
        let pipeline = channel.pipeline.syncOperations
        // Outbound headers are checked by HTTPTypes already. The driver queues pipelined requests and answers
        // malformed ones itself.
        try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
        try pipeline.addHandler(GatewayHTTP1Codec(stamp: serving.stamp))
        try pipeline.addHandlers(connectionHandlers())
        try pipeline.addHandler(RequestDriver(limits: limits, serve: serving))
    }
}
