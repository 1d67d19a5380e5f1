import CascadeChain
import CascadeContracts
import CascadeCore

/// The race ledger: for every liquidation opportunity of a run, block by block, when the
/// vault became unsafe at the market price, when the oracle let it be liquidated, every
/// keeper's attempt, the winner, the outcome, the debt, the proceeds and the shortfall.
///
/// **Inputs.** The caller feeds it once per produced block, in block order, with exactly
/// what the block producer has: the block's result over `ProtocolState` (transactions,
/// receipts, events), the state after the block, and the market reference price of each
/// collateral type at the block (WAD, DAI per unit, indexed by `IlkID.rawValue`; `nil`
/// where there is none):
///
/// ```swift
/// var ledger = RaceLedger()
/// // in the block sink's didProduce(block, state, marketPrices):
/// ledger.record(block, state: state, marketPrices: prices)
/// for note in ledger.notes { trace.write(note) }      // this block's race notes
/// // at the end of the run:
/// let races = ledger.races()                           // rows of races.csv, in order
/// ```
///
/// **What it watches.** Every Maker vault with debt sits in a `LiquidationIndex` keyed by
/// debt per collateral, kept current from the block's `frob`, `bite` and `bark` events.
/// At the end of each block it asks the index for the vaults unsafe at the market price
/// (`MakerIlkTerms`: the Spotter's and the Vat's integer arithmetic with the ilk's `mat`,
/// `rate` and `par`, as if the Spotter had been poked at the market price) and for those
/// the Vat finds unsafe now (`ink · spot < art · rate` with the ilk's current `spot`).
/// A vault in either set with no open race opens one. A race then follows the vault's
/// auctions through their events and collects the transactions naming the vault (`bite`,
/// `bark`) or its auctions (`tend`, `dent`, `deal`, `tick`, `take`, `redo`) as attempts,
/// reverted ones included. The first block only seeds the index from the state (one pass
/// over the vaults); vaults must change through transactions after that.
///
/// **Settling.** A race with no auction ends `recovered` once its vault is safe both at
/// the market price and on chain. A race with auctions ends once all of them have ended
/// and the Vat no longer finds the vault unsafe: `liquidated` if they raised at least the
/// debt they seized (`due`), else `bad_debt`. A vault still unsafe at the market after its
/// race settles opens a new race in the same block. Races still running at the end are
/// `open`.
///
/// **Determinism.** Races are found in index order (most underwater first, ties by the
/// vault's id), transactions in block order; dictionaries are only looked up, never
/// iterated. `races()` orders rows by start block, then ilk, then owner, then sequence.
///
/// **Complexity.** Per block: O(transactions + events) for the block's own activity, plus
/// O(log N + k) per ilk for the k vaults unsafe at market or on chain (each has an open
/// race), plus O(open races). Memory: one index node per vault, and one fixed-size `Race`
/// per race (settled races are kept as rows until the end; `drainSettled()` hands them
/// over earlier).
public struct RaceLedger: Sendable {
    /// A Maker vault: its collateral type and owner.
    public struct Vault: Hashable, Comparable, Sendable {
        public let ilk: MakerSystem.IlkID
        public let owner: Address

        public init(ilk: MakerSystem.IlkID, owner: Address) {
            self.ilk = ilk
            self.owner = owner
        }

        public static func < (lhs: Vault, rhs: Vault) -> Bool {
            (lhs.ilk, lhs.owner) < (rhs.ilk, rhs.owner)
        }
    }

