import CascadeAgents
import CascadeChain
import CascadeCore
import CascadeKernel
import CascadeWorld

/// Runs a chain world and writes `summary.json`, `blocks.csv` and (with `--trace`)
/// `events.jsonl`, streaming rows as blocks are produced.
enum ChainRun {
    /// The blocks.csv columns of a chain-only world, in order (docs/outputs.md).
    static let blockColumns = [
        "block", "time_ms", "gas_limit", "gas_used", "base_fee_wei", "txs", "agent_txs",
        "reverted_txs", "background_gas", "avg_gas_price_wei", "burned_wei", "tips_wei",
    ]

    static func run(
        world: World, configuration base: ChainWorldConfiguration, seed: UInt64,
        folderPath: String, request: RunRequest
    ) throws(CascadeFailure) -> RunResult {
        let trace = request.trace
        var configuration = base
        configuration.seed = seed
        configuration.checksInvariants = request.check
        let folder: RunFolder
        let sink: ChainOutputSink
        do {
            folder = try RunFolder(path: folderPath)
            let blocks = try folder.csv(named: "blocks.csv", header: blockColumns)
            let events = trace ? try folder.jsonLines(named: "events.jsonl") : nil
            sink = ChainOutputSink(blocks: blocks, events: events)
        } catch {
            throw .output(error)
        }
        let simulation = ChainWorld(configuration, sink: sink)
        do {
            _ = try simulation.run(until: world.duration)
        } catch {
            folder.abandon()
            throw CascadeFailure(.internalFailure, "\(world.name) seed \(seed): \(error)")
        }
        try folder.checkRun(
            sinkFailure: sink.failure, violation: simulation.producer.core.invariantViolation,
            request: request, seed: seed)
        let senders = simulation.senders
        let summary = sink.summary(
            world: world, seed: seed, events: simulation.kernel.processedEvents,
            digest: simulation.kernel.digest, senders: senders)
        do {
            try folder.write(
                OutputJSON.object(summary).serialized(.pretty) + "\n", named: "summary.json")
        } catch {
            folder.abandon()
            throw .output(error)
        }
        try RunReport.write(into: folder, path: folderPath)
        let files =
            trace
            ? "summary.json, blocks.csv, events.jsonl, report.html"
            : "summary.json, blocks.csv, report.html"
        let text = """
            \(world.name) (seed \(seed)): \(sink.blockCount) blocks in \(world.duration.readable) simulated, \
            \(simulation.kernel.processedEvents) events
              base fee \(gwei(sink.minimumBaseFee)) to \(gwei(sink.maximumBaseFee)) gwei, \
            last \(gwei(sink.lastBaseFee)); blocks \(percent(sink.gasUsed, sink.gasLimit)) full on average
              agent transactions included \(sink.agentTransactions) (\(sink.revertedTransactions) reverted); \
            raised \(senders.reduce(0) { $0 + $1.raisedCount }), dropped \(senders.reduce(0) { $0 + $1.droppedCount })
              wrote \(folderPath)/ (\(files))

            """
        return RunResult(
            summaryText: text, folder: folderPath, digest: simulation.kernel.digest,
            events: simulation.kernel.processedEvents, simulated: world.duration)
    }

    static func gwei(_ wei: Wei) -> String {
        DecimalText(wei, scale: 9).text
    }

    static func percent(_ part: UInt64, _ whole: UInt64) -> String {
        guard whole > 0 else { return "0%" }
        return "\(part * 100 / whole)%"
    }
}

/// Streams each produced block into blocks.csv (and its transactions into the trace) and
/// keeps only the running totals the summary needs, so memory stays flat however long the
/// run. Without a `blocks` writer (a sweep's summary-only run) it keeps the totals only.
final class ChainOutputSink: BlockSink {
    typealias State = Token

    let blocks: CSVWriter?
    let events: JSONLinesWriter?
    /// The first write error; the run stops writing and reports it at the end.
    private(set) var failure: OutputError?
    private(set) var blockCount = 0
    private(set) var gasUsed: UInt64 = 0
    private(set) var gasLimit: UInt64 = 0
    private(set) var agentTransactions = 0
    private(set) var revertedTransactions = 0
    private(set) var minimumBaseFee: Wei = .max
    private(set) var maximumBaseFee: Wei = 0
    private(set) var lastBaseFee: Wei = 0
    private(set) var burned: Wei = 0
    private(set) var tips: Wei = 0
    private var lastTimeMs: Int64 = 0

    init(blocks: CSVWriter?, events: JSONLinesWriter?) {
        self.blocks = blocks
        self.events = events
    }

