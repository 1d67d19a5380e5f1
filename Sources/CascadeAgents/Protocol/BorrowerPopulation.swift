import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// The vault owners of a world: how many, how their vaults are drawn, and how (and
/// whether) they defend them.
///
/// At genesis each vault draws, from the stream `borrowers` of the run's seed (so the book
/// does not depend on which agents exist): its collateral (round robin over the
/// collaterals), its size (log-normal units of collateral, optionally scaled to a total
/// debt), its collateralisation ratio
/// (uniform in `[ratioMinimum, ratioMaximum]`, at the genesis price), whether it is
/// reactive (`reactiveShare`), and whether a reactive owner tops up collateral
/// (`topUpShare`) or repays DAI. It locks the collateral and draws the DAI (kept in the
/// Vat); a reactive owner also holds a reserve of `reserveFraction` of its vault (in
/// collateral tokens or Vat DAI).
public struct BorrowerPopulationSettings: Hashable, Sendable {
    public var count: Int
    /// Median vault size, units of collateral.
    public var sizeMedian: Double
    /// σ of the log size.
    public var sizeSigma: Double
    /// When set, every drawn size is scaled by one factor so the vaults' debts at genesis
    /// sum to this many DAI (the shape of the distribution stays the draw's).
    public var debtTotal: Double?
    public var ratioMinimum: Double
    public var ratioMaximum: Double
    public var reactiveShare: Double
    public var topUpShare: Double
    public var reserveFraction: Double
    /// A reactive owner looks at its vault when its liquidation price comes within this
    /// fraction below the market price (0.1: within 10%).
    public var warningMargin: Double
    /// Chance that a warned owner acts at all (drawn once per warning).
    public var reactionProbability: Double
    /// Delay between the warning and the transaction.
    public var reactionLatency: LatencyModel
    /// The ratio an owner restores (at the market price when it acts).
    public var targetRatio: Double
    /// Owners do not act again on the same vault within this time.
    public var cooldown: SimTime
    /// At most this many warned vaults looked at per ilk per block.
    public var warningsPerBlock: Int
    public var observation: LatencyModel
    public var propagation: LatencyModel
    public var gas: GasPolicy

    public init(
        count: Int, sizeMedian: Double = 20, sizeSigma: Double = 1, debtTotal: Double? = nil,
        ratioMinimum: Double = 1.6, ratioMaximum: Double = 3.0, reactiveShare: Double = 0.5,
        topUpShare: Double = 0.5, reserveFraction: Double = 0.5, warningMargin: Double = 0.1,
        reactionProbability: Double = 0.8,
        reactionLatency: LatencyModel = .logNormal(medianMs: 600_000, sigma: 1),
        targetRatio: Double = 2.0, cooldown: SimTime = .hours(1), warningsPerBlock: Int = 256,
        observation: LatencyModel = .logNormal(medianMs: 1_000, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 200, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(2)))
    ) {
        precondition(count >= 0 && sizeMedian > 0 && sizeSigma >= 0)
        precondition(ratioMinimum > 1 && ratioMaximum >= ratioMinimum)
        precondition((0...1).contains(reactiveShare) && (0...1).contains(topUpShare))
        precondition((0...1).contains(reactionProbability) && warningMargin >= 0)
        self.count = count
        self.sizeMedian = sizeMedian
        self.sizeSigma = sizeSigma
        self.debtTotal = debtTotal
        self.ratioMinimum = ratioMinimum
        self.ratioMaximum = ratioMaximum
        self.reactiveShare = reactiveShare
        self.topUpShare = topUpShare
        self.reserveFraction = reserveFraction
        self.warningMargin = warningMargin
        self.reactionProbability = reactionProbability
        self.reactionLatency = reactionLatency
        self.targetRatio = targetRatio
        self.cooldown = cooldown
        self.warningsPerBlock = warningsPerBlock
        self.observation = observation
        self.propagation = propagation
        self.gas = gas
    }
}

