import Foundation
import Hummingbird
import NIOCore
import SwitchboardCore

/// Who is calling.
public enum CallerIdentity: Sendable, Equatable {
    /// The operator, authenticated by the admin key.
    case admin
    /// A tenant's application, authenticated by a virtual key. Boxed: the context is copied at every
    /// middleware, and a key with its tenant is about 290 bytes.
    indirect case virtualKey(KeyIdentity)

    /// The key and its tenant, for a virtual-key caller.
    var virtualKey: KeyIdentity? {
        if case .virtualKey(let key) = self { return key }
        return nil
    }
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
    /// The request's body as the connection gathered it; nil when the upload was refused.
    var gatheredBody: ByteBuffer?

    /// Dates as ISO 8601 in every JSON response.
    public var responseEncoder: JSONEncoder { Self.encoder }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