    /// Totals over the run, for `summary.json`.
    public struct Totals: Hashable, Sendable {
        /// Successful `bite`s and `bark`s.
        public internal(set) var liquidations = 0
        /// Auctions started (one per liquidation in Maker).
        public internal(set) var auctions = 0
        /// Ended auctions that raised at most a millionth of their tab.
        public internal(set) var zeroBidAuctions = 0
        /// Fees (wei) of every reverted transaction holding a liquidation call, counted
        /// once per transaction, whether or not it named an open race.
        public internal(set) var failedTransactionFees: Wei = 0
        /// Reverted liquidation transactions.
        public internal(set) var failedTransactions = 0
        /// Liquidation transactions that named no open race (a vault already safe, an
        /// auction already settled).
        public internal(set) var strayAttempts = 0
        /// Bad debt so far, RAD: the shortfalls of the races settled as `bad_debt`. Never
        /// decreases; at the end it is `summary.json`'s `bad_debt`.
        public internal(set) var badDebt: UInt256 = .zero
        /// Keeper incentives the Vow paid (Clipper `tip + chip · tab` at `bark` and
        /// `redo`), RAD.
        public internal(set) var keeperIncentives: UInt256 = .zero
        /// The unit of `badDebt` and of the races' amounts: `DAI`, or a lending world's
        /// (`RaceLedger+Lending.swift`).
        public internal(set) var badDebtUnit = "DAI"
        /// Lending: the debt liquidators repaid, in `badDebtUnit` (45 decimals), over every
        /// liquidation; `summary.json`'s `liquidated_debt`.
        public internal(set) var liquidatedDebt: UInt256 = .zero
        /// Lending (Compound): price reports the anchored view refused, outside its
        /// tolerance of the anchor; `summary.json`'s `refused_price_reports`.
        public internal(set) var refusedPriceReports = 0
    }

    public internal(set) var totals = Totals()
    /// The notes of the latest recorded block, in order (reused between blocks).
    public internal(set) var notes: [Note] = []
    /// Blocks recorded.
    public private(set) var blocks = 0

    var index = LiquidationIndex()
    var vaultIDs: [Vault: Int] = [:]
    var vaults: [Vault] = []
    /// Per vault id: the last block stamp at which it was unsafe at market / on chain.
    var marketStamp: [Int] = []
    var chainStamp: [Int] = []
    var stamp = 0
    /// Scratch, per ilk: the ids `markUnsafe` stamped this block, in index order, so that
    /// opening races walks the list instead of querying the index a second time.
    var unsafeAtMarket: [[Int]] = []
    var unsafeOnChain: [[Int]] = []
    var open: [Race] = []
    /// Per vault id: its open race's index in `open`, or −1.
    var openSlotByID: [Int] = []
    /// The vault id of each open race, parallel to `open`.
    var openIDs: [Int] = []
    var auctionVault: [MakerSystem.AuctionID: Vault] = [:]
    /// Per vault id: races opened so far.
    var raceCountByID: [Int] = []
    var settled: [Race] = []
    var seeded = false
    /// Scratch: the vaults one transaction touched.
    var touched: [Vault] = []
    /// Per vault id, its collateral (`ink`, WAD); per ilk, their sum.
    var vaultInk: [UInt256] = []
    public private(set) var collateralByIlk: [UInt256] = []
    /// Lending pools' races (`RaceLedger+Lending.swift`).
    var lending = LendingRaceLedger()
    /// The latest `kick`, whose incentive belongs to the `bark` that follows it.
    var lastKick: MakerKick?
    /// The perpetuals exchange's races and figures (`RaceLedger+Perps.swift`).
    public internal(set) var perps = PerpRaceBook()
    /// The options exchange's races (`RaceLedger+Options.swift`).
    public internal(set) var options = OptionRaceBook()
    /// `Σ max(0, due − raised)` over live auctions, kept as auctions start and change.
    var liveShortfall: UInt256 = .zero
    /// Each ilk's `rate` at the latest block recorded: an open race's vault debt is read
    /// when it is reported (`races()`, `settle`), not written every block.
    var latestRates: [UInt256] = []

    public init() {}

    // MARK: - Recording a block