/// One vault as drawn at genesis.
struct BorrowerVault: Hashable, Sendable {
    var owner: Address
    var collateral: Int
    var reactive: Bool
    var topsUp: Bool
}

/// Every vault owner of the world as one agent (10,000 owners as 10,000 subscribers would
/// cost 10,000 events a block). It reads the world's vault book (`MakerSharedBook`) as of the
/// blocks it has seen, like a keeper, and per ilk per new block warns at most
/// `warningsPerBlock` of the owners a warning may make act (reactive, not cooling down)
/// whose vaults are unsafe at `market × (1 − margin)` — those whose liquidation price is
/// within the margin — most underwater first, never scanning.
///
/// **Which vaults it walks.** A fall puts thousands of vaults within the margin, most of
/// them passive or cooling down. Walking the book from its most underwater end and
/// screening what it found spent the block's limit on them: the reactive owners behind
/// them were never warned while they were there (in the world bench, about 1,100 ready
/// owners a block), and the walk cost thousands of steps a block. It keeps instead an
/// index of its own holding only the vaults of ready owners (`watched`), a mirror of the
/// shared book as of its version: a block it sees in step updates the vaults the block
/// names, a warning takes the owner's vault out, the end of a cooldown puts it back. Out
/// of step with the book (an observation delay beyond the block interval: rare), it
/// walks its own book whole and screens it, as before but without the limit on the walk.
///
/// A warned reactive owner draws (own stream) whether it acts; if so it decides then, on
/// the state of that block, and sends after its reaction latency (so it holds no state
/// between blocks): a top-up (`joinGem` + `frob`) from its
/// collateral reserve, or a repayment (`frob` with negative `dart`) from its Vat DAI, to
/// the target ratio at the market price. Transactions are fire-and-forget with one nonce
/// counter per owner.
public final class BorrowerPopulation: Agent {
    public let name: String
    let settings: BorrowerPopulationSettings
    let vaults: [BorrowerVault]
    let ilks: [MakerSystem.IlkID]
    let producer: AgentID
    let propagation: LatencySampler
    let reaction: LatencySampler
    let book: MakerSharedBook
    /// Its number among the book's subscribers, from `start` (−1 before: an agent never
    /// added to a run must not hold the book's log back).
    @exclusivity(unchecked) var subscriber = -1
    @exclusivity(unchecked) var view: MarketView
    /// Each owner's planned transaction, sent when its reaction latency has passed.
    @exclusivity(unchecked) var plans: [[ProtocolState.Call]?]
    @exclusivity(unchecked) var newest: NewestBlock
    @exclusivity(unchecked) var nonces: [UInt64]
    /// Which owners a warning may make act now: not the passive ones, nor those cooling
    /// down from a warning (`OwnerReadiness`: a bit per owner, so the hundreds of vaults
    /// `warn` walks a block are screened in a table that stays in cache).
    @exclusivity(unchecked) var readiness: OwnerReadiness
    /// The vaults `warn` finds unsafe at a block (kept for its capacity).
    @exclusivity(unchecked) var unsafeIDs: [Int] = []
    /// The vaults of the owners that are ready (`readiness`), as the shared book held them
    /// at `watchedVersion`; nil: to be built again from the book when next in step.
    @exclusivity(unchecked) var watched = LiquidationIndex()
    @exclusivity(unchecked) var watchedVersion: UInt64?
    @exclusivity(unchecked) var watchedQueries = 0
    @exclusivity(unchecked) public private(set) var warnings = 0
    @exclusivity(unchecked) public private(set) var actions = 0

    init(
        name: String, settings: BorrowerPopulationSettings, vaults: [BorrowerVault],
        ilks: [MakerSystem.IlkID], genesis: ProtocolState, book: MakerSharedBook, view: MarketView,
        producer: AgentID, initialBaseFee: Wei, samplers: LatencySamplers? = nil
    ) {
        self.name = name
        self.settings = settings
        self.vaults = vaults
        self.ilks = ilks
        self.producer = producer
        self.book = book
        self.view = view
        plans = Array(repeating: nil, count: vaults.count)
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        propagation = samplers.sampler(settings.propagation)
        reaction = samplers.sampler(settings.reactionLatency)
        nonces = Array(repeating: 0, count: vaults.count)
        readiness = OwnerReadiness(ready: vaults.map(\.reactive))
    }

