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
/// blocks it has seen, like a keeper,
/// and per ilk per new block asks it for the vaults unsafe at `market × (1 − margin)` —
/// those whose liquidation price is within the margin — never scanning.
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

    public var indexQueries: Int { subscriber < 0 ? 0 : book.queryCounts[subscriber] }

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
            // Vault ids, not owners: an owner's index is its id over the ilk count.
            book.unsafeIDs(
                ilk: ilk, atPrice: wad, state: state, limit: settings.warningsPerBlock,
                subscriber: subscriber, into: &unsafeIDs)
            readiness.release(upTo: now)
            var position = 0
            while let index = nextEligible(after: &position, ilkCount: ilkCount) {
                warnings += 1
                readiness.coolDown(index, until: (context.now + settings.cooldown).milliseconds)
                let acts = context.random.uniform() < settings.reactionProbability
                guard acts, let calls = plan(index, state, context) else { continue }
                plans[index] = calls
                context.wake(
                    after: reaction.draw(using: &context.random), .timer(tag: UInt64(index)))
            }
        }
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

    /// Ends the cooldowns that end at or before `now` (ms).
    mutating func release(upTo now: Int64) {
        while head < cooling.count, cooling[head].until <= now {
            let owner = cooling[head].owner
            bits[owner &>> 6] |= 1 << UInt64(owner & 63)
            head += 1
        }
        if head > 1_024, head * 2 > cooling.count {
            cooling.removeFirst(head)
            head = 0
        }
    }
}
