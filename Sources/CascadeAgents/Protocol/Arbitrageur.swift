import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// An AMM arbitrageur's settings.
public struct ArbitrageurSettings: Hashable, Sendable {
    public var name: String
    public var address: Address
    /// Which collateral's WETH/DAI-style pair it trades.
    public var collateral: Int
    /// It trades when the pool's price is off the reference by more than this fraction.
    public var threshold: Double
    /// Genesis inventory: collateral tokens (whole units) and ERC-20 DAI (whole DAI).
    public var collateralCapital: UInt64
    public var daiCapital: UInt64
    public var ethBalance: UInt64
    public var observation: LatencyModel
    public var propagation: LatencyModel
    public var gas: GasPolicy

    public init(
        name: String = "arbitrageur", address: Address, collateral: Int = 0,
        threshold: Double = 0.005, collateralCapital: UInt64 = 10_000,
        daiCapital: UInt64 = 2_000_000, ethBalance: UInt64 = 1_000,
        observation: LatencyModel = .logNormal(medianMs: 300, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(3)))
    ) {
        precondition(threshold > 0)
        self.name = name
        self.address = address
        self.collateral = collateral
        self.threshold = threshold
        self.collateralCapital = collateralCapital
        self.daiCapital = daiCapital
        self.ethBalance = ethBalance
        self.observation = observation
        self.propagation = propagation
        self.gas = gas
    }
}

/// Pulls the on-chain pair toward the market's reference price: on each new block it
/// observes, if the pool's price (quote reserve / token reserve: DAI per collateral in a
/// Maker world, a lending pair's quote per asset) is off the reference at its own time by
/// more than `threshold`, it swaps the amount that would bring the pool to
/// the reference (constant product, net of the 0.3% fee), limited by its inventory. One
/// swap in flight; its inventory is its on-chain balance, so capital limits it.
public final class Arbitrageur: Agent {
    public let settings: ArbitrageurSettings
    public var name: String { settings.name }
    let target: ArbitrageTarget
    @exclusivity(unchecked) var outbox: Outbox<Void>
    @exclusivity(unchecked) var view: MarketView
    @exclusivity(unchecked) var lastBlock: UInt64 = 0
    @exclusivity(unchecked) public private(set) var swapsIncluded = 0
    @exclusivity(unchecked) public private(set) var swapsReverted = 0

    init(
        settings: ArbitrageurSettings, target: ArbitrageTarget, view: MarketView, producer: AgentID,
        samplers: LatencySamplers? = nil
    ) {
        self.settings = settings
        self.target = target
        self.view = view
        outbox = Outbox(
            address: settings.address, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    public func start(_ context: Context<ProtocolMessage>) {
        context.subscribeToBlocks(from: outbox.producer, latency: settings.observation)
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .blockObserved(let report):
            outbox.settle(report, succeeded: &swapsIncluded, reverted: &swapsReverted)
            guard report.header.number > lastBlock else { return }
            lastBlock = report.header.number
            if outbox.isEmpty { trade(report, context) }
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        case .custom(let payload):
            view.receive(payload)
        default:
            break
        }
    }

    func trade(_ report: BlockReport<ProtocolState>, _ context: Context<ProtocolMessage>) {
        let state = report.state
        let pool = state.pair(target.pair)
        let tokenIsToken0 = pool.token0 == target.token
        let (gemReserve, daiReserve) =
            tokenIsToken0 ? (pool.reserve0, pool.reserve1) : (pool.reserve1, pool.reserve0)
        let x = gemReserve.approximateValue
        let y = daiReserve.approximateValue
        guard x > 0, y > 0 else { return }
        guard let reference = target.referencePrice(view, at: context.now) else { return }
        let poolPrice = y / x
        let k = x * y
        let tokenIn: TokenID
        var amountIn: Double
        if poolPrice > reference * (1 + settings.threshold) {
            tokenIn = target.token
            amountIn = ((k / reference).squareRoot() - x) / 0.997
        } else if poolPrice < reference * (1 - settings.threshold) {
            tokenIn = target.quote
            amountIn = ((k * reference).squareRoot() - y) / 0.997
        } else {
            return
        }
        let balance = state.ledger.balance(of: tokenIn, settings.address)
        amountIn = min(amountIn, balance.approximateValue)
        // The Double estimate can round above the balance: cap it again in integers.
        guard amountIn >= 1, let estimate = UInt256(truncating: amountIn),
            case let amount = min(estimate, UInt256(balance)), !amount.isZero,
            let bid = settings.gas.bid(
                nextBaseFee: report.nextBaseFee, marketPrice: report.averageGasPrice)
        else { return }
        let call = ProtocolState.Call.swap(
            pair: target.pair, tokenIn: tokenIn, amountIn: amount, amountOutMin: .zero,
            to: settings.address)
        outbox.send([call], gasLimit: 200_000, bid: bid, purpose: (), context)
    }
}

/// The pair an arbitrageur trades and the reference price it pulls the pair to.
struct ArbitrageTarget {
    /// The pair's index in `ProtocolState.pairs`, the token it trades and the token that
    /// token is quoted in.
    let pair: Int
    let token: TokenID
    let quote: TokenID
    /// The market view's index of the token's reference price (USD), and of the quote's
    /// (nil: the quote is worth $1, as Maker's DAI).
    let reference: Int
    let quoteReference: Int?
    /// Quote base units per token base unit for a price of one: `10^(quote decimals −
    /// token decimals)` (1 when both have 18, as Maker's pairs).
    let baseUnits: Double

    /// The reference price in the pair's base units (quote per token), or nil when the
    /// quote's reference is not positive.
    func referencePrice(_ view: MarketView, at now: SimTime) -> Double? {
        var price = view.reference(reference, at: now)
        if let quoteReference {
            let quotePrice = view.reference(quoteReference, at: now)
            guard quotePrice > 0 else { return nil }
            price /= quotePrice
        }
        return price * baseUnits
    }
}
