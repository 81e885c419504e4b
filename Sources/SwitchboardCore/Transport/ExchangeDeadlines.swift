import NIOCore

/// The deadlines of one event loop's upstream exchanges in flight, watched by a single timer set for the
/// earliest of them, instead of two NIO timers per exchange: scheduling and cancelling those (an allocation, a
/// heap insert, and a linear search of the loop's timers to cancel) was 2.6% of the gateway's CPU at
/// concurrency 32. Exchanges come and go in O(1). With the same timeouts for every exchange a new one's
/// deadline is never the earliest, so the timer is set again only when it fires: it then fails the exchanges
/// that are overdue and moves on to the earliest deadline left.
///
/// Used only on `loop`.
final class ExchangeDeadlines {
    private let loop: any EventLoop
    private var exchanges: [UpstreamExchange] = []
    private var timer: (deadline: NIODeadline, task: Scheduled<Void>)?

    init(loop: any EventLoop) { self.loop = loop }

    /// Starts watching `exchange`, whose deadlines start now.
    func track(_ exchange: UpstreamExchange) {
        loop.assertInEventLoop()
        exchange.deadlineSlot = exchanges.count
        exchanges.append(exchange)
        wake(by: exchange.nextDeadline)
    }

    /// Stops watching `exchange` (it finished).
    func untrack(_ exchange: UpstreamExchange) {
        let slot = exchange.deadlineSlot
        guard slot >= 0, slot < exchanges.count, exchanges[slot] === exchange else { return }
        exchanges.swapAt(slot, exchanges.count - 1)
        exchanges[slot].deadlineSlot = slot
        exchanges.removeLast()
        exchange.deadlineSlot = -1
    }

    /// Makes sure the timer fires no later than `deadline`.
    private func wake(by deadline: NIODeadline) {
        if let timer {
            guard deadline < timer.deadline else { return }
            timer.task.cancel()
        }
        let task = loop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            expire(at: .now())
        }
        timer = (deadline, task)
    }

    /// Fails every overdue exchange, then sets the timer for the earliest deadline left.
    private func expire(at now: NIODeadline) {
        // Failing an exchange untracks it, so the overdue ones are gathered first.
        let overdue = exchanges.compactMap { exchange in exchange.overdue(at: now).map { (exchange, $0) } }
        for (exchange, error) in overdue { exchange.fail(error) }
        guard let earliest = exchanges.lazy.map(\.nextDeadline).min() else { return }
        wake(by: earliest)
    }
}
