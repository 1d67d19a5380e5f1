import CascadeChain
import CascadeContracts
import CascadeCore

/// The perpetuals exchange's side of the race ledger: one race per position of an account
/// that became unsafe, and the exchange's loss figures for `summary.json`.
///
/// **A race** is a position (`<market>:<account>` in `races.csv`, protocol `perps`) from the
/// block its account became liquidatable at the market's reference price (`unsafe_block`)
/// or at the on-chain mark (`liquidatable_block`), whichever came first. Both sets come from
/// a `PerpAccountIndex` fed by the block's events (exactly the contract's test; never a
/// scan), at the reference prices and at the marks. Attempts are the transactions naming
/// the position (`liquidate(account, market)`, `deleverage(account, market)`) or its
/// account (`backstop(account)`), reverted ones included.
///
/// **Amounts** (RAD-scaled dollars, so `races.csv` writes them as USDC exactly): `debt` is
/// the position's notional at the mark (last seen before its first liquidation);
/// `proceeds` the quote its liquidation fills paid (`|size| × fill price`, backstop
/// takeovers at the mark); `shortfall` the deficit others covered: the insurance fund's
/// draws on its fills (a liquidation or backstop leaving negative equity), what
/// deleveraging at the bankruptcy price took from counterparties (`|size| × |price −
/// mark|`), and the socialised-loss event's whole deficit (fund, socialised, uncovered).
/// A backstop's settlement is charged to the race of the first market it took.
///
/// **Settling.** A race ends when its position is gone (liquidated, backstopped,
/// deleveraged, or closed by the trader) or when its account is safe at both the reference
/// and the mark: `bad_debt` if anyone covered a deficit, `liquidated` if it was liquidated
/// at all, else `recovered`. Still running at the end: `open`.
///
/// Determinism: open races are kept in an array in opening order and updated in that
/// order; dictionaries are only looked up.
public struct PerpRaceBook: Sendable {
    var index: PerpAccountIndex?
    var open: [Race] = []
    var openTargets: [PerpTarget] = []
    var openSlot: [PerpTarget: Int] = [:]
    var raceCounts: [PerpTarget: Int] = [:]
    var settled: [Race] = []
    /// Per account id, the last stamp at which it was unsafe at market / on chain.
    var marketStamp: [Int] = []
    var chainStamp: [Int] = []
    var stamp = 0
    /// The market named by the last backstop takeover of the transaction being read.
    var backstopTarget: PerpTarget?
    /// This block's accounts unsafe at market, then those liquidatable on chain.
    var unsafe: [PerpAccountID] = []
    public internal(set) var totals = PerpTotals()
    /// This block's race notes (`race_open`, `race_attempt`, …), for the trace.
    public internal(set) var notes: [RaceLedger.Note] = []

    public init() {}

    /// Every perpetuals race so far, settled then open.
    public var races: [Race] { settled + open }

    /// Races still open.
    public var openCount: Int { open.count }
}

