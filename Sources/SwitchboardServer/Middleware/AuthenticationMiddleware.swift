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
        guard let token = Self.token(in: request) else { throw GatewayError.unauthorized }
        let hash = SecretHash.sha256Hex(token)
        if SecretHash.constantTimeEquals(hash, adminKeyHash) { return .admin }
        guard let identity = directory.identity(forHash: hash), identity.key.isUsable(at: clock.now()) else {
            throw GatewayError.unauthorized
        }
        return .virtualKey(identity)
    }

    static let apiKeyHeader = HTTPField.Name("x-api-key")!

    /// The credential: `Authorization: Bearer <token>` (scheme case-insensitive, blanks around the token
    /// ignored), else `x-api-key`. Read from the header's UTF-8 bytes: it runs on every request.
    static func token(in request: Request) -> String? {
        if let authorization = request.headers.value(of: .authorization) {
            return bearerToken(authorization)
        }
        if let apiKey = request.headers.value(of: apiKeyHeader), !apiKey.isEmpty { return apiKey }
        return nil
    }

    static func bearerToken(_ authorization: String) -> String? {
        let bytes = authorization.utf8
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")),
              bytes[..<space].elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }) else { return nil }
        let isBlank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let rest = bytes[bytes.index(after: space)...]
        guard let first = rest.firstIndex(where: { !isBlank($0) }), let last = rest.lastIndex(where: { !isBlank($0) }) else {
            return nil
        }
        return String(authorization[first...last])
    }
}
