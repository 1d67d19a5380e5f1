import CascadeChain
import CascadeContracts
import CascadeCore

/// A lending race's amounts, in the ledger's lending unit scaled to 45 decimals (so the
/// writers that print a Maker race's RAD print them as they are): the debt asset's units
/// when every position borrows one asset, else USD at the pool's oracle price.
struct LendingRaceAmounts: Hashable, Sendable {
    /// The account's debt when the first liquidation came (before it), else at the
    /// latest block seen.
    var debt: UInt256 = .zero
    /// Debt repaid by the race's liquidations: what liquidators paid in.
    var repaid: UInt256 = .zero
    /// Debt left with no collateral behind it when the race ended `bad_debt` (Aave v3.3:
    /// the deficit burned), else zero.
    var shortfall: UInt256 = .zero
    /// Liquidations landed.
    var liquidations = 0
    /// Debt the pool burned into its deficit (v3.3), base units of the debt asset.
    var deficit: UInt256 = .zero
    /// At the latest block, how far the debt exceeds the collateral's value at the
    /// pool's prices (zero when it does not): what is lost if nobody liquidates in time.
    var insolvent: UInt256 = .zero
    /// The same at the market reference prices: what the pool would lose if the position
    /// were closed at the market now (a frozen feed hides it from `insolvent`).
    var insolventAtMarket: UInt256 = .zero
}

/// The lending part of the race ledger: a race per liquidation opportunity of a lending
/// account, from the block it became liquidatable at the market price or on chain until it
/// is safe again, liquidated back to safety, or out of collateral with debt left.
///
/// **What it watches.** Each pool's borrowers, in a `LendingLiquidationIndex` seeded from
/// the first block's state and kept from the pool's events. At the end of each block it
/// asks, per (collateral, debt) pair, which accounts the pool would liquidate at its own
/// prices (`liquidatable_block`) and at the market reference prices (`unsafe_block`):
/// exactly, in O(log N + k).
///
/// **Settling.** No liquidation yet: `recovered` once the account is safe at both. After
/// one or more: `bad_debt` when its collateral is gone and debt remains (or v3.3 burned it
/// into the deficit) — `shortfall` is that debt — else `liquidated` once the pool no
/// longer finds it liquidatable. `open` at the end otherwise. An account still
/// liquidatable when its race settles opens a new one in the same block.
struct LendingRaceLedger: Sendable {
    /// One pool's races.
    struct Pool: Sendable {
        let reader: LendingPoolReader
        /// `aave-v2`, … for the first pool of its protocol, then `-1`, `-2`, …
        let name: String
        /// The debt asset every race is counted in, or nil for USD.
        let unitAsset: Int?
        var index = LendingLiquidationIndex()
        var ids: [Address: Int] = [:]
        var accounts: [Address] = []
        var pairs: [LendingPair?] = []
        var marketStamp: [Int] = []
        var chainStamp: [Int] = []
        var raceCount: [Int] = []
        /// Per id, its open race's slot in `open`, or −1.
        var openSlot: [Int] = []
        var open: [Race] = []
        var openIDs: [Int] = []
        /// Scratch: the ids stamped this block, in query order (market first).
        var stamped: [Int] = []
        /// The market reference prices of the pool's assets at the latest block (WAD), or
        /// nil when the relay had none.
        var marketPrices: [UInt256]?
        /// The borrowers' collateral and debt, summed per asset (`blocks.csv`'s columns).
        var balance = LendingBalanceSheet()
    }

    var pools: [Pool] = []
    var seeded = false
    var stamp = 0

    var openRaces: [Race] { pools.flatMap(\.open) }

    /// Over the open races, the debt beyond the collateral's value at the pool's prices at
    /// the latest block (45 decimals, the races' unit).
    var insolventDebt: UInt256 {
        pools.reduce(.zero) { total, pool in
            pool.open.reduce(total) { $0 + ($1.lending?.insolvent ?? .zero) }
        }
    }

    /// The same at the market reference prices of the latest block.
    var insolventDebtAtMarket: UInt256 {
        pools.reduce(.zero) { total, pool in
            pool.open.reduce(total) { $0 + ($1.lending?.insolventAtMarket ?? .zero) }
        }
    }
}

