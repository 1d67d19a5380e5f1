import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// Calls the last steps of the loss waterfall as soon as the exchange allows them — anyone
/// may; this agent is whoever does (a keeper of the venue, a validator).
///
/// Each new block it observes (after its own delay), it reads that block's liquidatable
/// accounts from the world's `PerpSharedIndex` and, for each account not already in flight, decides on the
/// state it saw, in the contract's own terms:
///
/// - `backstop(account)` (with `callsBackstop`) when `equity < backstopThreshold × MMR` and
///   the insurance fund covers what the account is short of (`equity + fund ≥ 0`);
/// - `deleverage(account, market)` (with `callsDeleverage`) for the account's first
///   position when `equity < 0` and `equity + fund < 0`: the fund cannot cover, so the
///   opposite side is ranked and closed. One market per transaction (each call re-checks the
///   account, so a second in the same transaction could revert the first).
///
/// The backstop vault (account 0) is left alone, unless `deleveragesVault`: then it is
/// deleveraged like any other account once its own equity is below zero beyond the fund.
///
/// At most `maxNewTransactionsPerBlock` transactions a block. Randomness: its own stream, one
/// draw per transaction sent.
public final class PerpBackstopAgent: Agent {
    public var name: String { "perp-backstop" }
    let settings: PerpBackstopSettings
    let exchange: Int
    /// The world's index of liquidatable accounts, and this agent's number there.
    let shared: PerpSharedIndex
    let subscriber: Int
    @exclusivity(unchecked) var outbox: Outbox<PerpAccountID>
    @exclusivity(unchecked) var newest: NewestBlock

    @exclusivity(unchecked) public private(set) var statistics = PerpBackstopStatistics()

    init(
        settings: PerpBackstopSettings, exchange: Int, shared: PerpSharedIndex,
        producer: AgentID, initialBaseFee: Wei, samplers: LatencySamplers? = nil
    ) {
        self.settings = settings
        self.exchange = exchange
        self.shared = shared
        subscriber = shared.subscribe()
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        outbox = Outbox(
            address: ProtocolWorld.perpBackstopCaller, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    public func start(_ context: Context<ProtocolMessage>) {
        context.subscribeToBlocks(from: outbox.producer, latency: settings.observation)
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .blockObserved(let report):
            observe(report, context)
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        default:
            break
        }
    }

    func observe(_ report: BlockReport<ProtocolState>, _ context: Context<ProtocolMessage>) {
        shared.observe(report.header.number, subscriber: subscriber)
        for outcome in outbox.settle(report) {
            switch outcome {
            case .succeeded: statistics.included += 1
            case .reverted(_, _, let revert):
                statistics.reverted += 1
                statistics.lastRevert = revert.reason
            case .dropped: break
            }
        }
        guard exchange < report.state.perpExchanges.count, newest.observe(report) else { return }
        act(
            report.state.perpExchanges[exchange],
            found: shared.liquidatableAccounts(at: report.header.number), context)
    }

    /// Sends its transactions for `found`, the liquidatable accounts of `books`.
    func act(
        _ books: PerpExchange, found: [PerpAccountID], _ context: Context<ProtocolMessage>
    ) {
        guard !found.isEmpty,
            let bid = newest.bid(settings.gas)
        else { return }
        var budget = settings.maxNewTransactionsPerBlock
        let threshold = books.configuration.backstopThresholdPpm
        for id in found
        where id != PerpExchange.backstopVaultAccount || settings.deleveragesVault {
            guard budget > 0 else { return }
            if outbox.pending.contains(where: { $0.purpose == id }) { continue }
            guard let risk = try? books.risk(of: id),
                let first = books.account(id).positions.first
            else { continue }
            let covered = risk.equity + books.insuranceFund >= 0
            let call: PerpExchange.Call
            if settings.callsBackstop, covered, id != PerpExchange.backstopVaultAccount,
                risk.equity * PerpMath.ppm < threshold * risk.maintenanceMargin
            {
                call = .backstop(account: id)
                statistics.backstops += 1
            } else if settings.callsDeleverage, risk.equity < 0, !covered {
                call = .deleverage(account: id, market: first.market)
                statistics.deleverages += 1
            } else {
                continue
            }
            budget -= 1
            statistics.sent += 1
            outbox.send(
                [.perp(exchange: exchange, call)],
                gasLimit: intrinsicGasPerTransaction + call.gasCostEstimate, bid: bid, purpose: id,
                context)
        }
    }
}

/// What the backstop agent did, for tests and reports.
public struct PerpBackstopStatistics: Hashable, Sendable {
    public var sent = 0
    public var included = 0
    public var reverted = 0
    public var backstops = 0
    public var deleverages = 0
    public var lastRevert: String?
}
