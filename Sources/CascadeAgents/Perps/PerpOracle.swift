import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// The perpetuals exchange's oracle: every `updateInterval` it reads each market (the
/// venue's mid or the asset's reference, as of `sourceDelay` ago) and posts the marks that
/// moved by more than `deviation` or whose `heartbeat` passed, in one transaction; when a
/// market's funding is due it pays it, in a transaction of its own, with the period's
/// average premium; markets with dynamic margin get the realised volatility every
/// `volatilitySample`.
///
/// **Premium.** At every tick, per market, one sample `(venue mid − index) / index`, the
/// index being the asset's reference price: the perp's book above the index makes longs
/// pay. The funding payment's premium is the mean of the period's samples, in ppm — the
/// averaging Binance and dYdX do before the rate formula (docs/model/perpetuals.md).
///
/// **Volatility.** One log return per `volatilitySample` of the price it reads; the
/// standard deviation of the returns within `volatilityWindow`, scaled to one day
/// (`× √(1 day / sample)`), in ppm — the σ the exchange's `volatilityMultiplier` multiplies.
///
/// It watches blocks only to learn the base fee and how its transactions ended (`Outbox`).
/// Randomness: its own stream, one draw per transaction sent (propagation).
public final class PerpOracle: Agent {
    public var name: String { "perp-oracle" }
    let settings: PerpOracleSettings
    let exchange: Int
    let terms: [PerpMarketTerms]
    /// The venue index of market 0 in `view` (markets follow the collaterals).
    let venueOffset: Int
    /// Per market, the view slots of its spot venues (`PerpMarkSource.median`).
    let spotSlots: [[Int]]
    @exclusivity(unchecked) var view: MarketView
    @exclusivity(unchecked) var outbox: Outbox<Bool>
    @exclusivity(unchecked) var newest: NewestBlock
    @exclusivity(unchecked) var posted: [Int128]
    @exclusivity(unchecked) var postedAt: [SimTime]
    @exclusivity(unchecked) var fundingDue: [SimTime]
    @exclusivity(unchecked) var premiumSum: [Double]
    @exclusivity(unchecked) var premiumSamples: [Int]
    @exclusivity(unchecked) var nextVolatilitySample: SimTime = .zero
    /// Per market, the log prices of the volatility window, oldest first.
    @exclusivity(unchecked) var logPrices: [[Double]]

    @exclusivity(unchecked) public private(set) var statistics = PerpOracleStatistics()

