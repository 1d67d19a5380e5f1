import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// One feed operator (a Chainlink node, or one of Maker's 13 median feeds): it observes
/// the venue mid of its collateral every `interval`, as of `observationDelay` ago (its
/// data source's lag), with relative noise, and sends the observation to the feed's
/// transmitting node over the operators' network (`messageLatency`).
public struct FeedOperatorSettings: Hashable, Sendable {
    public var name: String
    /// Which collateral's feed (index in the world's collaterals).
    public var feed: Int
    public var interval: SimTime
    public var observationDelay: SimTime
    /// Standard deviation of the relative error of one observation (0.001 = 0.1%).
    public var noise: Double
    public var messageLatency: LatencyModel

    public init(
        name: String, feed: Int, interval: SimTime = .seconds(30),
        observationDelay: SimTime = .seconds(5), noise: Double = 0.001,
        messageLatency: LatencyModel = .logNormal(medianMs: 200, sigma: 0.5)
    ) {
        precondition(interval.milliseconds > 0, "the observation interval must be positive")
        precondition(noise >= 0 && noise < 0.5, "noise must be in [0, 0.5)")
        self.name = name
        self.feed = feed
        self.interval = interval
        self.observationDelay = observationDelay
        self.noise = noise
        self.messageLatency = messageLatency
    }
}

/// A feed operator as an agent (see `FeedOperatorSettings`). Randomness: its own stream
/// draws the phase of its timer, the noise of each observation and each message delay.
public final class FeedOperator: Agent {
    public let settings: FeedOperatorSettings
    public var name: String { settings.name }
    let reporterIndex: Int
    let transmitter: AgentID
    let latency: LatencySampler
    @exclusivity(unchecked) var view: MarketView
    @exclusivity(unchecked) public private(set) var observationCount = 0

    init(
        settings: FeedOperatorSettings, reporterIndex: Int, transmitter: AgentID,
        view: MarketView, samplers: LatencySamplers? = nil
    ) {
        self.settings = settings
        self.reporterIndex = reporterIndex
        self.transmitter = transmitter
        self.view = view
        latency = samplers.sampler(settings.messageLatency)
    }

    public func start(_ context: Context<ProtocolMessage>) {
        let phase = context.random.uniformInt(below: UInt64(settings.interval.milliseconds))
        context.wake(after: .milliseconds(Int64(phase)), .timer(tag: 0))
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .timer:
            observe(context)
            context.wake(after: settings.interval, .timer(tag: 0))
        case .custom(let payload):
            view.receive(payload)
        default:
            break
        }
    }

    func observe(_ context: Context<ProtocolMessage>) {
        let seen = view.mid(settings.feed, at: context.now - settings.observationDelay)
        let error = settings.noise * context.random.normal()
        let price = seen * (1 + error)
        guard price.isFinite, price > 0,
            let wad = UInt256(truncating: price * 1e18), !wad.isZero
        else { return }
        observationCount += 1
        context.send(
            .custom(
                .observed(
                    feed: settings.feed, reporter: reporterIndex, priceWad: wad,
                    observedAt: context.now)),
            to: transmitter, after: latency.draw(using: &context.random))
    }
}

/// The node that puts a feed's report on chain. Because one transmission carries every
/// operator's observation (OCR), the feed's gas behaviour is this node's.
public struct FeedTransmitterSettings: Hashable, Sendable {
    public var name: String
    public var address: Address
    /// Deviation threshold, parts per billion (5,000,000 = 0.5%).
    public var deviationPPB: UInt64
    public var heartbeatSeconds: UInt64
    /// Observations older than this are not used.
    public var maxObservationAge: SimTime
    /// Its gas policy; `ceiling` is the price above which it does not send.
    public var gas: GasPolicy
    /// A pending report older than this is raised (when `gas` allows raises).
    public var raiseAfter: SimTime
    public var observation: LatencyModel
    public var propagation: LatencyModel
    /// Windows when the node sends nothing, not even a raise (an oracle freeze: its
    /// operators keep observing). Empty by default.
    public var downtime: [Range<SimTime>] = []

