/// One collateral asset's price series from `blocks.csv`, with its liquidations marked.
struct ReportAsset {
    var name: String
    var market: [ChartPoint] = []
    var oracle: [ChartPoint] = []
    /// One point per auction started: its block's time and the asset's market price then.
    var liquidations: [ChartPoint] = []
}

/// The per-block series of `blocks.csv` the charts draw, read in one pass and thinned as
/// they stream in (`StreamingEnvelope`, `StreamingBins`), so memory does not grow with the
/// number of blocks.
struct ReportBlocks {
    var baseFee: [ChartPoint] = []
    var averagePrice: [ChartPoint] = []
    /// Gas used as a share of the limit, `[Σ percent, blocks]` per `fullnessWidth` hours.
    var fullness: [ChartBar] = []
    var fullnessWidth = 1.0
    /// Agents' transactions `[succeeded, reverted]` per bar interval.
    var agentTransactions: [ChartBar] = []
    var anyAgentTransaction = false
    /// `[liquidations, auctions settled]` per bar interval.
    var liquidations: [ChartBar] = []
    var anyLiquidation = false
    var badDebt: [ChartPoint] = []
    var fund: [ChartPoint] = []
    /// A perpetuals exchange's open interest, insurance fund and backstop vault equity
    /// (`perp_*` columns); empty without an exchange.
    var openInterest: [ChartPoint] = []
    var perpFund: [ChartPoint] = []
    var vaultEquity: [ChartPoint] = []
    var hasPerps = false
    var assets: [ReportAsset] = []
    /// Whether any block had a base fee (EIP-1559), so the fullness chart shows its target.
    var hasBaseFee = false
    /// Hours from the start to the last block.
    var lastHours = 0.0

