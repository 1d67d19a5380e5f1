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
        let folder: RunFolder
        let sink: ProtocolOutputSink
        do {
            folder = try RunFolder(path: folderPath)
            let header =
                ChainRun.blockColumns
                + configuration.collaterals.map(\.asset).flatMap {
                    ["price_\($0)", "oracle_\($0)"]
                }
                + ProtocolOutputSink.protocolColumns
            let blocks = try folder.csv(named: "blocks.csv", header: header)
            let events = trace ? try folder.jsonLines(named: "events.jsonl") : nil
            sink = ProtocolOutputSink(
                blocks: blocks, events: events,
                collaterals: configuration.collaterals.map { ($0.name, $0.asset) })
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
        let summary = Self.summary(
            world: world, seed: seed, configuration: configuration, sink: sink, races: races,
            events: simulation.kernel.processedEvents, digest: simulation.kernel.digest)
        do {
            try RaceTable.write(races, to: folder)
            try AuctionTable.write(races, to: folder, names: sink.names)
            try folder.write(
                OutputJSON.object(summary).serialized(.pretty) + "\n", named: "summary.json")
        } catch {
            folder.abandon()
            throw .output(error)
        }
        try RunReport.write(into: folder, path: folderPath)
        let totals = sink.ledger.totals
        let files =
            trace
            ? "summary.json, blocks.csv, races.csv, auctions.csv, events.jsonl, report.html"
            : "summary.json, blocks.csv, races.csv, auctions.csv, report.html"
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

    /// The gas ceilings the report draws, gwei: the keepers' (one line when they share
    /// one, else one per keeper) and each collateral's feed transmitter's, in world order.
    static func gasCeilings(_ configuration: ProtocolWorldConfiguration) -> JSONObject {
        var object = JSONObject()
        let keeperCeilings = configuration.keepers.compactMap { $0.gas.ceiling }
        if !keeperCeilings.isEmpty, keeperCeilings.count == configuration.keepers.count,
            Set(keeperCeilings).count == 1
        {
            object.append("keepers", .decimal(keeperCeilings[0], scale: 9))
        } else {
            for keeper in configuration.keepers {
                if let ceiling = keeper.gas.ceiling {
                    object.append("keeper \(keeper.name)", .decimal(ceiling, scale: 9))
                }
            }
        }
        for collateral in configuration.collaterals {
            if let ceiling = collateral.transmitter.gas.ceiling {
                object.append("\(collateral.name) transmitter", .decimal(ceiling, scale: 9))
            }
        }
        return object
    }
}

/// The protocol world's block observer: one blocks.csv row per block, the ledger fed,
/// transactions and race notes traced.