extension RaceLedger {
    /// Lending worlds: over the races still open, the debt beyond the collateral's value at
    /// the pool's prices after the latest block, in `totals.badDebtUnit` (45 decimals) — the
    /// loss `bad_debt` does not count yet, because the collateral is not gone.
    public var lendingInsolventDebt: UInt256 { lending.insolventDebt }

    /// Lending worlds: the same at the market reference prices of the latest block — what
    /// the pool would lose if the open positions were closed at the market, the loss a
    /// frozen feed hides from `lendingInsolventDebt`.
    public var lendingInsolventDebtAtMarket: UInt256 { lending.insolventDebtAtMarket }

    /// The hook `record` calls once per block, after the Maker races.
    mutating func recordLending(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, at point: BlockPoint
    ) {
        if !lending.seeded {
            lending.seeded = true
            seedLending(point.state)
        }
        guard !lending.pools.isEmpty else { return }
        lending.stamp += 1
        let timestamp = UInt64(max(0, point.timeMs / 1_000))
        for slot in lending.pools.indices {
            var touched: [Address] = []
            for offset in block.transactions.indices {
                let receipt = block.receipts[offset]
                let events = block.events[receipt.events]
                noteLendingAttempts(
                    pool: slot, block.transactions[offset], receipt: receipt, at: point)
                guard receipt.status.isSuccess else { continue }
                for event in events {
                    applyLending(pool: slot, event, gasPrice: receipt.effectiveGasPrice, at: point)
                    if let account = LendingBook.account(
                        changedBy: event, reader: lending.pools[slot].reader)
                    {
                        touched.append(account)
                    }
                }
            }
            for account in touched { refreshLending(pool: slot, account, state: point.state) }
            markLending(pool: slot, at: point, timestamp: timestamp)
            settleAndOpenLending(pool: slot, at: point, timestamp: timestamp)
        }
    }

    /// One pool per Aave pool and Compound comptroller of the state, with every borrower
    /// indexed (the only pass over the accounts).
    mutating func seedLending(_ state: ProtocolState) {
        var readers = state.aavePools.indices.map { index -> LendingPoolReader in
            LendingPoolReader(
                kind: .aave(state.aavePools[index].configuration.version), pool: index)
        }
        readers += state.compoundComptrollers.indices.map {
            LendingPoolReader(kind: .compound, pool: $0)
        }
        var used: [String: Int] = [:]
        for reader in readers {
            let borrowers: [Address]
            switch reader.kind {
            case .aave: borrowers = state.aavePools[reader.pool].borrowers
            case .compound: borrowers = state.compoundComptrollers[reader.pool].borrowers
            }
            var debts: [Int] = []
            for account in borrowers {
                if let pair = reader.pair(of: account, state), !debts.contains(pair.debt) {
                    debts.append(pair.debt)
                }
            }
            let base = reader.kind.protocolName
            let count = used[base, default: 0]
            used[base] = count + 1
            lending.pools.append(
                LendingRaceLedger.Pool(
                    reader: reader, name: count == 0 ? base : "\(base)-\(count)",
                    unitAsset: debts.count == 1 ? debts[0] : nil))
            let slot = lending.pools.count - 1
            for account in borrowers { refreshLending(pool: slot, account, state: state) }
        }
        if let pool = lending.pools.first {
            totals.badDebtUnit =
                pool.unitAsset.map {
                    state.ledger.symbol(of: pool.reader.token($0, state))
                } ?? "USD"
        }
    }

    mutating func lendingID(pool slot: Int, _ account: Address) -> Int {
        if let id = lending.pools[slot].ids[account] { return id }
        let id = lending.pools[slot].accounts.count
        lending.pools[slot].ids[account] = id
        lending.pools[slot].accounts.append(account)
        lending.pools[slot].pairs.append(nil)
        lending.pools[slot].marketStamp.append(0)
        lending.pools[slot].chainStamp.append(0)
        lending.pools[slot].raceCount.append(0)
        lending.pools[slot].openSlot.append(-1)
        return id
    }

    mutating func refreshLending(pool slot: Int, _ account: Address, state: ProtocolState) {
        let id = lendingID(pool: slot, account)
        let reader = lending.pools[slot].reader
        lending.pools[slot].balance.replace(id, with: reader.holdings(of: account, state))
        guard let pair = reader.pair(of: account, state) else {
            lending.pools[slot].index.remove(id)
            if lending.pools[slot].openSlot[id] < 0 { lending.pools[slot].pairs[id] = nil }
            return
        }
        lending.pools[slot].pairs[id] = pair
        let key = reader.key(of: account, pair, state)
        let assets = reader.assetCount(state)
        lending.pools[slot].index.update(
            id, market: pair.collateral * assets + pair.debt, collateral: key.collateral,
            debt: key.debt)
    }

