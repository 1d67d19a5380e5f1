import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore

/// The protocol world's block observer: one `blocks.csv` row per block, the race ledger
/// fed, transactions and race notes traced. Memory stays flat: per block it keeps only
/// running totals (the ledger holds one entry per vault and race).
///
/// Without a `blocks` writer (a sweep's summary-only run) it keeps the same totals, ledger
/// and fund minimum but formats no rows, so the summary is the same as a full run's.
final class ProtocolOutputSink: ProtocolBlockObserver, PerpBlockObserver {
    /// The columns after the per-asset prices (docs/outputs.md).
    static let protocolColumns = [
        "positions_at_risk", "liquidations", "collateral_value", "debt", "bad_debt",
        "insurance_fund",
    ]
    /// The columns a world with a perpetuals exchange adds at the end (docs/outputs.md).
    static let perpColumns = [
        "perp_open_interest", "perp_insurance_fund", "perp_backstop_vault_equity",
    ]

    let blocks: CSVWriter?
    let events: JSONLinesWriter?
    /// Per collateral, in world order: the ilk's name and its market asset.
    let collaterals: [(name: String, asset: String)]
    private(set) var ledger = RaceLedger()
    private(set) var failure: OutputError?
    private(set) var blockCount = 0
    private(set) var agentTransactions = 0
    private(set) var revertedTransactions = 0
    /// Breakers, fee designs and governance, as their events and reverts tell.
    private(set) var guardFigures = GuardFigures()
    /// The lowest `insurance_fund` of any block (nil before the first block).
    private(set) var fundMinimum: DecimalText?
    private var fundMinimumValue: (negative: Bool, magnitude: UInt256)?
    /// Per ilk (by `IlkID.rawValue`), the collateral's index in `collaterals`.
    private var collateralOfIlk: [Int?] = []
    /// Reused between blocks.
    private var marketPrices: [UInt256?] = []
    /// Each perpetual market's reference price at the block, quantums (`willObserve`).
    private var perpMarketPrices: [Int128] = []
    /// What the Maker auctions still running at the end would leave unpaid if their
    /// collateral sold at the last block's market prices, RAD
    /// (`RaceLedger.auctionShortfall(atMarket:maker:)`); set by `noteEnd`.
    private(set) var auctionShortfallAtMarket = UInt256.zero
    /// Whether the world has a perpetuals exchange (its price and figure columns).
    var hasPerps = false
    /// Traders whose genesis position opened, and those the exchange refused.
    var perpTraders = 0
    var perpTradersSkipped = 0

    /// Negative equity of accounts still holding positions at the end, quantums: deficits
    /// nobody has covered yet (`noteEnd`).
    var perpOpenDeficit: Int128 = 0
    /// The pump-and-borrow attacker's statistics at the end, when the world has one.
    var attack: PumpAttackerStatistics?

    /// A lending world's oracle node: reports withheld with their median outside the
    /// feed's bounds (`noteEnd`).
    var oracleOutOfRange = 0
    /// A lending world's exploiters at the end (`noteEnd`): rounds landed, collateral
    /// supplied and debt owed (exact, with the assets' decimals), USD spent on the venue.
    var exploiterRounds = 0
    var exploiterCollateral = DecimalText(0)
    var exploiterDebt = DecimalText(0)
    var exploiterSpentCents: UInt128 = 0
    /// A lending world's flash-loan attackers at the end (`noteEnd`).
    var flash = FlashAttackFigures()
    /// Accounts other than the backstop vault with negative equity at the end, and the sum
    /// of it (a positive amount, quantums).
    var perpNegativeAccountsEnd: [PerpAccountID] = []
    var perpNegativeEquityEnd: Int128 = 0
    /// The risk controller's proposals (`noteEnd`).
    var riskFirings: [RiskController.Firing] = []
    /// An options world's figures (`OptionsFigures`).
    var options = OptionsFigures()

    /// Notes the perpetuals world's genesis (after the world is built).
    func noteGenesis(of world: ProtocolWorld) {
        hasPerps = world.perps != nil
        perpTraders = world.perps?.genesis.traders.count ?? 0
        perpTradersSkipped = world.perps?.genesis.skippedTraders ?? 0
        options.index = world.options?.index
        options.genesis = world.options?.genesis
        options.mode = world.configuration.options?.mode.rawValue ?? ""
        optionsMarket = world.options.map { (world.market, $0.genesis.asset) }
    }

