import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import CascadeWorld

/// Runs a protocol world: streams `blocks.csv` (and, with `--trace`, `events.jsonl`),
/// feeds the race ledger every block, and writes `races.csv`, `summary.json` and
/// `report.html` at the end.
enum ProtocolRun {
    static func run(
        world: World, configuration base: ProtocolWorldConfiguration, seed: UInt64,
        folderPath: String, request: RunRequest
    ) throws(CascadeFailure) -> RunResult {
        let trace = request.trace
        var configuration = base
        configuration.seed = seed
        configuration.checksInvariants = request.check
        let assets = configuration.collaterals.map(\.asset)
        let folder: RunFolder
        let sink: ProtocolOutputSink
        do {
            folder = try RunFolder(path: folderPath)
            let header =
                ChainRun.blockColumns
                + assets.flatMap { ["price_\($0)", "oracle_\($0)"] }
                + ["positions_at_risk", "liquidations"]
            let blocks = try folder.csv(named: "blocks.csv", header: header)
            let events = trace ? try folder.jsonLines(named: "events.jsonl") : nil
            sink = ProtocolOutputSink(blocks: blocks, events: events)
        } catch {
            throw .output(error)
        }
        let simulation: ProtocolWorld
        do {
            simulation = try ProtocolWorld(configuration, observer: sink)
            _ = try simulation.run(until: world.duration)
        } catch {
            folder.abandon()
            throw CascadeFailure(.internalFailure, "\(world.name) seed \(seed): \(error)")
        }
        if let failure = sink.failure {
            folder.abandon()
            throw .output(failure)
        }
        if let violation = simulation.producer.core.invariantViolation {
            folder.abandon()
            throw .invariantBroken(
                block: violation.block, violation: violation.violation, request: request,
                seed: seed)
        }
        let races = sink.ledger.races()
        var summary = JSONObject.runProvenance(
            world: world, seed: seed, model: "protocol", blocks: sink.blockCount,
            events: simulation.kernel.processedEvents, digest: simulation.kernel.digest)
        summary.append("agent_transactions", .integer(sink.agentTransactions))
        summary.append("reverted_transactions", .integer(sink.revertedTransactions))
        for (name, value) in RaceTable.summary(races: races, totals: sink.ledger.totals).members {
            summary.append(name, value)
        }
        do {
            try RaceTable.write(races, to: folder)
            try folder.write(
                OutputJSON.object(summary).serialized(.pretty) + "\n", named: "summary.json")
            var page = sink.report.page(
                worldName: world.name, seed: seed, summary: summary,
                durationHours: Double(world.duration.milliseconds) / 3_600_000,
                hasGasTarget: configuration.chain.market == .eip1559)
            page.charts.insert(sink.priceChart(asset: assets[0]), at: 0)
            try folder.write(page.html(), named: "report.html")
            try folder.commit()
        } catch {
            throw .output(error)
        }
        let totals = sink.ledger.totals
        let files =
            trace
            ? "summary.json, blocks.csv, races.csv, events.jsonl, report.html"
            : "summary.json, blocks.csv, races.csv, report.html"
        let text = """
            \(world.name) (seed \(seed)): \(sink.blockCount) blocks in \(world.duration.readable) simulated, \
            \(simulation.kernel.processedEvents) events
              \(races.count) races, \(totals.liquidations) liquidations, \(totals.auctions) auctions \
            (\(totals.zeroBidAuctions) won at zero), \
            \(races.filter { $0.outcome == .badDebt }.count) with bad debt
              wrote \(folderPath)/ (\(files))

            """
        return RunResult(
            summaryText: text, folder: folderPath, digest: simulation.kernel.digest,
            events: simulation.kernel.processedEvents, simulated: world.duration)
    }
}

/// The protocol world's block observer: one blocks.csv row per block, the ledger fed,
/// transactions and race notes traced.
final class ProtocolOutputSink: ProtocolBlockObserver {
    let blocks: CSVWriter
    let events: JSONLinesWriter?
    private(set) var ledger = RaceLedger()
    private(set) var failure: OutputError?
    private(set) var blockCount = 0
    private(set) var agentTransactions = 0
    private(set) var revertedTransactions = 0
    private(set) var report = ChainReportSeries()
    /// The first collateral's market and oracle prices, and the liquidations, per block.
    private(set) var marketSeries: [ChartPoint] = []
    private(set) var oracleSeries: [ChartPoint] = []
    private(set) var liquidationMarks: [ChartPoint] = []
    /// Reused between blocks.
    private var marketPrices: [UInt256?] = []

    init(blocks: CSVWriter, events: JSONLinesWriter?) {
        self.blocks = blocks
        self.events = events
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
        let hours = Double(record.timeMs) / 3_600_000
        report.record(record, averageGasPrice: block.averageGasPrice, hours: hours)
        marketPrices.removeAll(keepingCapacity: true)
        var priceValues: [OutputValue] = []
        for price in prices {
            let wad = UInt256(truncating: price.marketPrice * 1e18) ?? .zero
            let slot = Int(price.ilk.rawValue)
            while marketPrices.count <= slot { marketPrices.append(nil) }
            marketPrices[slot] = wad
            priceValues.append(Self.wad(wad))
            priceValues.append(Self.wad(price.oraclePrice))
        }
        let liquidationsBefore = ledger.totals.liquidations
        ledger.record(block, state: state, marketPrices: marketPrices)
        let liquidations = ledger.totals.liquidations - liquidationsBefore
        if let first = prices.first {
            marketSeries.append(ChartPoint(x: hours, y: first.marketPrice))
            if first.oraclePrice > .zero {
                oracleSeries.append(
                    ChartPoint(
                        x: hours, y: Double(first.oraclePrice.decimalString(scale: 18)) ?? 0))
            }
            if liquidations > 0 {
                liquidationMarks.append(ChartPoint(x: hours, y: first.marketPrice))
            }
        }
        let blockBurned = block.agentBurned + block.backgroundBurned
        let blockTips = block.agentTips + block.backgroundTips
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
                    .integer(ledger.openRaces.count), .integer(liquidations),
                ])
            if let events {
                for (transaction, receipt) in zip(block.transactions, block.receipts) {
                    let transactionRecord = TransactionRecord(
                        transaction: transaction, receipt: receipt, block: record.block,
                        timeMs: record.timeMs, describe: TraceText.describe)
                    try events.write(ChainOutputSink.traceLine(transactionRecord))
                }
                for note in ledger.notes {
                    try events.write(RaceTable.traceLine(note))
                }
            }
        } catch {
            failure = error
        }
    }

    /// A WAD as an exact decimal.
    static func wad(_ value: UInt256) -> OutputValue {
        let text = value.decimalString(scale: 18)
        return DecimalText(text: text).map { .decimal($0) } ?? .text(text)
    }

    func priceChart(asset: String) -> Chart {
        Chart(
            title: "\(asset): market and oracle", x: ChartAxis("time since start", unit: "h"),
            y: ChartAxis("price", unit: "DAI"),
            layers: [
                .line(name: "market", points: marketSeries, style: .solid),
                .line(name: "oracle (OSM current)", points: oracleSeries, style: .stepped),
                .markers(name: "liquidations", points: liquidationMarks, shape: .triangleDown),
            ],
            emptyNote: "no blocks in this run",
            caption: "The market's reference price and the OSM's current value, which the "
                + "Spotter reads one hop late; triangles mark blocks with liquidations.")
    }
}
