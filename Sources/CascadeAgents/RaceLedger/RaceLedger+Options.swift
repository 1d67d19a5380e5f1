import CascadeChain
import CascadeContracts
import CascadeCore

/// What the race ledger needs of an options world each block besides the chain's state: the
/// market reference price of each underlying, and the accounts the exchange would let a
/// liquidator take now.
public struct OptionsRaceInput: Sendable {
    /// Per underlying (by `OptionUnderlyingID.rawValue`), the market reference price, WAD of
    /// stablecoin per unit — `blocks.csv`'s `price_<ASSET>`. Missing or non-positive
    /// entries: no market price, so that underlying's accounts open races only on chain.
    public var marketSpots: [Int128]
    /// The accounts liquidatable in the state after the block, ascending: the
    /// `OptionsSharedIndex`'s answer, computed once for every liquidator. Nil: the ledger
    /// computes the same answer itself (tests, callers without an index).
    public var liquidatable: [OptionAccountID]?

    public init(marketSpots: [Int128], liquidatable: [OptionAccountID]? = nil) {
        self.marketSpots = marketSpots
        self.liquidatable = liquidatable
    }
}

/// The options exchange's side of the race ledger: one race per liquidation opportunity of
/// an options account (docs/races.md, "Options races").
///
/// **A race** is an account (`<underlying>:<account>` in `races.csv`, protocol `options`)
/// from the block it was below maintenance margin at the market reference price
/// (`unsafe_block`) or on chain (`liquidatable_block`), whichever came first.
///
/// - *At the market*: the exchange as if its oracle had posted the market price at the
///   block's timestamp — the contract's own `updatePrice` on a copy (marks every live
///   series at that spot, fixes the settlement price of an expired one), then its own
///   `margin(of:table:)` with an `OptionRiskTable` of that copy: the same surface, grid and
///   clock as the chain, only the spot differs. The copy shares the accounts' storage
///   (copy-on-write; only the series and underlyings are written).
/// - *On chain*: the `OptionsSharedIndex`'s answer for the block (`margin(...)
///   .isLiquidatable` at the chain's state), or a `.liquidated` event of the account.
///
/// Both answers cover the accounts holding positions, kept from the exchange's events. Like
/// the shared index, the market answer is recomputed only when something could change it —
/// the market price moved or the exchange had an event — and kept otherwise (time alone
/// passing does not reprice: a block later with the same spot keeps the answer).
///
/// **Attempts** are the transactions holding a `liquidate(account, …)` of the account,
/// reverted ones included. **Amounts** (WAD, written as USDC): `debt` is the book's net
/// liability at the marks, `max(0, −Σ ⌊size × mark⌋)`, at the latest block before its
/// liquidation, and at the liquidation the value the liquidator took over (`−value` of the
/// event); `proceeds` the part of it the account's collateral paid (`debt − insurance cover −
/// bad debt` of the liquidation); `shortfall` the bad debt booked on the account: by its
/// liquidation, and by a settlement at expiry that left it negative beyond the fund.
///
/// **Settling.** A race ends when its account holds no position any more (liquidated,
/// settled at expiry, closed) or is safe both at the market and on chain: `bad_debt` if bad
/// debt was booked on it, `liquidated` if it was liquidated, else `recovered`. Open at the
/// end: `open`.
public struct OptionRaceBook: Sendable {
    var open: [Race] = []
    var openAccounts: [OptionAccountID] = []
    /// Per account id: its open race's slot, or −1; races opened so far.
    var openSlot: [Int] = []
    var raceCounts: [Int] = []
    var settled: [Race] = []
    /// The accounts holding a position.
    var holders = OptionHolders()
    var seeded = false
    /// Per account id, the last stamp at which it was unsafe at market / liquidatable.
    var marketStamp: [Int] = []
    var chainStamp: [Int] = []
    var stamp = 0
    /// The latest answers, ascending.
    var unsafeAtMarket: [OptionAccountID] = []
    var liquidatable: [OptionAccountID] = []
    /// The market spots the market answer was computed at (nil: never computed).
    var answeredSpots: [Int128]?
    /// Accounts a liquidation in this block named (they count as liquidatable in it).
    var liquidatedNow: [OptionAccountID] = []
    /// This block's race notes (`race_open`, `race_attempt`, …), for the trace.
    public internal(set) var notes: [RaceLedger.Note] = []
    /// How many times the market answer was computed (one risk table each): the cost of
    /// watching the market, for `make bench` and the tests.
    public internal(set) var marketTables = 0

