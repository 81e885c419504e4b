import HTTPTypes
import Hummingbird
import SwitchboardCore

/// Cross-origin policy and security headers for every response.
///
/// A request with an `Origin` is served only when the origin is on the allow-list (configured exactly, never a
/// wildcard); any other origin gets 403, preflight included. Allowed origins are echoed with `Vary: Origin` and
/// without credentials, since callers authenticate with headers, not cookies.
struct SecurityHeaders: Sendable {
    /// Origins allowed to call from a browser, e.g. `https://app.example.com`.
    let allowedOrigins: Set<String>

    static let forbiddenOrigin = GatewayError(
        status: 403, type: "invalid_request_error", code: "origin_not_allowed", message: "Cross-origin requests from this origin are not allowed."
    )
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    /// The fields every answer gets, whatever its route: the listener's codec writes them
    /// (``RequestServing/init(router:routes:logger:serverName:everyAnswer:)``), with `Strict-Transport-Security`
    /// when `hsts` is on (only behind TLS).
    static func everyAnswer(hsts: Bool) -> [HTTPField] {
        [
            HTTPField(name: .xContentTypeOptions, value: "nosniff"),
            HTTPField(name: frameOptions, value: "DENY"),
            HTTPField(name: referrerPolicy, value: "no-referrer"),
        ] + (hsts ? [strictTransport] : [])
    }
    static let noStore = HTTPField(name: .cacheControl, value: "no-store")
    static let strictTransport = HTTPField(name: .strictTransportSecurity, value: "max-age=31536000; includeSubDomains")
    static let allowedMethods = "GET, POST, PATCH, DELETE, OPTIONS"
    static let allowedHeaders = "authorization, content-type, x-api-key, x-request-id, x-switchboard-timeout-ms, openai-organization, openai-project"
    static let exposedHeaders = "x-request-id, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, "
        + "x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens, x-switchboard-provider, x-switchboard-model"

    /// The answer given without routing: 403 for an `origin` (the request's) not on the list, 204 for an
    /// allowed preflight.
    func earlyAnswer(to request: Request, origin: String?, context: some RequestContext) throws -> Response? {
        guard let origin else { return nil }
        if !allowedOrigins.contains(origin) { return try Self.forbiddenOrigin.response(from: request, context: context) }
        guard request.method == .options, request.headers.value(of: .accessControlRequestMethod) != nil else { return nil }
        return Response(status: .noContent, headers: [
            .accessControlAllowMethods: Self.allowedMethods,
            .accessControlAllowHeaders: Self.allowedHeaders,
            .accessControlMaxAge: "600",
        ])
    }

    /// Adds the cross-origin headers for an allowed `origin`, and `Cache-Control: no-store` unless the route set
    /// its own, to `response`. The fixed security fields are ``everyAnswer(hsts:)``'s.
    func apply(to response: inout Response, origin: String?) {
        if let origin, allowedOrigins.contains(origin) {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
            response.headers.append(HTTPField(name: .vary, value: "Origin"))
        }
        if !response.headers.has(.cacheControl) { response.headers.append(Self.noStore) }
    }
}
