import Foundation
import HTTPTypes
import Hummingbird
import SwitchboardCore

/// Authenticates API callers by `Authorization: Bearer <key>` or `x-api-key`. A missing and a wrong key get
/// the same 401. The admin key is checked by its SHA-256 hash in constant time.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let adminKeyHash: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Self.token(in: request),
              SecretHash.constantTimeEquals(SecretHash.sha256Hex(token), adminKeyHash)
        else {
            throw GatewayError.unauthorized
        }
        var context = context
        context.identity = .admin
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
