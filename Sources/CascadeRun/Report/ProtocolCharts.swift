/// The liquidation charts of a protocol world's report (docs/report.md), from the series
/// `ReportBlocks` read and the rows of `auctions.csv` and `races.csv`.
enum ProtocolCharts {
    static let time = ChartAxis("time since start", unit: "h")

    /// One asset's market price and oracle price, its liquidations marked.
    static func price(
        _ asset: ReportAsset, layout: ReportLayout, vocabulary: ReportVocabulary = .maker
    ) -> Chart {
        var oracle = asset.oracle
        // The oracle's value holds until the next update: show the last one held to the end.
        if let last = oracle.last, let end = asset.market.last, end.x > last.x {
            oracle.append(ChartPoint(x: end.x, y: last.y))
        }
        return Chart(
            title: "\(asset.name): market price and oracle price",
            x: time, y: ChartAxis("price", unit: "\(vocabulary.priceUnit) per \(asset.name)"),
            layers: [
                .line(name: "market", points: asset.market, style: .solid),
                .line(name: vocabulary.oracleName, points: oracle, style: .stepped),
            ]
                + (vocabulary.hasMaker
                    ? [
                        .markers(
                            name: "liquidation", points: asset.liquidations,
                            shape: .triangleDown)
                    ] : []),
            emptyNote: "no blocks in this run",
            caption: vocabulary.priceCaption,
            xRange: layout.timeRange)
    }

    /// Liquidations started and auctions settled per interval, stacked.
    static func liquidations(
        _ blocks: ReportBlocks, auctions: [ReportAuction], layout: ReportLayout,
        vocabulary: ReportVocabulary = .maker
    ) -> Chart {
        let names = vocabulary.liquidationNames
        // Without auctions the second series (settlements) is always zero: one bar a slot.
        let bars = blocks.liquidations.map {
            ChartBar(lower: $0.lower, upper: $0.upper, values: Array($0.values.prefix(names.count)))
        }
        return Chart(
            title: vocabulary.hasMaker
                ? "Liquidations and auctions settled per \(layout.barLabel)"
                : "Liquidations per \(layout.barLabel)",
            x: time, y: ChartAxis("count"),
            layers: [.bars(names: names, bars: blocks.anyLiquidation ? bars : [])],
            emptyNote: "no liquidations in this run",
            caption: vocabulary.liquidationCaption,
            xRange: layout.timeRange)
    }

    /// Cumulative bad debt (filled) and the insurance fund (line) if the protocol has one,
    /// in the run's debt unit.
    static func badDebtAndFund(
        _ blocks: ReportBlocks, vocabulary: ReportVocabulary = .maker
    ) -> Chart {
        var layers: [ChartLayer] = [
            .line(name: "bad debt, cumulative", points: blocks.badDebt, style: .area)
        ]
        if let fund = vocabulary.fundName {
            layers.append(.line(name: fund, points: blocks.fund, style: .solid))
        }
        return Chart(
            title: vocabulary.fundName == nil ? "Bad debt" : "Bad debt and insurance fund",
            x: time, y: ChartAxis("amount", unit: vocabulary.debtUnit, includesZero: true),
            layers: layers,
            emptyNote: "no blocks in this run",
            caption: vocabulary.badDebtCaption,
            xRange: 0...max(blocks.lastHours, 1e-9))
    }

    /// A perpetuals exchange's open interest, insurance fund and backstop vault, USDC.
    static func perpBook(_ blocks: ReportBlocks) -> Chart {
        Chart(
            title: "Open interest, insurance fund and backstop vault", x: time,
            y: ChartAxis("amount", unit: "USDC", includesZero: true),
            layers: [
                .line(name: "open interest", points: blocks.openInterest, style: .solid),
                .line(name: "insurance fund", points: blocks.perpFund, style: .solid),
                .line(name: "backstop vault equity", points: blocks.vaultEquity, style: .stepped),
            ],
            emptyNote: "no blocks in this run",
            caption: "Open interest at the mark (one side), the insurance fund, and the equity "
                + "of the backstop vault's positions: a falling open interest is liquidations "
                + "and deleveraging closing positions; a vault below zero holds losses the "
                + "fund has not yet paid.",
            xRange: 0...max(blocks.lastHours, 1e-9))
    }

