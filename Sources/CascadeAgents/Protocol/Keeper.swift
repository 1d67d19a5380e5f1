import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// A liquidation keeper: finds unsafe vaults in its own index, starts auctions, and buys
/// (Clipper `take`) or bids (Flipper `tend`/`dent`/`deal`) when it judges it profitable.
///
/// **Information.** It sees a block only after its own observation delay, and then: the
/// state after the block, the block's contract events, and its own receipts. It keeps its
/// vault book current from the events (never a scan) and queries it once per ilk per new
/// block at the on-chain `spot`; the world's keepers keep that book once between them
/// (`MakerSharedBook`), each reading it as of the blocks it has seen. It sees no mempool: a competitor shows only as an event
/// on the same vault or auction by another address (a `bark`, `take`, `tend`), as its own
/// reverted attempt, or as its own attempt missing a full block. Such a target is
/// *contested*; with a raise rule, a pending attempt on it is replaced with a raised bid
/// each new block until it lands or the cap is reached. Prices come from the market view:
/// the reference at its own time and the last venue book it was sent.
///
/// **Decisions.** `bark` when the incentive (`tip + chip·tab`) covers gas, or always if
/// it starts unprofitable auctions; `bite` always (the Cat pays nothing; the keeper bites
/// to bid). Clipper: the sale value of the slice on the venue after slippage minus the DAI
/// owed minus gas; own DAI when it has enough (joined in the same transaction), else the
/// flash take-and-swap bundle on the AMM, valued at the pair's exact output. Flipper: bid
/// its valuation (venue sale value × (1 − discount)) when that beats the current bid by
/// `beg`, `dent` at that valuation once bids reach the tab, `deal` what it won, and the
/// opportunist's 1-wei bid on auctions nobody bid on.
///
/// **Randomness.** Its own stream: one draw at start seeds its observation delays (drawn
/// by the producer), then one draw per transaction sent for its propagation delay.
public final class Keeper: Agent {
    struct KnownAuction {
        var id: MakerSystem.AuctionID
        var collateral: Int
        var kickedAt: SimTime
        /// Looks in a row that found nothing to do (backs the next look off).
        var misses = 0
    }

