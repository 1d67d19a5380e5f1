import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// A lending liquidator: finds liquidatable accounts in its own event-fed index and sends
/// `liquidationCall` (Aave) or `liquidateBorrow` (Compound) when the bonus pays for the
/// round trip.
///
/// **Information.** As a Maker `Keeper`: a block only after its own observation delay,
/// with the state after it, its events and its own receipts; the market reference at its
/// own time and the last venue books it was sent; no mempool. Its book of positions is kept
/// from the pool's events and queried once per (collateral, debt) pair per new block at
/// the pool's own prices, O(log N + k): the accounts returned are exactly those the pool
/// would liquidate on that state. The pool's keepers share one book
/// (`LendingSharedBook`); each reads it through its `LendingBookView` exactly as its own
/// book would read, whatever the order and delay in which it sees blocks.
///
/// **Decision.** For each liquidatable account, most underwater first: the most it may
/// repay (the close factor of its version: v2 50%; v3 and v3.3 100% at or below a health
/// factor of 0.95, else 50%; Compound `closeFactor`), capped by its own balance of the
/// debt asset — its capital — and by what the account's collateral covers with the bonus.
/// It values the trade as the venue sale value of the collateral it would receive (bonus
/// included, Compound's 2.8% protocol share taken off) minus what buying the repaid debt
/// back costs on the debt asset's venue, both after slippage on the last books it saw,
/// minus gas at its bid, and sends the largest of the amount, its half, its quarter, ...
/// (ten halvings) whose value beats `minimumProfit`. A thin venue for the debt asset so
/// shrinks liquidations to what the bonus pays for.
///
/// **After a liquidation lands** it sells the collateral it received on its venue and buys
/// the repaid debt back on the debt's venue (`.sold`, `.bought` to the venue agent): its
/// trades move the venues' mids, which the feed operators observe. Off-chain trades do not
/// come back on chain: its capital for the next liquidation is its on-chain balance.
///
/// **Racing.** As Maker keepers: another address's liquidation of the same account, its
/// own revert, or its pending attempt missing a full block makes the account contested;
/// with a raise rule each new block replaces the pending attempt with a raised bid until it
/// lands or the cap is hit. After a revert it leaves the account alone `retryDelay`.
///
/// **Randomness.** Its own stream: observation and propagation delays.
public final class LendingKeeper: Agent {
    public let settings: LendingKeeperSettings
    public var name: String { settings.name }
    let reader: LendingPoolReader
    let venueBase: Int
    /// Its side of the pool's book, shared with the other liquidators of the pool (the
    /// book, the per-block queries and verdicts), answering as its own book would.
    let positions: LendingBookView
    @exclusivity(unchecked) var view: MarketView
    @exclusivity(unchecked) var outbox: Outbox<LendingKeeperTask>
    @exclusivity(unchecked) var newest: NewestBlock
    /// Accounts another address liquidated, or where its own attempt reverted (looked up
    /// only, never iterated).
    @exclusivity(unchecked) var contested: Set<Address> = []
    @exclusivity(unchecked) var retryAfter = HoldOffs<Address>()
    @exclusivity(unchecked) public internal(set) var statistics = LendingKeeperStatistics()

    /// Gas limit of a liquidation: the call's cost, the intrinsic gas and a margin.
    var liquidationGas: Gas {
        let call: ProtocolState.Call =
            switch reader.kind {
            case .aave:
                .aave(
                    pool: 0,
                    .liquidationCall(
                        collateralAsset: 0, debtAsset: 0, user: .zero, debtToCover: .zero,
                        receiveAToken: false))
            case .compound:
                .compound(
                    comptroller: 0,
                    .liquidateBorrow(
                        borrowMarket: 0, borrower: .zero, repayAmount: .zero, collateralMarket: 0))
            }
        return intrinsicGasPerTransaction + call.gasCost + 30_000
    }

