import Foundation
import HTTPTypes
import NIOCore
import Synchronization
import SwitchboardCore
import Tracing

/// Where usage records go (the batched ledger writer in production).
public protocol UsageSink: Sendable {
    /// Queues a record without waiting.
    func record(_ record: UsageRecord)
}

extension UsageLedgerWriter: UsageSink {}

/// Governs and accounts chat requests: admission before the upstream call (model allow-list, rate limits,
/// budget reservation) and settlement after it (cost, budget, TPM correction, exactly one usage record).
struct ChatAccounting: Sendable {
    let admission: Admission
    let sink: any UsageSink
    let clock: any GatewayClock
    /// Told about every settled request and every refusal (the completion log line and metrics).
    var observer: any RequestObserver = NoRequestObserver()
    /// Gets the `admission` and `usage.record` spans.
    var tracer = GatewayTracer.off

    /// Admits the request or throws the refusal (which is recorded). `upstreamModels` lists the models that
    /// may answer, to price the worst case.
    func begin(_ request: ChatRequest, identity: CallerIdentity?, requestID: String, upstreamModels: () throws -> [String]) async throws -> ChatMeter {
        let start = ContinuousClock.now
        let time = clock.now()
        let traceContext = ServiceContext.current
        let promptUpperBound = TokenBudgetEstimate.promptUpperBound(request.typed)
        func meter(_ ticket: AdmissionTicket?) -> ChatMeter {
            ChatMeter(
                request: request.typed, estimatedPromptTokens: TokenBudgetEstimate.promptEstimate(upperBound: promptUpperBound),
                requestID: requestID, identity: identity, start: start, time: time, accounting: self, ticket: ticket, traceContext: traceContext
            )
        }
        guard case .virtualKey(let key) = identity else { return meter(nil) }
        let candidates = try upstreamModels()
        let ticket = try await tracer.withSpan("admission") { span in
            do throws(AdmissionRefusal) {
                let priciest = candidates.max { (priceOf($0)?.output ?? 0) < (priceOf($1)?.output ?? 0) } ?? request.typed.model
                return try await admission.admit(request.typed, identity: key, upstreamModel: priciest, promptUpperBound: promptUpperBound)
            } catch {
                observer.admissionRefused(error)
                let gatewayError = error.gatewayError
                span?.attributes["error.type"] = gatewayError.code ?? gatewayError.type
                meter(nil).finish(status: gatewayError.statusCode, errorType: gatewayError.type)
                throw gatewayError
            }
        }
        return meter(ticket)
    }

    private func priceOf(_ model: String) -> ModelPrice? { admission.prices.price(for: model) }
}

/// One request's accounting, settled exactly once. A class: the request's async frames and its stream's body
/// hold it while the request waits on its upstream, and by value it is most of a kilobyte.
final class ChatMeter: Sendable {
    /// The requested model.
    let model: String
    /// Prompt tokens by estimate, for an answer that reports no usage.
    let estimatedPromptTokens: Int
    /// The typed request, only for an observer that logs prompts: a meter lives as long as its stream, and a
    /// prompt can be large.
    let loggedRequest: ChatCompletionRequest?
    let requestID: String
    let identity: CallerIdentity?
    let start: ContinuousClock.Instant
    let time: Date
    let accounting: ChatAccounting
    /// What admission took (rate-limit tokens, the budget reservation); nil for the admin key.
    let ticket: AdmissionTicket?
    private let settled = SettledFlag()
    /// The request's span, parent of the `usage.record` span (a stream settles after its handler returned).
    private let traceContext: ServiceContext?

    /// The meter of `request`: it keeps the typed request itself only when the observer logs prompts.
    init(
        request: ChatCompletionRequest, estimatedPromptTokens: Int, requestID: String, identity: CallerIdentity?, start: ContinuousClock.Instant,
        time: Date, accounting: ChatAccounting, ticket: AdmissionTicket?, traceContext: ServiceContext?
    ) {
        self.model = request.model
        self.estimatedPromptTokens = estimatedPromptTokens
        self.loggedRequest = accounting.observer.logsPrompts ? request : nil
        self.requestID = requestID
        self.identity = identity
        self.start = start
        self.time = time
        self.accounting = accounting
        self.ticket = ticket
        self.traceContext = traceContext
    }

    /// Appends the `x-ratelimit-*` headers of the admitted request: the tightest request and token buckets.
    /// The names are shared constants: a stream holds its response headers for its whole life.
    func appendRateLimitHeaders(to headers: inout HTTPFields) {
        guard let limits = ticket?.rateLimits else { return }
        for names in RateLimitHeaderNames.all {
            guard let tightest = limits[names.unit] else { continue }
            headers.append(HTTPField(name: names.limit, value: String(decimal: tightest.limit)))
            headers.append(HTTPField(name: names.remaining, value: String(decimal: tightest.remaining)))
            headers.append(HTTPField(name: names.reset, value: Self.duration(tightest.resetSeconds)))
        }
    }

