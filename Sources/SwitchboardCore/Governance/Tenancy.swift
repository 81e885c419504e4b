import Foundation

/// How often a budget starts over: UTC calendar day, ISO week (Monday), calendar month, or never.
public enum BudgetPeriod: String, Sendable, Codable, CaseIterable {
    case day, week, month, total

    /// The start of the period containing `date`.
    public func start(containing date: Date) -> Date {
        let day = UTCDay(containing: date)
        switch self {
        case .total: return .distantPast
        case .day: return day.start
        case .week: return day.monday.start
        case .month: return day.firstOfMonth.start
        }
    }

    /// The end of the period containing `date` (when it resets), or `nil` for `total`.
    public func end(containing date: Date) -> Date? {
        let day = UTCDay(containing: date)
        switch self {
        case .total: return nil
        case .day: return day.adding(days: 1).start
        case .week: return day.monday.adding(days: 7).start
        case .month: return day.firstOfNextMonth.start
        }
    }
}

/// A spending cap over a period.
public struct BudgetPolicy: Sendable, Equatable, Codable {
    public var limit: USD
    public var period: BudgetPeriod

    public init(limit: USD, period: BudgetPeriod) {
        self.limit = limit
        self.period = period
    }

    enum CodingKeys: String, CodingKey { case limit = "limit_usd", period }
}

/// A tenant: the unit that owns keys and shares their limits and budget.
public struct Tenant: Sendable, Equatable {
    public var name: String
    /// Models the tenant may use (`nil`: all). Entries are public names or `provider/*`.
    public var models: [String]?
    public var rpm: Int?
    public var tpm: Int?
    public var budget: BudgetPolicy?
    /// A tier name routing rules can match (`routing.rules[].when.tier`), e.g. `free` or `enterprise`.
    public var tier: String?
    public var createdAt: Date

    public init(
        name: String, models: [String]? = nil, rpm: Int? = nil, tpm: Int? = nil, budget: BudgetPolicy? = nil, tier: String? = nil,
        createdAt: Date = Date()
    ) {
        self.name = name
        self.tier = tier
        self.models = models
        self.rpm = rpm
        self.tpm = tpm
        self.budget = budget
        self.createdAt = createdAt
    }
}

/// A virtual API key. Only its SHA-256 hash and a short display prefix are stored.
public struct VirtualKey: Sendable, Equatable {
    public var id: String
    public var tenant: String
    public var name: String
    public var hash: String
    public var prefix: String
    /// Models the key may use (`nil`: all the tenant may use).
    public var models: [String]?
    public var rpm: Int?
    public var tpm: Int?
    public var budget: BudgetPolicy?
    public var expiresAt: Date?
    public var metadata: [String: String]
    public var disabled: Bool
    public var revokedAt: Date?
    public var createdAt: Date

    public init(
        id: String, tenant: String, name: String, hash: String, prefix: String, models: [String]? = nil, rpm: Int? = nil,
        tpm: Int? = nil, budget: BudgetPolicy? = nil, expiresAt: Date? = nil, metadata: [String: String] = [:],
        disabled: Bool = false, revokedAt: Date? = nil, createdAt: Date = Date()
    ) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.hash = hash
        self.prefix = prefix
        self.models = models
        self.rpm = rpm
        self.tpm = tpm
        self.budget = budget
        self.expiresAt = expiresAt
        self.metadata = metadata
        self.disabled = disabled
        self.revokedAt = revokedAt
        self.createdAt = createdAt
    }

    /// Whether the key may be used at `now`.
    public func isUsable(at now: Date) -> Bool {
        !disabled && revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
    }

    /// The prefix of every virtual key secret.
    public static let secretPrefix = "sk-sb-"
}

/// Model allow-lists: public names, `provider/*`, or `*`.
public enum ModelAccess {
    /// Whether `model` is allowed by `allowList` (`nil` allows everything).
    public static func allows(_ allowList: [String]?, _ model: String) -> Bool {
        guard let allowList else { return true }
        return allowList.contains { entry in
            entry == "*" || entry == model || (entry.hasSuffix("/*") && model.hasPrefix(entry.dropLast()))
        }
    }
}
