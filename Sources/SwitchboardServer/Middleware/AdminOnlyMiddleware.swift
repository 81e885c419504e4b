import Hummingbird
import SwitchboardCore

/// Lets only the admin key through to admin routes; any other authenticated caller gets 403 and no
/// state changes.
struct AdminOnlyMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    static let forbidden = GatewayError(
        status: 403, type: "permission_error", code: "admin_required", message: "This route needs the admin key."
    )

    @concurrent func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity == .admin else { throw Self.forbidden }
        return try await next(request, context)
    }
}