    public init() {}

    /// Every options race so far, settled then open.
    public var races: [Race] { settled + open }

    /// Races still open.
    public var openCount: Int { open.count }
}

extension RaceLedger {
    /// WAD amounts to the races' RAD-scaled units (×10^27), so `races.csv` writes USDC.
    static func radFromWad(_ wad: Int128) -> UInt256 {
        wad > 0 ? UInt256(UInt128(wad)) * .ray : .zero
    }

    /// What every step of one block needs to know.
    struct OptionPoint {
        let number: UInt64
        let timeMs: Int64
        /// The block's timestamp, seconds: the exchange's clock.
        let timestamp: UInt64
        let books: OptionsExchange
        let marketSpots: [Int128]

        func marketSpot(_ underlying: OptionUnderlyingID) -> Int128? {
            RaceLedger.positivePrice(marketSpots, Int(underlying.rawValue))
        }
    }

    /// The hook of `record`: the first options exchange's races for one block.
    mutating func recordOptions(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState,
        input: OptionsRaceInput
    ) {
        let books = state.optionsExchanges[0]
        options.notes.removeAll(keepingCapacity: true)
        options.liquidatedNow.removeAll(keepingCapacity: true)
        if !options.seeded {
            options.seeded = true
            options.holders.rescan(books)
        }
        let point = OptionPoint(
            number: block.input.number, timeMs: block.input.time.milliseconds,
            timestamp: block.input.context.timestamp, books: books,
            marketSpots: input.marketSpots)
        for offset in block.transactions.indices {
            let receipt = block.receipts[offset]
            let events = block.events[receipt.events]
            if receipt.status.isSuccess {
                openForOptionLiquidation(events, at: point)
            }
            recordOptionAttempts(block.transactions[offset], receipt: receipt, at: point)
            guard receipt.status.isSuccess else { continue }
            for event in events {
                if case .options(0, let optionsEvent) = event {
                    applyOption(optionsEvent, gasPrice: receipt.effectiveGasPrice, at: point)
                }
            }
        }
        let changed = options.holders.apply(block.events, exchange: 0, books: books)
        markOptionsUnsafe(at: point, changed: changed, liquidatable: input.liquidatable)
        settleAndOpenOptions(at: point)
    }

    // MARK: - Holders

    // MARK: - Attempts and events

    /// Opens a race for an account liquidated in this block before the ledger saw it unsafe
    /// (the price post and the liquidation in one block), so the transaction that did it
    /// counts as its attempt; and for an account a settlement left with bad debt.
    mutating func openForOptionLiquidation(
        _ events: ArraySlice<ProtocolState.Event>, at point: OptionPoint
    ) {
        for event in events {
            switch event {
            case .options(0, .liquidated(let liquidation)):
                if optionSlot(liquidation.account) == nil {
                    _ = openOptionRace(liquidation.account, at: point)
                }
            case .options(0, .settled(_, _, _, _, _, _, _, _, let deficits)):
                // Bad debt a settlement booked on an account no race was watching (the book
                // went under with the settlement price, in one block): a race of its own,
                // never unsafe nor liquidatable, so every bad debt has a race.
                for deficit in deficits where deficit.badDebt > 0 {
                    if optionSlot(deficit.account) == nil {
                        _ = openOptionRace(deficit.account, at: point)
                    }
                }
            default:
                continue
            }
        }
    }

    /// The slot of `account`'s open race, if it has one.
    func optionSlot(_ account: OptionAccountID) -> Int? {
        let raw = Int(account.rawValue)
        guard raw < options.openSlot.count, options.openSlot[raw] >= 0 else { return nil }
        return options.openSlot[raw]
    }

