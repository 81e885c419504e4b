import Foundation
import SwitchboardCore
import Testing

@Suite struct RateLimiterTests {
    let key = LimitKey(.key("k1"), .requests)

    @Test func admitsExactlyTheLimitPerWindowThenRefills() async {
        let clock = ManualClock()
        let limiter = MemoryRateLimiter(clock: clock)
        for _ in 0..<60 {
            #expect(await limiter.acquire([LimitTake(key, perMinute: 60, cost: 1)]).allowed)
        }
        let refused = await limiter.acquire([LimitTake(key, perMinute: 60, cost: 1)])
        #expect(!refused.allowed)
        #expect(refused.refused == key)
        #expect(abs(refused.retryAfterSeconds - 1) < 0.001)
        clock.advance(by: 1)
        #expect(await limiter.acquire([LimitTake(key, perMinute: 60, cost: 1)]).allowed)
        #expect(!(await limiter.acquire([LimitTake(key, perMinute: 60, cost: 1)]).allowed))
        clock.advance(by: 60)
        var admitted = 0
        while await limiter.acquire([LimitTake(key, perMinute: 60, cost: 1)]).allowed { admitted += 1 }
        #expect(admitted == 60)
    }

    @Test func takesFromAllBucketsOrNone() async {
        let limiter = MemoryRateLimiter(clock: ManualClock())
        let tenant = LimitKey(.tenant("t"), .requests)
        #expect(await limiter.acquire([LimitTake(tenant, perMinute: 1, cost: 1)]).allowed)
        // The tenant bucket is empty, so the key bucket must not be charged either.
        #expect(!(await limiter.acquire([LimitTake(key, perMinute: 2, cost: 1), LimitTake(tenant, perMinute: 1, cost: 1)]).allowed))
        let decision = await limiter.acquire([LimitTake(key, perMinute: 2, cost: 2)])
        #expect(decision.allowed)
        #expect(decision.states[key]?.remaining == 0)
    }

    @Test func aKeyTakenTwiceInOneDecisionPaysBothTakesFromOneBucket() async {
        let limiter = MemoryRateLimiter(clock: ManualClock())
        let tenant = LimitKey(.tenant("t"), .requests)
        // 6 + 6 does not fit in 10, though each take alone would: nothing is taken.
        #expect(!(await limiter.acquire([LimitTake(key, perMinute: 10, cost: 6), LimitTake(tenant, perMinute: 10, cost: 1),
                                         LimitTake(key, perMinute: 10, cost: 6)]).allowed))
        let decision = await limiter.acquire([LimitTake(key, perMinute: 10, cost: 4), LimitTake(tenant, perMinute: 10, cost: 1),
                                              LimitTake(key, perMinute: 10, cost: 5)])
        #expect(decision.allowed)
        #expect(decision.states[key]?.remaining == 1)
        #expect(decision.states[tenant]?.remaining == 9)
        #expect(!(await limiter.acquire([LimitTake(key, perMinute: 10, cost: 2)]).allowed))
        #expect(await limiter.acquire([LimitTake(key, perMinute: 10, cost: 1)]).allowed)
    }

    @Test func concurrentTakesNeverExceedTheLimit() async {
        let limiter = MemoryRateLimiter(clock: ManualClock())
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<500 { group.addTask { await limiter.acquire([LimitTake(key, perMinute: 100, cost: 1)]).allowed } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 100)
    }

    @Test func tokenCorrectionAfterRealUsage() async {
        let limiter = MemoryRateLimiter(clock: ManualClock())
        let tokens = LimitKey(.key("k1"), .tokens)
        #expect(await limiter.acquire([LimitTake(tokens, perMinute: 1000, cost: 900)]).allowed)
        #expect(!(await limiter.acquire([LimitTake(tokens, perMinute: 1000, cost: 200)]).allowed))
        // The call used 100 tokens, not 900: 800 come back.
        await limiter.adjust(tokens, perMinute: 1000, by: 100 - 900)
        let after = await limiter.acquire([LimitTake(tokens, perMinute: 1000, cost: 200)])
        #expect(after.allowed)
        #expect(after.states[tokens]?.remaining == 700)
    }

    @Test func aTakeLargerThanTheLimitIsRefused() async {
        let limiter = MemoryRateLimiter(clock: ManualClock())
        let decision = await limiter.acquire([LimitTake(LimitKey(.key("k"), .tokens), perMinute: 100, cost: 101)])
        #expect(!decision.allowed)
    }
}

@Suite struct BudgetLedgerTests {
    let policy = BudgetPolicy(limit: USD(dollars: 5), period: .day)

    @Test func concurrentReservationsNeverOverspend() async {
        let ledger = MemoryBudgetLedger(clock: ManualClock())
        let scope = BudgetScope.key("k")
        let results = await withTaskGroup(of: BudgetReservation?.self) { group in
            for _ in 0..<100 {
                group.addTask { try? await ledger.reserve(USD(dollars: 1), against: [(scope, policy)]).get() }
            }
            return await group.reduce(into: [BudgetReservation?]()) { $0.append($1) }
        }
        let held = results.compactMap { $0 }
        #expect(held.count == 5)
        for reservation in held { await ledger.settle(reservation, actual: USD(dollars: 0.5)) }
        let status = await ledger.status(of: scope, policy: policy)
        #expect(status.spent == USD(dollars: 2.5))
        #expect(status.reserved == .zero)
        #expect(status.spent <= status.limit)
    }