    /// Settles a successful answer. Without reported usage, tokens are estimated and the record says so.
    func succeed(usage: Usage?, route: UpstreamRoute, streamed: Bool, timeToFirstByte: Duration? = nil, deliveredCharacters: Int = 0,
                 clientDisconnected: Bool = false, status: Int = 200, errorType: String? = nil, body: ByteBuffer? = nil) async {
        let estimated = usage == nil
        let usage = usage ?? Usage(
            promptTokens: estimatedPromptTokens, completionTokens: (deliveredCharacters + 3) / 4
        )
        let cost = accounting.admission.cost(of: usage, model: route.upstreamModel, publicModel: model)
        await accounting.tracer.withSpan("usage.record", parent: traceContext) { span in
            if let ticket, let key = identity?.virtualKey { await accounting.admission.settle(ticket, of: key, cost: cost ?? .zero, tokens: usage.totalTokens) }
            finish(status: status, errorType: errorType, route: route, usage: usage, cost: cost ?? .zero, estimated: estimated, streamed: streamed,
                   timeToFirstByte: timeToFirstByte, clientDisconnected: clientDisconnected, body: body)
            span?.updateAttributes { attributes in
                attributes["gen_ai.usage.input_tokens"] = usage.promptTokens
                attributes["gen_ai.usage.output_tokens"] = usage.completionTokens
                attributes["switchboard.cost_usd"] = (cost ?? .zero).dollars
                attributes["switchboard.usage_estimated"] = estimated
            }
        }
    }

    /// Settles a failure before any answer: the reservation is released and the tokens given back.
    func fail(_ error: any Error, route: UpstreamRoute? = nil, streamed: Bool) async {
        let gatewayError = ErrorAnswers.map(error)
        await accounting.tracer.withSpan("usage.record", parent: traceContext) { span in
            if let ticket, let key = identity?.virtualKey { await accounting.admission.settle(ticket, of: key, cost: nil, tokens: 0) }
            finish(status: gatewayError.statusCode, errorType: gatewayError.type, route: route, streamed: streamed,
                   clientDisconnected: error is CancellationError)
            span?.attributes["error.type"] = gatewayError.code ?? gatewayError.type
        }
    }

    /// Writes the one usage record of this request; later calls do nothing.
    func finish(status: Int, errorType: String?, route: UpstreamRoute? = nil, usage: Usage? = nil, cost: USD = .zero, estimated: Bool = false,
                streamed: Bool = false, timeToFirstByte: Duration? = nil, clientDisconnected: Bool = false, body: ByteBuffer? = nil) {
        guard settled.claim() else { return }
        let key: KeyIdentity? = if case .virtualKey(let key) = identity { key } else { nil }
        let record = UsageRecord(
            requestID: requestID, time: time, tenant: key?.tenant.name, keyID: key?.key.id, publicModel: model,
            provider: route?.provider, upstreamModel: route?.upstreamModel, promptTokens: usage?.promptTokens ?? 0,
            completionTokens: usage?.completionTokens ?? 0, cachedTokens: usage?.cachedTokens ?? 0, cost: cost, estimated: estimated,
            latencyMilliseconds: Self.milliseconds(ContinuousClock.now - start), timeToFirstByteMilliseconds: timeToFirstByte.map(Self.milliseconds),
            status: status, errorType: errorType, streamed: streamed, clientDisconnected: clientDisconnected, attempts: route?.attempts ?? 0
        )
        accounting.sink.record(record)
        accounting.observer.requestFinished(record, request: loggedRequest, completionBody: body)
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// OpenAI's reset format: `250ms`, `12s`, `1m30s`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return String(decimal: Int((seconds * 1000).rounded(.up))) + "ms" }
        let whole = Int(seconds.rounded(.up))
        return whole < 60 ? String(decimal: whole) + "s" : String(decimal: whole / 60) + "m" + String(decimal: whole % 60) + "s"
    }
}

/// Set once, so that a request is recorded exactly once whichever path ends it.
final class SettledFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func claim() -> Bool { value.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged }
}

extension Error {
    fileprivate var gatewayError: GatewayError {
        (self as? AdmissionRefusal)?.gatewayError ?? ErrorAnswers.map(self)
    }
}

/// The `x-ratelimit-*` header names of one bucket unit, made once.
struct RateLimitHeaderNames: Sendable {
    let unit: LimitKey.Unit
    let limit: HTTPField.Name
    let remaining: HTTPField.Name
    let reset: HTTPField.Name

    /// Requests first, then tokens: the order of the headers in a response.
    static let all = [Self(.requests), Self(.tokens)]

    private init(_ unit: LimitKey.Unit) {
        self.unit = unit
        limit = HTTPField.Name("x-ratelimit-limit-\(unit.rawValue)")!
        remaining = HTTPField.Name("x-ratelimit-remaining-\(unit.rawValue)")!
        reset = HTTPField.Name("x-ratelimit-reset-\(unit.rawValue)")!
    }
}
