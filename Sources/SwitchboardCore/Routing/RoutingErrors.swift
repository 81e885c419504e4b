/// The errors routing itself answers with.
extension GatewayError {
    /// 503: every deployment of the model (and of its fallbacks) is skipped: circuits open or at their caps.
    public static func noDeploymentAvailable(_ model: String, retryAfter: Duration?) -> Self {
        .init(status: 503, type: "upstream_error", code: "no_deployment_available",
              message: "No deployment of model '\(model)' is available right now (circuits open or at capacity).",
              retryAfterSeconds: max(1, retryAfter.map { Int(($0 / .seconds(1)).rounded(.up)) } ?? 1))
    }

    /// 503: the retry budget is spent, so the gateway fails fast instead of amplifying an outage.
    /// - Parameter error: the last upstream failure, named in the message.
    public static func retryBudgetExhausted(after error: (any Error)?) -> Self {
        let detail = (error as? UpstreamError).map { " Last failure: \($0.gatewayError.message)" } ?? ""
        return Self(
            status: 503, type: "upstream_error", code: "retry_budget_exhausted",
            message: "The upstream is failing and the gateway's retry budget is spent; try again shortly.\(detail)",
            retryAfterSeconds: 1
        )
    }

    /// 504: the client's `x-switchboard-timeout-ms` passed.
    public static func deadlineExceeded(_ timeout: Duration) -> Self {
        .init(status: 504, type: "upstream_error", code: "deadline_exceeded",
              message: "The request did not finish within its deadline of \(timeout.milliseconds) ms (x-switchboard-timeout-ms).")
    }

    /// 400: the pinned deployment does not serve the model.
    public static func unknownDeployment(_ name: String, model: String) -> Self {
        .init(status: 400, type: "invalid_request_error", code: "unknown_deployment",
              message: "Model '\(model)' has no deployment named '\(name)'.", param: "x-switchboard-deployment")
    }

    /// 403: only the admin key may pin a deployment.
    public static let pinningNeedsAdmin = Self(
        status: 403, type: "permission_error", code: "admin_required",
        message: "Only the admin key may pin a deployment with x-switchboard-deployment."
    )
}

extension Duration {
    /// The duration in whole milliseconds, rounded down.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
