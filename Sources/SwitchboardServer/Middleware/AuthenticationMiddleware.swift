import Foundation
import HTTPTypes
import Hummingbird
import SwitchboardCore

/// Authenticates callers by `Authorization: Bearer <key>` or `x-api-key`: the admin key (its SHA-256 hash
/// compared in constant time) or a virtual key (looked up by hash only; disabled, revoked and expired keys and
/// keys of deleted tenants are refused). A missing and a wrong key get the same 401.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let adminKeyHash: String
    let directory: KeyDirectory
    let clock: any GatewayClock

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Self.token(in: request) else { throw GatewayError.unauthorized }
        let hash = SecretHash.sha256Hex(token)
        var context = context
        if SecretHash.constantTimeEquals(hash, adminKeyHash) {
            context.identity = .admin
        } else if let identity = directory.identity(forHash: hash), identity.key.isUsable(at: clock.now()) {
            context.identity = .virtualKey(identity)
            context.logger[metadataKey: "key_id"] = .string(identity.key.id)
            context.logger[metadataKey: "tenant"] = .string(identity.tenant.name)
        } else {
            throw GatewayError.unauthorized
        }
        return try await next(request, context)
    }

    static func token(in request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = parts[1].trimmingCharacters(in: .whitespaces)
                return token.isEmpty ? nil : token
            }
            return nil
        }
        if let apiKey = request.headers[HTTPField.Name("x-api-key")!], !apiKey.isEmpty { return apiKey }
        return nil
    }
}