    /// Records one produced block. `marketPrices[i]` is the market price (WAD) of the
    /// collateral of ilk `i`; missing or nil entries mean "no market price", and such
    /// ilks open races only when the Vat finds a vault unsafe.
    ///
    /// `perpMarketPrices[i]` is perpetual market `i`'s reference price (quantums per unit),
    /// for "unsafe at the market price"; a missing or zero entry uses the market's mark.
    ///
    /// `options` is an options world's market spots and liquidatable accounts
    /// (`OptionsRaceInput`); nil with an options exchange: no market spots, and the ledger
    /// asks the exchange itself which accounts it would liquidate.
    public mutating func record(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState,
        marketPrices: [UInt256?], perpMarketPrices: [Int128] = [],
        options optionsInput: OptionsRaceInput? = nil
    ) {
        notes.removeAll(keepingCapacity: true)
        blocks += 1
        if !seeded {
            seed(from: state.maker)
            seeded = true
        }
        let context = BlockPoint(
            number: block.input.number, timeMs: block.input.time.milliseconds,
            state: state, marketPrices: marketPrices,
            rates: state.maker.ilkIDs.map { state.maker.ilk($0).rate })
        latestRates = context.rates
        for offset in block.transactions.indices {
            let transaction = block.transactions[offset]
            let receipt = block.receipts[offset]
            let events = block.events[receipt.events]
            if receipt.status.isSuccess {
                for event in events {
                    if case .maker(let makerEvent) = event {
                        openForLiquidation(makerEvent, at: context)
                    }
                }
            }
            recordAttempts(transaction, receipt: receipt, at: context)
            for event in events {
                if case .maker(let makerEvent) = event {
                    apply(makerEvent, gasPrice: receipt.effectiveGasPrice, at: context)
                }
            }
        }
        markUnsafe(state: state, marketPrices: marketPrices)
        settleAndOpen(at: context)
        recordLending(block, at: context)
        if !state.perpExchanges.isEmpty {
            recordPerps(block, state: state, marketPrices: perpMarketPrices)
        }
        if !state.optionsExchanges.isEmpty {
            recordOptions(
                block, state: state, input: optionsInput ?? OptionsRaceInput(marketSpots: []))
        }
    }

    /// Every race of the run so far, settled and open, ordered by start block, ilk, owner
    /// and sequence: the rows of `races.csv`.
    public func races() -> [Race] {
        var current = open
        for slot in current.indices {
            current[slot].vaultDebt = vaultDebt(of: openIDs[slot], rates: latestRates)
        }
        let all = settled + current + lending.openRaces + perps.races + options.races
        // Sorting positions rather than the races themselves: a race is a large value, and
        // moving thousands of them through the merge sort was 4% of a sweep run. The sort
        // is stable either way, so the order is the same. The comparisons read small keys:
        // handing two races to a comparison copied both, 270,000 times a Black Thursday run.
        let keys = all.map { RowKey(startBlock: $0.startBlock, vault: $0.vault) }
        let order = all.indices.sorted { a, b in
            if keys[a] != keys[b] { return keys[a] < keys[b] }
            return Self.positionOrder(all[a].position, all[b].position)
        }
        return order.map { all[$0] }
    }

    /// What orders the rows of `races()`: the start block, then the vault; the position
    /// breaks ties (`positionOrder`).
    struct RowKey: Comparable {
        let startBlock: UInt64
        let vault: Vault

        static func < (a: RowKey, b: RowKey) -> Bool {
            a.startBlock != b.startBlock ? a.startBlock < b.startBlock : a.vault < b.vault
        }
    }

    /// Hands over the races settled so far (in settling order) and forgets them, for a
    /// caller that streams rows; `races()` then returns only the later ones.
    public mutating func drainSettled() -> [Race] {
        defer { settled.removeAll() }
        return settled
    }

    /// How many races are open (Maker and lending; perps count their own), without copying
    /// any: `blocks.csv` needs it once a block.
    public var openRaceCount: Int {
        lending.pools.reduce(open.count) { $0 + $1.open.count }
    }

    /// Shorter positions first (`#2` before `#10`), then in code-point order.
    static func positionOrder(_ a: String, _ b: String) -> Bool {
        a.count != b.count ? a.count < b.count : a < b
    }

    /// What every step of one block needs to know.
    struct BlockPoint {
        let number: UInt64
        let timeMs: Int64
        let state: ProtocolState
        let marketPrices: [UInt256?]
        /// Each ilk's `rate` after the block, read once (a race's debt is `art · rate`).
        let rates: [UInt256]

        func marketPrice(_ ilk: MakerSystem.IlkID) -> UInt256? {
            let slot = Int(ilk.rawValue)
            return slot < marketPrices.count ? marketPrices[slot] : nil
        }

        func oraclePrice(_ ilk: MakerSystem.IlkID) -> UInt256? {
            state.maker.ilk(ilk).feedPrice
        }
    }

    // MARK: - The vault index