    /// The options underlying's market path and asset, for its price columns.
    var optionsMarket: (path: MarketPath, asset: AssetID)?

    /// Notes what only the final state tells (one pass over the accounts, once).
    func noteEnd(of world: ProtocolWorld) {
        attack = world.perps?.attacker?.statistics
        riskFirings = world.riskController?.firings ?? []
        auctionShortfallAtMarket = ledger.auctionShortfall(
            atMarket: marketPrices, maker: world.producer.chain.state.maker)
        let end = UInt64(max(0, world.producer.chain.head.time.wholeSeconds))
        for guarded in world.producer.chain.state.guards {
            guard let pause = guarded.pause(at: end) else { continue }
            // A pause no transaction saw begin (a feed gone stale) is a trip the trace
            // could not report; it counts here.
            let reported =
                guarded.announced.map { $0.reason == pause.reason && $0.since == pause.since }
                ?? false
            guardFigures.notePauseAtEnd(
                since: pause.since, end: end, unreported: !reported, reason: pause.reason)
        }
        if let lending = world.lending { noteLendingEnd(lending, world: world) }
        options.noteEnd(
            world.producer.chain.state,
            now: UInt64(max(0, world.producer.chain.head.time.wholeSeconds)))
        guard let exchange = world.producer.chain.state.perpExchanges.first else { return }
        perpOpenDeficit = 0
        perpNegativeAccountsEnd = []
        perpNegativeEquityEnd = 0
        for raw in 0..<exchange.accountCount {
            let id = PerpAccountID(UInt32(raw))
            guard let equity = try? exchange.risk(of: id).equity, equity < 0 else { continue }
            if !exchange.account(id).positions.isEmpty { perpOpenDeficit -= equity }
            guard id != PerpExchange.backstopVaultAccount else { continue }
            perpNegativeAccountsEnd.append(id)
            perpNegativeEquityEnd -= equity
        }
    }

    /// The lending figures only the end tells: the node's withheld reports and what the
    /// exploiters hold and owe in the final state.
    func noteLendingEnd(_ lending: LendingWorld, world: ProtocolWorld) {
        oracleOutOfRange = lending.transmitter.outOfRangeCount
        let state = world.producer.chain.state
        let reader = lending.reader
        let timestamp = UInt64(max(0, world.producer.chain.head.time.wholeSeconds))
        flash = FlashAttackFigures(lending, state: state, at: timestamp)
        guard let first = lending.exploiters.first else { return }
        var collateral = UInt256.zero
        var debt = UInt256.zero
        var cents: Double = 0
        exploiterRounds = 0
        for exploiter in lending.exploiters {
            let settings = exploiter.settings
            collateral += reader.collateral(
                of: settings.address, asset: settings.collateral, state, at: timestamp)
            debt += reader.debt(of: settings.address, asset: settings.debt, state, at: timestamp)
            exploiterRounds += exploiter.statistics.included
            cents += (exploiter.statistics.spent * 100).rounded(.down)
        }
        exploiterCollateral = DecimalText(
            collateral, scale: reader.decimals(first.settings.collateral, state))
        exploiterDebt = DecimalText(debt, scale: reader.decimals(first.settings.debt, state))
        exploiterSpentCents = UInt128(max(0, cents))
    }

    init(
        blocks: CSVWriter?, events: JSONLinesWriter?,
        collaterals: [(name: String, asset: String)]
    ) {
        self.blocks = blocks
        self.events = events
        self.collaterals = collaterals
    }

    /// The name and market asset of an ilk, for `auctions.csv`.
    func names(_ ilk: MakerSystem.IlkID) -> (ilk: String, asset: String) {
        let slot = Int(ilk.rawValue)
        if slot < collateralOfIlk.count, let index = collateralOfIlk[slot] {
            return (collaterals[index].name, collaterals[index].asset)
        }
        return ("ilk#\(ilk.rawValue)", "")
    }

    func willObserve(perpMarketPrices prices: [Double]) {
        perpMarketPrices.removeAll(keepingCapacity: true)
        for price in prices {
            perpMarketPrices.append(
                price.isFinite && price > 0 && price < 1e30 ? Int128((price * 1e6).rounded()) : 0)
        }
    }