    public var indexQueries: Int {
        watchedQueries + (subscriber < 0 ? 0 : book.queryCounts[subscriber])
    }

    /// Whether `owner` is a borrower who defends its vault (false for other addresses).
    public func isReactive(_ owner: Address) -> Bool {
        guard owner.rawValue >= ProtocolWorld.firstBorrower else { return false }
        let index = Int(owner.rawValue - ProtocolWorld.firstBorrower)
        return index < vaults.count && vaults[index].reactive
    }

    public func start(_ context: Context<ProtocolMessage>) {
        subscriber = book.subscribe()
        context.subscribeToBlocks(from: producer, latency: settings.observation)
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .blockObserved(let report):
            book.observe(report, subscriber: subscriber)
            followBook(report)
            if newest.observe(report) {
                warn(report.state, context)
            }
        case .timer(let tag):
            send(Int(tag), context)
        case .custom(let payload):
            view.receive(payload)
        default:
            break
        }
    }

    func warn(_ state: ProtocolState, _ context: Context<ProtocolMessage>) {
        // Read once: the book is a shared class, so the compiler reads it again for every id.
        let ilkCount = book.book.ilkCount
        let now = context.now.milliseconds
        for (collateral, ilk) in ilks.enumerated() {
            let price = view.reference(collateral, at: context.now) * (1 - settings.warningMargin)
            guard let wad = UInt256(truncating: price * 1e18), !wad.isZero else { continue }
            readiness.release(upTo: now) { owner in
                if watchedVersion != nil { watch(owner) }
            }
            // Vault ids, not owners: an owner's index is its id over the ilk count.
            findWarnable(ilk: ilk, atPrice: wad, state: state)
            var position = 0
            var warned = 0
            // (Out of step, `unsafeIDs` holds every unsafe vault: the limit is kept here.)
            while warned < settings.warningsPerBlock,
                let index = nextEligible(after: &position, ilkCount: ilkCount)
            {
                warned += 1
                warnings += 1
                readiness.coolDown(index, until: (context.now + settings.cooldown).milliseconds)
                if watchedVersion != nil { watched.remove(vaultID(of: index)) }
                let acts = context.random.uniform() < settings.reactionProbability
                guard acts, let calls = plan(index, state, context) else { continue }
                plans[index] = calls
                context.wake(
                    after: reaction.draw(using: &context.random), .timer(tag: UInt64(index)))
            }
        }
    }

    /// Into `unsafeIDs`, the vaults of `ilk` of ready owners unsafe at oracle price `price`
    /// (WAD) with the ilk's terms in `state`, most underwater first, at most
    /// `warningsPerBlock` of them when in step with the book (`watched`); out of step, every
    /// unsafe vault of its own book, for `nextEligible` to screen.
    private func findWarnable(ilk: MakerSystem.IlkID, atPrice price: UInt256, state: ProtocolState)
    {
        guard watchedVersion != nil else {
            book.unsafeIDs(
                ilk: ilk, atPrice: price, state: state, limit: .max, subscriber: subscriber,
                into: &unsafeIDs)
            return
        }
        watchedQueries += 1
        unsafeIDs.removeAll(keepingCapacity: true)
        guard let threshold = MakerSharedBook.threshold(ilk: ilk, atPrice: price, in: state)
        else { return }
        watched.appendUnsafePositions(
            in: Int(ilk.rawValue), at: threshold, limit: settings.warningsPerBlock,
            to: &unsafeIDs)
        assert(
            unsafeIDs == screenedWalk(Int(ilk.rawValue), at: threshold),
            "the watched vaults differ from the book's ready ones")
    }

    /// What `watched` must answer, from the book itself (debug builds check every answer,
    /// so every test run checks the mirror): its vaults unsafe at `threshold`, screened for
    /// ready owners, the first `warningsPerBlock`.
    private func screenedWalk(_ market: Int, at threshold: SafetyThreshold) -> [Int] {
        var all: [Int] = []
        book.book.index.appendUnsafePositions(in: market, at: threshold, to: &all)
        let ilkCount = book.book.ilkCount
        return Array(
            all.lazy.filter { self.readiness.isReady($0 / ilkCount) }
                .prefix(settings.warningsPerBlock))
    }

    /// Keeps `watched` the shared book's vaults of the ready owners after `report`'s block:
    /// the vaults the block names when it is the one block the book applied since, else
    /// built again (a gap closed, or back in step); out of step, left to be built again.
    func followBook(_ report: BlockReport<ProtocolState>) {
        guard book.isInStep(subscriber) else {
            watchedVersion = nil
            return
        }
        let version = book.version
        guard watchedVersion != version else { return }
        if let synced = watchedVersion, synced + 1 == version, report.header.number == version {
            let ilkCount = book.book.ilkCount
            // The ids the book read from this block's events (reading them again cost as
            // much as the book's own read).
            for id in book.versionIDs where readiness.isReady(id / ilkCount) {
                watch(id / ilkCount)
            }
        } else {
            watched = LiquidationIndex()
            for owner in vaults.indices where readiness.isReady(owner) { watch(owner) }
        }
        watchedVersion = version
    }

    /// Owner `owner`'s vault in `watched` as the shared book holds it (absent without debt).
    private func watch(_ owner: Int) {
        let id = vaultID(of: owner)
        if let entry = book.book.index.position(id) {
            watched.update(id, entry)
        } else {
            watched.remove(id)
        }
    }

    /// The book's id of owner `owner`'s vault (`VaultBook`: its offset times the ilk count,
    /// plus the ilk).
    private func vaultID(of owner: Int) -> Int {
        owner * book.book.ilkCount + Int(ilks[vaults[owner].collateral].rawValue)
    }

    /// The owner of the first vault of `unsafeIDs` at or after `position` that a warning
    /// may make act now, with `position` moved past it; nil when none is left.
    private func nextEligible(after position: inout Int, ilkCount: Int) -> Int? {
        unsafeIDs.withUnsafeBufferPointer { ids in
            readiness.firstReady(of: ids, from: &position, ilkCount: ilkCount)
        }
    }

    /// What owner `index` will send, decided on `state` when warned: a top-up or a
    /// repayment to the target ratio at the market price; nil if it cannot.
    func plan(
        _ index: Int, _ state: ProtocolState, _ context: Context<ProtocolMessage>
    ) -> [ProtocolState.Call]? {
        let vault = vaults[index]
        let ilk = ilks[vault.collateral]
        let urn = state.maker.urn(ilk: ilk, owner: vault.owner)
        guard !urn.art.isZero, !urn.ink.isZero else { return nil }
        let price = view.reference(vault.collateral, at: context.now)
        let rate = state.maker.ilk(ilk).rate.approximateValue / 1e27
        let debt = urn.art.approximateValue / 1e18 * rate
        let ink = urn.ink.approximateValue / 1e18
        var calls: [ProtocolState.Call] = []
        if vault.topsUp {
            guard let wiring = state.collateral(of: ilk) else { return nil }
            let wanted = debt * settings.targetRatio / price - ink
            let wallet = UInt256(state.ledger.balance(of: wiring.token, vault.owner))
            guard wanted > 0, let amount = UInt256(truncating: wanted * 1e18) else { return nil }
            let dink = min(amount, wallet)
            guard !dink.isZero else { return nil }
            calls = [
                .joinGem(ilk: ilk, amount: dink),
                .maker(.frob(ilk: ilk, dink: .plus(dink), dart: .zero)),
            ]
        } else {
            let wanted = urn.art.approximateValue / 1e18 - ink * price / settings.targetRatio / rate
            let rateRay = state.maker.ilk(ilk).rate
            let affordable = state.maker.dai(vault.owner) / rateRay
            guard wanted > 0, let amount = UInt256(truncating: wanted * 1e18) else { return nil }
            var dart = min(amount, affordable, urn.art)
            let dust = state.maker.ilk(ilk).dust
            if dart < urn.art && (urn.art - dart) * rateRay < dust {
                guard urn.art <= affordable else { return nil }
                dart = urn.art
            }
            guard !dart.isZero else { return nil }
            calls = [.maker(.frob(ilk: ilk, dink: .zero, dart: .minus(dart)))]
        }
        return calls
    }

    /// Sends owner `index`'s planned transaction at the current gas price.
    func send(_ index: Int, _ context: Context<ProtocolMessage>) {
        guard let calls = plans[index],
            let bid = newest.bid(settings.gas)
        else { return }
        plans[index] = nil
        actions += 1
        let request = TransactionRequest(
            sender: vaults[index].owner, replyTo: context.agent, nonce: nonces[index],
            gasLimit: 250_000, bid: bid, calls: calls)
        nonces[index] += 1
        context.send(
            .submit(request), to: producer, after: propagation.draw(using: &context.random))
    }
}

