import Hummingbird
import NIOCore

/// Who is calling.
public enum CallerIdentity: Sendable, Equatable {
    /// The operator, authenticated by the admin key.
    case admin
}

/// Per-request state: the request id and the authenticated caller.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request id: the client's valid `X-Request-ID`, or a generated one.
    public var requestID: String = ""
    /// Set by the authentication middleware.
    public var identity: CallerIdentity?
    /// The client's connection, to notice a hang-up before any response byte is written.
    public let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
