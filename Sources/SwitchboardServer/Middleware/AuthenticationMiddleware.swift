import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SwitchboardCore

/// Authenticates callers by `Authorization: Bearer <key>` or `x-api-key`: the admin key (its SHA-256 hash
/// compared in constant time) or a virtual key (looked up by hash only; disabled, revoked and expired keys and
/// keys of deleted tenants are refused). A missing and a wrong key get the same 401.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let adminKeyHash: String
    let directory: KeyDirectory
    let clock: any GatewayClock
    /// Gets an `authenticate` span per request (with the tenant and key id, never the key).
    var tracer = GatewayTracer.off

    @concurrent func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        try await respond(to: request, context: context) { try await next($0, $1) }
    }

    /// ``handle(_:context:next:)`` in the caller's isolation (see ``GatewayRoutes``).
    func respond(to request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let identity = try authenticate(request)
        context.identity = identity
        if case .virtualKey(let key) = identity { Self.label(&context.logger.handler, with: key) }
        return try await next(request, context)
    }

    /// Both labels in one access to the handler: a write through `Logger`'s subscript copies the logger's
    /// storage, the handler's box and its metadata whenever the previous layer's context still shares them, and
    /// two writes copied them twice.
    private static func label(_ handler: inout any LogHandler, with key: KeyIdentity) {
        handler[metadataKey: "key_id"] = .string(key.key.id)
        handler[metadataKey: "tenant"] = .string(key.tenant.name)
    }

    /// Identifies the caller in an `authenticate` span. Kept out of line (and synchronous) so that its
    /// temporaries live on the thread's stack, not in the async frame the request holds while it waits.
    @inline(never)
    private func authenticate(_ request: Request) throws(GatewayError) -> CallerIdentity {
        let span = tracer.startSpan("authenticate")
        defer { span?.end() }
        do {
            let identity = try identify(request)
            if case .virtualKey(let key) = identity {
                span?.attributes["switchboard.tenant"] = key.tenant.name
                span?.attributes["switchboard.key_id"] = key.key.id
            }
            return identity
        } catch {
            span?.markFailed(error)
            throw error
        }
    }

    private func identify(_ request: Request) throws(GatewayError) -> CallerIdentity {
        guard let hash = Self.credentialHash(in: request) else { throw GatewayError.unauthorized }
        if SecretHash.constantTimeEquals(hash, adminKeyHash) { return .admin }
        guard let identity = directory.identity(forHash: hash), identity.key.isUsable(at: clock.now()) else {
            throw GatewayError.unauthorized
        }
        return .virtualKey(identity)
    }

    static let apiKeyHeader = HTTPField.Name("x-api-key")!

    /// The SHA-256 hex of the credential: `Authorization: Bearer <token>` (scheme case-insensitive, blanks
    /// around the token ignored), else `x-api-key`. The token is hashed from the header value's own bytes,
    /// without a string of its own: this runs on every request.
    static func credentialHash(in request: Request) -> String? {
        if var authorization = request.headers.value(of: .authorization) {
            return authorization.withUTF8 { bytes in
                bearerTokenRange(in: bytes).map { SecretHash.sha256Hex(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[$0]))) }
            }
        }
        if let apiKey = request.headers.value(of: apiKeyHeader), !apiKey.isEmpty { return SecretHash.sha256Hex(apiKey) }
        return nil
    }

    /// The token of an `Authorization` value, or nil when it is not `Bearer` with a token.
    static func bearerToken(_ authorization: String) -> String? {
        var authorization = authorization
        return authorization.withUTF8 { bytes in bearerTokenRange(in: bytes).map { String(decoding: bytes[$0], as: UTF8.self) } }
    }

    /// Where the token is in an `Authorization` value's bytes.
    private static func bearerTokenRange(in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let scheme = 6  // "bearer"
        guard bytes.count > scheme, bytes[scheme] == UInt8(ascii: " ") else { return nil }
        for (offset, letter) in "bearer".utf8.enumerated() where bytes[offset] | 0x20 != letter { return nil }
        let isBlank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        var start = scheme + 1
        var end = bytes.count
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        return start < end ? start..<end : nil
    }
}
