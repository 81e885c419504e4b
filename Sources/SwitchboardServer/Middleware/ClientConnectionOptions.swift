import NIOCore

/// Sets the options of a new client connection that Hummingbird's configuration does not reach, then leaves
/// the pipeline.
///
/// At most one read per wake-up, and with it a receive-buffer pool of one buffer: NIO keeps up to
/// `maxMessagesPerRead` (4 by default) receive buffers per connection, each as large as the adaptive read size,
/// for the connection's whole life. For thousands of open streams that is several kilobytes each.
final class ClientConnectionOptions: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func handlerAdded(context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(.maxMessagesPerRead, value: 1)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