    func didProduce(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState,
        prices: [CollateralBlockPrices]
    ) {
        guard failure == nil else { return }
        let record = BlockRecord(block)
        blockCount += 1
        agentTransactions += record.agentTransactions
        revertedTransactions += record.revertedTransactions
        guardFigures.record(block)
        marketPrices.removeAll(keepingCapacity: true)
        var priceValues: [OutputValue] = []
        var collateralValue = UInt256.zero
        for price in prices {
            let wad = UInt256(truncating: price.marketPrice * 1e18) ?? .zero
            let slot = Int(price.ilk.rawValue)
            while marketPrices.count <= slot { marketPrices.append(nil) }
            while collateralOfIlk.count <= slot { collateralOfIlk.append(nil) }
            marketPrices[slot] = wad
            collateralOfIlk[slot] = price.collateral
            if blocks != nil {
                priceValues.append(Self.wad(wad))
                priceValues.append(Self.wad(price.oraclePrice))
            }
        }
        let liquidationsBefore = ledger.totals.liquidations
        // The options underlying's market price, as its `price_<ASSET>` column writes it.
        var optionsSpot: UInt256?
        var optionsInput: OptionsRaceInput?
        if let (path, asset) = optionsMarket {
            let spot =
                UInt256(truncating: path.price(of: asset, at: block.input.time) * 1e18) ?? .zero
            optionsSpot = spot
            optionsInput = OptionsRaceInput(
                marketSpots: [Int128(clamping: spot.high == 0 ? spot.low : .max)],
                liquidatable: options.index?.latestAnswer)
        }
        ledger.record(
            block, state: state, marketPrices: marketPrices, perpMarketPrices: perpMarketPrices,
            options: optionsInput)
        let liquidations = ledger.totals.liquidations - liquidationsBefore
        var fund = Self.insuranceFund(maker: state.maker, underAuction: ledger.debtUnderAuction)
        if let exchange = state.perpExchanges.first {
            fund = Self.adding(RaceLedger.rad(exchange.insuranceFund), to: fund)
        }
        // An options exchange's WAD amounts, in the columns' RAD (and WAD² for collateral).
        let optionColumns = options.record(block.events, state: state, detailed: blocks != nil)
        if let optionColumns {
            fund = Self.adding(UInt256(UInt128(optionColumns.fund)) * .ray, to: fund)
        }
        noteFund(fund)
        guard let blocks else { return }
        var debt = UInt256.zero
        for ilk in state.maker.ilkIDs {
            let ilkState = state.maker.ilk(ilk)
            debt += ilkState.totalArt * ilkState.rate
            let slot = Int(ilk.rawValue)
            if slot < marketPrices.count, let price = marketPrices[slot] {
                collateralValue += ledger.collateral(of: ilk) * price
            }
        }
        // A lending pool's borrowers: collateral at market value over their debt, in the
        // races' unit.
        let lendingSheet = ledger.lendingBalanceSheet(at: Int64(record.timeMs), state: state)
        collateralValue += lendingSheet.collateral
        debt += lendingSheet.debt
        var badDebt = ledger.totals.badDebt
        var atRisk = ledger.openRaceCount + ledger.perps.openCount
        var blockLiquidations = liquidations
        if let optionColumns {
            collateralValue += UInt256(UInt128(optionColumns.collateral)) * .wad
            debt += UInt256(UInt128(optionColumns.liabilities)) * .ray
            badDebt += UInt256(UInt128(optionColumns.badDebt)) * .ray
            atRisk += optionColumns.atRisk
            blockLiquidations += optionColumns.liquidations
        }
        var coverageColumns = [
            OutputValue.decimal(DecimalText(collateralValue, scale: 36)),
            .decimal(DecimalText(debt, scale: 45)),
        ]
        if hasPerps, let exchange = state.perpExchanges.first,
            let coverage = ledger.perpMarginCoverage(exchange, atPrices: perpMarketPrices),
            let columns = Self.coverageColumns(
                collateral: collateralValue, debt: debt, adding: coverage)
        {
            coverageColumns = columns
        }
        let blockBurned = block.agentBurned + block.backgroundBurned
        let blockTips = block.agentTips + block.backgroundTips
        if hasPerps, let exchange = state.perpExchanges.first {
            for (slot, id) in exchange.marketIDs.enumerated() {
                let reference = slot < perpMarketPrices.count ? perpMarketPrices[slot] : 0
                priceValues.append(Self.usdc(reference))
                priceValues.append(Self.usdc(exchange.market(id).price))
            }
        }
        if let marketSpot = optionsSpot, let exchange = state.optionsExchanges.first {
            priceValues.append(Self.wad(marketSpot))
            let spot = exchange.underlyings.first?.spot ?? 0
            priceValues.append(Self.wad(UInt256(UInt128(max(0, spot)))))
        }
        var perpValues: [OutputValue] = []
        if hasPerps {
            let totals = ledger.perps.totals
            perpValues = [
                Self.usdc(totals.openInterest), Self.usdc(totals.insuranceFund),
                Self.usdc(totals.backstopVaultEquity),
            ]
        }
        do {
            try blocks.writeRow(
                [
                    .unsigned(record.block), .integer(Int(record.timeMs)),
                    .unsigned(record.gasLimit), .unsigned(record.gasUsed),
                    .decimal(record.baseFeeWei, scale: 0), .integer(record.transactions),
                    .integer(record.agentTransactions), .integer(record.revertedTransactions),
                    .unsigned(block.backgroundGasUsed), .decimal(block.averageGasPrice, scale: 0),
                    .decimal(blockBurned, scale: 0), .decimal(blockTips, scale: 0),
                ] + priceValues + [
                    .integer(atRisk),
                    .integer(blockLiquidations),
                ] + coverageColumns + [
                    .decimal(DecimalText(badDebt, scale: 45)),
                    .decimal(DecimalText(fund.magnitude, scale: 45, negative: fund.negative)),
                ] + perpValues)
            if let events {
                for (transaction, receipt) in zip(block.transactions, block.receipts) {
                    let transactionRecord = TransactionRecord(
                        transaction: transaction, receipt: receipt, block: record.block,
                        timeMs: record.timeMs, describe: TraceText.describe)
                    try events.write(ChainOutputSink.traceLine(transactionRecord))
                    // The events of a reverted transaction were undone: none are traced.
                    for line in ContractTrace.lines(
                        block.events[receipt.events], block: record.block, timeMs: record.timeMs,
                        transaction: transaction.hash, state: state)
                    {
                        try events.write(line)
                    }
                }
                for note in ledger.notes {
                    try events.write(RaceTable.traceLine(note))
                }
                for note in ledger.perps.notes {
                    try events.write(RaceTable.traceLine(note))
                }
                for note in ledger.options.notes {
                    try events.write(RaceTable.traceLine(note))
                }
            }
        } catch {
            failure = error
        }
    }