/// The exchange's figures over a run (`summary.json`'s `perp_*`; amounts in quantums).
public struct PerpTotals: Hashable, Sendable {
    /// Liquidation fills (`perp_liquidation` events of kind `market`).
    public internal(set) var liquidations = 0
    /// `Σ |size| × fill price` of those fills.
    public internal(set) var liquidatedNotional: Int128 = 0
    /// Positions the backstop vault took over, and `Σ |size| × mark` of them.
    public internal(set) var backstops = 0
    public internal(set) var backstopNotional: Int128 = 0
    /// Deleveraging fills (`adl` events) and `Σ |size| × price` of them.
    public internal(set) var deleveragingFills = 0
    public internal(set) var deleveragedNotional: Int128 = 0
    /// What deleveraging at the bankruptcy price took from counterparties beyond the mark.
    public internal(set) var deleveragingCost: Int128 = 0
    /// Deficits charged to open interest, and deficits nobody could be charged.
    public internal(set) var socializedLoss: Int128 = 0
    public internal(set) var uncoveredLoss: Int128 = 0
    /// What the insurance fund paid out: deficits of liquidations and backstops, and its
    /// draw on socialised losses.
    public internal(set) var insurancePaid: Int128 = 0
    /// Liquidation penalties paid into the fund.
    public internal(set) var penalties: Int128 = 0
    /// The insurance fund at genesis, its lowest after any block, and after the last block.
    public internal(set) var insuranceFundStart: Int128 = 0
    public internal(set) var insuranceFundMinimum: Int128 = 0
    public internal(set) var insuranceFund: Int128 = 0
    /// Open interest (one side) at the marks, at genesis and after the last block.
    public internal(set) var openInterestStart: Int128 = 0
    public internal(set) var openInterest: Int128 = 0
    /// The backstop vault's equity after the last block.
    public internal(set) var backstopVaultEquity: Int128 = 0
    /// Markets with at least one deleveraging fill, and the bankrupt accounts deleveraged.
    public internal(set) var deleveragedMarkets: Set<PerpMarketID> = []
    public internal(set) var deleveragedAccounts: Set<PerpAccountID> = []
    /// Accounts other than the backstop vault whose negative equity somebody covered during
    /// the run — the insurance fund (a liquidation's or backstop's draw), deleveraging
    /// counterparties (the cost beyond the mark), or a socialised or uncovered loss — and
    /// the sum of those deficits. Deficits still open at the end are not in it (the run's
    /// sink adds them: `perp_negative_accounts`).
    public internal(set) var deficitAccounts: Set<PerpAccountID> = []
    public internal(set) var coveredDeficit: Int128 = 0
    /// The backstop vault's own negative equity covered during the run (it is deleveraged
    /// like any account when the world lets it be).
    public internal(set) var vaultCoveredDeficit: Int128 = 0

    /// Notes `amount` of `account`'s negative equity as covered.
    mutating func noteDeficit(of account: PerpAccountID, _ amount: Int128) {
        guard amount > 0 else { return }
        guard account != PerpExchange.backstopVaultAccount else {
            vaultCoveredDeficit += amount
            return
        }
        deficitAccounts.insert(account)
        coveredDeficit += amount
    }
}

extension RaceLedger {
    /// Quantums (1e-6 USD) to RAD-scaled dollars (1e-45): the scale `races.csv` divides by.
    static let quantumToRad = UInt256.powerOfTen(39)

    /// A non-negative quantum amount as RAD-scaled dollars (negative amounts give 0).
    public static func rad(_ quantums: Int128) -> UInt256 {
        quantums > 0 ? UInt256(UInt128(quantums)) * quantumToRad : .zero
    }

    /// The hook of `record`: the first perpetuals exchange's races for one block.
    mutating func recordPerps(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState,
        marketPrices: [Int128]
    ) {
        let books = state.perpExchanges[0]
        perps.notes.removeAll(keepingCapacity: true)
        if perps.index == nil {
            perps.index = PerpAccountIndex(exchange: 0, state: books)
            perps.totals.insuranceFundStart = books.insuranceFund
            perps.totals.insuranceFundMinimum = books.insuranceFund
            perps.totals.openInterestStart = Self.openInterest(books)
        }
        let point = PerpPoint(
            number: block.input.number, timeMs: block.input.time.milliseconds, books: books,
            marketPrices: marketPrices)
        for offset in block.transactions.indices {
            let receipt = block.receipts[offset]
            if receipt.status.isSuccess {
                openForPerpLiquidation(block.events[receipt.events], at: point)
            }
            recordPerpAttempts(block.transactions[offset], receipt: receipt, at: point)
            guard receipt.status.isSuccess else { continue }
            perps.backstopTarget = nil
            for event in block.events[receipt.events] {
                if case .perp(0, let perpEvent) = event {
                    applyPerp(perpEvent, gasPrice: receipt.effectiveGasPrice, at: point)
                }
            }
        }
        perps.index?.apply(block.events, state: state)
        markPerpsUnsafe(at: point)
        settleAndOpenPerps(at: point)
        perps.totals.insuranceFund = books.insuranceFund
        perps.totals.insuranceFundMinimum = min(
            perps.totals.insuranceFundMinimum, books.insuranceFund)
        perps.totals.uncoveredLoss = books.uncoveredLoss
        perps.totals.openInterest = Self.openInterest(books)
        perps.totals.backstopVaultEquity =
            (try? books.risk(of: PerpExchange.backstopVaultAccount).equity) ?? 0
    }

