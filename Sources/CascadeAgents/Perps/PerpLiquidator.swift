import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// A position a liquidator or the backstop agent goes after.
struct PerpTarget: Hashable, Sendable, TableTarget {
    var account: PerpAccountID
    var market: PerpMarketID

    var hashBits: UInt64 { UInt64(market.rawValue) << 32 | UInt64(account.rawValue) }
}

/// What a liquidator's transaction is for: the position, and what it takes into its book
/// (units, signed like the position) so it can hedge on the venue when the fill lands.
struct PerpLiquidationTask: Sendable {
    var target: PerpTarget
    var units: Double
}

/// A perpetuals liquidator: a market maker that takes liquidated positions into its own
/// cross account at the prices of the market's order book, and races the others for them.
///
/// **What it sees.** A block only after its own observation delay: the state after it and
/// its events. Which accounts are liquidatable it reads from the world's `PerpSharedIndex`
/// (one index fed from every block's events — never a scan — and one answer per block for
/// every agent that asks). Off chain, the last book of each market it was sent. No
/// mempool: a rival shows only as its own attempt reverting.
///
/// **Each new block** it reads that block's liquidatable accounts (at the on-chain marks,
/// exactly the contract's set) and, for each position not already in flight or held
/// off after a revert, up to `maxNewTransactionsPerBlock` transactions:
///
/// 1. the account's fillable price `b` (`PerpExchange.fillablePrice`, the contract's bound),
///    moved inside by `priceBuffer` of the mark (the mark moves before inclusion);
/// 2. the largest size `q` the book takes at a price no worse than `b`: for a long it would
///    sell `q` into the bids at an average `a(q)` (`OrderBookVenue.priceAfterSelling`, which
///    falls with `q`) and needs `a(q)·(1 − fillDiscount) ≥ b`; a short mirrors it on the asks
///    (in closed form from the book's depth curve, `unitsWithin`; the whole position when the
///    book takes it);
/// 3. at most what its free margin carries (`equity − initial margin`, at the market's
///    initial margin fraction in force), and at least `minimumNotional`;
/// 4. `liquidate(account, market, q, a(q)·(1 ∓ fillDiscount), itself)`.
///
/// When the book's bids are already below the fillable price nobody can fill: the position
/// waits, sliding toward bankruptcy, for the book to recover, the backstop or deleveraging.
///
/// **When a fill lands** it hedges on the venue: sells what it bought (or buys back what it
/// sold short), so its own fills move the book — the next liquidation meets a lower bid
/// (the death spiral). It keeps the perp position: its capital bounds how much it can take.
///
/// Randomness: its own stream, one draw per transaction sent (propagation).
public final class PerpLiquidator: Agent {
    public let settings: PerpLiquidatorSettings
    public var name: String { settings.name }
    let exchange: Int
    /// Its own account.
    public let account: PerpAccountID
    let venueOffset: Int
    /// The world's index of liquidatable accounts, and this agent's number there.
    let shared: PerpSharedIndex
    let subscriber: Int
    @exclusivity(unchecked) var view: MarketView
    @exclusivity(unchecked) var outbox: Outbox<PerpLiquidationTask>
    @exclusivity(unchecked) var newest: NewestBlock
    /// Positions not to try again before a time (after a revert); looked up, never iterated.
    @exclusivity(unchecked) var retryAfter = HoldOffs<PerpTarget>()

    @exclusivity(unchecked) public internal(set) var statistics = PerpLiquidatorStatistics()