    @Test func keyAndTenantAreReservedTogetherOrNotAtAll() async {
        let ledger = MemoryBudgetLedger(clock: ManualClock())
        let tenantPolicy = BudgetPolicy(limit: USD(dollars: 1), period: .total)
        let first = await ledger.reserve(USD(dollars: 1), against: [(.key("a"), policy), (.tenant("t"), tenantPolicy)])
        #expect((try? first.get()) != nil)
        let second = await ledger.reserve(USD(dollars: 1), against: [(.key("b"), policy), (.tenant("t"), tenantPolicy)])
        guard case .failure(let refusal) = second else { Issue.record("expected a refusal"); return }
        #expect(refusal.scope == .tenant("t"))
        #expect(await ledger.status(of: .key("b"), policy: policy).reserved == .zero)
        await ledger.release(try! first.get())
        #expect(await ledger.status(of: .tenant("t"), policy: tenantPolicy).reserved == .zero)
    }

    @Test func periodRolloverStartsFromZero() async throws {
        let start = try #require(ISO8601DateFormatter().date(from: "2026-11-23T23:59:00Z"))
        let clock = ManualClock(start)
        let ledger = MemoryBudgetLedger(clock: clock)
        let scope = BudgetScope.key("k")
        let reservation = try await ledger.reserve(USD(dollars: 5), against: [(scope, policy)]).get()
        await ledger.settle(reservation, actual: USD(dollars: 5))
        #expect((try? await ledger.reserve(USD(nanos: 1), against: [(scope, policy)]).get()) == nil)
        clock.advance(by: 120)
        let status = await ledger.status(of: scope, policy: policy)
        #expect(status.spent == .zero)
        #expect(status.resetsAt == ISO8601DateFormatter().date(from: "2026-11-25T00:00:00Z"))
        #expect((try? await ledger.reserve(USD(dollars: 5), against: [(scope, policy)]).get()) != nil)
    }

    @Test(arguments: [
        (BudgetPeriod.day, "2026-11-25T13:45:00Z", "2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"),
        (.week, "2026-11-25T13:45:00Z", "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z"),
        (.month, "2026-11-25T13:45:00Z", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"),
        (.month, "2026-12-31T23:59:59Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
    ])
    func periodsAreUTCCalendarPeriods(period: BudgetPeriod, now: String, start: String, end: String) throws {
        let formatter = ISO8601DateFormatter()
        let date = try #require(formatter.date(from: now))
        #expect(period.start(containing: date) == formatter.date(from: start))
        #expect(period.end(containing: date) == formatter.date(from: end))
    }
}

@Suite struct PricingTests {
    @Test func costUsesCachedPriceForCachedTokensExactly() throws {
        let table = PriceTable()
        let price = try #require(table.price(for: "gpt-4o-mini"))
        let cost = price.cost(of: Usage(promptTokens: 1_000_000, completionTokens: 1_000_000, cachedTokens: 400_000))
        // 600k × $0.15/M + 400k × $0.075/M + 1M × $0.60/M = $0.09 + $0.03 + $0.60
        #expect(cost == USD(dollars: 0.72))
    }

    @Test func datedModelNamesUseTheirFamilyPrice() {
        let table = PriceTable()
        #expect(table.price(for: "gpt-4o-mini-2024-07-18") == table.price(for: "gpt-4o-mini"))
        #expect(table.price(for: "claude-sonnet-4-5-20250929") == table.price(for: "claude-sonnet-4-5"))
        #expect(table.price(for: "some-unknown-model") == nil)
        #expect(table.price(for: "gpt-4o-mini-custom") == nil)
        #expect(table.price(for: "gpt-4o-mini@fault") == nil)
        #expect(table.price(for: "gpt-4.1-latest") == table.price(for: "gpt-4.1"))
    }

    @Test func overridesReplaceAndExtendTheBundledTable() {
        let table = PriceTable(overrides: [
            "gpt-4o": ModelPrice(inputPerMillion: 1, outputPerMillion: 1),
            "llama-3.1-8b": ModelPrice(inputPerMillion: 0.05, outputPerMillion: 0.08, maxOutputTokens: 8192),
        ])
        #expect(table.price(for: "gpt-4o")?.output == 1000)
        #expect(table.price(for: "llama-3.1-8b")?.maxOutputTokens == 8192)
    }

    @Test func promptUpperBoundIsNeverBelowTheBytes() throws {
        let request = try ChatRequest.decode(Data(#"{"model":"m","messages":[{"role":"user","content":"héllo wörld"}]}"#.utf8)).typed
        #expect(TokenBudgetEstimate.promptUpperBound(request) >= "héllo wörld".utf8.count)
        #expect(TokenBudgetEstimate.promptEstimate(request) < TokenBudgetEstimate.promptUpperBound(request))
    }
}
