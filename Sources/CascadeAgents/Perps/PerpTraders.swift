import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// Every trader of a perpetuals world as one agent (a thousand subscribers would cost a
/// thousand events a block), with the venue's matching engine that fills their orders.
///
/// The traders' positions are opened at genesis (`ProtocolWorld.perpGenesis`). Afterwards
/// the population acts at the times of one Poisson process of rate `count × actionsPerDay`
/// (its own stream), each time for a trader drawn uniformly: with probability `reduceShare`
/// it reduces its position by `reduceFraction`, else adds `addFraction` of it. The action is
/// decided at the next block it observes, on that block's state (it holds no state between
/// blocks): the matcher fills it against the market maker at the venue's average price
/// for the size (buying walks the asks, selling the bids) and the trade moves the venue's
/// book. A refused trade (margin, open-interest cap, a position already closed) reverts and
/// is counted.
public final class PerpTraders: Agent {
    public var name: String { "perp-traders" }
    let settings: PerpTraderSettings
    let exchange: Int
    let traders: [ProtocolWorld.PerpTraderAccount]
    let marketMaker: PerpAccountID
    let venueOffset: Int
    @exclusivity(unchecked) var view: MarketView
    @exclusivity(unchecked) var outbox: Outbox<Int>
    @exclusivity(unchecked) var newest: NewestBlock
    /// Traders whose action waits for the next observed block.
    @exclusivity(unchecked) var waiting: [Int] = []

    @exclusivity(unchecked) public private(set) var statistics = PerpTraderStatistics()

    init(
        settings: PerpTraderSettings, exchange: Int, traders: [ProtocolWorld.PerpTraderAccount],
        marketMaker: PerpAccountID, venueOffset: Int, view: MarketView, producer: AgentID,
        initialBaseFee: Wei, samplers: LatencySamplers? = nil
    ) {
        self.settings = settings
        self.exchange = exchange
        self.traders = traders
        self.marketMaker = marketMaker
        self.venueOffset = venueOffset
        self.view = view
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        outbox = Outbox(
            address: ProtocolWorld.perpMatcher, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    /// Mean time between two actions of the whole population, ms; nil when nobody acts.
    var meanGapMs: Double? {
        let rate = Double(traders.count) * settings.actionsPerDay
        return rate > 0 ? 86_400_000 / rate : nil
    }

    public func start(_ context: Context<ProtocolMessage>) {
        guard meanGapMs != nil else { return }
        context.subscribeToBlocks(from: outbox.producer, latency: settings.observation)
        scheduleNext(context)
    }

    func scheduleNext(_ context: Context<ProtocolMessage>) {
        guard let mean = meanGapMs else { return }
        let gap = max(1, Int64(context.random.exponential(mean: mean).rounded()))
        context.wake(after: .milliseconds(gap), .timer(tag: 0))
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .timer:
            waiting.append(Int(context.random.uniformInt(below: UInt64(traders.count))))
            scheduleNext(context)
        case .blockObserved(let report):
            outbox.settle(
                report, succeeded: &statistics.included, reverted: &statistics.reverted)
            guard newest.observe(report) else { return }
            act(report.state, context)
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        case .custom(let payload):
            view.receive(payload)
        default:
            break
        }
    }

    func act(_ state: ProtocolState, _ context: Context<ProtocolMessage>) {
        guard !waiting.isEmpty, exchange < state.perpExchanges.count else { return }
        let books = state.perpExchanges[exchange]
        for number in waiting {
            let trader = traders[number]
            guard let position = books.account(trader.account).position(in: trader.market)
            else {
                statistics.skipped += 1
                continue
            }
            let reduces = context.random.uniform() < settings.reduceShare
            let fraction = reduces ? settings.reduceFraction : settings.addFraction
            let size = Int128.approximating(
                position.size.magnitude.approximateValue * fraction, .down)
            guard size > 0 else { continue }
            // Reducing a long or adding to a short sells; the other two buy.
            let sells = reduces == (position.size > 0)
            let slot = venueOffset + Int(trader.market.rawValue)
            let units = size.approximateValue / 1e9
            let reference = view.reference(slot, at: context.now)
            let venue = view.venues[slot]
            let at = max(context.now, venue.updatedAt)
            let fill =
                sells
                ? venue.priceAfterSelling(units, reference: reference, at: at)
                : venue.priceAfterBuying(units, reference: reference, at: at)
            let price = ProtocolWorld.quantums(fill.averagePrice)
            guard price > 0,
                let bid = newest.bid(settings.gas)
            else { continue }
            let call = PerpExchange.Call.trade(
                market: trader.market, buyer: sells ? marketMaker : trader.account,
                seller: sells ? trader.account : marketMaker, size: size, price: price)
            statistics.sent += 1
            if reduces { statistics.reductions += 1 } else { statistics.additions += 1 }
            outbox.send(
                [.perp(exchange: exchange, call)],
                gasLimit: intrinsicGasPerTransaction + 120_000, bid: bid, purpose: number, context)
            if let venueAgent = view.venueAgent {
                context.send(
                    .custom(
                        sells
                            ? .sold(collateral: slot, amount: units)
                            : .bought(collateral: slot, amount: units)),
                    to: venueAgent)
            }
        }
        waiting.removeAll(keepingCapacity: true)
    }
}

/// What the traders did, for tests and reports.
public struct PerpTraderStatistics: Hashable, Sendable {
    public var sent = 0
    public var included = 0
    public var reverted = 0
    public var reductions = 0
    public var additions = 0
    /// Actions of traders with no position left.
    public var skipped = 0
}