    init(
        settings: PerpOracleSettings, exchange: Int, terms: [PerpMarketTerms], venueOffset: Int,
        genesisMarks: [Int128], view: MarketView, producer: AgentID, initialBaseFee: Wei,
        spotSlots: [[Int]] = [], samplers: LatencySamplers? = nil
    ) {
        self.settings = settings
        self.spotSlots = spotSlots
        self.exchange = exchange
        self.terms = terms
        self.venueOffset = venueOffset
        self.view = view
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        posted = genesisMarks
        postedAt = Array(repeating: .zero, count: terms.count)
        fundingDue = terms.map { .seconds(Int64($0.funding.intervalSeconds)) }
        premiumSum = Array(repeating: 0, count: terms.count)
        premiumSamples = Array(repeating: 0, count: terms.count)
        logPrices = Array(repeating: [], count: terms.count)
        outbox = Outbox(
            address: ProtocolWorld.perpOracle, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    public func start(_ context: Context<ProtocolMessage>) {
        context.subscribeToBlocks(from: outbox.producer, latency: .fixed(milliseconds: 0))
        context.wake(after: settings.updateInterval, .timer(tag: 0))
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .timer:
            tick(context)
            context.wake(after: settings.updateInterval, .timer(tag: 0))
        case .blockObserved(let report):
            outbox.settle(
                report, succeeded: &statistics.included, reverted: &statistics.reverted)
            if newest.observe(report) {
            }
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        case .custom(let payload):
            view.receive(payload)
        default:
            break
        }
    }

    func tick(_ context: Context<ProtocolMessage>) {
        let now = context.now
        let observedAt = max(.zero, now - settings.sourceDelay)
        let volatilityDue = now >= nextVolatilitySample
        if volatilityDue { nextVolatilitySample = now + settings.volatilitySample }
        var prices: [ProtocolState.Call] = []
        var funding: [ProtocolState.Call] = []
        for slot in terms.indices {
            let market = PerpMarketID(rawValue: UInt16(slot))
            let index = view.reference(venueOffset + slot, at: observedAt)
            let mid = view.mid(venueOffset + slot, at: observedAt)
            let read: Double
            switch settings.markSource {
            case .venue: read = mid
            case .index: read = index
            case .median:
                let slots = slot < spotSlots.count ? spotSlots[slot] : []
                read =
                    slots.isEmpty
                    ? index : Self.median(slots.map { view.mid($0, at: observedAt) })
            }
            let mark = ProtocolWorld.quantums(read)
            if index > 0 {
                premiumSum[slot] += (mid - index) / index
                premiumSamples[slot] += 1
            }
            if mark > 0, !settings.downtime.covers(now),
                shouldPost(mark, slot: slot, now: now)
            {
                posted[slot] = mark
                postedAt[slot] = now
                prices.append(.perp(exchange: exchange, .updatePrice(market: market, price: mark)))
                statistics.priceUpdates += 1
            }
            if volatilityDue, terms[slot].volatilityMultiplierPpm != nil, read > 0 {
                if let sigma = sampleVolatility(slot, logPrice: DeterministicMath.log(read)) {
                    prices.append(
                        .perp(
                            exchange: exchange,
                            .setVolatility(market: market, volatilityPpm: sigma)))
                    statistics.volatilityUpdates += 1
                }
            }
            if now >= fundingDue[slot] {
                let samples = max(premiumSamples[slot], 1)
                let premium = Int128.approximating(
                    premiumSum[slot] / Double(samples) * 1e6, .toNearestOrAwayFromZero)
                premiumSum[slot] = 0
                premiumSamples[slot] = 0
                fundingDue[slot] =
                    fundingDue[slot] + .seconds(Int64(terms[slot].funding.intervalSeconds))
                funding.append(
                    .perp(exchange: exchange, .fund(market: market, premiumPpm: premium)))
                statistics.fundingPayments += 1
            }
        }
        send(prices, funding: false, context)
        send(funding, funding: true, context)
    }

    /// The element at `count / 2` of the sorted values (the middle one of an odd count, the
    /// upper middle of an even one, as Chainlink's OCR median); 0 for none.
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        return values.sorted()[values.count / 2]
    }

    func shouldPost(_ mark: Int128, slot: Int, now: SimTime) -> Bool {
        let last = posted[slot]
        if now - postedAt[slot] >= settings.heartbeat { return true }
        guard mark != last else { return false }
        guard last > 0, settings.deviation > 0 else { return true }
        return (mark - last).magnitude.approximateValue > settings.deviation * last.approximateValue
    }

    /// Adds one log price to market `slot`'s window; the day-scaled σ in ppm once the
    /// window holds two returns.
    func sampleVolatility(_ slot: Int, logPrice: Double) -> Int128? {
        let capacity =
            Int(settings.volatilityWindow.milliseconds / settings.volatilitySample.milliseconds) + 1
        logPrices[slot].append(logPrice)
        if logPrices[slot].count > capacity { logPrices[slot].removeFirst() }
        let window = logPrices[slot]
        guard window.count >= 3 else { return nil }
        var sum = 0.0
        var squares = 0.0
        for index in 1..<window.count {
            let change = window[index] - window[index - 1]
            sum += change
            squares += change * change
        }
        let count = Double(window.count - 1)
        let variance = max(0, (squares - sum * sum / count) / (count - 1))
        let perDay = 86_400_000 / Double(settings.volatilitySample.milliseconds)
        let sigma = (variance * perDay).squareRoot()
        guard sigma.isFinite else { return nil }
        return Int128.approximating(sigma * 1e6, .toNearestOrAwayFromZero)
    }

    func send(_ calls: [ProtocolState.Call], funding: Bool, _ context: Context<ProtocolMessage>) {
        guard !calls.isEmpty else { return }
        guard let bid = newest.bid(settings.gas)
        else {
            statistics.stalledByCeiling += 1
            return
        }
        let gas = calls.reduce(intrinsicGasPerTransaction + 20_000) { $0 + $1.gasCost }
        statistics.sent += 1
        outbox.send(calls, gasLimit: gas, bid: bid, purpose: funding, context)
    }
}

/// What the oracle did, for tests and reports.
public struct PerpOracleStatistics: Hashable, Sendable {
    public var sent = 0
    public var included = 0
    public var reverted = 0
    public var priceUpdates = 0
    public var fundingPayments = 0
    public var volatilityUpdates = 0
    public var stalledByCeiling = 0
}
