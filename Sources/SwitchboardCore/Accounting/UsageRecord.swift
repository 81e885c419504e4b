import Foundation

/// One answered chat request, as the usage ledger keeps it. Never holds a secret: keys appear by id.
public struct UsageRecord: Sendable, Equatable {
    public var requestID: String
    public var time: Date
    public var tenant: String?
    public var keyID: String?
    public var publicModel: String
    public var provider: String?
    public var upstreamModel: String?
    public var promptTokens: Int
    public var completionTokens: Int
    public var cachedTokens: Int
    public var cost: USD
    /// True when the provider reported no usage and the tokens were estimated.
    public var estimated: Bool
    public var latencyMilliseconds: Int
    public var timeToFirstByteMilliseconds: Int?
    public var status: Int
    public var errorType: String?
    public var streamed: Bool
    public var clientDisconnected: Bool
    public var attempts: Int

    public init(
        requestID: String, time: Date, tenant: String?, keyID: String?, publicModel: String, provider: String? = nil,
        upstreamModel: String? = nil, promptTokens: Int = 0, completionTokens: Int = 0, cachedTokens: Int = 0, cost: USD = .zero,
        estimated: Bool = false, latencyMilliseconds: Int = 0, timeToFirstByteMilliseconds: Int? = nil, status: Int,
        errorType: String? = nil, streamed: Bool = false, clientDisconnected: Bool = false, attempts: Int = 0
    ) {
        self.requestID = requestID
        self.time = time
        self.tenant = tenant
        self.keyID = keyID
        self.publicModel = publicModel
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.cost = cost
        self.estimated = estimated
        self.latencyMilliseconds = latencyMilliseconds
        self.timeToFirstByteMilliseconds = timeToFirstByteMilliseconds
        self.status = status
        self.errorType = errorType
        self.streamed = streamed
        self.clientDisconnected = clientDisconnected
        self.attempts = attempts
    }
}

/// How usage is grouped in reports.
public enum UsageGrouping: String, Sendable, CaseIterable {
    case tenant, key, model, provider, day
}

/// One group of a usage report.
public struct UsageSummary: Sendable, Equatable {
    public var group: String
    public var requests: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var cachedTokens: Int
    public var cost: USD
    public var errors: Int

    public init(group: String, requests: Int, promptTokens: Int, completionTokens: Int, cachedTokens: Int, cost: USD, errors: Int) {
        self.group = group
        self.requests = requests
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.cost = cost
        self.errors = errors
    }
}
