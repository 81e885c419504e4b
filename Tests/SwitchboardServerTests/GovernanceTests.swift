import AsyncHTTPClient
import Foundation
import SwitchboardCore
import SwitchboardServer
import Testing

/// Tenants, virtual keys, limits, budgets and the usage ledger, end to end.
@Suite struct GovernanceTests {
    static let echo = GatewayHarness.chat("mock/echo", "hello there")

    @Test func keySecretIsShownOnceAndWorksUntilRevoked() async throws {
        try await GatewayHarness.run { gateway in
            let (id, secret) = try await gateway.makeKey()
            #expect(secret.hasPrefix("sk-sb-") && secret.count >= 6 + 43)
            let listed = try await gateway.admin("/keys?tenant=acme")
            #expect(!listed.body.contains(secret))
            #expect(listed.json?["data"]?[0]?["key"] == nil)
            #expect(listed.json?["data"]?[0]?["prefix"]?.stringValue.map { secret.hasPrefix($0) } == true)
            #expect(try await gateway.admin("/keys/\(id)").json?["key"] == nil)

            #expect(try await gateway.chat(secret, Self.echo).status == 200)
            #expect(try await gateway.admin("/keys/\(id)", method: .PATCH, body: #"{"disabled":true}"#).status == 200)
            #expect(try await gateway.chat(secret, Self.echo).status == 401)
            #expect(try await gateway.admin("/keys/\(id)", method: .PATCH, body: #"{"disabled":false}"#).status == 200)
            #expect(try await gateway.chat(secret, Self.echo).status == 200)
            #expect(try await gateway.admin("/keys/\(id)", method: .DELETE).json?["revoked"] == true)
            let refused = try await gateway.chat(secret, Self.echo)
            #expect(refused.status == 401)
            #expect(!refused.body.contains(secret))
        }
    }