    /// Whether `time` falls in a downtime window.
    public func isDown(at time: SimTime) -> Bool {
        downtime.covers(time)
    }

    public init(
        name: String, address: Address, deviationPPB: UInt64 = 5_000_000,
        heartbeatSeconds: UInt64 = 3_600, maxObservationAge: SimTime = .minutes(2),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 150, priorityFee: .gwei(2)),
            ceiling: .gwei(100)),
        raiseAfter: SimTime = .seconds(60),
        observation: LatencyModel = .logNormal(medianMs: 300, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5)
    ) {
        self.name = name
        self.address = address
        self.deviationPPB = deviationPPB
        self.heartbeatSeconds = heartbeatSeconds
        self.maxObservationAge = maxObservationAge
        self.gas = gas
        self.raiseAfter = raiseAfter
        self.observation = observation
        self.propagation = propagation
    }
}

/// A feed's transmitting node as an agent: it keeps each operator's latest observation,
/// and whenever it hears one or observes a block, decides with
/// `MedianAggregator.shouldReport` (deviation from the on-chain answer it last saw, or the
/// heartbeat) whether to transmit the sorted observations. At most one report is in
/// flight. Above its gas ceiling it does not send, and counts the stall.
public final class FeedTransmitter: Agent {
    public let settings: FeedTransmitterSettings
    public var name: String { settings.name }
    let feed: Int
    let aggregator: Int
    let quorum: Int
    let minAnswer: UInt256
    let maxAnswer: UInt256
    @exclusivity(unchecked) var outbox: Outbox<Void>
    @exclusivity(unchecked) var observations: [(price: UInt256, at: SimTime)?]
    /// The reporters with an observation, by price ascending: kept in order as each
    /// observation arrives (one moves), so that deciding, which happens on every
    /// observation and every block, reads the sorted prices instead of sorting them.
    @exclusivity(unchecked) var ranked = PriceRanking()
    /// The time of the oldest observation it keeps (nil: none yet). While that one is
    /// fresh, all are: deciding then counts none of them and reads the median straight from
    /// `ranked`, instead of testing each reporter's age twice per decision.
    @exclusivity(unchecked) var oldestObservation: SimTime?
    @exclusivity(unchecked) var newest: NewestBlock
    /// The newest observed block's mean gas price (for `.marketMultiple` bids).
    @exclusivity(unchecked) var onChain: MedianAggregator.RoundData?

    /// Reports it decided to send but did not, because gas was above its ceiling.
    @exclusivity(unchecked) public private(set) var stalledCount = 0
    @exclusivity(unchecked) public private(set) var transmittedCount = 0
    @exclusivity(unchecked) public private(set) var includedCount = 0
    @exclusivity(unchecked) public private(set) var revertedCount = 0

