import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// The oracle node of a lending pool: it collects the feed operators' observations of
/// every asset (the same `FeedOperator`s as a Maker feed, observing the venue mid), decides
/// per asset with `MedianAggregator.shouldReport` (deviation from the on-chain answer, or
/// the heartbeat), and puts every due asset's report on chain in one transaction: the
/// aggregator's `transmit` and, in the same transaction, the pool's price.
///
/// **Why one transaction carries both.** Aave's oracle (`AaveOracle.getAssetPrice`)
/// reads the Chainlink aggregator at the moment of each call, and Compound's
/// `UniswapAnchoredView` (2021 on) is written by the aggregator's own `validate` hook in
/// the transmit transaction: either way the pool sees a new answer from the block that
/// carries it, with no poke and no lag. The model's pools keep their prices in their own
/// state (`AavePool.setAssetPrice`, the view's `postPrice`), so the node writes them in
/// the transmit's transaction — which reverts whole if the aggregator refuses the report,
/// so the pool never holds a price the aggregator did not publish.
///
/// **The anchor (Compound).** For an asset with an anchor, the view's `postPrice` carries
/// the anchor venue's time-weighted average price over the asset's window, read from the
/// market path at the moment the node sends (`anchorPrice(_:at:)`), and the view stores
/// the report only within its tolerance of it; otherwise it keeps its price. Such an
/// asset is due on a move of `deviation` from the *view's* price (the poster compares
/// with what the view holds, so a refused report is tried again each block while it stays
/// refused) or on the heartbeat. An asset without an anchor posts the report as its own
/// anchor, which always passes.
///
/// **A pair-priced asset.** An Aave reserve priced from a Uniswap v2 pair
/// (`LendingPairSettings`, spot or TWAP) reads no feed: the node reports nothing for it.
///
/// One node per pool, because the pool accepts prices from one oracle address; its gas
/// policy, ceiling and raise rule are the node's, as a feed transmitter's. At most one
/// report is in flight; above the gas ceiling it does not send (`stalledCount`).
public final class LendingFeedTransmitter: Agent {
    /// One asset's feed as the node knows it.
    struct Feed {
        let aggregator: Int
        let quorum: Int
        let minAnswer: UInt256
        let maxAnswer: UInt256
        let deviationPPB: UInt64
        let heartbeatSeconds: UInt64
        var observations: [(price: UInt256, at: SimTime)?]
        /// The same observations ordered by price (ties in no particular order: equal
        /// prices are equal values), kept as they arrive so a message costs one insertion
        /// instead of a sort.
        var byPrice: [(price: UInt256, at: SimTime)] = []
        /// The last deviation test, `MedianAggregator.deviates(old:new:)`: the median and
        /// the price it was measured from rarely change between messages, and the test
        /// multiplies at 512 bits.
        var deviation: (old: UInt256, new: UInt256, deviates: Bool)?
        var onChain: MedianAggregator.RoundData?
        /// The operators' observation interval: a withheld report is counted once a round.
        let interval: SimTime
        /// When a report was last withheld for being out of range (nil: never).
        var withheldAt: SimTime?
        /// The anchor venue's market asset and TWAP window, seconds (nil: no anchor).
        let anchor: (asset: AssetID, windowSeconds: Int)?
        /// The pool's price of the asset after the last block seen (WAD).
        var poolPrice: UInt256 = .zero
    }

    public let settings: FeedTransmitterSettings
    public var name: String { settings.name }
    let reader: LendingPoolReader
    /// The venue index (`.observed(feed:)`) of asset 0; asset `i` is `venueBase + i`.
    let venueBase: Int
    /// The reference paths, for anchor venues' prices.
    let market: MarketPath
    @exclusivity(unchecked) var feeds: [Feed]
    /// The asset the pool prices from a pair (nothing is reported for it), if any.
    let pairPriced: Int?
    @exclusivity(unchecked) var outbox: Outbox<Void>
    @exclusivity(unchecked) var newest: NewestBlock

    @exclusivity(unchecked) public private(set) var stalledCount = 0
    @exclusivity(unchecked) public private(set) var transmittedCount = 0
    @exclusivity(unchecked) public private(set) var includedCount = 0
    @exclusivity(unchecked) public private(set) var revertedCount = 0
    /// Reports withheld because their median was outside the aggregator's
    /// `[minAnswer, maxAnswer]` while the deviation or heartbeat called for one: Chainlink's
    /// `shouldReport` says no, and the feed stays at its last in-range answer. Counted at
    /// most once per asset per operator interval (one observation round).
    @exclusivity(unchecked) public private(set) var outOfRangeCount = 0
    /// Per asset, the same count.
    @exclusivity(unchecked) public private(set) var outOfRangeByAsset: [Int]