/// Which vault owners a warning may make act: a bit per owner, cleared for a passive owner
/// for good and for a warned one until its cooldown ends.
///
/// Cooldowns all last the same time and are started in time order, so they end in the
/// order they started: a queue of them, released from its front as time passes
/// (`release(upTo:)`), keeps the bits exact — an owner is ready exactly when no cooldown
/// of its is running, as a table of end times compared with the clock said (that table,
/// 8 bytes an owner read at random, missed the cache on most of the vaults walked).
/// The bits are read after a release at the current time, and an owner warned since is
/// not asked again before the next one (`warn` releases before each ilk's walk, which names
/// an owner once): so a cooldown of zero ends, as the table's did, before the owner is
/// asked again.
struct OwnerReadiness {
    private var bits: [UInt64]
    /// Running cooldowns from `head` on: when each ends (ms) and whose it is.
    private var cooling: [(until: Int64, owner: Int)] = []
    private var head = 0

    init(ready: [Bool]) {
        bits = Array(repeating: 0, count: (ready.count + 63) / 64)
        for (owner, isReady) in ready.enumerated() where isReady {
            bits[owner / 64] |= 1 << UInt64(owner % 64)
        }
    }

    @inline(__always)
    func isReady(_ owner: Int) -> Bool {
        bits[owner &>> 6] & (1 << UInt64(owner & 63)) != 0
    }