    mutating func seed(from maker: MakerSystem) {
        for ilk in maker.ilkIDs {
            for owner in maker.vaultOwners(ilk: ilk) {
                let urn = maker.urn(ilk: ilk, owner: owner)
                updateVault(Vault(ilk: ilk, owner: owner), ink: urn.ink, art: urn.art)
            }
        }
    }

    mutating func id(of vault: Vault) -> Int {
        if let id = vaultIDs[vault] { return id }
        let id = vaults.count
        vaults.append(vault)
        vaultIDs[vault] = id
        marketStamp.append(0)
        chainStamp.append(0)
        vaultInk.append(.zero)
        openSlotByID.append(-1)
        raceCountByID.append(0)
        return id
    }

    /// The slot of `vault`'s open race, if it has one.
    func openSlot(_ vault: Vault) -> Int? {
        guard let id = vaultIDs[vault], openSlotByID[id] >= 0 else { return nil }
        return openSlotByID[id]
    }

    mutating func updateVault(_ vault: Vault, ink: UInt256, art: UInt256) {
        let id = id(of: vault)
        let market = Int(vault.ilk.rawValue)
        index.update(id, market: market, collateral: ink, debt: art)
        while collateralByIlk.count <= market { collateralByIlk.append(.zero) }
        collateralByIlk[market] = collateralByIlk[market] - vaultInk[id] + ink
        vaultInk[id] = ink
    }

    /// Collateral locked in the vaults of `ilk`, WAD (kept from `frob`, `bite` and `bark`
    /// events, so reading it is O(1)).
    public func collateral(of ilk: MakerSystem.IlkID) -> UInt256 {
        let market = Int(ilk.rawValue)
        return market < collateralByIlk.count ? collateralByIlk[market] : .zero
    }

    /// Debt still under auction, RAD: over the live auctions, `Σ max(0, due − raised)` —
    /// the part of the Vow's `sin` that the auctions may yet cover. O(1): kept as auctions
    /// start and change.
    public var debtUnderAuction: UInt256 { liveShortfall }

    /// What the auctions still running would leave unpaid of the debt they seized if the
    /// collateral they hold were sold at `marketPrices` (WAD per ilk, as `record` takes
    /// them; an ilk without one counts its collateral as worth nothing), RAD:
    ///
    /// - a Clipper sale, `max(0, due − raised − lot · price)`: what its takes raised is
    ///   banked, and the lot left would bring its market value;
    /// - a Flipper auction, `max(0, due − max(bid, lot · price))`: the standing bid buys
    ///   the whole lot, so the lot brings the better of the two.
    ///
    /// `debtUnderAuction` is what the auctions have yet to raise; this is the part of it
    /// their collateral could not cover at the end's market price — the loss still open,
    /// which `totals.badDebt` (finished auctions only) cannot count. A run that stops
    /// with many auctions unsold books less bad debt than one that sold them at a loss;
    /// adding this puts the two on one footing. O(open races), once at the end.
    public func auctionShortfall(atMarket marketPrices: [UInt256?], maker: MakerSystem)
        -> UInt256
    {
        var total = UInt256.zero
        for race in open {
            let slot = Int(race.vault.ilk.rawValue)
            let price = slot < marketPrices.count ? marketPrices[slot] ?? .zero : .zero
            for auction in race.auctions where !auction.ended {
                total += Self.shortfallAtMarket(
                    auction, live: maker.auction(auction.id), price: price)
            }
        }
        return total
    }

    /// One live auction's part of `auctionShortfall(atMarket:maker:)`: nothing when the
    /// state no longer holds it.
    static func shortfallAtMarket(
        _ auction: Race.Auction, live: MakerSystem.Auction?, price: UInt256
    ) -> UInt256 {
        // WAD · WAD is 10^36: a RAD (10^45) needs 10^9 more. A product beyond 2^256 is
        // worth more than any debt.
        func value(_ lot: UInt256) -> UInt256? {
            let (wad2, overflow) = lot.multipliedReportingOverflow(by: price)
            guard !overflow else { return nil }
            let (rad, overflow2) = wad2.multipliedReportingOverflow(by: UInt256(1_000_000_000))
            return overflow2 ? nil : rad
        }
        switch live {
        case .clip(let sale)?:
            guard auction.raised < auction.due else { return .zero }
            let owed = auction.due - auction.raised
            guard let worth = value(sale.lot) else { return .zero }
            return worth >= owed ? .zero : owed - worth
        case .flip(let flip)?:
            guard let worth = value(flip.lot) else { return .zero }
            let brings = max(flip.bid, worth)
            return brings >= auction.due ? .zero : auction.due - brings
        case nil:
            return .zero
        }
    }

