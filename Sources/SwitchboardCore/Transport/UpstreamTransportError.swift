import NIOCore
import NIOPosix

/// Why an upstream exchange failed below HTTP: the connection, a deadline, or a body the gateway will not hold.
struct UpstreamTransportError: Error, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case invalidURL
        case connectTimeout
        case connectFailed
        /// The gateway itself could not open a socket: its descriptor limit is reached. Not the upstream's fault.
        case outOfDescriptors
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
    static let outOfDescriptors = Self(kind: .outOfDescriptors)
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
        case .outOfDescriptors: "the gateway has no file descriptors left for an upstream connection"
        case .firstByteTimeout: "no response within the first-byte timeout"
        case .readTimeout: "no data within the idle timeout"
        case .closed: "the connection was closed"
        case .bodyTooLarge: "the response body is larger than the gateway holds"
        case .shutDown: "the upstream connection pool is shut down"
        }
    }
}

extension UpstreamTransportError {
    /// What a failed connect means: a timeout, the gateway's own descriptor limit (`EMFILE`, `ENFILE`, from the
    /// socket call or inside NIO's happy-eyeballs error), or the upstream not accepting.
    static func connectFailure(_ error: any Error) -> Self {
        if let error = error as? ChannelError, case .connectTimeout = error { return .connectTimeout }
        let causes: [any Error] = (error as? NIOConnectionError).map { $0.connectionErrors.map(\.error) } ?? [error]
        let outOfDescriptors = causes.contains { cause in
            guard let cause = cause as? IOError else { return false }
            return cause.errnoCode == EMFILE || cause.errnoCode == ENFILE
        }
        return outOfDescriptors ? .outOfDescriptors : .connectFailed
    }
}