    mutating func recordOptionAttempts(
        _ transaction: Transaction<ProtocolState.Call>, receipt: Receipt, at point: OptionPoint
    ) {
        var isLiquidation = false
        var stray = false
        var named: [OptionAccountID] = []
        for call in transaction.calls {
            guard case .options(0, .liquidate(let account, _)) = call else { continue }
            isLiquidation = true
            // A transaction naming an account twice is one attempt on its race.
            guard !named.contains(account) else { continue }
            named.append(account)
            guard let slot = optionSlot(account) else {
                stray = true
                continue
            }
            noteOptionAttempt(slot: slot, transaction: transaction, receipt: receipt, at: point)
        }
        guard isLiquidation else { return }
        if stray { totals.strayAttempts += 1 }
        if !receipt.status.isSuccess {
            totals.failedTransactions += 1
            totals.failedTransactionFees += receipt.fee.paid
        }
    }

    mutating func noteOptionAttempt(
        slot: Int, transaction: Transaction<ProtocolState.Call>, receipt: Receipt,
        at point: OptionPoint
    ) {
        options.open[slot].attempts += 1
        if options.open[slot].firstAttemptBlock == nil {
            options.open[slot].firstAttemptBlock = point.number
        }
        options.open[slot].noteKeeper(transaction.sender)
        var reason: String?
        if case .reverted(let revert) = receipt.status {
            options.open[slot].failedAttempts += 1
            options.open[slot].failedFees += receipt.fee.paid
            reason = revert.reason
        }
        let attempt = Note.Attempt(
            keeper: transaction.sender, hash: transaction.hash, action: "liquidate",
            auction: nil, bid: transaction.bid, effectiveGasPrice: receipt.effectiveGasPrice,
            fee: receipt.fee.paid, succeeded: receipt.status.isSuccess, revertReason: reason)
        addOptionNote(.attempt, slot: slot, at: point, attempt: attempt)
    }

    mutating func applyOption(
        _ event: OptionsExchange.Event, gasPrice: Wei, at point: OptionPoint
    ) {
        switch event {
        case .liquidated(let liquidation):
            let slot =
                optionSlot(liquidation.account)
                ?? openOptionRace(
                    liquidation.account, at: point)
            options.liquidatedNow.append(liquidation.account)
            let liability = max(0, -liquidation.value)
            let deficit = liquidation.insuranceCover + liquidation.badDebt
            if options.open[slot].liquidatedBlock == nil {
                options.open[slot].liquidatedBlock = point.number
                options.open[slot].liquidatedTimeMs = point.timeMs
                options.open[slot].vaultDebt = Self.radFromWad(liability)
            } else {
                options.open[slot].vaultDebt += Self.radFromWad(liability)
            }
            options.open[slot].filledValue += Self.radFromWad(max(0, liability - deficit))
            options.open[slot].coveredDeficit += Self.radFromWad(liquidation.badDebt)
            let owner = point.books.account(liquidation.liquidator).owner
            options.open[slot].noteBuyer(owner, lot: UInt256(1 as UInt64), gasPrice: gasPrice)
        case .settled(_, _, _, _, _, _, _, _, let deficits):
            for deficit in deficits where deficit.badDebt > 0 {
                guard let slot = optionSlot(deficit.account) else { continue }
                options.open[slot].coveredDeficit += Self.radFromWad(deficit.badDebt)
            }
        default:
            break
        }
    }

    // MARK: - End of block