    /// The live auctions' part of `debtUnderAuction` that `auction` contributes.
    static func liveContribution(_ auction: Race.Auction) -> UInt256 {
        auction.ended ? .zero : auction.shortfall
    }

    // MARK: - Transactions and events

    /// Opens a race for a vault liquidated in this block before the ledger saw it unsafe
    /// (the oracle poke and the bark in the same block).
    mutating func openForLiquidation(_ event: MakerSystem.Event, at point: BlockPoint) {
        let liquidation: MakerLiquidation
        switch event {
        case .bitten(let value), .barked(let value): liquidation = value
        default: return
        }
        let vault = Vault(ilk: liquidation.ilk, owner: liquidation.vault)
        guard openSlot(vault) == nil else { return }
        let slot = openRace(id(of: vault), at: point)
        open[slot].liquidatableBlock = point.number
        open[slot].liquidatableTimeMs = point.timeMs
        let ilk = point.state.maker.ilk(liquidation.ilk)
        if let price = point.marketPrice(liquidation.ilk) {
            let terms = MakerIlkTerms(
                rate: liquidation.rate, mat: ilk.mat, par: point.state.maker.configuration.par)
            if price < terms.liquidationPrice(collateral: liquidation.ink, debt: liquidation.art) {
                open[slot].unsafeBlock = point.number
                open[slot].unsafeTimeMs = point.timeMs
            }
        }
    }

    /// The vault or auction a liquidation call names, with the call's name.
    static func target(of call: ProtocolState.Call)
        -> (vault: Vault?, auction: MakerSystem.AuctionID?, action: String)?
    {
        guard case .maker(let makerCall) = call else { return nil }
        switch makerCall {
        case .bite(let ilk, let vault): return (Vault(ilk: ilk, owner: vault), nil, "bite")
        case .bark(let ilk, let vault, _): return (Vault(ilk: ilk, owner: vault), nil, "bark")
        case .tend(let id, _, _): return (nil, id, "tend")
        case .dent(let id, _, _): return (nil, id, "dent")
        case .deal(let id): return (nil, id, "deal")
        case .tick(let id): return (nil, id, "tick")
        case .take(let id, _, _, _, _): return (nil, id, "take")
        case .redo(let id, _): return (nil, id, "redo")
        default: return nil
        }
    }

    /// Counts the transaction once for every open race it names.
    mutating func recordAttempts(
        _ transaction: Transaction<ProtocolState.Call>, receipt: Receipt, at point: BlockPoint
    ) {
        touched.removeAll(keepingCapacity: true)
        var isLiquidation = false
        var stray = false
        for call in transaction.calls {
            guard let target = Self.target(of: call) else { continue }
            isLiquidation = true
            let vault = target.vault ?? target.auction.flatMap { auctionVault[$0] }
            guard let vault, let slot = openSlot(vault) else {
                stray = true
                continue
            }
            if touched.contains(vault) { continue }
            touched.append(vault)
            noteAttempt(
                slot: slot, transaction: transaction, receipt: receipt,
                action: target.action, auction: target.auction, at: point)
        }
        guard isLiquidation else { return }
        if stray { totals.strayAttempts += 1 }
        if !receipt.status.isSuccess {
            totals.failedTransactions += 1
            totals.failedTransactionFees += receipt.fee.paid
        }
    }