    init(
        settings: PerpLiquidatorSettings, exchange: Int, account: PerpAccountID,
        shared: PerpSharedIndex, venueOffset: Int, view: MarketView, producer: AgentID,
        initialBaseFee: Wei, samplers: LatencySamplers? = nil
    ) {
        self.settings = settings
        self.exchange = exchange
        self.account = account
        self.shared = shared
        subscriber = shared.subscribe()
        self.venueOffset = venueOffset
        self.view = view
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        outbox = Outbox(
            address: settings.address, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    /// Queries and candidates tested so far by the shared index, one query a block however
    /// many agents read it (for the "never a scan" checks).
    public var indexQueries: Int { shared.index.queryCount }
    public var indexCandidates: Int { shared.index.candidateCount }

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
        shared.observe(report.header.number, subscriber: subscriber)
        settle(report, context)
        guard isNewest, !settings.downtime.covers(context.now),
            exchange < report.state.perpExchanges.count
        else { return }
        liquidate(
            report.state.perpExchanges[exchange],
            found: shared.liquidatableAccounts(at: report.header.number), context)
    }

    func settle(_ report: BlockReport<ProtocolState>, _ context: Context<ProtocolMessage>) {
        for outcome in outbox.settle(report) {
            switch outcome {
            case .succeeded(let entry, _):
                statistics.included += 1
                statistics.liquidations += 1
                hedge(entry.purpose, context)
            case .reverted(let entry, _, let revert):
                statistics.reverted += 1
                statistics.lastRevert = revert.reason
                retryAfter.hold(entry.purpose.target, until: context.now + settings.retryDelay)
            case .dropped:
                statistics.dropped += 1
            }
        }
    }

    /// Sells on the venue what a landed fill bought (a long taken), or buys back what it
    /// sold (a short taken).
    func hedge(_ task: PerpLiquidationTask, _ context: Context<ProtocolMessage>) {
        guard let venue = view.venueAgent else { return }
        let slot = venueOffset + Int(task.target.market.rawValue)
        let units = abs(task.units)
        statistics.unitsTaken += units
        context.send(
            .custom(
                task.units > 0
                    ? .sold(collateral: slot, amount: units)
                    : .bought(collateral: slot, amount: units)),
            to: venue)
    }

    /// Sends its transactions for `found`, the liquidatable accounts of `books`.
    func liquidate(
        _ books: PerpExchange, found: [PerpAccountID], _ context: Context<ProtocolMessage>
    ) {
        guard !found.isEmpty else { return }
        guard let bid = newest.bid(settings.gas)
        else {
            statistics.stalledByCeiling += 1
            return
        }
        var budget = settings.maxNewTransactionsPerBlock
        guard let own = try? books.risk(of: account) else { return }
        var freeMargin = (own.equity - own.initialMargin).approximateValue / 1e6
        for id in found where id != account {
            for position in books.account(id).positions {
                guard budget > 0 else { return }
                let target = PerpTarget(account: id, market: position.market)
                if isBusy(target, now: context.now) { continue }
                guard
                    let fill = plan(
                        position, of: id, books: books, freeMargin: freeMargin,
                        now: context.now)
                else { continue }
                freeMargin -= fill.margin
                budget -= 1
                statistics.sent += 1
                let call = PerpExchange.Call.liquidate(
                    account: id, market: position.market, size: fill.size, fillPrice: fill.price,
                    liquidator: account)
                outbox.send(
                    [.perp(exchange: exchange, call)],
                    gasLimit: intrinsicGasPerTransaction + call.gasCostEstimate, bid: bid,
                    purpose: PerpLiquidationTask(
                        target: target,
                        units: (position.size > 0 ? 1 : -1) * fill.size.approximateValue / 1e9),
                    context)
            }
        }
    }

    func isBusy(_ target: PerpTarget, now: SimTime) -> Bool {
        if outbox.pending.contains(where: { $0.purpose.target == target }) { return true }
        return retryAfter.isHeld(target, now: now)
    }

    /// The fill it would offer for `position` of account `id`: size (size units), price
    /// (quantums) and the initial margin it ties up (USDC); nil when the book takes nothing
    /// at the fillable price, its margin carries nothing, or the fill is too small.
    func plan(
        _ position: PerpPosition, of id: PerpAccountID, books: PerpExchange, freeMargin: Double,
        now: SimTime
    ) -> (size: Int128, price: Int128, margin: Double)? {
        let market = books.market(position.market)
        let long = position.size > 0
        let slot = venueOffset + Int(position.market.rawValue)
        let venue = view.venues[slot]
        let reference = view.reference(slot, at: now)
        let at = max(now, venue.updatedAt)
        let mid = venue.mid(reference: reference, at: at)
        // The fillable price is never further from the mark than `SMMR × MMF` (ABR ≤ 1):
        // when the book's best price is beyond even that, skip the contract's arithmetic.
        let mark = market.price.approximateValue / 1e6
        let widest =
            books.configuration.spreadToMaintenanceMarginRatioPpm.approximateValue
            * market.terms.maintenanceMarginPpm.approximateValue / 1e12
        let best = long ? mid * (1 - settings.fillDiscount) : mid * (1 + settings.fillDiscount)
        let buffer = settings.priceBuffer
        guard long ? best >= mark * (1 - widest + buffer) : best <= mark * (1 + widest - buffer)
        else {
            statistics.unfillable += 1
            return nil
        }
        guard let boundQuantums = try? books.fillablePrice(account: id, market: position.market)
        else { return nil }
        // It aims inside the bound by its buffer, so a small move of the mark before
        // inclusion does not revert the fill.
        let exactBound = boundQuantums.approximateValue / 1e6
        let bound = long ? exactBound + mark * buffer : exactBound - mark * buffer
        let held = position.size.magnitude.approximateValue / 1e9
        var units = min(
            held,
            Self.unitsWithin(
                bound: bound, long: long, discount: settings.fillDiscount,
                depth: venue.depth, mid: mid))
        guard units > 0 else {
            statistics.unfillable += 1
            return nil
        }
        let fraction =
            ((try? market.effectiveInitialMarginPpm) ?? PerpMath.ppm).approximateValue / 1e6
        // What its margin carries at the market's initial margin fraction in force.
        let carried = freeMargin > 0 ? freeMargin / (mark * fraction) : 0
        if carried < units {
            statistics.capitalBound += 1
            units = carried * 0.98
        }
        guard units * mark >= max(settings.minimumNotional, 1e-6) else { return nil }
        // Through Int64 (9.2e9 units): Swift's generic Double → UInt128 conversion is slow.
        let whole = position.size.magnitude
        let size =
            units >= held || units * 1e9 >= 9e18 ? whole : min(UInt128(Int64(units * 1e9)), whole)
        guard size > 0 else { return nil }
        let walk =
            long
            ? venue.priceAfterSelling(size.approximateValue / 1e9, reference: reference, at: at)
            : venue.priceAfterBuying(size.approximateValue / 1e9, reference: reference, at: at)
        let discount = settings.fillDiscount
        let price = walk.averagePrice * (long ? 1 - discount : 1 + discount) * 1e6
        guard walk.unfilled <= 0, price.isFinite, price > 0 else { return nil }
        // Round toward the bound's side of the book, then never past the bound.
        let quantums =
            long
            ? max(Int128.approximating(price, .down), boundQuantums)
            : min(Int128.approximating(price, .up), boundQuantums)
        return (Int128(size), quantums, size.approximateValue / 1e9 * mark * fraction)
    }
}

extension PerpLiquidator {
    /// The most units the book takes at an average price no worse than `bound` after the
    /// liquidator's `discount`, in closed form (`DepthCurve`): selling walks the bids to the
    /// fraction `x` with average `mid·(1 − e·x/(e + 1))`, so `avg·(1 − d) ≥ bound` holds up
    /// to `x = (1 − bound / (mid·(1 − d)))·(e + 1)/e`, where the book holds
    /// `depth(x) / mid` units; buying mirrors it on the asks. At most the book's end
    /// (`maximumFraction`); 0 when even the best price is beyond the bound.
    static func unitsWithin(
        bound: Double, long: Bool, discount: Double, depth: DepthCurve, mid: Double
    ) -> Double {
        guard mid > 0, bound > 0 else { return 0 }
        let slack =
            long ? 1 - bound / (mid * (1 - discount)) : bound / (mid * (1 + discount)) - 1
        guard slack > 0 else { return 0 }
        let fraction = min(slack * (depth.exponent + 1) / depth.exponent, depth.maximumFraction)
        // A hair inside the edge, so rounding never puts the average past the bound.
        return depth.depth(within: fraction) / mid * (1 - 1e-9)
    }
}

extension PerpExchange.Call {
    /// The gas the call uses (`ProtocolState.Call.gasCost`), for a transaction's limit.
    var gasCostEstimate: UInt64 { ProtocolState.Call.perp(exchange: 0, self).gasCost + 20_000 }
}

/// What a liquidator did, for tests and reports.
public struct PerpLiquidatorStatistics: Hashable, Sendable {
    public var sent = 0
    public var included = 0
    public var reverted = 0
    public var dropped = 0
    public var rejected = 0
    public var liquidations = 0
    /// Base units taken into its book.
    public var unitsTaken = 0.0
    /// Positions whose fillable price was beyond the book's best price.
    public var unfillable = 0
    /// Fills cut to what its margin carried.
    public var capitalBound = 0
    public var stalledByCeiling = 0
    public var lastRevert: String?
}