    /// Stamps the accounts below maintenance at the market spots and those the exchange
    /// would liquidate now.
    mutating func markOptionsUnsafe(
        at point: OptionPoint, changed: Bool, liquidatable: [OptionAccountID]?
    ) {
        options.stamp += 1
        let count = point.books.accountCount
        if options.marketStamp.count < count {
            options.marketStamp.append(
                contentsOf: repeatElement(0, count: count - options.marketStamp.count))
            options.chainStamp.append(
                contentsOf: repeatElement(0, count: count - options.chainStamp.count))
        }
        if changed || options.answeredSpots != point.marketSpots {
            options.unsafeAtMarket = Self.unsafeAtMarket(
                options.holders.ids, books: point.books, spots: point.marketSpots,
                at: BlockContext(number: point.number, timestamp: point.timestamp))
            options.answeredSpots = point.marketSpots
            options.marketTables += 1
        }
        if let liquidatable {
            options.liquidatable = liquidatable
        } else if changed || options.stamp == 1 {
            var table = OptionRiskTable(exchange: point.books, now: point.timestamp)
            options.liquidatable = options.holders.ids.filter {
                point.books.margin(of: $0, table: &table).isLiquidatable
            }
        }
        for account in options.unsafeAtMarket {
            options.marketStamp[Int(account.rawValue)] = options.stamp
        }
        for account in options.liquidatable + options.liquidatedNow {
            options.chainStamp[Int(account.rawValue)] = options.stamp
        }
    }

    /// The holders below maintenance margin if the oracle had posted `spots` at `block`:
    /// the exchange's own `updatePrice` on a copy, then its own margin with one risk table
    /// (series × scenarios prices, once) for every holder.
    static func unsafeAtMarket(
        _ holders: [OptionAccountID], books: OptionsExchange, spots: [Int128],
        at block: BlockContext
    ) -> [OptionAccountID] {
        // An underlying without a market price has no market view: its accounts open races
        // on chain only.
        func priced(_ account: OptionAccountID) -> Bool {
            let slot = Int(optionUnderlying(account, books: books).rawValue)
            return slot < spots.count && spots[slot] > 0
        }
        let holders = spots.contains { $0 > 0 } ? holders.filter(priced) : []
        guard !holders.isEmpty else { return [] }
        var view = books
        var events: [OptionsExchange.Event] = []
        for (slot, spot) in spots.enumerated() where spot > 0 && slot < books.underlyings.count {
            let underlying = OptionUnderlyingID(rawValue: UInt16(slot))
            // Cannot revert: the caller is the oracle, the underlying exists, the price is
            // positive. A revert would leave the copy at the oracle's spot.
            try? view.apply(
                .updatePrice(underlying: underlying, price: spot),
                caller: books.configuration.oracle, block: block, events: &events)
        }
        var table = OptionRiskTable(exchange: view, now: block.timestamp)
        return holders.filter { view.margin(of: $0, table: &table).isLiquidatable }
    }

    func optionStamps(_ account: OptionAccountID) -> (market: Bool, chain: Bool) {
        let raw = Int(account.rawValue)
        guard raw < options.marketStamp.count else { return (false, false) }
        return (options.marketStamp[raw] == options.stamp, options.chainStamp[raw] == options.stamp)
    }

    mutating func settleAndOpenOptions(at point: OptionPoint) {
        var slot = 0
        while slot < options.open.count {
            if updateOptionRace(slot, at: point) {
                settleOptionRace(slot, at: point)
            } else {
                slot += 1
            }
        }
        // New races, in account order, for every account unsafe at market or on chain that
        // holds positions and has no race.
        var accounts = options.unsafeAtMarket + options.liquidatable
        accounts.sort()
        var previous: OptionAccountID?
        for account in accounts where account != previous {
            previous = account
            guard optionSlot(account) == nil,
                !point.books.account(account).positions.isEmpty
            else { continue }
            let slot = openOptionRace(account, at: point)
            _ = updateOptionRace(slot, at: point)
        }
    }

    /// The book's net liability at the marks, WAD: `max(0, −Σ ⌊size × mark⌋)`.
    static func optionLiability(_ account: OptionAccountID, books: OptionsExchange) -> Int128 {
        var value: Int128 = 0
        for position in books.account(account).positions {
            value += books.markedValue(of: position)
        }
        return max(0, -value)
    }