    /// The first perpetuals exchange's margin coverage (`PerpMarginCoverage`) in `books`,
    /// the state after the last recorded block, with market `i` at `prices[i]` (0 or
    /// missing: the mark); nil before the first block. O(markets).
    public mutating func perpMarginCoverage(_ books: PerpExchange, atPrices prices: [Int128])
        -> PerpMarginCoverage?
    {
        perps.index?.marginCoverage(in: books, atPrices: prices)
    }

    /// One side's open interest at the marks, quantums.
    static func openInterest(_ books: PerpExchange) -> Int128 {
        books.marketIDs.reduce(0) { total, id in
            let market = books.market(id)
            return total
                + ((try? PerpMath.value(size: market.openInterest, price: market.price)) ?? 0)
        }
    }

    /// What every step of one block needs to know.
    struct PerpPoint {
        let number: UInt64
        let timeMs: Int64
        let books: PerpExchange
        let marketPrices: [Int128]

        func marketPrice(_ market: PerpMarketID) -> Int128? {
            RaceLedger.positivePrice(marketPrices, Int(market.rawValue))
        }
    }

    /// `prices[slot]` when the slot holds a price (positive), else nil: the market
    /// reference prices the run hands the perpetuals and options races, 0 where it has none.
    static func positivePrice(_ prices: [Int128], _ slot: Int) -> Int128? {
        slot < prices.count && prices[slot] > 0 ? prices[slot] : nil
    }

    // MARK: - Attempts and events

    /// Opens a race for a position liquidated or deleveraged in this block before the ledger
    /// saw it unsafe (the mark's update and the liquidation in one block), so the
    /// transaction that did it counts as its attempt.
    mutating func openForPerpLiquidation(
        _ events: ArraySlice<ProtocolState.Event>, at point: PerpPoint
    ) {
        for event in events {
            let target: PerpTarget
            switch event {
            case .perp(0, .liquidated(let fill)):
                target = PerpTarget(account: fill.account, market: fill.market)
            case .perp(0, .deleveraged(let fill)):
                target = PerpTarget(account: fill.account, market: fill.market)
            default:
                continue
            }
            if perps.openSlot[target] == nil {
                _ = openPerpRace(target, at: point, liquidatable: true)
            }
        }
    }

    /// The positions a perpetuals call names: `liquidate` and `deleverage` one, `backstop`
    /// every open race of its account.
    func perpTargets(of call: ProtocolState.Call) -> (targets: [PerpTarget], action: String)? {
        guard case .perp(0, let perpCall) = call else { return nil }
        switch perpCall {
        case .liquidate(let account, let market, _, _, _):
            return ([PerpTarget(account: account, market: market)], "liquidate")
        case .deleverage(let account, let market):
            return ([PerpTarget(account: account, market: market)], "deleverage")
        case .backstop(let account):
            let targets = perps.openTargets.filter { $0.account == account }
            return (targets, "backstop")
        default:
            return nil
        }
    }