    /// `amount` base units of `asset` in the pool's race unit, scaled to 45 decimals.
    func lendingAmount(
        pool slot: Int, _ amount: UInt256, asset: Int, state: ProtocolState
    ) -> UInt256 {
        let pool = lending.pools[slot]
        let decimals = pool.reader.decimals(asset, state)
        if pool.unitAsset != nil {
            return amount * UInt256.powerOfTen(45 - decimals)
        }
        let usd = UInt256.mulDiv(
            amount, pool.reader.oraclePrice(asset, state), UInt256.powerOfTen(decimals))
        return usd * UInt256.powerOfTen(27)
    }

    /// How far `debt` (base units of the pair's debt) exceeds `held` collateral at the
    /// market reference prices, in the races' unit (the debt asset, or USD at the market
    /// price), 45 decimals; zero without market prices.
    func marketInsolvency(
        pool slot: Int, debt: UInt256, held: UInt256, pair: LendingPair, state: ProtocolState
    ) -> UInt256 {
        let pool = lending.pools[slot]
        guard let prices = pool.marketPrices, pair.collateral < prices.count,
            pair.debt < prices.count
        else { return .zero }
        let reader = pool.reader
        let collateralDecimals = reader.decimals(pair.collateral, state)
        let debtDecimals = reader.decimals(pair.debt, state)
        let collateralUSD = UInt256.mulDiv(
            held, prices[pair.collateral], UInt256.powerOfTen(collateralDecimals))
        let debtUSD = UInt256.mulDiv(debt, prices[pair.debt], UInt256.powerOfTen(debtDecimals))
        guard debtUSD > collateralUSD else { return .zero }
        let gapUSD = debtUSD - collateralUSD
        if pool.unitAsset != nil {
            // Debt units: the USD gap at the debt's market price, to 45 decimals.
            return UInt256.mulDiv(
                gapUSD, UInt256.powerOfTen(45), max(prices[pair.debt], .one))
        }
        return gapUSD * UInt256.powerOfTen(27)
    }

    /// The account a transaction's call liquidates in pool `slot`, if any.
    static func lendingTarget(_ call: ProtocolState.Call, reader: LendingPoolReader) -> Address? {
        switch (call, reader.kind) {
        case (.aave(let pool, .liquidationCall(_, _, let user, _, _)), .aave)
        where pool == reader.pool:
            return user
        case (.compound(let pool, .liquidateBorrow(_, let borrower, _, _)), .compound)
        where pool == reader.pool:
            return borrower
        default:
            return nil
        }
    }

    /// Counts a transaction naming accounts of pool `slot` as an attempt on each one's race;
    /// a successful one naming an account without a race opens one (the oracle update and
    /// the liquidation landed in one block).
    mutating func noteLendingAttempts(
        pool slot: Int, _ transaction: Transaction<ProtocolState.Call>, receipt: Receipt,
        at point: BlockPoint
    ) {
        var named: [Address] = []
        for call in transaction.calls {
            if let account = Self.lendingTarget(call, reader: lending.pools[slot].reader),
                !named.contains(account)
            {
                named.append(account)
            }
        }
        guard !named.isEmpty else { return }
        if !receipt.status.isSuccess {
            totals.failedTransactions += 1
            totals.failedTransactionFees += receipt.fee.paid
        }
        for account in named {
            let id = lendingID(pool: slot, account)
            var race = lending.pools[slot].openSlot[id]
            if race < 0 {
                guard receipt.status.isSuccess else {
                    totals.strayAttempts += 1
                    continue
                }
                race = openLendingRace(pool: slot, id, at: point)
                lending.pools[slot].open[race].liquidatableBlock = point.number
                lending.pools[slot].open[race].liquidatableTimeMs = point.timeMs
            }
            var entry = lending.pools[slot].open[race]
            entry.attempts += 1
            if entry.firstAttemptBlock == nil { entry.firstAttemptBlock = point.number }
            entry.noteKeeper(transaction.sender)
            var reason: String?
            if case .reverted(let revert) = receipt.status {
                entry.failedAttempts += 1
                entry.failedFees += receipt.fee.paid
                reason = revert.reason
            }
            lending.pools[slot].open[race] = entry
            let attempt = Note.Attempt(
                keeper: transaction.sender, hash: transaction.hash, action: "liquidation_call",
                auction: nil, bid: transaction.bid, effectiveGasPrice: receipt.effectiveGasPrice,
                fee: receipt.fee.paid, succeeded: receipt.status.isSuccess, revertReason: reason)
            addLendingNote(.attempt, pool: slot, entry, at: point, attempt: attempt)
        }
    }