    public let settings: KeeperSettings
    public var name: String { settings.name }
    let ilks: [MakerSystem.IlkID]
    let pairs: [Int?]
    /// The world's vault book, read as of the blocks this keeper has seen.
    let book: MakerSharedBook
    /// Its number among the book's subscribers, from `start` (−1 before: an agent never
    /// added to a run must not hold the book's log back).
    @exclusivity(unchecked) var subscriber = -1
    @exclusivity(unchecked) var view: MarketView
    @exclusivity(unchecked) var outbox: Outbox<KeeperTask>
    /// The newest block it observed: number, next base fee, mean gas price (its bids).
    @exclusivity(unchecked) var newest: NewestBlock
    /// The auctions it knows of: the live ones, and finished ones until they are a fifth
    /// of the list (`finishedKept`).
    @exclusivity(unchecked) var auctions: [KnownAuction] = []
    /// The highest auction id it has learnt of. Ids come from one increasing counter, so a
    /// kick above it is new without a search; only a `redo` (which announces a known id
    /// again) needs one, instead of a search of every live auction on every kick.
    @exclusivity(unchecked) var highestKnownAuction = MakerSystem.AuctionID(0)
    /// Whether `auctions` is in increasing id order (kicks are learnt in id order, and
    /// removing finished auctions keeps the order): `position(of:)` then searches it by
    /// halves instead of from the front.
    @exclusivity(unchecked) var auctionsSorted = true
    /// `nextChecks[i]`: auction `i` is not looked at again before this time, in
    /// milliseconds (see `auctionRecheck`). Dense times beside `auctions`, on a timing
    /// wheel (`DueTimes`), because every pass asks which are due: reading each 40-byte
    /// `KnownAuction` for it was 8% of the world bench, reading every time 2% of a Black
    /// Thursday run.
    let nextChecks = DueTimes()
    /// At most the smallest of `nextChecks` (`Int64.min`: unknown): a pass before it has
    /// nothing due and returns without scanning them.
    @exclusivity(unchecked) var earliestCheck = Int64.max
    /// Finished auctions still in `auctions` (their next check `Int64.max`): removed all
    /// at once when they are a fifth of it.
    @exclusivity(unchecked) var finishedKept = 0
    /// Targets somebody else moved on, or its own attempt on reverted: what `raisePending`
    /// raises the bid for. Kept only by a keeper with a raise rule (no other reads it: a
    /// set of every vault liquidated and every auction bid on, hashed on each insertion,
    /// cost the others 3% of a Black Thursday run for nothing).
    @exclusivity(unchecked) var contested = KeeperTargetSet()
    /// Vaults not to try again before a time (after a revert). Auctions keep theirs in
    /// `nextChecks`: a dictionary lookup per auction per pass was 7% of the
    /// protocol world's time.
    @exclusivity(unchecked) var retryAfter = HoldOffs<KeeperTarget>()
    /// The world's auction reads and Clipper quotes, per block and second.
    let quotes: MakerAuctionQuotes
    /// The world's keepers' news of the latest blocks, read once per block.
    let newsBook: KeeperNewsBook
    /// The auction pass's last venue sale value (see `saleValue(_:amount:_:)`).
    @exclusivity(unchecked) var lastSales = SaleQuotes()
    /// The current auction pass's flash pair reserves by collateral (collateral in, DAI
    /// out; nil without a pair), read on the pass's first flash look (`readPassReserves`).
    @exclusivity(unchecked) var passReserves: [(UInt256, UInt256)?] = []
    /// The last curve `recheckTime` asked about, and the ratio below which its wait is
    /// past the limit (`farRatio(of:)`).
    @exclusivity(unchecked) var farRatioCurve = ClipFacts.RecheckCurve.none
    @exclusivity(unchecked) var farRatioValue = 0.0
    /// The current auction pass's venue mids by collateral (`PassInputs`).
    @exclusivity(unchecked) var passMids: [Double] = []
    /// Its DAI as the last pass read it (`spendableDai`).
    @exclusivity(unchecked) var passCapital: PassCapital?
    /// The auctions the current pass found a transaction in flight for (`bidOnAuctions`).
    @exclusivity(unchecked) var passPending: [MakerSystem.AuctionID] = []
    /// The current auction pass's Flipper terms, read on its first Flipper look
    /// (`readPassTerms`).
    @exclusivity(unchecked) var lastFlipTerms = FlipPassTerms()
    /// Whether the current pass has read `lastFlipTerms` and `passReserves` yet.
    @exclusivity(unchecked) var passTermsRead = false
    @exclusivity(unchecked) var passReservesRead = false
    /// The native token's reference price at the time it was last read for a gas cost
    /// (`gasCost(_:bid:now:)`): a block's liquidation pass asks it once per unsafe vault,
    /// and each read went through the market view (a copy and release of its references).
    @exclusivity(unchecked) var nativePriceRead: (time: SimTime, price: Double)?
    /// The vault ids the liquidation pass's query found (`liquidate`), kept for its storage.
    @exclusivity(unchecked) var unsafeIDs: [Int] = []

    @exclusivity(unchecked) public internal(set) var statistics = KeeperStatistics()

