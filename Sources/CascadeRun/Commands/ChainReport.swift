/// The chain's charts, for chain and protocol worlds alike: gas prices, block fullness and
/// the agents' transactions, from `blocks.csv`.
enum ChainCharts {
    static let time = ChartAxis("time since start", unit: "h")

    /// Base fee and average price paid, with the agents' gas ceilings as dashed lines.
    static func gasPrices(_ blocks: ReportBlocks, ceilings: [(name: String, gwei: Double)])
        -> Chart
    {
        // A chain before EIP-1559 (a first-price auction) has no base fee to draw: its line
        // would lie at zero under the prices paid.
        var layers: [ChartLayer] =
            blocks.hasBaseFee
            ? [.line(name: "base fee", points: blocks.baseFee, style: .stepped)] : []
        layers.append(
            .line(name: "average price paid", points: blocks.averagePrice, style: .solid))
        let end = blocks.lastHours
        // Agents sharing a ceiling share one line, named for all of them.
        var merged: [(name: String, gwei: Double)] = []
        for ceiling in ceilings {
            if let index = merged.firstIndex(where: { $0.gwei == ceiling.gwei }) {
                merged[index].name += ", " + ceiling.name
            } else {
                merged.append(ceiling)
            }
        }
        for ceiling in merged where !blocks.baseFee.isEmpty {
            layers.append(
                .line(
                    name: "\(ceiling.name) gas ceiling",
                    points: [
                        ChartPoint(x: 0, y: ceiling.gwei), ChartPoint(x: end, y: ceiling.gwei),
                    ],
                    style: .dashed))
        }
        return Chart(
            title: "Gas prices", x: time, y: ChartAxis("price", unit: "gwei", includesZero: true),
            layers: layers, emptyNote: "no blocks in this run",
            caption: (blocks.hasBaseFee
                ? "The base fee each block charged (burned), and the gas-weighted average "
                    + "price of everything the block included, tips included."
                : "The gas-weighted average price of everything each block included: a "
                    + "first-price auction, before EIP-1559, with no base fee.")
                + (ceilings.isEmpty
                    ? ""
                    : " Dashed: the price above which keepers or the oracle's transmitter "
                        + "stop sending; while "
                        + (blocks.hasBaseFee
                            ? "the base fee" : "the price it takes to be included")
                        + " is above a ceiling, that agent is stalled."),
            xRange: 0...max(end, 1e-9))
    }

    /// Mean share of the gas limit used, over about 200 intervals.
    static func fullness(_ blocks: ReportBlocks, layout: ReportLayout) -> Chart {
        let durationHours = layout.durationHours
        let fullnessWidth = blocks.fullnessWidth
        let meanFullness = blocks.fullness.compactMap { bar in
            bar.values[1] > 0
                ? ChartPoint(x: (bar.lower + bar.upper) / 2, y: bar.values[0] / bar.values[1])
                : nil
        }
        return Chart(
            title: "Block fullness", x: time,
            y: ChartAxis("gas used", unit: "% of limit", includesZero: true),
            layers: [.line(name: "gas used, mean", points: meanFullness, style: .solid)]
                + (blocks.hasBaseFee
                    ? [
                        .reference(
                            name: "EIP-1559 target", from: ChartPoint(x: 0, y: 50),
                            to: ChartPoint(x: durationHours, y: 50))
                    ] : []),
            emptyNote: "no blocks in this run",
            caption: "Mean share of the gas limit used, per "
                + "\(Int((fullnessWidth * 60).rounded())) minutes."
                + (blocks.hasBaseFee
                    ? " Under EIP-1559 the base fee rises while blocks are above the target "
                        + "and falls below it." : ""),
            xRange: layout.timeRange)
    }

    /// Agents' transactions included per interval, reverted ones stacked on top.
    static func agentTransactions(_ blocks: ReportBlocks, layout: ReportLayout) -> Chart {
        Chart(
            title: "Agents' transactions included per \(layout.barLabel)", x: time,
            y: ChartAxis("transactions"),
            layers: [
                .bars(
                    names: ["succeeded", "reverted"],
                    bars: blocks.anyAgentTransaction ? blocks.agentTransactions : [])
            ],
            emptyNote: "no agent transaction was included in this run",
            xRange: layout.timeRange)
    }
}