    /// The insurance fund, RAD, signed: the Vow's DAI minus its debt (`sin`), where the
    /// debt still under auction (`Σ max(0, due − raised)` over live auctions) is not yet
    /// counted — an auction's debt weighs on the fund only by what it fails to raise, once
    /// it ends. Keeper incentives (`suck`) lower it at once; stability fees and penalties
    /// raise it. Negative: bad debt beyond what the surplus covers.
    static func insuranceFund(maker: MakerSystem, underAuction: UInt256)
        -> (negative: Bool, magnitude: UInt256)
    {
        let vow = maker.configuration.vow
        let assets = maker.dai(vow) + underAuction
        let debt = maker.sin(vow)
        return assets >= debt ? (false, assets - debt) : (true, debt - assets)
    }

    /// A signed RAD amount plus a non-negative one.
    static func adding(_ amount: UInt256, to fund: (negative: Bool, magnitude: UInt256))
        -> (negative: Bool, magnitude: UInt256)
    {
        guard fund.negative else { return (false, fund.magnitude + amount) }
        return amount >= fund.magnitude
            ? (false, amount - fund.magnitude) : (true, fund.magnitude - amount)
    }

    /// `collateral_value` and `debt` with a perpetuals exchange's margin coverage added to
    /// the other protocols' `collateral` (dollars × 1e36) and `debt` (× 1e45): the
    /// coverage's sum of equities (signed) and of maintenance margins. Alone, the coverage
    /// is written at its own exact scales; added to other protocols' amounts, at theirs,
    /// and nil (the others alone) if that passes 256 bits — beyond 1e41 dollars.
    static func coverageColumns(
        collateral: UInt256, debt: UInt256, adding coverage: PerpMarginCoverage
    ) -> [OutputValue]? {
        let equity = coverage.equity
        let maintenance = coverage.maintenanceMargin.magnitude
        if collateral.isZero && debt.isZero {
            return [
                .decimal(
                    DecimalText(
                        equity.magnitude, scale: PerpMarginCoverage.equityScale,
                        negative: equity.isNegative)),
                .decimal(DecimalText(maintenance, scale: PerpMarginCoverage.maintenanceScale)),
            ]
        }
        let (equityWide, equityOverflow) = equity.magnitude.multipliedReportingOverflow(
            by: .powerOfTen(36 - PerpMarginCoverage.equityScale))
        let (maintenanceWide, maintenanceOverflow) = maintenance.multipliedReportingOverflow(
            by: .powerOfTen(45 - PerpMarginCoverage.maintenanceScale))
        let (total, totalOverflow) = debt.addingReportingOverflow(maintenanceWide)
        guard !equityOverflow, !maintenanceOverflow, !totalOverflow else { return nil }
        let sum: (negative: Bool, magnitude: UInt256)
        if !equity.isNegative {
            let (magnitude, overflow) = collateral.addingReportingOverflow(equityWide)
            guard !overflow else { return nil }
            sum = (false, magnitude)
        } else {
            sum =
                collateral >= equityWide
                ? (false, collateral - equityWide) : (true, equityWide - collateral)
        }
        return [
            .decimal(DecimalText(sum.magnitude, scale: 36, negative: sum.negative)),
            .decimal(DecimalText(total, scale: 45)),
        ]
    }