    mutating func noteAttempt(
        slot: Int, transaction: Transaction<ProtocolState.Call>, receipt: Receipt,
        action: String, auction: MakerSystem.AuctionID?, at point: BlockPoint
    ) {
        open[slot].attempts += 1
        if open[slot].firstAttemptBlock == nil { open[slot].firstAttemptBlock = point.number }
        open[slot].noteKeeper(transaction.sender)
        var reason: String?
        if case .reverted(let revert) = receipt.status {
            open[slot].failedAttempts += 1
            open[slot].failedFees += receipt.fee.paid
            reason = revert.reason
        }
        let attempt = Note.Attempt(
            keeper: transaction.sender, hash: transaction.hash, action: action,
            auction: auction, bid: transaction.bid,
            effectiveGasPrice: receipt.effectiveGasPrice, fee: receipt.fee.paid,
            succeeded: receipt.status.isSuccess, revertReason: reason)
        addNote(.attempt, race: open[slot], at: point, attempt: attempt)
    }

    /// Follows one Maker event: vault changes feed the index, auction events the races.
    mutating func apply(_ event: MakerSystem.Event, gasPrice: Wei, at point: BlockPoint) {
        switch event {
        case .frobbed(let frob):
            updateVault(Vault(ilk: frob.ilk, owner: frob.owner), ink: frob.ink, art: frob.art)
        case .kicked(let kick):
            // dss emits the kick inside the bite/bark, before it: keep it for the latter.
            lastKick = kick
            totals.keeperIncentives += kick.coin
        case .bitten(let liquidation):
            liquidate(liquidation, kind: .flip, at: point)
        case .barked(let liquidation):
            liquidate(liquidation, kind: .clip, at: point)
        case .redone(let redo):
            totals.keeperIncentives += redo.coin
            updateAuction(redo.auction, at: point) { auction, _ in auction.incentive += redo.coin }
        case .tended(let bid), .dented(let bid):
            updateAuction(bid.auction, at: point) { auction, _ in
                auction.raised = bid.bid
                auction.highBidGasPrice = gasPrice
            }
        case .dealt(let deal):
            updateAuction(deal.auction, at: point) { auction, race in
                auction.raised = deal.bid
                auction.sold = deal.lot
                auction.ended = true
                auction.noteBuyer(deal.winner, slice: deal.lot)
                race.noteBuyer(deal.winner, lot: deal.lot, gasPrice: auction.highBidGasPrice)
            }
        case .taken(let take):
            updateAuction(take.auction, at: point) { auction, race in
                auction.raised += take.owe
                auction.sold += take.slice
                if take.tabAfter.isZero || take.lotAfter.isZero { auction.ended = true }
                auction.noteBuyer(take.taker, slice: take.slice)
                race.noteBuyer(take.taker, lot: take.slice, gasPrice: gasPrice)
            }
        case .yanked(let id, _):
            updateAuction(id, at: point) { auction, _ in
                auction.ended = true
                auction.yanked = true
            }
        default:
            break
        }
    }

    mutating func liquidate(
        _ liquidation: MakerLiquidation, kind: MakerAuctionKind, at point: BlockPoint
    ) {
        let vault = Vault(ilk: liquidation.ilk, owner: liquidation.vault)
        updateVault(
            vault, ink: liquidation.ink - liquidation.lot, art: liquidation.art - liquidation.dart)
        totals.liquidations += 1
        totals.auctions += 1
        guard let slot = openSlot(vault) else { return }
        if open[slot].liquidatableBlock == nil {
            // The bite succeeded, so the Vat found the vault unsafe in this block, even if
            // it is no longer unsafe at the block's end.
            open[slot].liquidatableBlock = point.number
            open[slot].liquidatableTimeMs = point.timeMs
            addNote(.liquidatable, race: open[slot], at: point)
        }
        if open[slot].liquidatedBlock == nil {
            open[slot].liquidatedBlock = point.number
            open[slot].liquidatedTimeMs = point.timeMs
        }
        var auction = Race.Auction(
            id: liquidation.auction, kind: kind, due: liquidation.due, tab: liquidation.tab,
            lot: liquidation.lot, kickBlock: point.number, kickTimeMs: point.timeMs)
        if let kick = lastKick, kick.auction == liquidation.auction {
            auction.incentive = kick.coin
        }
        lastKick = nil
        open[slot].auctions.append(auction)
        liveShortfall += Self.liveContribution(auction)
        auctionVault[liquidation.auction] = vault
    }

