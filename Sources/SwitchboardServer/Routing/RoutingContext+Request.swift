import Foundation
import HTTPTypes
import Hummingbird
import SwitchboardCore

extension RoutingContext {
    /// Header with the client's deadline for the whole request, in milliseconds.
    static let timeoutHeader = HTTPField.Name("x-switchboard-timeout-ms")!
    /// Header pinning a deployment by name (admin key only), for debugging.
    static let deploymentHeader = HTTPField.Name("x-switchboard-deployment")!

    /// The routing context of a chat request: its metadata, the caller, and the routing headers.
    /// - Throws: 400 for an `x-switchboard-timeout-ms` that is not a positive whole number.
    init(request: Request, context: GatewayRequestContext, chat: ChatRequest) throws(GatewayError) {
        var timeout: Duration?
        if let text = request.headers.value(of: Self.timeoutHeader) {
            guard let millis = Int64(text.trimmingCharacters(in: .whitespaces)), millis > 0 else {
                throw .invalidRequest("x-switchboard-timeout-ms must be a positive whole number of milliseconds.",
                                      param: "x-switchboard-timeout-ms")
            }
            timeout = .milliseconds(millis)
        }
        let pinned = request.headers.value(of: Self.deploymentHeader).flatMap { $0.isEmpty ? nil : $0 }
        let tier: String? = if case .virtualKey(let key) = context.identity { key.tenant.tier } else { nil }
        self.init(metadata: chat.typed.metadata ?? [:], tenantTier: tier, isAdmin: context.identity == .admin,
                  pinnedDeployment: pinned, timeout: timeout)
        let keyID: String? = if case .virtualKey(let key) = context.identity { key.key.id } else { nil }
        flagSubject = keyID ?? chat.typed.user
    }
}
