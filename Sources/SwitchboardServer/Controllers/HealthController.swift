import Hummingbird
import SwitchboardCore

/// Something `/ready` checks.
public protocol ReadinessCheck: Sendable {
    /// Throws when the dependency is unusable.
    func ping() async throws
}

/// `GET /health` (liveness: 200 while serving) and `GET /ready` (readiness: 503 with the reason while the
/// database is unusable or no provider is configured).
struct HealthController {
    typealias Context = GatewayRequestContext
    let database: any ReadinessCheck
    let providerCount: Int

    struct Health: ResponseEncodable { var status = "ok" }

    struct Readiness: ResponseEncodable {
        var status: String
        var checks: [String: String]
    }

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .get("health") { _, _ in Health() }
            .get("ready", use: ready)
    }

    @Sendable func ready(_ request: Request, context: Context) async throws -> EditedResponse<Readiness> {
        var checks: [String: String] = [:]
        var ready = true
        do {
            try await database.ping()
            checks["database"] = "ok"
        } catch {
            checks["database"] = "unavailable"
            ready = false
        }
        if providerCount == 0 {
            checks["providers"] = "none configured"
            ready = false
        } else {
            checks["providers"] = "\(providerCount) configured"
        }
        let body = Readiness(status: ready ? "ready" : "not_ready", checks: checks)
        return EditedResponse(status: ready ? .ok : .serviceUnavailable, response: body)
    }
}