    /// Clearing price against market price, one chart per asset with an auction that sold
    /// (assets' prices differ by orders of magnitude, so they do not share axes); one chart
    /// saying so when no auction sold anything.
    static func clearingPrices(_ auctions: [ReportAuction], assets: [String]) -> [Chart] {
        let charts = assets.compactMap { asset -> Chart? in
            let points = auctions.compactMap { auction -> ChartPoint? in
                guard auction.asset == asset, let market = auction.marketPrice,
                    let clearing = auction.clearingPrice
                else { return nil }
                return ChartPoint(x: market, y: clearing)
            }
            return points.isEmpty ? nil : clearingPrice(asset, points)
        }
        return charts.isEmpty ? [clearingPrice(assets.count == 1 ? assets[0] : nil, [])] : charts
    }

    /// One asset's clearing-price chart (or the empty one when `asset` is nil or no point).
    static func clearingPrice(_ asset: String?, _ points: [ChartPoint]) -> Chart {
        var layers: [ChartLayer] = []
        var domain: ClosedRange<Double>?
        if let low = points.map({ min($0.x, $0.y) }).min(),
            let high = points.map({ max($0.x, $0.y) }).max()
        {
            // One square domain for both axes, so the diagonal is at 45°; a zero bid pulls
            // it down to zero, where its dot sits on the x axis.
            let pad = max((high - low) * 0.05, high * 0.01, 1e-9)
            let lower = max(0, low - pad)
            domain = lower...(high + pad)
            layers = [
                .scatter(name: "auctions", points: points),
                .reference(
                    name: "cleared at market", from: ChartPoint(x: lower, y: lower),
                    to: ChartPoint(x: high + pad, y: high + pad)),
            ]
        }
        let unit = asset.map { "DAI per \($0)" } ?? "DAI"
        return Chart(
            title: "\(asset.map { "\($0): " } ?? "")auction clearing price against market price",
            x: ChartAxis("market price at settlement", unit: unit),
            y: ChartAxis("clearing price", unit: unit),
            layers: layers, emptyNote: "no auction sold collateral in this run",
            caption: "One dot per auction that sold collateral: DAI raised over collateral "
                + "sold, against the market price when it ended. Dots below the diagonal were "
                + "won cheaply; dots on the x axis are zero-bid auctions.",
            xRange: domain, yRange: domain)
    }

    /// Histogram of liquidation delays, blocks.
    static func delays(_ delays: [Int], vocabulary: ReportVocabulary = .maker) -> Chart {
        // Clamped far above any real delay, so the bin arithmetic cannot overflow.
        let bins = Histogram.bins(integers: delays.map { min($0, 1 << 50) }, maxBins: 40)
        return Chart(
            title: "Liquidation delay",
            x: ChartAxis("blocks from unsafe at market to liquidated", includesZero: true),
            y: ChartAxis("races"),
            layers: [
                .bars(
                    names: ["races with a liquidation landed"],
                    bars: bins.map {
                        ChartBar(lower: $0.lower, upper: $0.upper, values: [Double($0.count)])
                    })
            ],
            emptyNote: "no liquidations in this run",
            caption: "How long \(vocabulary.hasMaker ? "vaults" : "positions") waited, from the "
                + "block the market price made them unsafe (or the oracle did, if first) to "
                + "their \(vocabulary.hasMaker ? "bite or bark" : "liquidation"). The right "
                + "tail is the race lost to oracle lag and congestion; the table's percentiles "
                + "summarise it.")
    }
}
