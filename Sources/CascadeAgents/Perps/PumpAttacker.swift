import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// The Mango Markets attack of 11 October 2022 (HISTORY.md §4), as a world's settings:
/// a self-trade between two accounts of one owner, a pump of the market's spot venues, and
/// withdrawals of the long's unrealised profit out of the other depositors' USDC.
///
/// Amounts are the world's: `depositEach` USDC in each of the two cross accounts at genesis,
/// the self-trade of `size` units at `price`, and per spot venue of the market (in order)
/// `pumpBudgets[i]` USD of spot bought over `pumpDuration`, one purchase per venue every
/// `pumpInterval`.
public struct PumpAttackerSettings: Hashable, Sendable {
    /// The perpetual market (index in `PerpWorldSettings.markets`).
    public var market: Int
    /// When it sends the self-trade.
    public var start: SimTime
    /// USDC deposited into each of its two accounts at genesis, quantums.
    public var depositEach: Int128
    /// The self-trade: size units, 1e-9 of a base unit.
    public var size: Int128
    /// The self-trade's price, quantums per base unit.
    public var price: Int128
    /// USD of spot bought on each of the market's spot venues, in the venues' order.
    public var pumpBudgets: [Double]
    /// The buying is spread evenly over this long from the self-trade's inclusion.
    public var pumpDuration: SimTime
    /// One purchase per venue every this long.
    public var pumpInterval: SimTime
    /// It sends no withdrawal smaller than this, quantums.
    public var borrowMinimum: Int128
    /// The share of the free margin it leaves untouched, so a mark that moves against it
    /// between the block it saw and the one that includes its withdrawal does not revert it.
    /// A withdrawal bounded by the exchange's USDC (not by margin) takes everything.
    public var borrowBuffer: Double
    public var observation: LatencyModel
    public var propagation: LatencyModel
    public var gas: GasPolicy

    public init(
        market: Int = 0, start: SimTime = .minutes(1), depositEach: Int128,
        size: Int128, price: Int128, pumpBudgets: [Double],
        pumpDuration: SimTime = .minutes(5), pumpInterval: SimTime = .seconds(10),
        borrowMinimum: Int128 = 10_000 * 1_000_000, borrowBuffer: Double = 0.01,
        observation: LatencyModel = .logNormal(medianMs: 200, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(1)))
    ) {
        precondition(market >= 0 && depositEach >= 0 && size > 0 && price > 0)
        precondition(pumpBudgets.allSatisfy { $0 >= 0 && $0.isFinite })
        precondition(pumpDuration.milliseconds > 0 && pumpInterval.milliseconds > 0)
        precondition(borrowMinimum > 0 && borrowBuffer >= 0 && borrowBuffer < 1)
        self.market = market
        self.start = start
        self.depositEach = depositEach
        self.size = size
        self.price = price
        self.pumpBudgets = pumpBudgets
        self.pumpDuration = pumpDuration
        self.pumpInterval = pumpInterval
        self.borrowMinimum = borrowMinimum
        self.borrowBuffer = borrowBuffer
        self.observation = observation
        self.propagation = propagation
        self.gas = gas
    }

    /// Purchases per venue: `pumpDuration / pumpInterval`, at least one.
    public var pumpSteps: Int {
        max(1, Int(pumpDuration.milliseconds / pumpInterval.milliseconds))
    }
}