    @Test func expiredKeysAreRefused() async throws {
        let clock = ManualClock(Date())
        try await GatewayHarness.run(clock: clock) { gateway in
            let expiry = ISO8601DateFormatter().string(from: clock.now().addingTimeInterval(60))
            let (_, secret) = try await gateway.makeKey(keyBody: #""expires_at":"\#(expiry)""#)
            #expect(try await gateway.chat(secret, Self.echo).status == 200)
            clock.advance(by: 61)
            #expect(try await gateway.chat(secret, Self.echo).status == 401)
        }
    }

    @Test func deletedTenantsKeysAreRefused() async throws {
        try await GatewayHarness.run { gateway in
            let (_, secret) = try await gateway.makeKey()
            #expect(try await gateway.admin("/tenants/acme", method: .DELETE).status == 204)
            #expect(try await gateway.chat(secret, Self.echo).status == 401)
            #expect(try await gateway.admin("/tenants/acme").status == 404)
        }
    }

    @Test func modelAllowListsApplyToChatAndModels() async throws {
        try await GatewayHarness.run { gateway in
            let (_, secret) = try await gateway.makeKey(tenantBody: #""models":["mock/*","openai/gpt-4o-mini"]"#, keyBody: #""models":["mock/*"]"#)
            #expect(try await gateway.chat(secret, Self.echo).status == 200)
            let refused = try await gateway.chat(secret, GatewayHarness.chat("openai/gpt-4o-mini"))
            #expect(refused.status == 404)
            #expect(refused.json?["error"]?["code"] == "model_not_found")
            let models = try await gateway.call("/v1/models", method: .GET, headers: [("authorization", "Bearer \(secret)")])
            #expect(models.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["mock/echo"])
        }
    }

    @Test func requestsPerMinuteAdmitsExactlyTheLimitWithHeaders() async throws {
        let clock = ManualClock(Date())
        try await GatewayHarness.run(clock: clock) { gateway in
            let (_, secret) = try await gateway.makeKey(keyBody: #""rpm":3"#)
            var remaining: [String?] = []
            for _ in 0..<3 {
                let reply = try await gateway.chat(secret, Self.echo)
                #expect(reply.status == 200)
                #expect(reply.headers.first(name: "x-ratelimit-limit-requests") == "3")
                remaining.append(reply.headers.first(name: "x-ratelimit-remaining-requests"))
                #expect(reply.headers.first(name: "x-ratelimit-reset-requests") != nil)
            }
            #expect(remaining == ["2", "1", "0"])
            let refused = try await gateway.chat(secret, Self.echo)
            #expect(refused.status == 429)
            #expect(refused.json?["error"]?["type"] == "rate_limit_exceeded")
            #expect(refused.headers.first(name: "retry-after") == "20")
            clock.advance(by: 20)
            #expect(try await gateway.chat(secret, Self.echo).status == 200)
            #expect(try await gateway.chat(secret, Self.echo).status == 429)
        }
    }

    @Test func tokensPerMinuteAreCorrectedWithRealUsage() async throws {
        try await GatewayHarness.run(clock: ManualClock(Date())) { gateway in
            let (_, secret) = try await gateway.makeKey(keyBody: #""tpm":5000"#)
            let body = GatewayHarness.chat("mock/echo", "hi", extra: #""max_tokens":4000"#)
            // Each request reserves ~4000 tokens but uses a handful; without the correction the second is refused.
            let first = try await gateway.chat(secret, body)
            #expect(first.status == 200)
            let second = try await gateway.chat(secret, body)
            #expect(second.status == 200)
            let remaining = Int(second.headers.first(name: "x-ratelimit-remaining-tokens") ?? "") ?? 0
            #expect(remaining < 1000)
            let third = try await gateway.chat(secret, GatewayHarness.chat("mock/echo", "hi", extra: #""max_tokens":4990"#))
            #expect(third.status == 429)
        }
    }

    @Test func budgetIsAHardCapUnderConcurrency() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.aliases = [ModelAlias(name: "slow", provider: "openai", upstreamModel: "gpt-4o-mini@headers-delay-ms=300")]
            configuration.governance.prices = ["slow": ModelPrice(inputPerMillion: 1, outputPerMillion: 2)]
        }) { gateway in
            let body = GatewayHarness.chat("slow", "hi", extra: #""max_tokens":10"#)
            let worstCase = try ModelPrice(inputPerMillion: 1, outputPerMillion: 2).worstCase(
                promptTokens: TokenBudgetEstimate.promptUpperBound(ChatRequest.decode(Data(body.utf8)).typed), outputTokens: 10
            )
            let limit = USD(nanos: worstCase.nanos * 5)
            let (id, secret) = try await gateway.makeKey(keyBody: #""budget":{"limit_usd":\#(limit.dollars),"period":"day"}"#)
            let statuses = try await withThrowingTaskGroup(of: GatewayHarness.Reply.self) { group in
                for _ in 0..<100 { group.addTask { try await gateway.chat(secret, body) } }
                return try await group.reduce(into: [GatewayHarness.Reply]()) { $0.append($1) }
            }
            let answered = statuses.filter { $0.status == 200 }
            let refused = statuses.filter { $0.status == 429 }
            #expect(answered.count >= 5)
            #expect(answered.count + refused.count == 100)
            #expect(refused.allSatisfy { $0.json?["error"]?["code"] == "budget_exceeded" && $0.json?["error"]?["type"] == "insufficient_quota" })
            let spend = try await gateway.admin("/keys/\(id)/spend")
            let spent = try #require(spend.json?["spent_usd"]?.doubleValue)
            #expect(USD(dollars: spent) <= limit)
            #expect(spend.json?["reserved_usd"]?.doubleValue == 0)
            #expect(spend.json?["limit_usd"]?.doubleValue == limit.dollars)
            #expect(spend.json?["period"] == "day")
            let records = await gateway.records()
            #expect(records.count == 100)
            #expect(records.filter { $0.status == 200 }.reduce(USD.zero) { $0 + $1.cost } == USD(dollars: spent))
        }
    }

    @Test func streamedAndNonStreamedCallsCostTheSame() async throws {
        try await GatewayHarness.run { gateway in
            let (_, secret) = try await gateway.makeKey()
            for model in ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5", "mock/echo"] {
                #expect(try await gateway.chat(secret, GatewayHarness.chat(model, "count these five words")).status == 200)
                #expect(try await gateway.chat(secret, GatewayHarness.chat(model, "count these five words", stream: true)).status == 200)
            }
            let records = await gateway.records()
            #expect(records.count == 6)
            for model in ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5", "mock/echo"] {
                let pair = records.filter { $0.publicModel == model }
                #expect(pair.count == 2)
                #expect(Set(pair.map(\.streamed)) == [false, true])
                #expect(pair[0].cost == pair[1].cost && pair[0].cost > .zero)
                #expect(pair[0].promptTokens == pair[1].promptTokens && pair[0].completionTokens == pair[1].completionTokens)
                #expect(pair.allSatisfy { !$0.estimated })
            }
        }
    }

    @Test func usageAndSpendEndpointsReportTheLedger() async throws {
        try await GatewayHarness.run { gateway in
            let (id, secret) = try await gateway.makeKey(tenantBody: #""budget":{"limit_usd":10,"period":"month"}"#)
            for _ in 0..<3 { _ = try await gateway.chat(secret, Self.echo) }
            _ = try await gateway.chat(secret, GatewayHarness.chat("openai/gpt-4o@status=500"))
            await gateway.ledger.flush()
            let byKey = try await gateway.admin("/usage?group_by=key")
            let row = try #require(byKey.json?["data"]?[0])
            #expect(row["key"]?.stringValue == id)
            #expect(row["requests"] == 4)
            #expect(row["errors"] == 1)
            #expect((row["cost_usd"]?.doubleValue ?? 0) > 0)
            let byModel = try await gateway.admin("/usage?group_by=model&tenant=acme")
            #expect(byModel.json?["data"]?.arrayValue?.compactMap { $0["model"]?.stringValue } == ["mock/echo", "openai/gpt-4o@status=500"])
            let tenantSpend = try await gateway.admin("/tenants/acme/spend")
            #expect(tenantSpend.json?["spent_usd"]?.doubleValue == row["cost_usd"]?.doubleValue)
            #expect(tenantSpend.json?["remaining_usd"]?.doubleValue == 10 - (row["cost_usd"]?.doubleValue ?? 0))
            #expect(try await gateway.admin("/usage?group_by=color").status == 400)
            #expect(try await gateway.admin("/usage?from=yesterday").status == 400)
        }
    }

    @Test func gracefulShutdownUnderLoadLosesNoUsageRecord() async throws {
        try await GatewayHarness.run { gateway in
            let (_, secret) = try await gateway.makeKey()
            let count = 40
            let replies = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<count {
                    let stream = index % 2 == 0
                    let body = GatewayHarness.chat("openai/gpt-4o-mini@chunk-delay-ms=20,headers-delay-ms=100", "a b c d e", stream: stream)
                    group.addTask { try await gateway.chat(secret, body).status }
                }
                // Shut down once every request reached the upstream: all are in flight.
                try await withTimeLimit(.seconds(10)) { await gateway.recorder.waitForRequests(count) }
                await gateway.gatewayGroup.triggerGracefulShutdown()
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            try await withTimeLimit(.seconds(10)) { await gateway.waitUntilStopped() }
            #expect(replies.filter { $0 == 200 }.count == count, "\(replies)")
            let records = await gateway.store.allRecords()
            #expect(records.count == count, "\(records.map { "\($0.status) \($0.errorType ?? "") \($0.streamed)" })")
            #expect(records.allSatisfy { $0.status == 200 }, "\(records.map { "\($0.status) \($0.errorType ?? "") \($0.streamed) \($0.attempts)" })")
            #expect(Set(records.map(\.requestID)).count == count)
        }
    }
}

extension GovernanceTests {
    @Test func tenantTierChoosesTheModelThroughRoutingRules() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.aliases = [ModelAlias(name: "smart", provider: "openai", upstreamModel: "gpt-4o")]
            configuration.routing.rules = [RoutingRule(models: ["smart"], tiers: ["free"], target: "mock/echo")]
        }) { gateway in
            let (_, free) = try await gateway.makeKey(tenant: "hobby", tenantBody: #""tier":"free""#)
            let (_, paid) = try await gateway.makeKey(tenant: "bigco", tenantBody: #""tier":"enterprise""#)
            let body = GatewayHarness.chat("smart", "which model answers")
            let freeReply = try await gateway.chat(free, body)
            #expect(freeReply.status == 200)
            #expect(freeReply.headers.first(name: "x-switchboard-provider") == "mock")
            let paidReply = try await gateway.chat(paid, body)
            #expect(paidReply.headers.first(name: "x-switchboard-provider") == "openai")
            #expect(try await gateway.admin("/tenants/hobby").json?["tier"] == "free")
        }
    }

    @Test func clientThatHangsUpMidStreamIsBilledForWhatWasDelivered() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.governance.prices = ["gpt-4o-mini@chunk-delay-ms=200": ModelPrice(inputPerMillion: 1, outputPerMillion: 2)]
        }) { gateway in
            let (_, secret) = try await gateway.makeKey()
            let body = GatewayHarness.chat("openai/gpt-4o-mini@chunk-delay-ms=200", "one two three four five six seven eight", stream: true)
            let reader = Task {
                let response = try await gateway.send("/v1/chat/completions", body: body, headers: [("authorization", "Bearer \(secret)")])
                var iterator = response.body.makeAsyncIterator()
                var received = 0
                while received < 3, let chunk = try await iterator.next() { received += chunk.readableBytes > 0 ? 1 : 0 }
            }
            try await reader.value
            reader.cancel()
            try await withTimeLimit(.seconds(2)) { await gateway.recorder.waitForDisconnects(1) }
            let record = try await gateway.firstRecord()
            #expect(record.streamed && record.clientDisconnected && record.estimated)
            #expect(record.completionTokens > 0 && record.completionTokens < 20)
            #expect(record.cost > .zero)
        }
    }
}

extension JSONValue {
    var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }
}