    mutating func recordPerpAttempts(
        _ transaction: Transaction<ProtocolState.Call>, receipt: Receipt, at point: PerpPoint
    ) {
        var isLiquidation = false
        var stray = false
        for call in transaction.calls {
            guard let named = perpTargets(of: call) else { continue }
            isLiquidation = true
            if named.targets.isEmpty { stray = true }
            for target in named.targets {
                guard let slot = perps.openSlot[target] else {
                    stray = true
                    continue
                }
                notePerpAttempt(
                    slot: slot, transaction: transaction, receipt: receipt,
                    action: named.action, at: point)
            }
        }
        guard isLiquidation else { return }
        if stray { totals.strayAttempts += 1 }
        if !receipt.status.isSuccess {
            totals.failedTransactions += 1
            totals.failedTransactionFees += receipt.fee.paid
        }
    }

    mutating func notePerpAttempt(
        slot: Int, transaction: Transaction<ProtocolState.Call>, receipt: Receipt,
        action: String, at point: PerpPoint
    ) {
        perps.open[slot].attempts += 1
        if perps.open[slot].firstAttemptBlock == nil {
            perps.open[slot].firstAttemptBlock = point.number
        }
        perps.open[slot].noteKeeper(transaction.sender)
        var reason: String?
        if case .reverted(let revert) = receipt.status {
            perps.open[slot].failedAttempts += 1
            perps.open[slot].failedFees += receipt.fee.paid
            reason = revert.reason
        }
        let attempt = Note.Attempt(
            keeper: transaction.sender, hash: transaction.hash, action: action, auction: nil,
            bid: transaction.bid, effectiveGasPrice: receipt.effectiveGasPrice,
            fee: receipt.fee.paid, succeeded: receipt.status.isSuccess, revertReason: reason)
        addPerpNote(.attempt, slot: slot, at: point, attempt: attempt)
    }

    mutating func applyPerp(_ event: PerpExchange.Event, gasPrice: Wei, at point: PerpPoint) {
        switch event {
        case .liquidated(let fill):
            let target = PerpTarget(account: fill.account, market: fill.market)
            let slot = perps.openSlot[target] ?? openPerpRace(target, at: point, liquidatable: true)
            let size = fill.size.magnitude
            let value = Int128(size) * fill.fillPrice / PerpMath.sizeScale
            if perps.open[slot].liquidatedBlock == nil {
                perps.open[slot].liquidatedBlock = point.number
                perps.open[slot].liquidatedTimeMs = point.timeMs
            }
            perps.open[slot].filledValue += Self.rad(value)
            switch fill.kind {
            case .market:
                perps.totals.liquidations += 1
                perps.totals.liquidatedNotional += value
                let owner = point.books.account(fill.counterparty).owner
                perps.open[slot].noteBuyer(owner, lot: UInt256(size), gasPrice: gasPrice)
            case .backstop:
                perps.totals.backstops += 1
                perps.totals.backstopNotional += value
                if perps.backstopTarget == nil { perps.backstopTarget = target }
            }
            totals.liquidations += 1
            if fill.insuranceDelta < 0 {
                perps.totals.noteDeficit(of: fill.account, -fill.insuranceDelta)
                perps.totals.insurancePaid -= fill.insuranceDelta
                perps.open[slot].coveredDeficit += Self.rad(-fill.insuranceDelta)
            } else {
                perps.totals.penalties += fill.penalty
            }
        case .backstopSettled(let settlement):
            guard settlement.insuranceDelta < 0 else { return }
            perps.totals.noteDeficit(of: settlement.account, -settlement.insuranceDelta)
            perps.totals.insurancePaid -= settlement.insuranceDelta
            if let target = perps.backstopTarget, let slot = perps.openSlot[target] {
                perps.open[slot].coveredDeficit += Self.rad(-settlement.insuranceDelta)
            }
        case .deleveraged(let fill):
            let target = PerpTarget(account: fill.account, market: fill.market)
            let slot = perps.openSlot[target] ?? openPerpRace(target, at: point, liquidatable: true)
            let size = Int128(fill.size.magnitude)
            let cost = size * (fill.price - fill.markPrice).magnitudeAsInt128 / PerpMath.sizeScale
            perps.totals.deleveragingFills += 1
            perps.totals.deleveragedNotional += size * fill.price / PerpMath.sizeScale
            perps.totals.deleveragingCost += cost
            perps.totals.deleveragedMarkets.insert(fill.market)
            perps.totals.deleveragedAccounts.insert(fill.account)
            perps.totals.noteDeficit(of: fill.account, cost)
            perps.open[slot].coveredDeficit += Self.rad(cost)
            if perps.open[slot].liquidatedBlock == nil {
                perps.open[slot].liquidatedBlock = point.number
                perps.open[slot].liquidatedTimeMs = point.timeMs
            }
        case .lossSocialized(let loss):
            perps.totals.insurancePaid += loss.insuranceDraw
            perps.totals.socializedLoss += loss.socialized
            perps.totals.noteDeficit(of: loss.account, loss.deficit)
            let target = PerpTarget(account: loss.account, market: loss.market)
            if let slot = perps.openSlot[target] {
                perps.open[slot].coveredDeficit += Self.rad(loss.deficit)
            }
        default:
            break
        }
    }