    /// A liquidation or deficit of pool `slot` moves its account's race.
    mutating func applyLending(
        pool slot: Int, _ event: ProtocolState.Event, gasPrice: Wei, at point: BlockPoint
    ) {
        let reader = lending.pools[slot].reader
        if case .compound(let pool, .oracle(.oracleUpdated(_, let update, _))) = event,
            pool == reader.pool
        {
            if !update.accepted { totals.refusedPriceReports += 1 }
            return
        }
        if case .aave(let pool, .deficitCreated(_, let user, let amount)) = event,
            pool == reader.pool, let id = lending.pools[slot].ids[user],
            lending.pools[slot].openSlot[id] >= 0
        {
            lending.pools[slot].open[lending.pools[slot].openSlot[id]].lending?.deficit += amount
            return
        }
        guard let call = LendingKeeper.liquidation(in: event, reader: reader) else { return }
        totals.liquidations += 1
        let repaid = lendingAmount(
            pool: slot, call.debtRepaid, asset: call.debtAsset, state: point.state)
        totals.liquidatedDebt += repaid
        let id = lendingID(pool: slot, call.borrower)
        let race = lending.pools[slot].openSlot[id]
        guard race >= 0 else { return }
        var entry = lending.pools[slot].open[race]
        var amounts = entry.lending ?? LendingRaceAmounts()
        if amounts.liquidations == 0 {
            // The debt before the first liquidation: the latest block-end reading, or (a
            // race opened in this block) what is left plus what this block repaid.
            let after = lendingAmount(
                pool: slot,
                reader.debt(
                    of: call.borrower, asset: call.debtAsset, point.state,
                    at: UInt64(max(0, point.timeMs / 1_000))),
                asset: call.debtAsset, state: point.state)
            if amounts.debt.isZero || entry.startBlock == point.number {
                amounts.debt = after + repaid
            }
            entry.liquidatedBlock = point.number
            entry.liquidatedTimeMs = point.timeMs
            if entry.liquidatableBlock == nil {
                entry.liquidatableBlock = point.number
                entry.liquidatableTimeMs = point.timeMs
            }
        }
        amounts.liquidations += 1
        amounts.repaid += repaid
        entry.lending = amounts
        entry.noteBuyer(call.liquidator, lot: call.collateralSeized, gasPrice: gasPrice)
        lending.pools[slot].open[race] = entry
    }

    /// Stamps the accounts pool `slot` would liquidate on chain and at the market prices.
    mutating func markLending(pool slot: Int, at point: BlockPoint, timestamp: UInt64) {
        let stamp = lending.stamp
        let reader = lending.pools[slot].reader
        let state = point.state
        let assets = reader.assetCount(state)
        // Market prices: the relay puts the pool's assets after the Maker collaterals.
        let first = state.maker.ilks.count
        lending.pools[slot].stamped.removeAll(keepingCapacity: true)
        var prices: [UInt256]? = []
        for asset in 0..<assets {
            let slotIndex = first + asset
            guard slotIndex < point.marketPrices.count, let price = point.marketPrices[slotIndex]
            else {
                prices = nil
                break
            }
            prices?.append(price)
        }
        lending.pools[slot].marketPrices = prices
        for market in 0..<(assets * assets) where lending.pools[slot].index.count(in: market) > 0 {
            let pair = LendingPair(collateral: market / assets, debt: market % assets)
            let accounts = lending.pools[slot].accounts
            if let terms = reader.terms(pair, state, at: timestamp) {
                let ids = lending.pools[slot].index.liquidatable(in: market, terms: terms) { id in
                    reader.isLiquidatable(accounts[id], pair, state, at: timestamp)
                }
                for id in ids { lending.pools[slot].chainStamp[id] = stamp }
                lending.pools[slot].stamped += ids
            }
            if let prices, let terms = reader.terms(pair, state, at: timestamp, prices: prices) {
                let ids = lending.pools[slot].index.liquidatable(in: market, terms: terms) { id in
                    reader.isLiquidatable(
                        accounts[id], pair, state, at: timestamp, prices: prices)
                }
                for id in ids { lending.pools[slot].marketStamp[id] = stamp }
                lending.pools[slot].stamped += ids
            }
        }
    }