    /// Brings an open race up to date; true when it is over.
    mutating func updateOptionRace(_ slot: Int, at point: OptionPoint) -> Bool {
        let account = options.openAccounts[slot]
        let (marketUnsafe, chainUnsafe) = optionStamps(account)
        let holds = !point.books.account(account).positions.isEmpty
        if holds && options.open[slot].liquidatedBlock == nil {
            options.open[slot].vaultDebt = Self.radFromWad(
                Self.optionLiability(account, books: point.books))
        }
        if marketUnsafe && options.open[slot].unsafeBlock == nil {
            options.open[slot].unsafeBlock = point.number
            options.open[slot].unsafeTimeMs = point.timeMs
            addOptionNote(.unsafe, slot: slot, at: point)
        }
        if chainUnsafe && options.open[slot].liquidatableBlock == nil {
            options.open[slot].liquidatableBlock = point.number
            options.open[slot].liquidatableTimeMs = point.timeMs
            addOptionNote(.liquidatable, slot: slot, at: point)
        }
        guard !holds || (!marketUnsafe && !chainUnsafe) else { return false }
        let race = options.open[slot]
        options.open[slot].outcome =
            !race.coveredDeficit.isZero
            ? .badDebt : race.liquidatedBlock == nil ? .recovered : .liquidated
        return true
    }

    mutating func settleOptionRace(_ slot: Int, at point: OptionPoint) {
        var race = options.open[slot]
        race.settledBlock = point.number
        addOptionNote(.settle, slot: slot, at: point, outcome: race.outcome)
        options.openSlot[Int(options.openAccounts[slot].rawValue)] = -1
        let last = options.open.count - 1
        if slot != last {
            options.open.swapAt(slot, last)
            options.openAccounts.swapAt(slot, last)
            options.openSlot[Int(options.openAccounts[slot].rawValue)] = slot
        }
        options.open.removeLast()
        options.openAccounts.removeLast()
        race.winningLot = .zero
        options.settled.append(race)
    }

    /// The underlying an account trades: its mode's, or (isolated) its position's series'.
    static func optionUnderlying(_ account: OptionAccountID, books: OptionsExchange)
        -> OptionUnderlyingID
    {
        let holder = books.account(account)
        switch holder.mode {
        case .cross(let underlying), .portfolio(let underlying): return underlying
        case .isolated:
            guard let position = holder.positions.first else {
                return OptionUnderlyingID(rawValue: 0)
            }
            return books.series(position.series).underlying
        }
    }

    /// Opens a race for `account` and returns its slot.
    mutating func openOptionRace(_ account: OptionAccountID, at point: OptionPoint) -> Int {
        let raw = Int(account.rawValue)
        if options.openSlot.count <= raw {
            options.openSlot.append(
                contentsOf: repeatElement(-1, count: raw + 1 - options.openSlot.count))
            options.raceCounts.append(
                contentsOf: repeatElement(0, count: raw + 1 - options.raceCounts.count))
        }
        options.raceCounts[raw] += 1
        let count = options.raceCounts[raw]
        let underlying = Self.optionUnderlying(account, books: point.books)
        let name = point.books.underlying(underlying).name
        let position = "\(name):\(account.rawValue)" + (count > 1 ? "#\(count)" : "")
        let race = Race(
            vault: Vault(
                ilk: MakerSystem.IlkID(rawValue: underlying.rawValue),
                owner: Address(account.rawValue)),
            position: position, block: point.number, timeMs: point.timeMs,
            protocolName: "options")
        options.open.append(race)
        options.openAccounts.append(account)
        let slot = options.open.count - 1
        options.openSlot[raw] = slot
        addOptionNote(.open, slot: slot, at: point)
        return slot
    }

    mutating func addOptionNote(
        _ kind: Note.Kind, slot: Int, at point: OptionPoint, attempt: Note.Attempt? = nil,
        outcome: Race.Outcome? = nil
    ) {
        let underlying = OptionUnderlyingID(rawValue: options.open[slot].vault.ilk.rawValue)
        let oracle = point.books.underlying(underlying).spot
        options.notes.append(
            Note(
                kind: kind, block: point.number, timeMs: point.timeMs,
                position: options.open[slot].position,
                marketPrice: point.marketSpot(underlying).map { UInt256(UInt128($0)) },
                oraclePrice: oracle > 0 ? UInt256(UInt128(oracle)) : nil, attempt: attempt,
                outcome: outcome))
    }
}