    init(
        settings: FeedTransmitterSettings, feed: Int, aggregator: MedianAggregator,
        aggregatorIndex: Int, reporters: Int, producer: AgentID, initialBaseFee: Wei,
        samplers: LatencySamplers? = nil
    ) {
        self.settings = settings
        self.feed = feed
        self.aggregator = aggregatorIndex
        quorum = aggregator.quorum
        minAnswer = aggregator.minAnswer
        maxAnswer = aggregator.maxAnswer
        onChain = aggregator.latestRoundData
        observations = Array(repeating: nil, count: reporters)
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
        case .custom(.observed(_, let reporter, let price, let at)):
            if observations.indices.contains(reporter) { keep(price, at: at, from: reporter) }
            consider(context)
        case .blockObserved(let report):
            observe(report, context)
            consider(context)
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        default:
            break
        }
    }

    func observe(_ report: BlockReport<ProtocolState>, _ context: Context<ProtocolMessage>) {
        outbox.settle(report, succeeded: &includedCount, reverted: &revertedCount)
        guard newest.observe(report) else { return }
        onChain = report.state.aggregators[aggregator].latestRoundData
    }

    /// Keeps `reporter`'s observation of `price` at `at` in place of its last one.
    func keep(_ price: UInt256, at: SimTime, from reporter: Int) {
        let replaced = observations[reporter]?.at
        observations[reporter] = (price, at)
        ranked.move(reporter, to: price)
        guard let oldest = oldestObservation, at >= oldest else {
            oldestObservation = at
            return
        }
        // The oldest was replaced by a later one (in steady state nearly every observation
        // does this: the reporter observing now is the one that observed longest ago): the
        // oldest is now another's, or the newcomer's (observations arrive out of order).
        guard replaced == oldest else { return }
        var least = at
        for observation in observations {
            if let observation, observation.at < least { least = observation.at }
        }
        oldestObservation = least
    }

    /// Whether `reporter` has an observation no older than `maxObservationAge` at `now`.
    func isFresh(_ reporter: Int, now: SimTime) -> Bool {
        guard let observation = observations[reporter] else { return false }
        return now - observation.at <= settings.maxObservationAge
    }

    /// The price of the fresh observation at `rank` (from 0, ascending), if there is one.
    func freshPrice(at rank: Int, now: SimTime) -> UInt256? {
        var passed = 0
        for reporter in ranked.reporters where isFresh(reporter, now: now) {
            if passed == rank { return observations[reporter]?.price }
            passed += 1
        }
        return nil
    }

    /// How many observations are fresh at `now`, and the price at the middle rank of
    /// theirs (`freshCount / 2` from the cheapest; nil with none). While the oldest is fresh
    /// every one is, and the median is read straight from `ranked`.
    func freshMedian(now: SimTime) -> (freshCount: Int, median: UInt256?) {
        if let oldest = oldestObservation, now - oldest <= settings.maxObservationAge {
            let count = ranked.reporters.count
            return (count, ranked.price(atRank: count / 2))
        }
        let count = ranked.reporters.count { isFresh($0, now: now) }
        return (count, freshPrice(at: count / 2, now: now))
    }

    func consider(_ context: Context<ProtocolMessage>) {
        guard !settings.isDown(at: context.now) else { return }
        if let pending = outbox.pending.first {
            if context.now - pending.sentAt >= settings.raiseAfter {
                _ = outbox.raise(at: 0, gas: settings.gas, context)
            }
            return
        }
        // The fresh observations' prices are `ranked`'s in order, skipping the stale: their
        // median is found by counting, and the list is built only for a report it sends
        // (most decisions send nothing: an array per decision was most of their cost).
        let (freshCount, median) = freshMedian(now: context.now)
        guard freshCount >= quorum, let median else { return }
        let now = UInt64(max(0, context.now.wholeSeconds))
        guard
            MedianAggregator.shouldReport(
                old: onChain?.answer, new: median, alphaPPB: settings.deviationPPB,
                lastTimestamp: onChain?.updatedAt ?? 0,
                heartbeatSeconds: settings.heartbeatSeconds, now: now,
                minAnswer: minAnswer, maxAnswer: maxAnswer)
        else { return }
        guard let bid = newest.bid(settings.gas)
        else {
            stalledCount += 1
            return
        }
        var fresh: [UInt256] = []
        fresh.reserveCapacity(freshCount)
        for reporter in ranked.reporters where isFresh(reporter, now: context.now) {
            if let observation = observations[reporter] { fresh.append(observation.price) }
        }
        let call = ProtocolState.Call.oracleTransmit(
            aggregator: aggregator, observations: fresh, observationsTimestamp: now)
        transmittedCount += 1
        outbox.send(
            [call], gasLimit: intrinsicGasPerTransaction + call.gasCost + 20_000, bid: bid,
            purpose: (), context)
    }
}