    mutating func settleAndOpenLending(pool slot: Int, at point: BlockPoint, timestamp: UInt64) {
        var race = 0
        while race < lending.pools[slot].open.count {
            if updateLendingRace(pool: slot, race, at: point, timestamp: timestamp) {
                settleLendingRace(pool: slot, race, at: point)
            } else {
                race += 1
            }
        }
        for id in lending.pools[slot].stamped where lending.pools[slot].openSlot[id] < 0 {
            let opened = openLendingRace(pool: slot, id, at: point)
            _ = updateLendingRace(pool: slot, opened, at: point, timestamp: timestamp)
        }
    }

    /// Brings open race `race` of pool `slot` up to date; true when it is over.
    ///
    /// Every open race is brought up to date at every block, so the race is written in
    /// place, field by field: copying it out and back (its strings and arrays retained
    /// and released) was about 6% of a run with thousands of races open.
    mutating func updateLendingRace(
        pool slot: Int, _ race: Int, at point: BlockPoint, timestamp: UInt64
    ) -> Bool {
        let id = lending.pools[slot].openIDs[race]
        let account = lending.pools[slot].accounts[id]
        let reader = lending.pools[slot].reader
        let state = point.state
        let marketUnsafe = lending.pools[slot].marketStamp[id] == lending.stamp
        let chainUnsafe = lending.pools[slot].chainStamp[id] == lending.stamp
        if marketUnsafe && lending.pools[slot].open[race].unsafeBlock == nil {
            lending.pools[slot].open[race].unsafeBlock = point.number
            lending.pools[slot].open[race].unsafeTimeMs = point.timeMs
            addLendingNote(.unsafe, pool: slot, lending.pools[slot].open[race], at: point)
        }
        if chainUnsafe && lending.pools[slot].open[race].liquidatableBlock == nil {
            lending.pools[slot].open[race].liquidatableBlock = point.number
            lending.pools[slot].open[race].liquidatableTimeMs = point.timeMs
            addLendingNote(.liquidatable, pool: slot, lending.pools[slot].open[race], at: point)
        }
        var amounts = lending.pools[slot].open[race].lending ?? LendingRaceAmounts()
        let pair = lending.pools[slot].pairs[id]
        let debt = pair.map { reader.debt(of: account, asset: $0.debt, state, at: timestamp) }
        let collateral = pair.map { reader.key(of: account, $0, state).collateral } ?? .zero
        let owed =
            pair.map { lendingAmount(pool: slot, debt ?? .zero, asset: $0.debt, state: state) }
            ?? .zero
        if amounts.liquidations == 0 { amounts.debt = owed }
        amounts.insolvent = .zero
        if let pair, let debt, !debt.isZero {
            let held = reader.collateral(
                of: account, asset: pair.collateral, state, at: timestamp)
            let covered = UInt256.mulDiv(
                UInt256.mulDiv(
                    held, reader.oraclePrice(pair.collateral, state),
                    UInt256.powerOfTen(reader.decimals(pair.collateral, state))),
                UInt256.powerOfTen(reader.decimals(pair.debt, state)),
                max(reader.oraclePrice(pair.debt, state), .one))
            if debt > covered {
                amounts.insolvent = lendingAmount(
                    pool: slot, debt - covered, asset: pair.debt, state: state)
            }
            amounts.insolventAtMarket = marketInsolvency(
                pool: slot, debt: debt, held: held, pair: pair, state: state)
        } else {
            amounts.insolventAtMarket = .zero
        }
        var outcome: Race.Outcome?
        if collateral.isZero && (!owed.isZero || !amounts.deficit.isZero) {
            let deficit =
                pair.map {
                    lendingAmount(pool: slot, amounts.deficit, asset: $0.debt, state: state)
                } ?? .zero
            amounts.shortfall = owed + deficit
            outcome = .badDebt
        } else if amounts.liquidations == 0 {
            if owed.isZero || (!marketUnsafe && !chainUnsafe) { outcome = .recovered }
        } else if !chainUnsafe {
            outcome = .liquidated
        }
        lending.pools[slot].open[race].lending = amounts
        if let outcome { lending.pools[slot].open[race].outcome = outcome }
        return outcome != nil
    }