    // MARK: - End of block

    /// Stamps the accounts unsafe at the reference prices and at the marks (two index
    /// queries, in place: a copy of the index would copy its node pool every block).
    mutating func markPerpsUnsafe(at point: PerpPoint) {
        perps.stamp += 1
        let count = point.books.accountCount
        if perps.marketStamp.count < count {
            perps.marketStamp.append(
                contentsOf: repeatElement(0, count: count - perps.marketStamp.count))
            perps.chainStamp.append(
                contentsOf: repeatElement(0, count: count - perps.chainStamp.count))
        }
        perps.unsafe =
            perps.index?.unsafeAccounts(in: point.books, atPrices: point.marketPrices) ?? []
        for account in perps.unsafe {
            perps.marketStamp[Int(account.rawValue)] = perps.stamp
        }
        let liquidatable = perps.index?.liquidatableAccounts(in: point.books) ?? []
        for account in liquidatable {
            perps.chainStamp[Int(account.rawValue)] = perps.stamp
        }
        perps.unsafe += liquidatable
    }

    func perpStamps(_ account: PerpAccountID) -> (market: Bool, chain: Bool) {
        let raw = Int(account.rawValue)
        guard raw < perps.marketStamp.count else { return (false, false) }
        return (perps.marketStamp[raw] == perps.stamp, perps.chainStamp[raw] == perps.stamp)
    }

    mutating func settleAndOpenPerps(at point: PerpPoint) {
        var slot = 0
        while slot < perps.open.count {
            if updatePerpRace(slot, at: point) {
                settlePerpRace(slot, at: point)
            } else {
                slot += 1
            }
        }
        // New races, in account order, for every position of an account unsafe at market
        // or on chain that has none.
        var accounts = perps.unsafe
        accounts.sort()
        var previous: PerpAccountID?
        for account in accounts where account != previous {
            previous = account
            for position in point.books.account(account).positions {
                let target = PerpTarget(account: account, market: position.market)
                guard perps.openSlot[target] == nil else { continue }
                let slot = openPerpRace(target, at: point, liquidatable: false)
                _ = updatePerpRace(slot, at: point)
            }
        }
    }