/// The OSM poker's settings.
public struct OSMPokerSettings: Hashable, Sendable {
    public var name: String
    public var address: Address
    public var gas: GasPolicy
    public var observation: LatencyModel
    public var propagation: LatencyModel

    public init(
        name: String = "osm-poker", address: Address,
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(2))),
        observation: LatencyModel = .logNormal(medianMs: 300, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5)
    ) {
        self.name = name
        self.address = address
        self.gas = gas
        self.observation = observation
        self.propagation = propagation
    }
}

/// Pokes each collateral's OSM as soon as its hop has passed (`pass(now)` on the state it
/// last observed), with the Spotter's `poke` for the ilk in the same transaction, so the
/// new current value reaches `spot` at once. One transaction per collateral in flight.
///
/// The same agent closes TWAP oracles' windows (`twaps`, a lending world's pair): once the
/// observed block is at least `periodSeconds` after the oracle's last reading it sends
/// `twapUpdate` (v2-periphery's `update`, which anyone may call). Without it an
/// `ExampleOracleSimple` computes no average, and a pool priced from it reads none.
public final class OSMPoker: Agent {
    public let settings: OSMPokerSettings
    public var name: String { settings.name }
    let ilks: [MakerSystem.IlkID]
    /// TWAP oracles (`ProtocolState.twaps`); a transaction's purpose is `ilks.count + i`
    /// for oracle `twaps[i]`.
    let twaps: [Int]
    @exclusivity(unchecked) var outbox: Outbox<Int>
    @exclusivity(unchecked) var lastBlock: UInt64 = 0
    @exclusivity(unchecked) public private(set) var pokesIncluded = 0
    @exclusivity(unchecked) public private(set) var pokesReverted = 0
    @exclusivity(unchecked) public private(set) var stalledCount = 0

    init(
        settings: OSMPokerSettings, ilks: [MakerSystem.IlkID], twaps: [Int] = [],
        producer: AgentID, samplers: LatencySamplers? = nil
    ) {
        self.settings = settings
        self.ilks = ilks
        self.twaps = twaps
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
            outbox.settle(report, succeeded: &pokesIncluded, reverted: &pokesReverted)
            guard report.header.number > lastBlock else { return }
            lastBlock = report.header.number
            poke(report, context)
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        default:
            break
        }
    }

    func poke(_ report: BlockReport<ProtocolState>, _ context: Context<ProtocolMessage>) {
        let now = UInt64(max(0, context.now.wholeSeconds))
        for (index, ilk) in ilks.enumerated() {
            guard let wiring = report.state.collateral(of: ilk),
                report.state.osms[wiring.osm].pass(now: now)
            else { continue }
            send(
                [.osmPoke(osm: wiring.osm), .spotterPoke(ilk: ilk)], purpose: index, report,
                context)
        }
        // The next block is at least as late as the observed one: a window that has passed
        // for it has passed for the next (uint32 seconds wrap as on chain).
        let seconds = UInt32(truncatingIfNeeded: max(0, report.header.time.wholeSeconds))
        for (offset, twap) in twaps.enumerated() {
            let oracle = report.state.twaps[twap]
            guard seconds &- oracle.blockTimestampLast >= oracle.periodSeconds else { continue }
            send([.twapUpdate(twap: twap)], purpose: ilks.count + offset, report, context)
        }
    }

    /// Sends `calls` for target `purpose` unless one for it is in flight; counts a stall
    /// when the gas policy's ceiling forbids a bid.
    func send(
        _ calls: [ProtocolState.Call], purpose: Int, _ report: BlockReport<ProtocolState>,
        _ context: Context<ProtocolMessage>
    ) {
        guard !outbox.pending.contains(where: { $0.purpose == purpose }) else { return }
        guard
            let bid = settings.gas.bid(
                nextBaseFee: report.nextBaseFee, marketPrice: report.averageGasPrice)
        else {
            stalledCount += 1
            return
        }
        outbox.send(calls, gasLimit: 200_000, bid: bid, purpose: purpose, context)
    }
}