    func didProduce(_ block: BlockResult<Token.Call, Token.Event>, state: Token) {
        guard failure == nil else { return }
        let record = BlockRecord(block)
        blockCount += 1
        gasUsed += record.gasUsed
        gasLimit += record.gasLimit
        agentTransactions += record.agentTransactions
        revertedTransactions += record.revertedTransactions
        minimumBaseFee = min(minimumBaseFee, record.baseFeeWei)
        maximumBaseFee = max(maximumBaseFee, record.baseFeeWei)
        lastBaseFee = record.baseFeeWei
        let blockBurned = block.agentBurned + block.backgroundBurned
        let blockTips = block.agentTips + block.backgroundTips
        burned += blockBurned
        tips += blockTips
        lastTimeMs = record.timeMs
        guard let blocks else { return }
        do {
            try blocks.writeRow([
                .unsigned(record.block), .integer(Int(record.timeMs)), .unsigned(record.gasLimit),
                .unsigned(record.gasUsed), .decimal(record.baseFeeWei, scale: 0),
                .integer(record.transactions), .integer(record.agentTransactions),
                .integer(record.revertedTransactions), .unsigned(block.backgroundGasUsed),
                .decimal(block.averageGasPrice, scale: 0), .decimal(blockBurned, scale: 0),
                .decimal(blockTips, scale: 0),
            ])
            if let events {
                for (transaction, receipt) in zip(block.transactions, block.receipts) {
                    let record = TransactionRecord(
                        transaction: transaction, receipt: receipt, block: record.block,
                        timeMs: record.timeMs, describe: Self.describe)
                    try events.write(Self.traceLine(record))
                }
            }
        } catch {
            failure = error
        }
    }

    /// The `tx` trace line of INTERFACE.md; wei amounts as JSON strings.
    static func traceLine(_ record: TransactionRecord) -> JSONObject {
        var line = JSONObject()
        line.append("block", .integer(Int(record.block)))
        line.append("time_ms", .integer(Int(record.timeMs)))
        line.append("type", "tx")
        line.append("hash", .string(record.hash.description))
        line.append("sender", .string(record.sender.description))
        line.append("nonce", .integer(Int(record.nonce)))
        line.append("gas_limit", .integer(Int(record.gasLimit)))
        line.append("gas_used", .integer(Int(record.gasUsed)))
        if let maxFee = record.maxFeeWei, let priority = record.priorityFeeWei {
            line.append("max_fee_wei", .baseUnits(maxFee))
            line.append("priority_fee_wei", .baseUnits(priority))
        }
        if let gasPrice = record.gasPriceWei {
            line.append("gas_price_wei", .baseUnits(gasPrice))
        }
        line.append("effective_gas_price_wei", .baseUnits(record.effectiveGasPriceWei))
        line.append("status", .string(record.status))
        line.append("revert_reason", record.revertReason.map { .string($0) } ?? .null)
        line.append("calls", .array(record.calls.map { .string($0) }))
        return line
    }

    static func describe(_ call: Token.Call) -> String {
        switch call {
        case .transfer(let token, let to, let amount):
            "transfer(token: \(token.rawValue), to: \(to), amount: \(amount))"
        case .mint(let token, let to, let amount):
            "mint(token: \(token.rawValue), to: \(to), amount: \(amount))"
        case .burn(let token, let amount): "burn(token: \(token.rawValue), amount: \(amount))"
        case .fail(let reason): "fail(\(reason))"
        }
    }

    func summary(
        world: World, seed: UInt64, events: UInt64, digest: RunDigest, senders: [TransferSender]
    ) -> JSONObject {
        var summary = JSONObject.runProvenance(
            world: world, seed: seed, model: "chain", blocks: blockCount,
            events: events, digest: digest)
        summary.append("agent_transactions", .integer(agentTransactions))
        summary.append("reverted_transactions", .integer(revertedTransactions))
        summary.append("raised_transactions", .integer(senders.reduce(0) { $0 + $1.raisedCount }))
        summary.append("dropped_transactions", .integer(senders.reduce(0) { $0 + $1.droppedCount }))
        summary.append(
            "gas_used_share", .double(gasLimit == 0 ? 0 : Double(gasUsed) / Double(gasLimit)))
        summary.append(
            "base_fee_gwei_min", .decimal(blockCount == 0 ? 0 : minimumBaseFee, scale: 9))
        summary.append("base_fee_gwei_max", .decimal(maximumBaseFee, scale: 9))
        summary.append("base_fee_gwei_last", .decimal(lastBaseFee, scale: 9))
        summary.append("burned_eth", .decimal(burned, scale: 18))
        summary.append("tips_eth", .decimal(tips, scale: 18))
        return summary
    }
}
