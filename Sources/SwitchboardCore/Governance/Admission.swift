import Foundation

/// What admission took for a request: rate-limit tokens and a budget reservation, to be settled after.
public struct AdmissionTicket: Sendable {
    /// Tokens taken from the TPM buckets before the call.
    public var estimatedTokens: Int
    public var reservation: BudgetReservation?
    /// The tightest buckets, for the `x-ratelimit-*` headers.
    public var rateLimits: RateLimitSnapshot
}

/// Why a request was refused at admission.
public enum AdmissionRefusal: Error, Sendable {
    case rateLimited(LimitKey, retryAfterSeconds: Double, limits: BucketStates)
    case budgetExceeded(BudgetRefusal)
    case modelNotAllowed(String)
    case unpricedModel(String)

    /// The error the client sees.
    public var gatewayError: GatewayError {
        switch self {
        case .rateLimited(let key, let retryAfter, let limits):
            let limit = limits[key]?.limit ?? 0
            return GatewayError(
                status: 429, type: "rate_limit_exceeded", code: "rate_limit_exceeded",
                message: "Rate limit reached for \(key.scope) on \(key.unit) per minute (limit \(limit)). Retry after \(Int(retryAfter.rounded(.up)))s.",
                retryAfterSeconds: max(1, Int(retryAfter.rounded(.up)))
            )
        case .budgetExceeded(let refusal):
            let reset = refusal.status.resetsAt.map { " The budget resets at \($0.formatted(.iso8601))." } ?? ""
            return GatewayError(
                status: 429, type: "insufficient_quota", code: "budget_exceeded",
                message: "The \(refusal.status.period.rawValue) budget of \(refusal.scope) cannot cover this request (limit \(refusal.status.limit), spent \(refusal.status.spent), reserved \(refusal.status.reserved)).\(reset)"
            )
        case .modelNotAllowed(let model):
            return .modelNotFound(model)
        case .unpricedModel(let model):
            return GatewayError(
                status: 400, type: "invalid_request_error", code: "model_not_priced",
                message: "The model '\(model)' has no price, and a budget applies to this key. Ask the operator to price it.", param: "model"
            )
        }
    }
}

/// Admits requests of virtual keys (model allow-lists, rate limits, budget reservations) and settles them
/// with the real usage afterwards.
public struct Admission: Sendable {
    public let limiter: any RateLimiter
    public let budgets: any BudgetLedger
    public let prices: PriceTable
    /// Whether a model without a price may be used under a budget.
    public let allowUnpricedModels: Bool
    /// The output cap assumed when the client gives none.
    public let defaultOutputCap: Int

    public init(limiter: any RateLimiter, budgets: any BudgetLedger, prices: PriceTable, allowUnpricedModels: Bool = false, defaultOutputCap: Int = 16_384) {
        self.limiter = limiter
        self.budgets = budgets
        self.prices = prices
        self.allowUnpricedModels = allowUnpricedModels
        self.defaultOutputCap = defaultOutputCap
    }

    /// Checks and takes, all or nothing. `upstreamModel` prices the worst case; `promptUpperBound` is the
    /// request's ``TokenBudgetEstimate/promptUpperBound(_:)``, measured once by the caller.
    public func admit(
        _ request: ChatCompletionRequest, identity: KeyIdentity, upstreamModel: String, promptUpperBound: Int
    ) async throws(AdmissionRefusal) -> AdmissionTicket {
        guard identity.mayUse(request.model) else { throw .modelNotAllowed(request.model) }
        let price = prices.price(for: upstreamModel) ?? prices.price(for: request.model)
        let outputCap = request.outputTokenCap ?? price?.maxOutputTokens ?? defaultOutputCap
        let estimatedTokens = TokenBudgetEstimate.promptEstimate(upperBound: promptUpperBound) + outputCap
        let takes = limitTakes(identity, tokens: estimatedTokens)
        let decision = await limiter.acquire(takes)
        guard decision.allowed, decision.refused == nil else {
            throw .rateLimited(decision.refused!, retryAfterSeconds: decision.retryAfterSeconds, limits: decision.states)
        }
        let budgets = [(LimitScope.key(identity.key.id), identity.key.budget), (.tenant(identity.tenant.name), identity.tenant.budget)]
            .compactMap { scope, policy in policy.map { (scope, $0) } }
        var reservation: BudgetReservation?
        if !budgets.isEmpty {
            guard price != nil || allowUnpricedModels else {
                await refund(takes)
                throw .unpricedModel(request.model)
            }
            let worstCase = price?.worstCase(promptTokens: promptUpperBound, outputTokens: outputCap) ?? .zero
            switch await self.budgets.reserve(worstCase, against: budgets) {
            case .success(let held): reservation = held
            case .failure(let refusal):
                await refund(takes)
                throw .budgetExceeded(refusal)
            }
        }
        return AdmissionTicket(estimatedTokens: estimatedTokens, reservation: reservation, rateLimits: RateLimitSnapshot(decision.states))
    }

    /// Settles a ticket: the budget to `cost` (or released when `nil`), the TPM buckets to the real tokens.
    /// `identity` is the one the ticket was admitted for: the ticket doesn't keep a copy of it, since a stream
    /// holds its ticket for its whole life and its caller already holds the identity.
    public func settle(_ ticket: AdmissionTicket, of identity: KeyIdentity, cost: USD?, tokens: Int) async {
        if let reservation = ticket.reservation {
            if let cost { await budgets.settle(reservation, actual: cost) } else { await budgets.release(reservation) }
        }
        let delta = tokens - ticket.estimatedTokens
        guard delta != 0 else { return }
        for take in limitTakes(identity, tokens: 0) where take.key.unit == .tokens {
            await limiter.adjust(take.key, perMinute: take.perMinute, by: delta)
        }
    }

    /// The cost of `usage` on `model`, or `nil` when the model has no price.
    public func cost(of usage: Usage, model: String, publicModel: String) -> USD? {
        (prices.price(for: model) ?? prices.price(for: publicModel))?.cost(of: usage)
    }

    private func limitTakes(_ identity: KeyIdentity, tokens: Int) -> [LimitTake] {
        var takes: [LimitTake] = []
        takes.reserveCapacity(4)
        let scopes: [(LimitScope, Int?, Int?)] = [
            (.key(identity.key.id), identity.key.rpm, identity.key.tpm),
            (.tenant(identity.tenant.name), identity.tenant.rpm, identity.tenant.tpm),
        ]
        for (scope, rpm, tpm) in scopes {
            if let rpm { takes.append(LimitTake(LimitKey(scope, .requests), perMinute: rpm, cost: 1)) }
            if let tpm { takes.append(LimitTake(LimitKey(scope, .tokens), perMinute: tpm, cost: tokens)) }
        }
        return takes
    }

    private func refund(_ takes: [LimitTake]) async {
        for take in takes { await limiter.adjust(take.key, perMinute: take.perMinute, by: -take.cost) }
    }
}
