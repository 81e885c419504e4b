import Hummingbird
import SwitchboardCore

/// Something `/ready` checks.
public protocol ReadinessCheck: Sendable {
    /// Throws when the dependency is unusable.
    func ping() async throws
}

/// `GET /health` (liveness: 200 while serving, no I/O) and `GET /ready` (readiness: 503 with the reason
/// while the database is unusable or no provider is configured). `/ready` also reports each dependency in
/// detail: the database, and each provider with the circuit state of its deployments. An open circuit
/// makes a provider `degraded` (or `unavailable` when every deployment that saw traffic is open) but does
/// not make the replica unready: failover is the routing's job, and every replica sees the same upstream.
struct HealthController {
    typealias Context = GatewayRequestContext
    let database: any ReadinessCheck
    let providerNames: [String]
    let circuits: @Sendable () -> [DeploymentStatus]

    struct Health: ResponseEncodable { var status = "ok" }

    struct Readiness: ResponseEncodable {
        var status: String
        /// One word per check, for quick reading.
        var checks: [String: String]
        var dependencies: Dependencies
    }

    struct Dependencies: Codable {
        var database: Check
        var providers: [Provider]
    }

    struct Check: Codable {
        var status: String
        var error: String?
    }

    struct Provider: Codable {
        var name: String
        var status: String
        var circuits: [Circuit]
    }

    struct Circuit: Codable {
        var deployment: String
        var model: String
        var state: String
        var consecutiveFailures: Int
        enum CodingKeys: String, CodingKey { case deployment, model, state, consecutiveFailures = "consecutive_failures" }
    }

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .get("health") { _, _ in Health() }
            .get("ready", use: ready)
    }

    @Sendable func ready(_ request: Request, context: Context) async throws -> EditedResponse<Readiness> {
        var checks: [String: String] = [:]
        var ready = true
        let databaseCheck: Check
        do {
            try await database.ping()
            checks["database"] = "ok"
            databaseCheck = Check(status: "ok")
        } catch {
            checks["database"] = "unavailable"
            databaseCheck = Check(status: "unavailable", error: String(describing: type(of: error)))
            ready = false
        }
        if providerNames.isEmpty {
            checks["providers"] = "none configured"
            ready = false
        } else {
            checks["providers"] = "\(providerNames.count) configured"
        }
        let body = Readiness(
            status: ready ? "ready" : "not_ready", checks: checks,
            dependencies: Dependencies(database: databaseCheck, providers: providerDetail())
        )
        return EditedResponse(status: ready ? .ok : .serviceUnavailable, response: body)
    }

    private func providerDetail() -> [Provider] {
        let byProvider = Dictionary(grouping: circuits(), by: \.provider)
        return providerNames.sorted().map { name in
            let statuses = byProvider[name] ?? []
            let open = statuses.filter { $0.state == .open }.count
            let status = open == 0 ? "ok" : open == statuses.count ? "unavailable" : "degraded"
            return Provider(name: name, status: status, circuits: statuses.map {
                Circuit(deployment: $0.id, model: $0.model, state: $0.state.rawValue, consecutiveFailures: $0.consecutiveFailures)
            })
        }
    }
}