    /// A signed quantum amount as exact USDC.
    static func usdc(_ quantums: Int128) -> OutputValue {
        .decimal(DecimalText(signed: quantums, scale: 6))
    }

    private func noteFund(_ fund: (negative: Bool, magnitude: UInt256)) {
        if let minimum = fundMinimumValue {
            let lower: Bool
            switch (fund.negative, minimum.negative) {
            case (true, false): lower = true
            case (false, true): lower = false
            case (true, true): lower = fund.magnitude > minimum.magnitude
            case (false, false): lower = fund.magnitude < minimum.magnitude
            }
            guard lower else { return }
        }
        fundMinimumValue = fund
        fundMinimum = DecimalText(fund.magnitude, scale: 45, negative: fund.negative)
    }

    /// A WAD as an exact decimal.
    static func wad(_ value: UInt256) -> OutputValue {
        .decimal(DecimalText(value, scale: 18))
    }
}

/// What a lending world's flash-loan attackers did, from their statistics and the final
/// state (exact, in base units of the pair's assets): bundles landed and reverted, the
/// volume flash-borrowed, what they kept of the quote asset (their balance: they hold it
/// only through their bundles), the collateral they left in the pool and the debt they owe.
struct FlashAttackFigures {
    var bundles = 0
    var reverted = 0
    var volume = DecimalText(0)
    var profit = DecimalText(0)
    var collateral = DecimalText(0)
    var debt = DecimalText(0)
    /// The symbols of the quote (volume, profit, debt) and of the asset (collateral).
    var quoteSymbol = ""
    var assetSymbol = ""

    init() {}

    init(_ lending: LendingWorld, state: ProtocolState, at timestamp: UInt64) {
        guard let pair = lending.flashAttackers.first else { return }
        let reader = lending.reader
        let (asset, quote) = (pair.asset, pair.quote)
        var volume = UInt256.zero
        var profit = UInt256.zero
        var collateral = UInt256.zero
        var debt = UInt256.zero
        for attacker in lending.flashAttackers {
            let address = attacker.settings.address
            bundles += attacker.statistics.included
            reverted += attacker.statistics.reverted
            volume += attacker.statistics.flashVolume
            profit += UInt256(state.ledger.balance(of: reader.token(quote, state), address))
            collateral += reader.collateral(of: address, asset: asset, state, at: timestamp)
            debt += reader.debt(of: address, asset: quote, state, at: timestamp)
        }
        let quoteDecimals = reader.decimals(quote, state)
        self.volume = DecimalText(volume, scale: quoteDecimals)
        self.profit = DecimalText(profit, scale: quoteDecimals)
        self.debt = DecimalText(debt, scale: quoteDecimals)
        self.collateral = DecimalText(collateral, scale: reader.decimals(asset, state))
        quoteSymbol = state.ledger.symbol(of: reader.token(quote, state))
        assetSymbol = state.ledger.symbol(of: reader.token(asset, state))
    }
}
