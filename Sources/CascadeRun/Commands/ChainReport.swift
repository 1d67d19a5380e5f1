import CascadeChain

/// The series a chain world's report draws, one sample per block, gathered as blocks are
/// produced (a few doubles a block: a 30-day run of 12 s blocks is 216,000 samples).
struct ChainReportSeries {
    private(set) var baseFee: [ChartPoint] = []
    private(set) var averagePrice: [ChartPoint] = []
    private(set) var fullness: [ChartPoint] = []
    private(set) var agentTransactions: [(x: Double, values: [Double])] = []

    /// Records one block; `hours` is its time since the world's start.
    mutating func record(_ record: BlockRecord, averageGasPrice: Wei, hours: Double) {
        baseFee.append(ChartPoint(x: hours, y: Double(record.baseFeeWei) / 1e9))
        averagePrice.append(ChartPoint(x: hours, y: Double(averageGasPrice) / 1e9))
        let share = record.gasLimit == 0 ? 0 : Double(record.gasUsed) / Double(record.gasLimit)
        fullness.append(ChartPoint(x: hours, y: 100 * share))
        let reverted = Double(record.revertedTransactions)
        agentTransactions.append(
            (hours, [Double(record.agentTransactions) - reverted, reverted]))
    }

    /// The report page: provenance, the summary's figures, and the chain's charts.
    func page(
        worldName: String, seed: UInt64, summary: JSONObject, durationHours: Double,
        hasGasTarget: Bool
    ) -> ReportPage {
        let barHours = durationHours > 48 ? 6.0 : (durationHours > 6 ? 1.0 : 0.25)
        let barLabel = barHours == 0.25 ? "15 minutes" : "\(Int(barHours)) h"
        // Per-block fullness is noise; its mean over about 200 intervals shows the trend.
        let fullnessWidth = max(durationHours / 200, 1.0 / 60)
        let meanFullness = ChartBar.sums(
            of: fullness.map { ($0.x, [$0.y, 1]) }, width: fullnessWidth, seriesCount: 2
        ).compactMap { bar in
            bar.values[1] > 0
                ? ChartPoint(x: (bar.lower + bar.upper) / 2, y: bar.values[0] / bar.values[1])
                : nil
        }
        let time = ChartAxis("time since start", unit: "h")
        return ReportPage(
            title: "\(worldName) — seed \(seed)",
            provenance: [
                ("world", worldName), ("seed", String(seed)),
                ("cascade", CascadeVersion.current),
            ],
            headline: HeadlineFigure.rows(
                from: summary, excluding: ["world", "seed", "cascade_version", "model"]),
            charts: [
                Chart(
                    title: "Gas prices", x: time, y: ChartAxis("price", unit: "gwei"),
                    layers: [
                        .line(name: "base fee", points: baseFee, style: .stepped),
                        .line(name: "average price paid", points: averagePrice, style: .solid),
                    ],
                    emptyNote: "no blocks in this run",
                    caption: "The base fee each block charged (burned), and the gas-weighted "
                        + "average price of everything the block included, tips included."),
                Chart(
                    title: "Block fullness", x: time, y: ChartAxis("gas used", unit: "% of limit"),
                    layers: [.line(name: "gas used, mean", points: meanFullness, style: .solid)]
                        + (hasGasTarget
                            ? [
                                .reference(
                                    name: "EIP-1559 target", from: ChartPoint(x: 0, y: 50),
                                    to: ChartPoint(x: durationHours, y: 50))
                            ] : []),
                    emptyNote: "no blocks in this run",
                    caption: "Mean share of the gas limit used, per "
                        + "\(Int((fullnessWidth * 60).rounded())) minutes. Under EIP-1559 the "
                        + "base fee rises while blocks are above the target and falls below it."),
                Chart(
                    title: "Agents' transactions included per \(barLabel)", x: time,
                    y: ChartAxis("transactions"),
                    layers: [
                        .bars(
                            names: ["succeeded", "reverted"],
                            bars: ChartBar.sums(
                                of: agentTransactions, width: barHours, seriesCount: 2))
                    ],
                    emptyNote: "no agent transaction was included in this run"),
            ],
            notes: [
                "Background demand is modelled in aggregate (docs/model/chain.md); only the "
                    + "agents' own transactions are individual."
            ])
    }
}