/// The attacker of a Mango-style world (`PumpAttackerSettings`): one owner, two cross
/// accounts funded at genesis.
///
/// 1. **Self-trade.** At `start` it sends one transaction in which its long account buys
///    `size` from its short account at `price` (the exchange lets an owner fill a trade
///    between two accounts of its own). Net exposure nil; each account holds the margin.
/// 2. **Pump.** Once it sees the self-trade included, every `pumpInterval` it buys
///    `pumpBudgets[i] / pumpSteps` USD of spot on each spot venue `i` of the market (a
///    `.bought` to the venue agent, which walks that venue's asks), priced on the book it
///    last received. The oracle reads the median of the venues' mids, so the mark follows
///    the middle venue.
/// 3. **Borrow.** On every block it observes after the self-trade, with no withdrawal of its
///    own in flight, it asks the exchange it saw how much the long may withdraw
///    (`PerpExchange.withdrawable`: equity at the marks minus initial margin, capped by the
///    USDC held) and withdraws it, less `borrowBuffer` of the free margin — until the
///    exchange's USDC is gone or the run ends. The short account's loss is never paid: its
///    equity is the other depositors' loss.
///
/// Everything on chain goes through its own transactions (its latencies, its gas); it sees
/// a block only after its observation delay. Randomness: its own stream (propagation).
public final class PumpAttacker: Agent {
    public var name: String { "pump-attacker" }
    let settings: PumpAttackerSettings
    let exchange: Int
    let long: PerpAccountID
    let short: PerpAccountID
    /// The view slots of the market's spot venues, in order.
    let spotSlots: [Int]
    @exclusivity(unchecked) var view: MarketView
    @exclusivity(unchecked) var outbox: Outbox<Purpose>
    @exclusivity(unchecked) var newest: NewestBlock
    @exclusivity(unchecked) var phase = Phase.waiting
    @exclusivity(unchecked) var pumpStepsDone = 0

    @exclusivity(unchecked) public private(set) var statistics = PumpAttackerStatistics()

    enum Purpose {
        case selfTrade
        case borrow(Int128)
    }
    enum Phase { case waiting, selfTrading, attacking, failed }
    static let startTag: UInt64 = 1
    static let pumpTag: UInt64 = 2