    init(
        settings: FeedTransmitterSettings, reader: LendingPoolReader, venueBase: Int,
        assets: [LendingAssetSettings], aggregators: [Int], genesis: ProtocolState,
        market: MarketPath, producer: AgentID, initialBaseFee: Wei, pairPriced: Int? = nil,
        samplers: LatencySamplers? = nil
    ) {
        self.settings = settings
        self.pairPriced = pairPriced
        self.reader = reader
        self.venueBase = venueBase
        self.market = market
        feeds = zip(assets, aggregators).enumerated().map { position, element in
            let (asset, index) = element
            let aggregator = genesis.aggregators[index]
            let anchor = asset.anchor.map { anchor -> (AssetID, Int) in
                guard let id = market.asset(named: anchor.asset) else {
                    preconditionFailure(
                        "anchor of \(asset.symbol): no market asset \(anchor.asset)")
                }
                return (id, anchor.windowSeconds)
            }
            var feed = Feed(
                aggregator: index, quorum: aggregator.quorum, minAnswer: aggregator.minAnswer,
                maxAnswer: aggregator.maxAnswer, deviationPPB: asset.deviationPPB,
                heartbeatSeconds: asset.heartbeatSeconds,
                observations: Array(repeating: nil, count: asset.operators),
                onChain: aggregator.latestRoundData, interval: asset.operatorTemplate.interval,
                anchor: anchor)
            feed.poolPrice = reader.oraclePrice(position, genesis)
            return feed
        }
        outOfRangeByAsset = Array(repeating: 0, count: assets.count)
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        outbox = Outbox(
            address: settings.address, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    public var transactionsSent: Int { outbox.sentCount }

    public func start(_ context: Context<ProtocolMessage>) {
        context.subscribeToBlocks(from: outbox.producer, latency: settings.observation)
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .custom(.observed(let feed, let reporter, let price, let at)):
            let asset = feed - venueBase
            if feeds.indices.contains(asset), feeds[asset].observations.indices.contains(reporter) {
                feeds[asset].record(price, at: at, reporter: reporter)
            }
            consider(context)
        case .blockObserved(let report):
            observe(report)
            consider(context)
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        default:
            break
        }
    }

    func observe(_ report: BlockReport<ProtocolState>) {
        outbox.settle(report, succeeded: &includedCount, reverted: &revertedCount)
        guard newest.observe(report) else { return }
        for index in feeds.indices {
            feeds[index].onChain =
                report.state.aggregators[feeds[index].aggregator]
                .latestRoundData
            feeds[index].poolPrice = reader.oraclePrice(index, report.state)
        }
    }

    /// The report of asset `index` due now, or nil: its fresh observations (sorted) and
    /// their median. Allocates only for a report that is due.
    func due(_ index: Int, now: SimTime) -> (observations: [UInt256], median: UInt256)? {
        let maximumAge = settings.maxObservationAge
        var count = 0
        for observation in feeds[index].byPrice where now - observation.at <= maximumAge {
            count += 1
        }
        guard count >= feeds[index].quorum else { return nil }
        var median = UInt256.zero
        var rank = 0
        for observation in feeds[index].byPrice where now - observation.at <= maximumAge {
            if rank == count / 2 {
                median = observation.price
                break
            }
            rank += 1
        }
        let seconds = UInt64(max(0, now.wholeSeconds))
        let onChain = feeds[index].onChain
        // Chainlink's rule with the bounds left open: would a report be due at all?
        guard
            isDue(
                index, old: feeds[index].anchor == nil ? onChain?.answer : feeds[index].poolPrice,
                new: median, lastTimestamp: onChain?.updatedAt ?? 0, now: seconds)
        else { return nil }
        guard feeds[index].minAnswer <= median, median <= feeds[index].maxAnswer else {
            noteOutOfRange(index, now: now)
            return nil
        }
        var fresh: [UInt256] = []
        fresh.reserveCapacity(count)
        for observation in feeds[index].byPrice where now - observation.at <= maximumAge {
            fresh.append(observation.price)
        }
        return (fresh, median)
    }

    /// `MedianAggregator.shouldReport` with the bounds left open (`minAnswer` 0, `maxAnswer`
    /// the largest): no previous answer, a deviation of `deviationPPB`, or the heartbeat
    /// passed — with asset `index`'s last deviation test reused when `old` and `new` are
    /// the ones it measured.
    func isDue(_ index: Int, old: UInt256?, new: UInt256, lastTimestamp: UInt64, now: UInt64)
        -> Bool
    {
        guard let old else { return true }
        let deviates: Bool
        if let last = feeds[index].deviation, last.old == old, last.new == new {
            deviates = last.deviates
        } else {
            deviates = MedianAggregator.deviates(
                old: old, new: new, thresholdPPB: feeds[index].deviationPPB)
            feeds[index].deviation = (old, new, deviates)
        }
        if deviates { return true }
        let (deadline, overflow) = lastTimestamp.addingReportingOverflow(
            feeds[index].heartbeatSeconds)
        return !overflow && deadline < now
    }

    /// Counts a report withheld for its median being out of range, once per round.
    func noteOutOfRange(_ index: Int, now: SimTime) {
        if let last = feeds[index].withheldAt, now - last < feeds[index].interval { return }
        feeds[index].withheldAt = now
        outOfRangeCount += 1
        outOfRangeByAsset[index] += 1
    }

    /// The pool's price write for asset `asset` at `median` (WAD), or nil when the pool
    /// would refuse it (an Aave price that rounds to zero).
    func priceCall(_ asset: Int, median: UInt256, now: SimTime) -> ProtocolState.Call? {
        switch reader.kind {
        case .aave:
            let price = median / UInt256.powerOfTen(10)
            guard !price.isZero, price < AavePool.priceLimit else { return nil }
            return .aave(pool: reader.pool, .setAssetPrice(asset: asset, price: price))
        case .compound:
            let anchor = anchorPrice(asset, at: now) ?? median
            return .compound(
                comptroller: reader.pool,
                .oracle(.postPrice(asset: asset, reportedPrice: median, anchorPrice: anchor)))
        }
    }

    /// Asset `asset`'s anchor at `now` (WAD), or nil without one: the anchor venue's
    /// reference price averaged over the window `[now − window, now)` in one-second steps
    /// (times before the world's start read its first price) — the left Riemann sum a
    /// Uniswap v2 accumulator keeps, at a resolution finer than its blocks. O(window).
    package func anchorPrice(_ asset: Int, at now: SimTime) -> UInt256? {
        guard let anchor = feeds[asset].anchor else { return nil }
        let end = now.milliseconds
        var sum = 0.0
        for step in 1...anchor.windowSeconds {
            let time = max(0, end - Int64(step) * 1_000)
            sum += market.price(of: anchor.asset, at: SimTime(milliseconds: time))
        }
        let average = sum / Double(anchor.windowSeconds)
        return UInt256(truncating: average * 1e18)
    }

    func consider(_ context: Context<ProtocolMessage>) {
        guard !settings.isDown(at: context.now) else { return }
        if let pending = outbox.pending.first {
            if context.now - pending.sentAt >= settings.raiseAfter {
                _ = outbox.raise(at: 0, gas: settings.gas, context)
            }
            return
        }
        var calls: [ProtocolState.Call] = []
        let seconds = UInt64(max(0, context.now.wholeSeconds))
        for index in feeds.indices where index != pairPriced {
            guard let report = due(index, now: context.now),
                let write = priceCall(index, median: report.median, now: context.now)
            else { continue }
            calls.append(
                .oracleTransmit(
                    aggregator: feeds[index].aggregator, observations: report.observations,
                    observationsTimestamp: seconds))
            calls.append(write)
        }
        guard !calls.isEmpty else { return }
        guard let bid = newest.bid(settings.gas)
        else {
            stalledCount += 1
            return
        }
        transmittedCount += 1
        let gas = calls.reduce(intrinsicGasPerTransaction + 20_000) { $0 + $1.gasCost }
        outbox.send(calls, gasLimit: gas, bid: bid, purpose: (), context)
    }
}

extension LendingFeedTransmitter.Feed {
    /// Takes in `reporter`'s observation of `price` at `at`, replacing its previous one in
    /// both orders. O(operators), no allocation once the arrays have grown.
    mutating func record(_ price: UInt256, at: SimTime, reporter: Int) {
        if let previous = observations[reporter],
            let held = byPrice.firstIndex(where: {
                $0.price == previous.price && $0.at == previous.at
            })
        {
            byPrice.remove(at: held)
        }
        observations[reporter] = (price, at)
        let position = byPrice.firstIndex { $0.price > price } ?? byPrice.count
        byPrice.insert((price, at), at: position)
    }
}
