import HTTPTypes
import Hummingbird
import SwitchboardCore

/// Cross-origin policy and security headers for every response.
///
/// A request with an `Origin` is served only when the origin is on the allow-list (configured exactly, never a
/// wildcard); any other origin gets 403, preflight included. Allowed origins are echoed with `Vary: Origin` and
/// without credentials, since callers authenticate with headers, not cookies.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    /// Origins allowed to call from a browser, e.g. `https://app.example.com`.
    let allowedOrigins: Set<String>
    /// Whether to send `Strict-Transport-Security` (only when served behind TLS).
    let hsts: Bool

    static let forbiddenOrigin = GatewayError(
        status: 403, type: "invalid_request_error", code: "origin_not_allowed", message: "Cross-origin requests from this origin are not allowed."
    )
    static let allowedMethods = "GET, POST, PATCH, DELETE, OPTIONS"
    static let allowedHeaders = "authorization, content-type, x-api-key, x-request-id, x-switchboard-timeout-ms, openai-organization, openai-project"
    static let exposedHeaders = "x-request-id, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, "
        + "x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens, x-switchboard-provider, x-switchboard-model"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let origin = request.headers[.origin]
        var response: Response
        if let origin, !allowedOrigins.contains(origin) {
            response = try Self.forbiddenOrigin.response(from: request, context: context)
        } else if origin != nil, request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            response = Response(status: .noContent, headers: [
                .accessControlAllowMethods: Self.allowedMethods,
                .accessControlAllowHeaders: Self.allowedHeaders,
                .accessControlMaxAge: "600",
            ])
        } else {
            response = try await next(request, context)
        }
        if let origin, allowedOrigins.contains(origin) {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
            response.headers.append(HTTPField(name: .vary, value: "Origin"))
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        if hsts { response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains" }
        return response
    }
}
