import Foundation
import Hummingbird
import SwitchboardCore

/// JSON shapes of the admin API.
enum AdminJSON {
    struct Budget: Codable {
        var limitUSD: Double
        var period: BudgetPeriod
        enum CodingKeys: String, CodingKey { case limitUSD = "limit_usd", period }

        init(_ policy: BudgetPolicy) {
            limitUSD = policy.limit.dollars
            period = policy.period
        }

        var policy: BudgetPolicy { BudgetPolicy(limit: USD(dollars: limitUSD), period: period) }
    }

    /// Limits in a create or patch body: an absent field is left alone, `null` clears it.
    struct LimitsBody: Decodable {
        var limits = GovernanceAdmin.Limits()
        enum CodingKeys: String, CodingKey { case models, rpm, tpm, budget, tier }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            limits.models = try container.decodeNullable([String].self, forKey: .models)
            limits.rpm = try container.decodeNullable(Int.self, forKey: .rpm)
            limits.tpm = try container.decodeNullable(Int.self, forKey: .tpm)
            limits.budget = try container.decodeNullable(Budget.self, forKey: .budget).map { $0?.policy }
            limits.tier = try container.decodeNullable(String.self, forKey: .tier)
        }
    }

    struct TenantBody: ResponseEncodable {
        var name: String
        var models: [String]?
        var rpm: Int?
        var tpm: Int?
        var budget: Budget?
        var tier: String?
        var createdAt: Date
        enum CodingKeys: String, CodingKey { case name, models, rpm, tpm, budget, tier, createdAt = "created_at" }

        init(_ tenant: Tenant) {
            name = tenant.name
            models = tenant.models
            rpm = tenant.rpm
            tpm = tenant.tpm
            budget = tenant.budget.map(Budget.init)
            tier = tenant.tier
            createdAt = tenant.createdAt
        }
    }

    struct KeyBody: ResponseEncodable {
        var id: String
        /// The secret: only in the answer to a create.
        var key: String?
        var prefix: String
        var tenant: String
        var name: String
        var models: [String]?
        var rpm: Int?
        var tpm: Int?
        var budget: Budget?
        var expiresAt: Date?
        var metadata: [String: String]
        var disabled: Bool
        var revoked: Bool
        var revokedAt: Date?
        var createdAt: Date
        enum CodingKeys: String, CodingKey {
            case id, key, prefix, tenant, name, models, rpm, tpm, budget, metadata, disabled, revoked
            case expiresAt = "expires_at", revokedAt = "revoked_at", createdAt = "created_at"
        }

        init(_ key: VirtualKey, secret: String? = nil) {
            id = key.id
            self.key = secret
            prefix = key.prefix
            tenant = key.tenant
            name = key.name
            models = key.models
            rpm = key.rpm
            tpm = key.tpm
            budget = key.budget.map(Budget.init)
            expiresAt = key.expiresAt
            metadata = key.metadata
            disabled = key.disabled
            revoked = key.revokedAt != nil
            revokedAt = key.revokedAt
            createdAt = key.createdAt
        }
    }

    struct SpendBody: ResponseEncodable {
        var limitUSD: Double?
        var spentUSD: Double
        var reservedUSD: Double
        var remainingUSD: Double?
        var period: String?
        var resetsAt: Date?
        enum CodingKeys: String, CodingKey {
            case limitUSD = "limit_usd", spentUSD = "spent_usd", reservedUSD = "reserved_usd", remainingUSD = "remaining_usd", period
            case resetsAt = "resets_at"
        }

        init(_ status: BudgetStatus) {
            limitUSD = status.limit.dollars
            spentUSD = status.spent.dollars
            reservedUSD = status.reserved.dollars
            remainingUSD = status.remaining.dollars
            period = status.period.rawValue
            resetsAt = status.resetsAt
        }

        /// A scope without a budget: only what it spent in total.
        init(unbudgetedSpent spent: USD) {
            spentUSD = spent.dollars
            reservedUSD = 0
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(limitUSD, forKey: .limitUSD)
            try container.encode(spentUSD, forKey: .spentUSD)
            try container.encode(reservedUSD, forKey: .reservedUSD)
            try container.encode(remainingUSD, forKey: .remainingUSD)
            try container.encode(period, forKey: .period)
            try container.encode(resetsAt, forKey: .resetsAt)
        }
    }

    struct List<Item: Encodable>: ResponseEncodable {
        var data: [Item]
    }

    /// A usage row named by its group (`"tenant": "acme"`).
    struct UsageRow: Encodable {
        var groupBy: UsageGrouping
        var summary: UsageSummary

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ string: String) { stringValue = string }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(summary.group, forKey: Key(groupBy.rawValue))
            try container.encode(summary.requests, forKey: Key("requests"))
            try container.encode(summary.promptTokens, forKey: Key("prompt_tokens"))
            try container.encode(summary.completionTokens, forKey: Key("completion_tokens"))
            try container.encode(summary.cachedTokens, forKey: Key("cached_tokens"))
            try container.encode(summary.cost.dollars, forKey: Key("cost_usd"))
            try container.encode(summary.errors, forKey: Key("errors"))
        }
    }

    /// The admin API's JSON coders: ISO 8601 dates, snake_case keys as declared.
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Decodes a request body, answering 400 naming the field when it is invalid.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = 64 * 1024) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        do {
            return try decoder.decode(type, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw ChatRequest.describe(error)
        } catch {
            throw GatewayError.invalidRequest("The request body is not valid JSON.", code: "invalid_json")
        }
    }
}

extension KeyedDecodingContainer {
    /// `nil` when the key is absent, `.some(nil)` when it is `null`, the value otherwise.
    func decodeNullable<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T?? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) { return .some(nil) }
        return .some(try decode(type, forKey: key))
    }
}
