import ArgumentParser
import Foundation
import SwitchboardCore
import SwitchboardServer

/// Options for commands that work on the database directly.
struct DataOptions: ParsableArguments {
    @OptionGroup var config: ConfigOptions

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func admin() async throws -> GovernanceAdmin {
        try await GovernanceAdmin.sqlite(dataDirectory: try config.load().dataDirectory)
    }

    func emit<T: Encodable>(_ value: T, table: () -> String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(value), as: UTF8.self))
        } else {
            print(table())
        }
    }
}

/// Runs an admin operation, turning its errors into a message and exit code 1.
func runAdmin(_ operation: () async throws -> Void) async throws {
    do {
        try await operation()
    } catch let error as GatewayError {
        FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
        throw ExitCode(1)
    }
}

struct BudgetOptions: ParsableArguments {
    @Option(help: "Models allowed, comma-separated (public names or provider/*).") var models: String?
    @Option(help: "Requests per minute.") var rpm: Int?
    @Option(help: "Tokens per minute.") var tpm: Int?
    @Option(name: .customLong("budget-usd"), help: "Budget in USD.") var budgetUSD: Double?
    @Option(help: "Budget period: day, week, month or total.") var period: String = "month"

    func limits() throws -> GovernanceAdmin.Limits {
        var limits = GovernanceAdmin.Limits()
        if let models { limits.models = .some(models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        if let rpm { limits.rpm = .some(rpm) }
        if let tpm { limits.tpm = .some(tpm) }
        if let budgetUSD {
            guard let period = BudgetPeriod(rawValue: period) else { throw ValidationError("--period must be day, week, month or total") }
            limits.budget = .some(BudgetPolicy(limit: USD(dollars: budgetUSD), period: period))
        }
        return limits
    }
}

struct Tenants: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create and list tenants.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant.")
        @Argument(help: "The tenant's name.") var name: String
        @Option(help: "A tier name routing rules can match (e.g. free, enterprise).") var tier: String?
        @OptionGroup var limits: BudgetOptions
        @OptionGroup var options: DataOptions

        func run() async throws {
            try await runAdmin {
                var tenantLimits = try limits.limits()
                if let tier { tenantLimits.tier = .some(tier) }
                let tenant = try await options.admin().createTenant(name: name, limits: tenantLimits)
                try options.emit(TenantRow(tenant)) { "Created tenant \(tenant.name)." }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var options: DataOptions

        func run() async throws {
            try await runAdmin {
                let tenants = try await options.admin().tenants.list().map(TenantRow.init)
                try options.emit(tenants) {
                    TextTable.render(header: ["NAME", "MODELS", "RPM", "TPM", "BUDGET"], rows: tenants.map {
                        [$0.name, $0.models?.joined(separator: ",") ?? "all", $0.rpm.map(String.init) ?? "-", $0.tpm.map(String.init) ?? "-", $0.budget ?? "-"]
                    })
                }
            }
        }
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create, list and revoke virtual keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a virtual key; its secret is printed once.")
        @Option(help: "The tenant that owns the key.") var tenant: String
        @Option(help: "A name for the key.") var name: String = "default"
        @Option(name: .customLong("expires-in-days"), help: "Days until the key expires.") var expiresInDays: Int?
        @OptionGroup var limits: BudgetOptions
        @OptionGroup var options: DataOptions

        func run() async throws {
            try await runAdmin {
                let expiry = expiresInDays.map { Date().addingTimeInterval(Double($0) * 86_400) }
                let (key, secret) = try await options.admin().createKey(
                    tenant: tenant, name: name, limits: try limits.limits(), expiresAt: expiry, metadata: [:]
                )
                try options.emit(KeyRow(key, secret: secret)) {
                    "Created key \(key.id) for tenant \(key.tenant). Its secret is shown only now:\n  \(secret)"
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @Option(help: "Only this tenant's keys.") var tenant: String?
        @OptionGroup var options: DataOptions

        func run() async throws {
            try await runAdmin {
                let keys = try await options.admin().keys.list(tenant: tenant).map { KeyRow($0) }
                try options.emit(keys) {
                    TextTable.render(header: ["ID", "TENANT", "NAME", "PREFIX", "STATE", "RPM", "TPM", "BUDGET"], rows: keys.map {
                        [$0.id, $0.tenant, $0.name, $0.prefix, $0.state, $0.rpm.map(String.init) ?? "-", $0.tpm.map(String.init) ?? "-", $0.budget ?? "-"]
                    })
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key; a running server refuses it within a second.")
        @Argument(help: "The key id.") var id: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            try await runAdmin {
                let key = try await options.admin().revokeKey(id)
                try options.emit(KeyRow(key)) { "Revoked key \(key.id)." }
            }
        }
    }
}

struct UsageReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "usage", abstract: "Summarise the usage ledger.")
    @Option(name: .customLong("group-by"), help: "tenant, key, model, provider or day.") var groupBy: String = "tenant"
    @Option(help: "How far back: e.g. 24h, 7d, 30d.") var since: String = "7d"
    @Option(help: "Only this tenant.") var tenant: String?
    @OptionGroup var options: DataOptions

    func run() async throws {
        guard let grouping = UsageGrouping(rawValue: groupBy) else { throw ValidationError("--group-by must be tenant, key, model, provider or day") }
        guard let seconds = Self.seconds(since) else { throw ValidationError("--since must look like 24h, 7d or 30m") }
        try await runAdmin {
            let rows = try await options.admin().usage.summarize(
                groupBy: grouping, from: Date().addingTimeInterval(-seconds), to: nil, tenant: tenant
            ).map(UsageRow.init)
            try options.emit(rows) {
                TextTable.render(header: [groupBy.uppercased(), "REQUESTS", "PROMPT", "COMPLETION", "CACHED", "COST_USD", "ERRORS"], rows: rows.map {
                    [$0.group, String($0.requests), String($0.promptTokens), String($0.completionTokens), String($0.cachedTokens),
                     String(format: "%.6f", $0.costUSD), String($0.errors)]
                })
            }
        }
    }

    static func seconds(_ text: String) -> Double? {
        guard let unit = text.last, let value = Double(text.dropLast()), value >= 0 else { return nil }
        switch unit {
        case "m": return value * 60
        case "h": return value * 3600
        case "d": return value * 86_400
        default: return nil
        }
    }
}

struct TenantRow: Encodable {
    var name: String
    var models: [String]?
    var rpm: Int?
    var tpm: Int?
    var budget: String?
    init(_ tenant: Tenant) {
        name = tenant.name
        models = tenant.models
        rpm = tenant.rpm
        tpm = tenant.tpm
        budget = tenant.budget.map { "\($0.limit)/\($0.period.rawValue)" }
    }
}

struct KeyRow: Encodable {
    var id: String
    var key: String?
    var tenant: String
    var name: String
    var prefix: String
    var state: String
    var rpm: Int?
    var tpm: Int?
    var budget: String?
    init(_ key: VirtualKey, secret: String? = nil) {
        id = key.id
        self.key = secret
        tenant = key.tenant
        name = key.name
        prefix = key.prefix
        state = key.revokedAt != nil ? "revoked" : key.disabled ? "disabled" : key.isUsable(at: Date()) ? "active" : "expired"
        rpm = key.rpm
        tpm = key.tpm
        budget = key.budget.map { "\($0.limit)/\($0.period.rawValue)" }
    }
}

struct UsageRow: Encodable {
    var group: String
    var requests: Int
    var promptTokens: Int
    var completionTokens: Int
    var cachedTokens: Int
    var costUSD: Double
    var errors: Int
    enum CodingKeys: String, CodingKey {
        case group, requests, errors
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", cachedTokens = "cached_tokens", costUSD = "cost_usd"
    }
    init(_ summary: UsageSummary) {
        group = summary.group
        requests = summary.requests
        promptTokens = summary.promptTokens
        completionTokens = summary.completionTokens
        cachedTokens = summary.cachedTokens
        costUSD = summary.cost.dollars
        errors = summary.errors
    }
}