    mutating func settleLendingRace(pool slot: Int, _ race: Int, at point: BlockPoint) {
        var entry = lending.pools[slot].open[race]
        entry.settledBlock = point.number
        if entry.outcome == .badDebt, let shortfall = entry.shortfall {
            totals.badDebt += shortfall
        }
        addLendingNote(.settle, pool: slot, entry, at: point, outcome: entry.outcome)
        let id = lending.pools[slot].openIDs[race]
        lending.pools[slot].openSlot[id] = -1
        let last = lending.pools[slot].open.count - 1
        if race != last {
            lending.pools[slot].open.swapAt(race, last)
            lending.pools[slot].openIDs.swapAt(race, last)
            lending.pools[slot].openSlot[lending.pools[slot].openIDs[race]] = race
        }
        lending.pools[slot].open.removeLast()
        lending.pools[slot].openIDs.removeLast()
        entry.winningLot = .zero
        settled.append(entry)
    }

    /// Opens a race for account `id` of pool `slot`; returns its slot in `open`.
    mutating func openLendingRace(pool slot: Int, _ id: Int, at point: BlockPoint) -> Int {
        let account = lending.pools[slot].accounts[id]
        lending.pools[slot].raceCount[id] += 1
        let sequence = lending.pools[slot].raceCount[id]
        let name = lending.pools[slot].name
        let position = "\(name):\(account)" + (sequence > 1 ? "#\(sequence)" : "")
        // A lending race's "vault": the pool (numbered above every Maker ilk) and account.
        let vault = Vault(
            ilk: MakerSystem.IlkID(rawValue: UInt16(0xF000 + slot)), owner: account)
        var race = Race(
            vault: vault, position: position,
            protocolName: lending.pools[slot].reader.kind
                .protocolName, block: point.number, timeMs: point.timeMs)
        race.lending = LendingRaceAmounts()
        lending.pools[slot].open.append(race)
        lending.pools[slot].openIDs.append(id)
        lending.pools[slot].openSlot[id] = lending.pools[slot].open.count - 1
        addLendingNote(.open, pool: slot, race, at: point)
        return lending.pools[slot].open.count - 1
    }

    /// A note whose prices are the account's debt asset over its collateral asset (WAD):
    /// the position is liquidatable when that ratio rises past its line.
    mutating func addLendingNote(
        _ kind: Note.Kind, pool slot: Int, _ race: Race, at point: BlockPoint,
        attempt: Note.Attempt? = nil, outcome: Race.Outcome? = nil
    ) {
        let id = lending.pools[slot].ids[race.vault.owner]
        let pair = id.flatMap { lending.pools[slot].pairs[$0] }
        var market: UInt256?
        var oracle: UInt256?
        if let pair {
            let reader = lending.pools[slot].reader
            let first = point.state.maker.ilks.count
            let prices = [pair.debt, pair.collateral].map { asset -> UInt256? in
                let index = first + asset
                return index < point.marketPrices.count ? point.marketPrices[index] : nil
            }
            if let debt = prices[0], let collateral = prices[1], !collateral.isZero {
                market = UInt256.mulDiv(debt, .wad, collateral)
            }
            let collateralOracle = reader.oraclePrice(pair.collateral, point.state)
            if !collateralOracle.isZero {
                oracle = UInt256.mulDiv(
                    reader.oraclePrice(pair.debt, point.state), .wad, collateralOracle)
            }
        }
        notes.append(
            Note(
                kind: kind, block: point.number, timeMs: point.timeMs, position: race.position,
                marketPrice: market, oraclePrice: oracle, attempt: attempt, outcome: outcome))
    }
}

extension Race {
    /// A race of another protocol than Maker (a lending pool's).
    init(
        vault: RaceLedger.Vault, position: String, protocolName: String, block: UInt64,
        timeMs: Int64
    ) {
        self.vault = vault
        self.position = position
        self.protocolName = protocolName
        self.startBlock = block
        self.startTimeMs = timeMs
    }
}
