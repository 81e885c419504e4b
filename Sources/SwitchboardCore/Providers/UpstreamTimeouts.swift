import NIOCore

/// The deadlines of one upstream call, so that no request can wait forever.
public struct UpstreamTimeouts: Sendable, Equatable {
    /// Time to establish a TCP (and TLS) connection.
    public var connect: Duration
    /// Time from sending the request until the response headers arrive.
    public var firstByte: Duration
    /// Longest gap between two reads while a response streams.
    public var idle: Duration
    /// Longest time for the whole call, stream included.
    public var total: Duration

    public init(
        connect: Duration = .seconds(5), firstByte: Duration = .seconds(60), idle: Duration = .seconds(60),
        total: Duration = .seconds(600)
    ) {
        self.connect = connect
        self.firstByte = firstByte
        self.idle = idle
        self.total = total
    }
}

extension Duration {
    /// The duration as a NIO `TimeAmount`, saturating at the largest representable value.
    public var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return .nanoseconds(overflow ? .max : scaled + attoseconds / 1_000_000_000)
    }
}