    mutating func updateAuction(
        _ id: MakerSystem.AuctionID, at point: BlockPoint,
        _ change: (inout Race.Auction, inout Race) -> Void
    ) {
        guard let vault = auctionVault[id], let slot = openSlot(vault),
            let position = open[slot].auctions.firstIndex(where: { $0.id == id })
        else { return }
        var auction = open[slot].auctions[position]
        liveShortfall -= Self.liveContribution(auction)
        let wasEnded = auction.ended
        change(&auction, &open[slot])
        if auction.ended && !wasEnded {
            auction.endBlock = point.number
            auction.endMarketPrice = point.marketPrice(vault.ilk)
            if auction.isZeroBid { totals.zeroBidAuctions += 1 }
        }
        liveShortfall += Self.liveContribution(auction)
        open[slot].auctions[position] = auction
    }

    // MARK: - End of block

    mutating func markUnsafe(state: ProtocolState, marketPrices: [UInt256?]) {
        stamp += 1
        let par = state.maker.configuration.par
        for ilk in state.maker.ilkIDs {
            let market = Int(ilk.rawValue)
            while unsafeAtMarket.count <= market {
                unsafeAtMarket.append([])
                unsafeOnChain.append([])
            }
            // Each answer is taken out of its slot (keeping its capacity), filled in one
            // call and stamped through a buffer: appending and stamping id by id checked two
            // arrays' uniqueness per id.
            let ilkState = state.maker.ilk(ilk)
            var atMarket: [Int] = []
            swap(&atMarket, &unsafeAtMarket[market])
            atMarket.removeAll(keepingCapacity: true)
            if market < marketPrices.count, let price = marketPrices[market] {
                let terms = MakerIlkTerms(rate: ilkState.rate, mat: ilkState.mat, par: par)
                if let threshold = terms.threshold(atPrice: price) {
                    index.appendUnsafePositions(in: market, at: threshold, to: &atMarket)
                }
                Self.stamp(atMarket, in: &marketStamp, with: stamp)
            }
            swap(&atMarket, &unsafeAtMarket[market])
            var onChain: [Int] = []
            swap(&onChain, &unsafeOnChain[market])
            onChain.removeAll(keepingCapacity: true)
            if !ilkState.spot.isZero {
                let threshold = SafetyThreshold(
                    collateralValue: ilkState.spot, debtValue: ilkState.rate)
                index.appendUnsafePositions(in: market, at: threshold, to: &onChain)
                Self.stamp(onChain, in: &chainStamp, with: stamp)
            }
            swap(&onChain, &unsafeOnChain[market])
        }
    }

    /// Sets `stamps[id] = stamp` for every id of `ids`.
    static func stamp(_ ids: [Int], in stamps: inout [Int], with stamp: Int) {
        stamps.withUnsafeMutableBufferPointer { buffer in
            for id in ids { buffer[id] = stamp }
        }
    }

    /// Vault `id`'s debt `art · rate` (RAD) at `rates`, as the index holds it now; zero once
    /// the vault has no debt left. A race reports it until an auction starts (`Race.debt`
    /// sums the auctions' `due` from then on).
    func vaultDebt(of id: Int, rates: [UInt256]) -> UInt256 {
        guard let position = index.position(id) else { return .zero }
        return position.debt * rates[Int(vaults[id].ilk.rawValue)]
    }

    mutating func settleAndOpen(at point: BlockPoint) {
        // Bring the open races up to date first, so a vault whose race settles here can
        // open its next race in the same block.
        var slot = 0
        while slot < open.count {
            if !isQuiet(slot), updateOpenRace(slot, at: point) {
                settle(slot, at: point)
            } else {
                slot += 1
            }
        }
        openNewRaces(at: point)
    }

    /// Whether the block brings open race `slot` nothing `updateOpenRace` would act on:
    /// still unsafe as already noted, or its auctions still running — most races, most
    /// blocks. Decided reading the race in place, without a call per race.
    @inline(__always)
    func isQuiet(_ slot: Int) -> Bool {
        let id = openIDs[slot]
        let marketUnsafe = marketStamp[id] == stamp
        let chainUnsafe = chainStamp[id] == stamp
        return open.withUnsafeBufferPointer { races in
            if marketUnsafe && races[slot].unsafeBlock == nil { return false }
            if chainUnsafe && races[slot].liquidatableBlock == nil { return false }
            if races[slot].auctions.isEmpty { return marketUnsafe || chainUnsafe }
            return chainUnsafe || !Race.allEnded(races[slot].auctions)
        }
    }

