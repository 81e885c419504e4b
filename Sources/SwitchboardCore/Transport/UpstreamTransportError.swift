/// Why an upstream exchange failed below HTTP: the connection, a deadline, or a body the gateway will not hold.
struct UpstreamTransportError: Error, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case invalidURL
        case connectTimeout
        case connectFailed
        case firstByteTimeout
        case readTimeout
        case closed
        case bodyTooLarge
        case shutDown
    }

    let kind: Kind

    static let invalidURL = Self(kind: .invalidURL)
    static let connectTimeout = Self(kind: .connectTimeout)
    static let connectFailed = Self(kind: .connectFailed)
    static let firstByteTimeout = Self(kind: .firstByteTimeout)
    static let readTimeout = Self(kind: .readTimeout)
    static let closed = Self(kind: .closed)
    static let bodyTooLarge = Self(kind: .bodyTooLarge)
    static let shutDown = Self(kind: .shutDown)

    var description: String {
        switch kind {
        case .invalidURL: "the upstream URL is not an absolute http or https URL"
        case .connectTimeout: "connect timed out"
        case .connectFailed: "could not connect"
        case .firstByteTimeout: "no response within the first-byte timeout"
        case .readTimeout: "no data within the idle timeout"
        case .closed: "the connection was closed"
        case .bodyTooLarge: "the response body is larger than the gateway holds"
        case .shutDown: "the upstream connection pool is shut down"
        }
    }
}