    /// Streams `blocks.csv`. For a protocol run, also places each auction of `auctions`
    /// (kick and end times, market price at the kick) by the blocks they name.
    static func read(
        _ files: RunFiles, auctions: inout [ReportAuction], isProtocol: Bool, durationMs: UInt64
    ) throws(CascadeFailure) -> ReportBlocks {
        let layout = ReportLayout(durationHours: Double(durationMs) / 3_600_000)
        let range = layout.timeRange
        var baseFeeLine = StreamingEnvelope(range: range)
        var averageLine = StreamingEnvelope(range: range)
        var badDebtLine = StreamingEnvelope(range: range)
        var fundLine = StreamingEnvelope(range: range)
        var marketLines: [StreamingEnvelope] = []
        var oracleLines: [StreamingEnvelope] = []
        var fullnessBins = StreamingBins(width: layout.fullnessWidth, seriesCount: 2)
        var agentBins = StreamingBins(width: layout.barHours, seriesCount: 2)
        var liquidationBins = StreamingBins(width: layout.barHours, seriesCount: 2)
        let csv = try files.csv("blocks.csv")
        let block = try csv.column("block")
        let time = try csv.column("time_ms")
        let gasLimit = try csv.column("gas_limit")
        let gasUsed = try csv.column("gas_used")
        let baseFee = try csv.column("base_fee_wei")
        let agent = try csv.column("agent_txs")
        let reverted = try csv.column("reverted_txs")
        let average = try csv.column("avg_gas_price_wei")
        var series = ReportBlocks()
        var priceColumns: [(market: Int, oracle: Int)] = []
        var liquidations = -1
        var badDebt = -1
        var fund = -1
        var perpColumns: [Int] = []
        var perpLines: [StreamingEnvelope] = []
        if isProtocol {
            if csv.columns.contains("perp_open_interest") {
                perpColumns = [
                    try csv.column("perp_open_interest"), try csv.column("perp_insurance_fund"),
                    try csv.column("perp_backstop_vault_equity"),
                ]
                perpLines = perpColumns.map { _ in StreamingEnvelope(range: range) }
                series.hasPerps = true
            }
            liquidations = try csv.column("liquidations")
            badDebt = try csv.column("bad_debt")
            fund = try csv.column("insurance_fund")
            for (index, name) in csv.columns.enumerated() where name.hasPrefix("price_") {
                let asset = String(name.dropFirst("price_".count))
                priceColumns.append((index, try csv.column("oracle_" + asset)))
                series.assets.append(ReportAsset(name: asset))
                marketLines.append(StreamingEnvelope(range: range))
                oracleLines.append(StreamingEnvelope(range: range))
            }
        }
        let kicks = auctions.indices.sorted {
            (auctions[$0].kickBlock, $0) < (auctions[$1].kickBlock, $1)
        }
        let ends = auctions.indices.filter { auctions[$0].endBlock != nil }.sorted {
            (auctions[$0].endBlock ?? 0, $0) < (auctions[$1].endBlock ?? 0, $1)
        }
        var nextKick = 0
        var nextEnd = 0
        var previousBlock: UInt64?
        while let record = try csv.next() {
            let number = try ReportCells.block(record, block, in: csv)
            if let previousBlock, number <= previousBlock {
                throw csv.bad(record, column: block, expected: "a block after \(previousBlock)")
            }
            previousBlock = number
            // A block time within the run keeps every interval count bounded.
            guard let timeMs = UInt64(record.fields[time]), timeMs <= durationMs else {
                throw csv.bad(
                    record, column: time,
                    expected: "milliseconds from 0 to the run's \(durationMs) (sim_seconds)")
            }
            let hours = Double(timeMs) / 3_600_000
            series.lastHours = hours
            let fee = try ReportCells.double(record, baseFee, in: csv)
            if fee > 0 { series.hasBaseFee = true }
            baseFeeLine.append(ChartPoint(x: hours, y: fee / 1e9))
            let averagePrice = try ReportCells.double(record, average, in: csv) / 1e9
            let limit = try ReportCells.double(record, gasLimit, in: csv)
            let used = try ReportCells.double(record, gasUsed, in: csv)
            // An empty block paid no price: its 0 is no average, so it is not drawn.
            if used > 0 {
                averageLine.append(ChartPoint(x: hours, y: averagePrice))
            }
            fullnessBins.add(x: hours, [limit == 0 ? 0 : 100 * used / limit, 1])
            let agentCount = try ReportCells.double(record, agent, in: csv)
            let revertedCount = try ReportCells.double(record, reverted, in: csv)
            agentBins.add(x: hours, [agentCount - revertedCount, revertedCount])
            guard isProtocol else { continue }
            var marketPrices: [Double] = []
            for (index, columns) in priceColumns.enumerated() {
                let market = try ReportCells.double(record, columns.market, in: csv)
                let oracle = try ReportCells.double(record, columns.oracle, in: csv)
                marketPrices.append(market)
                marketLines[index].append(ChartPoint(x: hours, y: market))
                // Before its first value the OSM reads zero: nothing to draw yet.
                if oracle > 0 {
                    oracleLines[index].append(ChartPoint(x: hours, y: oracle))
                }
            }
            badDebtLine.append(
                ChartPoint(x: hours, y: try ReportCells.double(record, badDebt, in: csv)))
            fundLine.append(
                ChartPoint(x: hours, y: try ReportCells.double(record, fund, in: csv)))
            for (index, column) in perpColumns.enumerated() {
                perpLines[index].append(
                    ChartPoint(x: hours, y: try ReportCells.double(record, column, in: csv)))
            }
            var settled = 0.0
            while nextKick < kicks.count, auctions[kicks[nextKick]].kickBlock <= number {
                let auction = kicks[nextKick]
                nextKick += 1
                guard auctions[auction].kickBlock == number else { continue }
                auctions[auction].kickHours = hours
                if let asset = series.assets.firstIndex(where: {
                    $0.name == auctions[auction].asset
                }) {
                    auctions[auction].kickMarketPrice = marketPrices[asset]
                    series.assets[asset].liquidations.append(
                        ChartPoint(x: hours, y: marketPrices[asset]))
                }
            }
            while nextEnd < ends.count, (auctions[ends[nextEnd]].endBlock ?? 0) <= number {
                let auction = ends[nextEnd]
                nextEnd += 1
                guard auctions[auction].endBlock == number else { continue }
                auctions[auction].endHours = hours
                settled += 1
            }
            let started = try ReportCells.double(record, liquidations, in: csv)
            liquidationBins.add(x: hours, [started, settled])
        }
        series.baseFee = baseFeeLine.points
        series.averagePrice = averageLine.points
        series.badDebt = badDebtLine.points
        series.fund = fundLine.points
        if series.hasPerps {
            series.openInterest = perpLines[0].points
            series.perpFund = perpLines[1].points
            series.vaultEquity = perpLines[2].points
        }
        for index in series.assets.indices {
            series.assets[index].market = marketLines[index].points
            series.assets[index].oracle = oracleLines[index].points
        }
        series.fullness = fullnessBins.bars
        series.fullnessWidth = layout.fullnessWidth
        series.agentTransactions = agentBins.bars
        series.anyAgentTransaction = agentBins.hasNonzero
        series.liquidations = liquidationBins.bars
        series.anyLiquidation = liquidationBins.hasNonzero
        return series
    }
}
