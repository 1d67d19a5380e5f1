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
            let perpMarkets = configuration.perps?.markets.map(\.terms.name) ?? []
            let header =
                ChainRun.blockColumns
                + (configuration.collaterals.map(\.asset)
                + (configuration.lending?.assets.map(\.asset) ?? []) + perpMarkets)
                .flatMap { ["price_\($0)", "oracle_\($0)"] }
                + (configuration.options.map { ["price_\($0.asset)", "oracle_\($0.asset)"] } ?? [])
                + ProtocolOutputSink.protocolColumns
                + (perpMarkets.isEmpty ? [] : ProtocolOutputSink.perpColumns)
            let blocks = try folder.csv(named: "blocks.csv", header: header)
            let events = trace ? try folder.jsonLines(named: "events.jsonl") : nil
            sink = ProtocolOutputSink(
                blocks: blocks, events: events,
                collaterals: configuration.collaterals.map { ($0.name, $0.asset) })
        } catch {
            throw .output(error)
        }
        let simulation: ProtocolWorld
        do throws(CascadeFailure) {
            simulation = try Cascade.buildProtocolWorld(
                configuration, observer: sink, label: request.world, seed: seed)
        } catch {
            folder.abandon()
            throw error
        }
        do {
            sink.noteGenesis(of: simulation)
            _ = try simulation.run(until: world.duration)
            sink.noteEnd(of: simulation)
        } catch {
            folder.abandon()
            throw CascadeFailure(.internalFailure, "\(world.name) seed \(seed): \(error)")
        }
        try folder.checkRun(
            sinkFailure: sink.failure, violation: simulation.producer.core.invariantViolation,
            request: request, seed: seed)
        let races = sink.ledger.races()
        let summary = Self.summary(
            world: world, seed: seed, configuration: configuration, sink: sink, races: races,
            events: simulation.kernel.processedEvents, digest: simulation.kernel.digest)
        do {
            try RaceTable.write(races, to: folder)
            try AuctionTable.write(races, to: folder, names: sink.names)
            let agents = try folder.csv(named: AgentNames.fileName, header: AgentNames.columns)
            for row in AgentNames.rows(of: simulation) {
                try agents.writeRow([.text(row.address), .text(row.name), .text(row.role)])
            }
            try folder.write(
                OutputJSON.object(summary).serialized(.pretty) + "\n", named: "summary.json")
        } catch {
            folder.abandon()
            throw .output(error)
        }
        try RunReport.write(into: folder, path: folderPath)
        let files =
            trace
            ? "summary.json, blocks.csv, races.csv, auctions.csv, agents.csv, events.jsonl, "
                + "report.html"
            : "summary.json, blocks.csv, races.csv, auctions.csv, agents.csv, report.html"
        let text = headline(
            world: world, seed: seed, summary: summary, races: races, folderPath: folderPath,
            files: files)
        return RunResult(
            summaryText: text, folder: folderPath, digest: simulation.kernel.digest,
            events: simulation.kernel.processedEvents, simulated: world.duration)
    }

    /// The short table `cascade run` prints on stdout: what a researcher looks at first —
    /// the deficit, liquidations and zero bids, how late liquidations came and why (delay,
    /// oracle lag), what losing attempts cost — and where the files are.
    static func headline(
        world: World, seed: UInt64, summary: JSONObject, races: [Race], folderPath: String,
        files: String
    ) -> String {
        func figure(_ key: String) -> String {
            summary[key].map(HeadlineFigure.displayText) ?? "–"
        }
        // Percentiles of seconds as a reader says them: 54 s, 12.5 min, 1.9 h.
        func durations(_ key: String) -> String {
            guard case .object(let percentiles)? = summary[key] else { return "–" }
            return percentiles.members.map { member in
                let seconds: Double?
                switch member.value {
                case .integer(let value): seconds = Double(value)
                case .decimal(let value): seconds = Double(value.text)
                case .double(let value): seconds = value
                default: seconds = nil
                }
                guard let seconds else { return "\(member.key) –" }
                let text =
                    seconds < 100
                    ? "\(Int(seconds.rounded())) s"
                    : seconds < 6_000
                        ? "\((seconds / 6).rounded() / 10) min"
                        : "\((seconds / 360).rounded() / 10) h"
                return "\(member.key) \(text)"
            }.joined(separator: " · ")
        }
        var zeroShare = ""
        if case .integer(let auctions)? = summary["auctions"],
            case .integer(let zero)? = summary["zero_bid_auctions"], auctions > 0
        {
            zeroShare = " (\((zero * 100 + auctions / 2) / auctions)%)"
        }
        // A perpetuals-only world has no auctions: its Maker rows would only say "0".
        // (A lending pool lending USDC writes the same unit: it is told by its pool.)
        var perpsOnly = false
        if case .string("USDC")? = summary["bad_debt_unit"], summary["perp_traders"] != nil {
            perpsOnly = true
        }
        var rows: [(String, String)] =
            [
                ("deficit (bad debt)", figure("bad_debt") + " " + figure("bad_debt_unit")),
                ("still under auction", figure("debt_under_auction_end") + " DAI"),
                (
                    "unpaid at market",
                    figure("auction_shortfall_market_end")
                        + " DAI if the auctions' collateral sold at the last market price"
                ),
                (
                    "liquidations",
                    "\(figure("liquidations")) into \(figure("auctions")) auctions "
                        + "in \(races.count { !$0.auctions.isEmpty }) races, "
                        + "\(figure("zero_bid_auctions")) won at zero\(zeroShare)"
                ),
            ] + raceRows(races)
            + [
                ("liquidation delay", figure("liquidation_delay_blocks") + " blocks"),
                ("", durations("liquidation_delay_seconds")),
                ("oracle lag", durations("oracle_lag_seconds")),
                ("failed tx fees", figure("failed_tx_fees") + " " + figure("failed_tx_fees_unit")),
            ] + perpHeadline(summary) + optionsHeadline(summary)
        // Only a world with Maker collaterals values its live auctions at the market.
        if summary["auction_shortfall_market_end"] == nil {
            rows.removeAll { $0.0 == "unpaid at market" }
        }
        if perpsOnly {
            rows.removeAll { $0.0 == "still under auction" || $0.0 == "liquidations" }
        }
        // An options world has no auctions: its own rows count the liquidated books. Its
        // races (delay, oracle lag) read as the other families'.
        if summary["options_liquidations"] != nil {
            let mute: Set = ["still under auction", "liquidations"]
            rows.removeAll { mute.contains($0.0) }
        }
        // A lending world has no auctions: its liquidations are calls on the pool.
        if case .protocol(let configuration) = world.model, configuration.lending != nil {
            rows.remove(at: 1)
            rows[1] = ("liquidations", "\(figure("liquidations")) liquidation calls")
            // What the pool would lose closing everything at the market (a frozen feed
            // hides it from the deficit).
            rows.insert(
                (
                    "shortfall at market",
                    figure("pool_shortfall_end") + " " + figure("bad_debt_unit")
                ), at: 1)
            // A world with flash-loan attackers: what their bundles did, in the pool's words.
            if summary["flash_loans"] != nil {
                rows.insert(
                    (
                        "flash loans",
                        "\(figure("flash_loans")) bundles landed (\(figure("flash_loan_volume")) "
                            + "\(figure("flash_loan_volume_unit")) borrowed), "
                            + "\(figure("flash_bundles_reverted")) reverted; attacker kept "
                            + "\(figure("flash_attacker_profit")) \(figure("flash_loan_volume_unit"))"
                    ), at: 2)
            }
        }
        let width = rows.map { $0.0.count }.max() ?? 0
        let table = rows.map { row in
            let label = row.0.padding(toLength: width, withPad: " ", startingAt: 0)
            return "  " + label + "  " + row.1
        }
        let events = HeadlineFigure.displayText(summary["events"] ?? .null)
        let blocks = HeadlineFigure.displayText(summary["blocks"] ?? .null)
        return """
            \(world.name) (seed \(seed)): \(blocks) blocks in \(world.duration.readable) \
            simulated, \(events) events

            \(table.joined(separator: "\n"))

              report  \(folderPath)/report.html
              files   \(files)

            """
    }

    /// The headline's race rows: the count of each outcome, then what the two outcomes a
    /// first reader trips on mean in this run. A `recovered` race was never liquidated (the
    /// vault or account became safe again); an `open` one is told apart by how far the
    /// chain got: liquidated but not settled (an auction still running), liquidatable on
    /// chain but not liquidated, or unsafe only at the market price (the oracle had not
    /// followed).
    static func raceRows(_ races: [Race]) -> [(String, String)] {
        func count(_ outcome: Race.Outcome) -> Int {
            races.count { $0.outcome == outcome }
        }
        var rows = [
            (
                "races",
                "\(races.count): \(count(.liquidated)) liquidated, \(count(.badDebt)) bad debt, "
                    + "\(count(.recovered)) recovered, \(count(.open)) open"
            )
        ]
        if count(.recovered) > 0 {
            rows.append(("", "recovered: safe again before anyone liquidated them"))
        }
        let open = races.filter { $0.outcome == .open }
        let parts = [
            (open.count { $0.liquidatedBlock != nil }, "with a liquidation under way"),
            (
                open.count { $0.liquidatedBlock == nil && $0.liquidatableBlock != nil },
                "liquidatable on chain, not liquidated"
            ),
            (
                open.count { $0.liquidatedBlock == nil && $0.liquidatableBlock == nil },
                "unsafe at the market price only"
            ),
        ].filter { $0.0 > 0 }
        if !parts.isEmpty {
            rows.append(
                ("", "open at the end: " + parts.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
            )
        }
        return rows
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
        if let lending = configuration.lending {
            for keeper in lending.keepers {
                if let ceiling = keeper.gas.ceiling {
                    object.append("keeper \(keeper.name)", .decimal(ceiling, scale: 9))
                }
            }
            if let ceiling = lending.transmitter.gas.ceiling {
                object.append("lending oracle", .decimal(ceiling, scale: 9))
            }
        }
        return object
    }
}

/// The protocol world's block observer: one blocks.csv row per block, the ledger fed,
/// transactions and race notes traced.