    init(
        settings: KeeperSettings, genesis: ProtocolState, ilks: [MakerSystem.IlkID],
        pairs: [Int?], book: MakerSharedBook, quotes: MakerAuctionQuotes,
        newsBook: KeeperNewsBook, view: MarketView, producer: AgentID,
        initialBaseFee: Wei, samplers: LatencySamplers? = nil
    ) {
        self.settings = settings
        self.ilks = ilks
        self.pairs = pairs
        self.book = book
        self.quotes = quotes
        self.newsBook = newsBook
        self.view = view
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        outbox = Outbox(
            address: settings.address, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    /// Index queries and updates so far (for the "never a scan" check).
    /// Index queries so far, and the vaults they returned (this keeper's); updates of the
    /// shared book (made once for all its subscribers).
    public var indexQueries: Int { subscriber < 0 ? 0 : book.queryCounts[subscriber] }
    public var indexUpdates: Int { book.updateCount }
    public var indexReturned: Int { subscriber < 0 ? 0 : book.returnedCounts[subscriber] }
    /// Auction reads of the world's keepers so far (`MakerAuctionQuotes`, shared by them
    /// all): those answered from a kept read, and those made from the state.
    public var auctionReads: (shared: Int, made: Int) { (quotes.sharedReads, quotes.reads) }

    public func start(_ context: Context<ProtocolMessage>) {
        subscriber = book.subscribe()
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
        book.observe(report, subscriber: subscriber)
        learn(
            from: newsBook.news(of: report.header.number, events: report.events),
            blockTime: report.header.time)
        settle(report, context)
        guard isNewest, !settings.downtime.covers(context.now) else { return }
        // The state after the block is read in place from the report (a `let` of a final
        // class, so it is passed down borrowed): a stored copy cost a copy of the state's
        // tables per keeper per block.
        let blockWasFull = report.header.gasUsed * 100 >= report.header.gasLimit * 95
        raisePending(blockTime: report.header.time, blockWasFull: blockWasFull, context)
        // Half the block's budget (rounded up) for new liquidations, the rest and what
        // they left for auctions: starting auctions must not starve taking from them.
        let total = settings.maxNewTransactionsPerBlock
        var liquidations = (total + 1) / 2
        liquidate(report.state, budget: &liquidations, context)
        var budget = total - (total + 1) / 2 + liquidations
        // Most blocks have no auction due before the earliest next check: decided here,
        // before the state is passed (which copies it).
        guard context.now.milliseconds >= earliestCheck else { return }
        bidOnAuctions(report.state, block: report.header.number, budget: &budget, context)
    }

    /// Whether auction `id` is among its live auctions (a finished one may still hold its
    /// place in the list: `finishedKept`).
    func isKnown(_ id: MakerSystem.AuctionID) -> Bool {
        position(of: id) != nil
    }

    /// The first position of live auction `id` in `auctions` (finished ones, whose next
    /// check is `Int64.max`, do not count), or nil. Ids are learnt in increasing order
    /// (`auctionsSorted`), so a binary search finds where its entries start; a list out of
    /// order is searched from the front.
    func position(of id: MakerSystem.AuctionID) -> Int? {
        guard auctionsSorted else {
            return auctions.indices.first { auctions[$0].id == id && nextChecks[$0] != .max }
        }
        var low = Self.partitionPoint(auctions.count) { auctions[$0].id < id }
        while low < auctions.count, auctions[low].id == id {
            if nextChecks[low] != .max { return low }
            low += 1
        }
        return nil
    }

    /// The first of positions `0..<count` where `isBelow` is false, when it is true for a
    /// prefix of them and false after (a lower bound, by halves).
    static func partitionPoint(_ count: Int, isBelow: (Int) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = low + (high - low) / 2
            if isBelow(middle) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// New auctions and competitors' moves, from the block's news (read once per block
    /// for all keepers: `KeeperNewsBook`).
    func learn(from news: [KeeperNews], blockTime: SimTime) {
        let me = settings.address
        let raises = settings.gas.raisePercent != nil
        for item in news {
            switch item {
            case .kicked(let ilk, let auction, let keeper):
                guard let collateral = ilks.firstIndex(of: ilk),
                    auction > highestKnownAuction
                        || !isKnown(auction)
                else { continue }
                if let last = auctions.last, auction < last.id { auctionsSorted = false }
                highestKnownAuction = max(highestKnownAuction, auction)
                auctions.append(
                    KnownAuction(id: auction, collateral: collateral, kickedAt: blockTime))
                nextChecks.append(0)
                earliestCheck = min(earliestCheck, 0)
                if let keeper, keeper != me {
                    statistics.competitorsSeen += 1
                }
            case .liquidated(let ilk, let vault):
                if raises { contested.insert(.vault(ilk: ilk, owner: vault)) }
            case .moved(let auction, let actor) where actor != me:
                if raises { contested.insert(.auction(auction)) }
                statistics.competitorsSeen += 1
            case .moved:
                continue
            }
        }
    }

    func settle(_ report: BlockReport<ProtocolState>, _ context: Context<ProtocolMessage>) {
        outbox.settle(report) { outcome in
            switch outcome {
            case .succeeded(let entry, let receipt):
                statistics.included += 1
                statistics.gasPaidWei += receipt.fee.paid
                succeeded(entry.purpose, context)
            case .reverted(let entry, let receipt, let revert):
                statistics.reverted += 1
                statistics.gasPaidWei += receipt.fee.paid
                statistics.gasBurntByRevertsWei += receipt.fee.paid
                statistics.lastRevert = revert.reason
                if settings.gas.raisePercent != nil { contested.insert(entry.purpose.target) }
                holdOff(entry.purpose.target, until: context.now + settings.retryDelay)
            case .dropped:
                statistics.dropped += 1
            }
        }
    }

    func succeeded(_ task: KeeperTask, _ context: Context<ProtocolMessage>) {
        switch task {
        case .liquidate:
            statistics.liquidations += 1
        case .take(_, let collateral, let slice, let flash):
            statistics.takes += 1
            if !flash { sell(collateral, slice, context) }
        case .bid:
            statistics.bids += 1
        case .redo:
            statistics.redos += 1
        case .deal(_, let collateral, let lot, let soldOnAMM):
            statistics.deals += 1
            if !soldOnAMM { sell(collateral, lot, context) }
        }
    }

    /// Sells collateral bought with own DAI on the off-chain venue (see `VenueAgent`).
    func sell(_ collateral: Int, _ amount: UInt256, _ context: Context<ProtocolMessage>) {
        guard let venue = view.venueAgent else { return }
        let units = amount.approximateValue / 1e18
        statistics.soldOnVenue += units
        context.send(.custom(.sold(collateral: collateral, amount: units)), to: venue)
    }

    func isBusy(with target: KeeperTarget, now: SimTime) -> Bool {
        if hasPending(target) { return true }
        return retryAfter.isHeld(target, now: now)
    }

    /// Whether a transaction for `target` is in flight.
    func hasPending(_ target: KeeperTarget) -> Bool {
        outbox.pending.contains { $0.purpose.target == target }
    }

    /// Leaves `target` alone until `time` (after a revert): an auction by its next check
    /// (the pass skips it until then, as it skipped a busy target), a vault in `retryAfter`.
    func holdOff(_ target: KeeperTarget, until time: SimTime) {
        guard case .auction(let id) = target else {
            retryAfter.hold(target, until: time)
            return
        }
        if let index = position(of: id) {
            nextChecks[index] = max(nextChecks[index], time.milliseconds)
        }
    }

    func raisePending(blockTime: SimTime, blockWasFull: Bool, _ context: Context<ProtocolMessage>) {
        statistics.raises += outbox.raisePending(
            sentBefore: blockTime, gas: settings.gas,
            where: { blockWasFull || contested.contains($0.target) }, context)
    }

    /// Gas cost in quote currency of `gas` units at the current bid.
    func gasCost(_ gas: Gas, bid: GasBid, now: SimTime) -> Double {
        gasCost(gas, bid: bid, nativePrice: nativePrice(at: now))
    }

    /// The native token's reference price at `now` (the first collateral's without one).
    func nativePrice(at now: SimTime) -> Double {
        if let read = nativePriceRead, read.time == now { return read.price }
        let price = view.nativePrice(at: now, fallback: view.reference(0, at: now))
        nativePriceRead = (now, price)
        return price
    }

    /// `gasCost` at a native token price of `nativePrice` (the auction pass reads it once:
    /// see `PassMarket`).
    func gasCost(_ gas: Gas, bid: GasBid, nativePrice: Double) -> Double {
        let price = min(bid.feeCap, newest.nextBaseFee + bid.tipCap)
        let wei = price.approximateValue * Double(gas)
        return wei / 1e18 * nativePrice
    }

    func send(
        _ calls: [ProtocolState.Call], gasLimit: Gas, bid: GasBid, task: KeeperTask,
        budget: inout Int, _ context: Context<ProtocolMessage>
    ) {
        budget -= 1
        statistics.sent += 1
        outbox.send(calls, gasLimit: gasLimit, bid: bid, purpose: task, context)
    }
}

/// A venue sale value and the question it answers (collateral −1: none yet).
struct SaleQuote {
    var collateral = -1
    var amount = 0.0
    var value = 0.0
}

/// The last few sale values of an auction pass (`Keeper.saleValue`), replaced oldest first:
/// a pass meets a few lot sizes over and over (full `lump` lots, each ilk's remainders).
struct SaleQuotes {
    static let count = 4
    private var quotes = (SaleQuote(), SaleQuote(), SaleQuote(), SaleQuote())
    private var next = 0

    subscript(slot: Int) -> SaleQuote {
        switch slot {
        case 0: quotes.0
        case 1: quotes.1
        case 2: quotes.2
        default: quotes.3
        }
    }

    mutating func keep(_ quote: SaleQuote) {
        switch next {
        case 0: quotes.0 = quote
        case 1: quotes.1 = quote
        case 2: quotes.2 = quote
        default: quotes.3 = quote
        }
        next = (next + 1) % Self.count
    }
}

/// What a keeper did, for tests and reports.
public struct KeeperStatistics: Hashable, Sendable {
    public var blocksObserved = 0
    public var sent = 0
    public var included = 0
    public var reverted = 0
    public var dropped = 0
    public var rejected = 0
    public var raises = 0
    public var liquidations = 0
    public var takes = 0
    public var bids = 0
    public var deals = 0
    public var redos = 0
    /// Times its gas policy refused to send (base fee at or above its ceiling).
    public var stalledByCeiling = 0
    public var competitorsSeen = 0
    public var gasPaidWei: Wei = 0
    public var gasBurntByRevertsWei: Wei = 0
    /// Collateral units sold on the off-chain venue.
    public var soldOnVenue: Double = 0
    public var lastRevert: String?
}