    /// Brings an open race up to date; true when it is over.
    mutating func updateOpenRace(_ slot: Int, at point: BlockPoint) -> Bool {
        let id = openIDs[slot]
        let marketUnsafe = marketStamp[id] == stamp
        let chainUnsafe = chainStamp[id] == stamp
        if marketUnsafe && open[slot].unsafeBlock == nil {
            open[slot].unsafeBlock = point.number
            open[slot].unsafeTimeMs = point.timeMs
            addNote(.unsafe, race: open[slot], at: point)
        }
        if chainUnsafe && open[slot].liquidatableBlock == nil {
            open[slot].liquidatableBlock = point.number
            open[slot].liquidatableTimeMs = point.timeMs
            addNote(.liquidatable, race: open[slot], at: point)
        }
        if open[slot].auctions.isEmpty {
            if !marketUnsafe && !chainUnsafe {
                open[slot].outcome = .recovered
                return true
            }
            return false
        }
        guard !chainUnsafe, Race.allEnded(open[slot].auctions) else { return false }
        let short = open[slot].auctions.contains { !$0.shortfall.isZero }
        open[slot].outcome = short ? .badDebt : .liquidated
        return true
    }

    mutating func settle(_ slot: Int, at point: BlockPoint) {
        var race = open[slot]
        race.vaultDebt = vaultDebt(of: openIDs[slot], rates: point.rates)
        race.settledBlock = point.number
        if race.outcome == .badDebt, let shortfall = race.shortfall {
            totals.badDebt += shortfall
        }
        addNote(.settle, race: race, at: point, outcome: race.outcome)
        for auction in race.auctions { auctionVault[auction.id] = nil }
        openSlotByID[openIDs[slot]] = -1
        let last = open.count - 1
        if slot != last {
            open.swapAt(slot, last)
            openIDs.swapAt(slot, last)
            openSlotByID[openIDs[slot]] = slot
        }
        open.removeLast()
        openIDs.removeLast()
        race.winningLot = .zero
        settled.append(race)
    }

    /// Opens a race for every vault unsafe at market or on chain that has none, in index
    /// order per ilk (market set first, then on-chain set).
    /// Opens a race for every vault `markUnsafe` found unsafe (at market first, then on
    /// chain only) that has none open; the index and prices are the ones it queried.
    mutating func openNewRaces(at point: BlockPoint) {
        for ilk in point.state.maker.ilkIDs {
            let market = Int(ilk.rawValue)
            guard market < unsafeAtMarket.count else { continue }
            var candidates: [Int] = []
            for id in unsafeAtMarket[market] where openSlotByID[id] < 0 {
                candidates.append(id)
            }
            for id in unsafeOnChain[market] where openSlotByID[id] < 0 && marketStamp[id] != stamp {
                candidates.append(id)
            }
            for id in candidates {
                let slot = openRace(id, at: point)
                _ = updateOpenRace(slot, at: point)
            }
        }
    }

    /// Appends a new open race for the vault with id `id` and returns its slot.
    mutating func openRace(_ id: Int, at point: BlockPoint) -> Int {
        let vault = vaults[id]
        raceCountByID[id] += 1
        let sequence = raceCountByID[id]
        let name = point.state.maker.ilk(vault.ilk).name
        let position = "\(name):\(vault.owner)" + (sequence > 1 ? "#\(sequence)" : "")
        let race = Race(vault: vault, position: position, block: point.number, timeMs: point.timeMs)
        open.append(race)
        openIDs.append(id)
        openSlotByID[id] = open.count - 1
        addNote(.open, race: race, at: point)
        return open.count - 1
    }

    mutating func addNote(
        _ kind: Note.Kind, race: Race, at point: BlockPoint, attempt: Note.Attempt? = nil,
        outcome: Race.Outcome? = nil
    ) {
        notes.append(
            Note(
                kind: kind, block: point.number, timeMs: point.timeMs, position: race.position,
                marketPrice: point.marketPrice(race.vault.ilk),
                oraclePrice: point.oraclePrice(race.vault.ilk), attempt: attempt,
                outcome: outcome))
    }
}