    init(
        settings: LendingKeeperSettings, reader: LendingPoolReader, venueBase: Int,
        positions: LendingBookView, view: MarketView, producer: AgentID, initialBaseFee: Wei,
        samplers: LatencySamplers? = nil
    ) {
        precondition(positions.shared.reader == reader, "a keeper shares the book of its pool")
        self.settings = settings
        self.reader = reader
        self.venueBase = venueBase
        self.positions = positions
        self.view = view
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        outbox = Outbox(
            address: settings.address, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    /// Index queries, updates and accounts returned so far (the "never a scan" check).
    public var indexQueries: Int { positions.queryCount }
    public var indexUpdates: Int { positions.updateCount }
    public var indexReturned: Int { positions.returnedCount }
    public var indexVisited: Int { positions.visitedCount }

    public func start(_ context: Context<ProtocolMessage>) {
        context.subscribeToBlocks(from: outbox.producer, latency: settings.observation)
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .blockObserved(let report):
            observe(report, context)
        case .rejected(let rejection):
            if outbox.reject(rejection) != nil { statistics.rejected += 1 }
        case .custom(let payload):
            view.receive(payload)
        default:
            break
        }
    }

    func observe(_ report: BlockReport<ProtocolState>, _ context: Context<ProtocolMessage>) {
        let isNewest = newest.observe(report)
        statistics.blocksObserved += 1
        positions.observe(report.events, state: report.state, block: report.header.number)
        learn(from: report.events)
        settle(report, context)
        guard isNewest, !settings.downtime.covers(context.now) else { return }
        let blockWasFull = report.header.gasUsed * 100 >= report.header.gasLimit * 95
        raisePending(blockTime: report.header.time, blockWasFull: blockWasFull, context)
        let timestamp = UInt64(max(0, report.header.time.wholeSeconds))
        liquidate(report.state, block: report.header.number, at: timestamp, context)
    }

    /// Competitors' liquidations, from the block's events.
    func learn(from events: [ProtocolState.Event]) {
        for event in events {
            guard let call = Self.liquidation(in: event, reader: reader),
                call.liquidator != settings.address
            else { continue }
            contested.insert(call.borrower)
            statistics.competitorsSeen += 1
        }
    }

    /// The liquidation an event of `reader`'s pool reports, if it is one.
    static func liquidation(in event: ProtocolState.Event, reader: LendingPoolReader)
        -> LiquidationCall?
    {
        switch event {
        case .aave(let pool, .liquidated(let liquidation)) where pool == reader.pool:
            if case .aave = reader.kind { return liquidation.call }
            return nil
        case .compound(let pool, .liquidated(let liquidation)) where pool == reader.pool:
            if case .compound = reader.kind { return liquidation.call }
            return nil
        default:
            return nil
        }
    }

    func settle(_ report: BlockReport<ProtocolState>, _ context: Context<ProtocolMessage>) {
        for outcome in outbox.settle(report) {
            switch outcome {
            case .succeeded(let entry, let receipt):
                statistics.included += 1
                statistics.liquidations += 1
                statistics.gasPaidWei += receipt.fee.paid
                trade(entry.purpose, context)
            case .reverted(let entry, let receipt, let revert):
                statistics.reverted += 1
                statistics.gasPaidWei += receipt.fee.paid
                statistics.gasBurntByRevertsWei += receipt.fee.paid
                statistics.lastRevert = revert.reason
                contested.insert(entry.purpose.account)
                retryAfter.hold(entry.purpose.account, until: context.now + settings.retryDelay)
            case .dropped:
                statistics.dropped += 1
            }
        }
    }

    /// Sells the collateral received and buys the repaid debt back, off chain.
    func trade(_ task: LendingKeeperTask, _ context: Context<ProtocolMessage>) {
        statistics.repaidValue +=
            task.repaidUnits
            * view.reference(
                venueBase + task.pair.debt, at: context.now)
        guard let venue = view.venueAgent else { return }
        if task.seizedUnits > 0 {
            context.send(
                .custom(
                    .sold(collateral: venueBase + task.pair.collateral, amount: task.seizedUnits)),
                to: venue)
        }
        if task.repaidUnits > 0 {
            context.send(
                .custom(.bought(collateral: venueBase + task.pair.debt, amount: task.repaidUnits)),
                to: venue)
        }
    }

    func isBusy(_ account: Address, now: SimTime) -> Bool {
        if outbox.pending.contains(where: { $0.purpose.account == account }) { return true }
        return retryAfter.isHeld(account, now: now)
    }

    func raisePending(blockTime: SimTime, blockWasFull: Bool, _ context: Context<ProtocolMessage>) {
        statistics.raises += outbox.raisePending(
            sentBefore: blockTime, gas: settings.gas,
            where: { blockWasFull || contested.contains($0.account) }, context)
    }

    func currentBid() -> GasBid? {
        let bid = newest.bid(settings.gas)
        if bid == nil { statistics.stalledByCeiling += 1 }
        return bid
    }

    /// Gas cost in USD of a liquidation at `bid`.
    func gasCost(_ bid: GasBid, now: SimTime) -> Double {
        let price = min(bid.feeCap, newest.nextBaseFee + bid.tipCap)
        let native = view.nativePrice(at: now, fallback: 0)
        return price.approximateValue * Double(liquidationGas) / 1e18 * native
    }

    /// Every liquidatable account of every pair, at most `maxNewTransactionsPerBlock`
    /// transactions.
    func liquidate(
        _ state: ProtocolState, block: UInt64, at timestamp: UInt64,
        _ context: Context<ProtocolMessage>
    ) {
        var budget = settings.maxNewTransactionsPerBlock
        let now = context.now
        positions.wake(now: now.milliseconds)
        guard let bid = currentBid() else { return }
        let gas = gasCost(bid, now: now)
        let closeFactor = reader.maximumCloseFactor(state)
        let overrides = positions.overrides()
        let shared = positions.shared
        let assetCount = shared.assetCount
        for slot in 0..<(assetCount * assetCount) where budget > 0 {
            guard positions.isActive(slot, overrides) else { continue }
            let pair = LendingPair(collateral: slot / assetCount, debt: slot % assetCount)
            // Without the debt asset it cannot repay: no walk at all.
            let capital = state.ledger.balance(
                of: reader.token(pair.debt, state), settings.address)
            guard capital > 0 else { continue }
            // Debt too small for its whole bonus to pay the gas is not even visited; accounts
            // in flight or held off after a revert are neither tested nor counted against the
            // limit; those judged unprofitable a moment ago rest (`LendingBookView.rest`).
            let bonus = reader.bonus(collateral: pair.collateral, state)
            let least = bonus > 0 ? gas / (bonus * closeFactor) * reader.valuePerDollar : 0
            let query = shared.queries.query(pair, state, block: block, at: timestamp)
            let accounts = positions.liquidatable(
                query, overrides, state: state, minimumDebtValue: least, limit: budget * 4
            ) { account in
                isBusy(account, now: now)
            }
            for account in accounts where budget > 0 {
                guard
                    let plan = plan(account, pair, state, at: timestamp, gas: gas, now: now)
                else {
                    statistics.unprofitable += 1
                    positions.rest(
                        account, slot: slot, now: now.milliseconds,
                        interval: settings.recheck.milliseconds)
                    continue
                }
                budget -= 1
                statistics.sent += 1
                outbox.send(
                    [plan.call], gasLimit: liquidationGas, bid: bid, purpose: plan.task,
                    context)
            }
        }
    }
}

/// What a lending keeper's transaction is for.
struct LendingKeeperTask {
    var account: Address
    var pair: LendingPair
    /// Whole units it expects to receive and to repay (for its venue trades).
    var seizedUnits: Double
    var repaidUnits: Double
}

/// What a lending keeper did, for tests and reports.
public struct LendingKeeperStatistics: Hashable, Sendable {
    public var blocksObserved = 0
    public var sent = 0
    public var included = 0
    public var reverted = 0
    public var dropped = 0
    public var rejected = 0
    public var raises = 0
    public var liquidations = 0
    /// Liquidatable accounts it left because no size paid for itself.
    public var unprofitable = 0
    public var stalledByCeiling = 0
    public var competitorsSeen = 0
    public var gasPaidWei: Wei = 0
    public var gasBurntByRevertsWei: Wei = 0
    /// USD value (reference price at the time) of the debt it repaid.
    public var repaidValue: Double = 0
    public var lastRevert: String?
}