    /// Brings an open race up to date; true when it is over.
    mutating func updatePerpRace(_ slot: Int, at point: PerpPoint) -> Bool {
        let target = perps.openTargets[slot]
        let (marketUnsafe, chainUnsafe) = perpStamps(target.account)
        guard let position = point.books.account(target.account).position(in: target.market)
        else {
            perps.open[slot].outcome = perpOutcome(perps.open[slot])
            return true
        }
        if perps.open[slot].liquidatedBlock == nil {
            let mark = point.books.market(target.market).price
            let value = Int128(position.size.magnitude) * mark / PerpMath.sizeScale
            perps.open[slot].vaultDebt = Self.rad(value)
        }
        if marketUnsafe && perps.open[slot].unsafeBlock == nil {
            perps.open[slot].unsafeBlock = point.number
            perps.open[slot].unsafeTimeMs = point.timeMs
            addPerpNote(.unsafe, slot: slot, at: point)
        }
        if chainUnsafe && perps.open[slot].liquidatableBlock == nil {
            perps.open[slot].liquidatableBlock = point.number
            perps.open[slot].liquidatableTimeMs = point.timeMs
            addPerpNote(.liquidatable, slot: slot, at: point)
        }
        guard !marketUnsafe && !chainUnsafe else { return false }
        perps.open[slot].outcome = perpOutcome(perps.open[slot])
        return true
    }

    func perpOutcome(_ race: Race) -> Race.Outcome {
        if !race.coveredDeficit.isZero { return .badDebt }
        return race.liquidatedBlock == nil ? .recovered : .liquidated
    }

    mutating func settlePerpRace(_ slot: Int, at point: PerpPoint) {
        var race = perps.open[slot]
        race.settledBlock = point.number
        if race.outcome == .badDebt { totals.badDebt += race.coveredDeficit }
        addPerpNote(.settle, slot: slot, at: point, outcome: race.outcome)
        perps.openSlot[perps.openTargets[slot]] = nil
        let last = perps.open.count - 1
        if slot != last {
            perps.open.swapAt(slot, last)
            perps.openTargets.swapAt(slot, last)
            perps.openSlot[perps.openTargets[slot]] = slot
        }
        perps.open.removeLast()
        perps.openTargets.removeLast()
        race.winningLot = .zero
        perps.settled.append(race)
    }

    /// Opens a race for `target` and returns its slot; `liquidatable` marks a position
    /// liquidated or deleveraged in this block before the ledger saw it unsafe.
    mutating func openPerpRace(_ target: PerpTarget, at point: PerpPoint, liquidatable: Bool)
        -> Int
    {
        let count = (perps.raceCounts[target] ?? 0) + 1
        perps.raceCounts[target] = count
        let name = point.books.market(target.market).terms.name
        let position = "\(name):\(target.account)" + (count > 1 ? "#\(count)" : "")
        var race = Race(
            vault: Vault(
                ilk: MakerSystem.IlkID(rawValue: target.market.rawValue),
                owner: Address(target.account.rawValue)),
            position: position, block: point.number, timeMs: point.timeMs,
            protocolName: "perps")
        if liquidatable {
            race.liquidatableBlock = point.number
            race.liquidatableTimeMs = point.timeMs
        }
        perps.open.append(race)
        perps.openTargets.append(target)
        let slot = perps.open.count - 1
        perps.openSlot[target] = slot
        addPerpNote(.open, slot: slot, at: point)
        return slot
    }

    mutating func addPerpNote(
        _ kind: Note.Kind, slot: Int, at point: PerpPoint, attempt: Note.Attempt? = nil,
        outcome: Race.Outcome? = nil
    ) {
        let market = perps.openTargets[slot].market
        // Prices as WAD (quantums × 1e12), as the Maker notes write theirs.
        func wad(_ quantums: Int128?) -> UInt256? {
            guard let quantums, quantums > 0 else { return nil }
            return UInt256(UInt128(quantums)) * UInt256.powerOfTen(12)
        }
        perps.notes.append(
            Note(
                kind: kind, block: point.number, timeMs: point.timeMs,
                position: perps.open[slot].position, marketPrice: wad(point.marketPrice(market)),
                oraclePrice: wad(point.books.market(market).price), attempt: attempt,
                outcome: outcome))
    }
}

extension Int128 {
    /// `|self|` as an `Int128` (callers pass differences of prices, far from `Int128.min`).
    fileprivate var magnitudeAsInt128: Int128 { self < 0 ? -self : self }
}
