import Foundation
import Synchronization

/// Whose budget: a key's or a tenant's.
public typealias BudgetScope = LimitScope

/// Money held for a request in flight, per scope.
public struct BudgetReservation: Sendable {
    public var amount: USD
    public var scopes: [BudgetScope]
}

/// A budget's state, for the spend endpoints.
public struct BudgetStatus: Sendable, Equatable {
    public var limit: USD
    public var spent: USD
    public var reserved: USD
    public var period: BudgetPeriod
    public var resetsAt: Date?
    public var remaining: USD { max(.zero, limit - spent - reserved) }
}

/// Hard budgets by reservation: before a call the worst-case cost is reserved against every budget that
/// applies, atomically; after it, the reservation is settled to the real cost or released. So
/// `spent ≤ limit` holds under any concurrency (as long as real costs stay within their reservations).
public protocol BudgetLedger: Sendable {
    /// Reserves `amount` against every budget, or against none and returns the scope that cannot fit.
    func reserve(_ amount: USD, against budgets: [(BudgetScope, BudgetPolicy)]) async -> Result<BudgetReservation, BudgetRefusal>
    /// Replaces the reservation by the real cost.
    func settle(_ reservation: BudgetReservation, actual: USD) async
    /// Gives the whole reservation back (error, cancel).
    func release(_ reservation: BudgetReservation) async
    /// The state of one budget now.
    func status(of scope: BudgetScope, policy: BudgetPolicy) async -> BudgetStatus
    /// Sets the spend of the current period, e.g. rebuilt from the usage ledger at start.
    func restore(_ scope: BudgetScope, spent: USD, policy: BudgetPolicy) async
}

/// A budget that cannot take a reservation.
public struct BudgetRefusal: Error, Sendable {
    public var scope: BudgetScope
    public var status: BudgetStatus
}

/// The ``BudgetLedger`` in process memory, behind one lock.
public final class MemoryBudgetLedger: BudgetLedger {
    private struct Account {
        var periodStart: Date
        var spent = USD.zero
        var reserved = USD.zero
    }

    private let accounts = Mutex<SlotTable<BudgetScope, Account>>(SlotTable())
    private let clock: any GatewayClock

    public init(clock: any GatewayClock = SystemClock()) { self.clock = clock }

    public func reserve(_ amount: USD, against budgets: [(BudgetScope, BudgetPolicy)]) async -> Result<BudgetReservation, BudgetRefusal> {
        let now = clock.now()
        return accounts.withLock { accounts in
            // Each scope's slot found once (a new scope's account starts the period empty, as an absent one
            // would), then read and written by slot. A handful of budgets: the slots fit a small array.
            var slots: [Int] = []
            slots.reserveCapacity(budgets.count)
            for (scope, policy) in budgets {
                let slot = accounts.slot(of: scope) { Account(periodStart: policy.period.start(containing: now)) }
                slots.append(slot)
                let account = Self.current(accounts[slot], policy: policy, now: now)
                accounts[slot] = account
                if account.spent + account.reserved + amount > policy.limit {
                    return .failure(BudgetRefusal(scope: scope, status: Self.status(account, policy, now)))
                }
            }
            for slot in slots { accounts[slot].reserved += amount }
            return .success(BudgetReservation(amount: amount, scopes: budgets.map(\.0)))
        }
    }

    public func settle(_ reservation: BudgetReservation, actual: USD) async {
        accounts.withLock { accounts in
            for scope in reservation.scopes {
                guard let slot = accounts.slot(of: scope) else { continue }
                accounts[slot].reserved -= reservation.amount
                accounts[slot].spent += actual
            }
        }
    }

    public func release(_ reservation: BudgetReservation) async {
        accounts.withLock { accounts in
            for scope in reservation.scopes {
                if let slot = accounts.slot(of: scope) { accounts[slot].reserved -= reservation.amount }
            }
        }
    }

    public func status(of scope: BudgetScope, policy: BudgetPolicy) async -> BudgetStatus {
        let now = clock.now()
        return accounts.withLock { accounts in
            let slot = accounts.slot(of: scope) { Account(periodStart: policy.period.start(containing: now)) }
            let account = Self.current(accounts[slot], policy: policy, now: now)
            accounts[slot] = account
            return Self.status(account, policy, now)
        }
    }

    public func restore(_ scope: BudgetScope, spent: USD, policy: BudgetPolicy) async {
        let now = clock.now()
        accounts.withLock { accounts in
            let slot = accounts.slot(of: scope) { Account(periodStart: policy.period.start(containing: now)) }
            var account = Self.current(accounts[slot], policy: policy, now: now)
            account.spent = spent
            accounts[slot] = account
        }
    }

    /// The account in the period containing `now`; a new period starts with nothing spent.
    private static func current(_ account: Account, policy: BudgetPolicy, now: Date) -> Account {
        let start = policy.period.start(containing: now)
        var account = account
        if account.periodStart != start {
            account.periodStart = start
            account.spent = .zero
        }
        return account
    }

    private static func status(_ account: Account, _ policy: BudgetPolicy, _ now: Date) -> BudgetStatus {
        BudgetStatus(limit: policy.limit, spent: account.spent, reserved: account.reserved, period: policy.period,
                     resetsAt: policy.period.end(containing: now))
    }
}
