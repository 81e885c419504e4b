import Hummingbird
import NIOCore
import SwitchboardCore

/// Values read at scrape time rather than updated on the request path.
struct ScrapeSources: Sendable {
    /// The deployments' circuit states.
    var circuits: @Sendable () -> [DeploymentStatus] = { [] }
    /// Usage records waiting to be written.
    var ledgerQueueDepth: @Sendable () -> Int = { 0 }
}

/// `GET /metrics`: the Prometheus text exposition of ``GatewayMetrics``. When a token is configured the
/// scraper must send `Authorization: Bearer TOKEN`.
struct MetricsController<Context: RequestContext> {
    let metrics: GatewayMetrics
    let sources: ScrapeSources
    /// SHA-256 of the bearer token, when one is required.
    let tokenHash: String?

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self).get("metrics", use: scrape)
    }

    @Sendable func scrape(_ request: Request, context: Context) async throws -> Response {
        if let tokenHash {
            let presented = request.headers.value(of: .authorization).flatMap { value -> String? in
                value.hasPrefix("Bearer ") ? String(value.dropFirst(7)) : nil
            }
            guard let presented, SecretHash.sha256Hex(presented) == tokenHash else {
                return Response(
                    status: .unauthorized, headers: [.wwwAuthenticate: "Bearer", .contentType: "text/plain; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: "metrics token required\n"))
                )
            }
        }
        for status in sources.circuits() { metrics.circuit(deployment: status.id, state: status.state) }
        metrics.ledgerQueueDepth.set(Double(sources.ledgerQueueDepth()))
        let bytes = metrics.registry.emitToBuffer()
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