    init(
        settings: PumpAttackerSettings, exchange: Int, long: PerpAccountID,
        short: PerpAccountID, spotSlots: [Int], view: MarketView, producer: AgentID,
        initialBaseFee: Wei, samplers: LatencySamplers? = nil
    ) {
        self.settings = settings
        self.exchange = exchange
        self.long = long
        self.short = short
        self.spotSlots = spotSlots
        self.view = view
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        statistics.deposits = 2 * settings.depositEach
        outbox = Outbox(
            address: ProtocolWorld.perpAttacker, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    public func start(_ context: Context<ProtocolMessage>) {
        context.subscribeToBlocks(from: outbox.producer, latency: settings.observation)
        context.wake(after: settings.start, .timer(tag: Self.startTag))
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .timer(let tag):
            if tag == Self.startTag { selfTrade(context) } else { pump(context) }
        case .blockObserved(let report):
            observe(report, context)
        case .rejected(let rejection):
            if let entry = outbox.reject(rejection), case .selfTrade = entry.purpose {
                phase = .failed
            }
        case .custom(let payload):
            view.receive(payload)
        default:
            break
        }
    }

    func selfTrade(_ context: Context<ProtocolMessage>) {
        guard phase == .waiting,
            let bid = newest.bid(settings.gas)
        else {
            phase = .failed
            return
        }
        let call = ProtocolState.Call.perp(
            exchange: exchange,
            .trade(
                market: PerpMarketID(rawValue: UInt16(settings.market)), buyer: long,
                seller: short, size: settings.size, price: settings.price))
        phase = .selfTrading
        outbox.send(
            [call], gasLimit: intrinsicGasPerTransaction + call.gasCost, bid: bid,
            purpose: .selfTrade, context)
    }

    func observe(_ report: BlockReport<ProtocolState>, _ context: Context<ProtocolMessage>) {
        for outcome in outbox.settle(report) {
            switch outcome {
            case .succeeded(let entry, _):
                switch entry.purpose {
                case .selfTrade:
                    phase = .attacking
                    statistics.selfTradeBlock = report.header.number
                    context.wake(after: .zero, .timer(tag: Self.pumpTag))
                case .borrow(let amount):
                    statistics.withdrawn += amount
                    statistics.borrows += 1
                    if statistics.firstBorrowAt == nil { statistics.firstBorrowAt = context.now }
                    statistics.lastBorrowAt = context.now
                }
            case .reverted(let entry, _, let revert):
                statistics.reverted += 1
                statistics.lastRevert = revert.reason
                if case .selfTrade = entry.purpose { phase = .failed }
            case .dropped(let entry):
                if case .selfTrade = entry.purpose { phase = .failed }
            }
        }
        guard exchange < report.state.perpExchanges.count, newest.observe(report) else { return }
        let books = report.state.perpExchanges[exchange]
        let mark = books.market(PerpMarketID(rawValue: UInt16(settings.market))).price
        statistics.markMaximum = max(statistics.markMaximum, mark)
        if phase == .attacking, outbox.isEmpty { borrow(books, context) }
    }

    /// Withdraws what the long may, as the attacker saw the exchange.
    func borrow(_ books: PerpExchange, _ context: Context<ProtocolMessage>) {
        guard let free = try? books.freeCollateral(long), free > 0 else { return }
        // Leave `borrowBuffer` of the free margin, unless even then it covers all the USDC
        // the exchange holds: then take all of it.
        let kept = Int128.approximating(free.approximateValue * settings.borrowBuffer, .up)
        let amount = min(free - kept, books.netDeposits)
        guard amount > 0, amount >= min(settings.borrowMinimum, books.netDeposits),
            let bid = newest.bid(settings.gas)
        else { return }
        let call = ProtocolState.Call.perp(
            exchange: exchange, .withdraw(account: long, amount: amount))
        statistics.sent += 1
        outbox.send(
            [call], gasLimit: intrinsicGasPerTransaction + call.gasCost, bid: bid,
            purpose: .borrow(amount), context)
    }

    /// One round of spot purchases, one per venue, then the next round's timer.
    func pump(_ context: Context<ProtocolMessage>) {
        guard phase == .attacking, pumpStepsDone < settings.pumpSteps,
            let venueAgent = view.venueAgent
        else { return }
        let steps = Double(settings.pumpSteps)
        for (venue, slot) in spotSlots.enumerated() where venue < settings.pumpBudgets.count {
            let spend = settings.pumpBudgets[venue] / steps
            let mid = view.mid(slot, at: context.now)
            guard spend > 0, mid > 0 else { continue }
            // Units whose cost on the last book received is `spend` (one correction of the
            // first guess by the average price of walking the asks).
            let book = view.venues[slot]
            let reference = view.reference(slot, at: context.now)
            let at = max(context.now, book.updatedAt)
            let guess = spend / mid
            let average = book.priceAfterBuying(guess, reference: reference, at: at).averagePrice
            let units = average > 0 ? spend / average : guess
            statistics.pumpSpent += spend
            statistics.spotBought += units
            context.send(.custom(.bought(collateral: slot, amount: units)), to: venueAgent)
        }
        pumpStepsDone += 1
        if pumpStepsDone < settings.pumpSteps {
            context.wake(after: settings.pumpInterval, .timer(tag: Self.pumpTag))
        }
    }
}

/// What the attacker did, for the summary and tests. Amounts in quantums unless said.
public struct PumpAttackerStatistics: Hashable, Sendable {
    /// What it deposited into its two accounts at genesis.
    public var deposits: Int128 = 0
    /// What its successful withdrawals paid out.
    public var withdrawn: Int128 = 0
    /// The block that included the self-trade, if any.
    public var selfTradeBlock: UInt64?
    public var sent = 0
    public var borrows = 0
    public var reverted = 0
    public var lastRevert: String?
    /// USD spent on spot (as priced on the books it had), and the units bought.
    public var pumpSpent: Double = 0
    public var spotBought: Double = 0
    /// The highest mark of the market in a block it observed, quantums per unit.
    public var markMaximum: Int128 = 0
    public var firstBorrowAt: SimTime?
    public var lastBorrowAt: SimTime?

    public init() {}

    /// What it took beyond its own deposits: the other depositors' loss, quantums.
    public var drained: Int128 { max(0, withdrawn - deposits) }
}
