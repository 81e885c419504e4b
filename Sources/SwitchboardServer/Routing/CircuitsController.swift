import Hummingbird
import SwitchboardCore

/// `GET /admin/v1/circuits`: the circuit-breaker state, load and latency of every deployment that has
/// seen traffic, and the retry budget's use. Admin key only (mounted on the admin group).
struct CircuitsController {
    typealias Context = GatewayRequestContext
    let executor: ChatExecutor

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self).get(use: list)
    }

    /// The response body.
    struct Listing: ResponseEncodable {
        struct Circuit: Codable {
            var id: String
            var deployment: String
            var model: String
            var provider: String
            var upstreamModel: String
            var state: String
            var consecutiveFailures: Int
            var windowFailures: Int
            var windowSuccesses: Int
            var inFlight: Int
            var latencyMs: Int64?
            var retryInMs: Int64?

            enum CodingKeys: String, CodingKey {
                case id, deployment, model, provider, state
                case upstreamModel = "upstream_model", consecutiveFailures = "consecutive_failures"
                case windowFailures = "window_failures", windowSuccesses = "window_successes", inFlight = "in_flight"
                case latencyMs = "latency_ms", retryInMs = "retry_in_ms"
            }
        }

        struct Budget: Codable {
            var retries: Int
            var firstAttempts: Int
            enum CodingKeys: String, CodingKey { case retries, firstAttempts = "first_attempts" }
        }

        var object = "list"
        var data: [Circuit]
        var retryBudget: Budget
        enum CodingKeys: String, CodingKey { case object, data, retryBudget = "retry_budget" }
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Listing {
        let circuits = executor.registry.statuses().map { status in
            Listing.Circuit(
                id: status.id, deployment: status.name, model: status.model, provider: status.provider,
                upstreamModel: status.upstreamModel, state: status.state.rawValue, consecutiveFailures: status.consecutiveFailures,
                windowFailures: status.windowFailures, windowSuccesses: status.windowSuccesses, inFlight: status.inFlight,
                latencyMs: status.latency?.milliseconds, retryInMs: status.retryIn?.milliseconds
            )
        }
        let usage = executor.retryBudget.usage
        return Listing(data: circuits, retryBudget: .init(retries: usage.retries, firstAttempts: usage.firstAttempts))
    }
}