    /// The owner of the first vault of `ids` at or after `position` that is ready, with
    /// `position` moved past it (an owner is its vault id over `ilkCount`); nil when none is.
    func firstReady(of ids: UnsafeBufferPointer<Int>, from position: inout Int, ilkCount: Int)
        -> Int?
    {
        bits.withUnsafeBufferPointer { bits in
            while position < ids.count {
                let id = ids[position]
                position += 1
                let owner = ilkCount == 1 ? id : id / ilkCount
                if bits[owner &>> 6] & (1 << UInt64(owner & 63)) != 0 { return owner }
            }
            return nil
        }
    }

    /// Owner `owner` was warned: not ready again before `until` (ms, not before the
    /// cooldowns already running end).
    mutating func coolDown(_ owner: Int, until: Int64) {
        bits[owner &>> 6] &= ~(1 << UInt64(owner & 63))
        cooling.append((until, owner))
    }

    /// Ends the cooldowns that end at or before `now` (ms), telling `released` of each
    /// owner ready again.
    mutating func release(upTo now: Int64, _ released: (Int) -> Void = { _ in }) {
        while head < cooling.count, cooling[head].until <= now {
            let owner = cooling[head].owner
            bits[owner &>> 6] |= 1 << UInt64(owner & 63)
            head += 1
            released(owner)
        }
        if head > 1_024, head * 2 > cooling.count {
            cooling.removeFirst(head)
            head = 0
        }
    }
}
