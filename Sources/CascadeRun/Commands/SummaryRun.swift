import CascadeAgents
import CascadeCore
import CascadeKernel
import CascadeWorld

/// A run that computes only `summary.json`'s object: the same simulation as `cascade run`,
/// with no folder, no `blocks.csv`, no report. Sweeps run thousands of these, and only
/// the summary figures reach `runs.csv`.
///
/// The figures are the ones `cascade run` writes, by construction: both paths feed the same
/// output sinks (here without a row writer, so no row is formatted) and build the object
/// with the same functions (`ProtocolRun.summary`, `ChainOutputSink.summary`,
/// `GossipRun.summary`). A test checks the equality byte for byte.
package enum SummaryRun {
    /// Runs `world` with `seed` and returns its summary object. Invariants are not checked
    /// (`--check` is for `cascade run`).
    package static func summary(world: World, seed: UInt64) throws(CascadeFailure)
        -> JSONObject
    {
        switch world.model {
        case .gossip(let configuration):
            let (kernel, agents) = try GossipRun.simulate(
                world: world, configuration: configuration, seed: seed)
            return GossipRun.summary(
                world: world, seed: seed, agents: configuration.agents,
                rumours: agents.reduce(UInt64(0)) { $0 + $1.received },
                longest: agents.map(\.longestHops).max() ?? 0,
                events: kernel.processedEvents, digest: kernel.digest)
        case .chain(let base):
            var configuration = base
            configuration.seed = seed
            let sink = ChainOutputSink(blocks: nil, events: nil)
            let simulation = ChainWorld(configuration, sink: sink)
            do {
                _ = try simulation.run(until: world.duration)
            } catch {
                throw CascadeFailure(.internalFailure, "\(world.name) seed \(seed): \(error)")
            }
            return sink.summary(
                world: world, seed: seed, events: simulation.kernel.processedEvents,
                digest: simulation.kernel.digest, senders: simulation.senders)
        case .protocol(let base):
            var configuration = base
            configuration.seed = seed
            let sink = protocolSink(configuration)
            let simulation = try Cascade.buildProtocolWorld(
                configuration, observer: sink, label: world.name, seed: seed)
            do {
                sink.noteGenesis(of: simulation)
                _ = try simulation.run(until: world.duration)
                sink.noteEnd(of: simulation)
            } catch {
                throw CascadeFailure(.internalFailure, "\(world.name) seed \(seed): \(error)")
            }
            return ProtocolRun.summary(
                world: world, seed: seed, configuration: configuration, sink: sink,
                races: sink.ledger.races(), events: simulation.kernel.processedEvents,
                digest: simulation.kernel.digest)
        }
    }

    /// The summary object of a world before anything ran: every key a run's summary has,
    /// with empty totals. Sweeps take their `runs.csv` columns from it, so the columns
    /// follow whatever `summary.json` holds.
    package static func emptySummary(world: World) -> JSONObject {
        switch world.model {
        case .gossip(let configuration):
            return GossipRun.summary(
                world: world, seed: world.seed, agents: configuration.agents, rumours: 0,
                longest: 0, events: 0, digest: RunDigest())
        case .chain:
            return ChainOutputSink(blocks: nil, events: nil).summary(
                world: world, seed: world.seed, events: 0, digest: RunDigest(), senders: [])
        case .protocol(let configuration):
            let sink = protocolSink(configuration)
            return ProtocolRun.summary(
                world: world, seed: world.seed, configuration: configuration, sink: sink,
                races: [], events: 0, digest: RunDigest())
        }
    }

    static func protocolSink(_ configuration: ProtocolWorldConfiguration) -> ProtocolOutputSink {
        let sink = ProtocolOutputSink(
            blocks: nil, events: nil,
            collaterals: configuration.collaterals.map { ($0.name, $0.asset) })
        sink.hasPerps = configuration.perps != nil
        return sink
    }
}

extension ProtocolRun {
    /// A protocol world's `summary.json` object (docs/outputs.md), from the run's sink and
    /// races: provenance, transactions, race figures, the insurance fund's minimum and the
    /// gas ceilings.
    static func summary(
        world: World, seed: UInt64, configuration: ProtocolWorldConfiguration,
        sink: ProtocolOutputSink, races: [Race], events: UInt64, digest: RunDigest
    ) -> JSONObject {
        var summary = JSONObject.runProvenance(
            world: world, seed: seed, model: "protocol", blocks: sink.blockCount,
            events: events, digest: digest)
        summary.append("agent_transactions", .integer(sink.agentTransactions))
        summary.append("reverted_transactions", .integer(sink.revertedTransactions))
        for (name, value) in RaceTable.summary(
            races: races, totals: sink.ledger.totals,
            nativeUnit: configuration.nativeAsset ?? "ETH"
        ).members {
            summary.append(name, value)
        }
        summary.append(
            "insurance_fund_min",
            sink.fundMinimum.map { OutputJSON.decimal($0) } ?? .null)
        // What auctions still running at the end have yet to raise: losses `bad_debt` cannot
        // count yet (a day-long world ends with Flipper auctions open for days more).
        summary.append(
            "debt_under_auction_end",
            .decimal(DecimalText(sink.ledger.debtUnderAuction, scale: 45)))
        if !configuration.collaterals.isEmpty {
            // The part of that the auctions' collateral could not cover at the last block's
            // market prices, and the auctions' loss with it: a run that ends with auctions
            // unsold books less `bad_debt` than one that sold them at a loss.
            let atMarket = sink.auctionShortfallAtMarket
            summary.append(
                "auction_shortfall_market_end", .decimal(DecimalText(atMarket, scale: 45)))
            summary.append(
                "auction_loss_end",
                .decimal(DecimalText(sink.ledger.totals.badDebt + atMarket, scale: 45)))
        }
        if configuration.lending != nil {
            // Debt beyond its collateral on positions still open: a loss `bad_debt` cannot
            // count yet, because some collateral is left to liquidate.
            summary.append(
                "insolvent_debt_end",
                .decimal(DecimalText(sink.ledger.lendingInsolventDebt, scale: 45)))
            // The debt liquidators repaid, every liquidation counted (the races' `proceeds`
            // summed), in `bad_debt_unit`: Compound's "85.2 M DAI liquidated" is this figure.
            summary.append(
                "liquidated_debt",
                .decimal(DecimalText(sink.ledger.totals.liquidatedDebt, scale: 45)))
            summary.append(
                "refused_price_reports", .integer(sink.ledger.totals.refusedPriceReports))
            appendLending(to: &summary, configuration: configuration, sink: sink)
        }
        summary.append("gas_ceilings_gwei", .object(gasCeilings(configuration)))
        appendPerps(to: &summary, configuration: configuration, sink: sink, races: races)
        appendGuards(to: &summary, configuration: configuration, sink: sink)
        appendOptions(to: &summary, configuration: configuration, sink: sink)
        return summary
    }
}

extension ProtocolRun {
    /// A lending world's figures beyond the races' (docs/outputs.md): the loss at market
    /// prices a frozen feed hides, the reports the node withheld, the exploiters' haul.
    static func appendLending(
        to summary: inout JSONObject, configuration: ProtocolWorldConfiguration,
        sink: ProtocolOutputSink
    ) {
        let atMarket = sink.ledger.lendingInsolventDebtAtMarket
        // Open positions' debt beyond their collateral at the market price: what closing
        // them at the market would leave unpaid (the pool's oracle may not see it).
        summary.append("insolvent_debt_market_end", .decimal(DecimalText(atMarket, scale: 45)))
        // The pool's loss at the end: debt left with no collateral, plus that.
        summary.append(
            "pool_shortfall_end",
            .decimal(DecimalText(sink.ledger.totals.badDebt + atMarket, scale: 45)))
        summary.append("oracle_reports_out_of_range", .integer(sink.oracleOutOfRange))
        appendFlashAttack(to: &summary, configuration: configuration, sink: sink)
        guard let lending = configuration.lending, !lending.exploiters.isEmpty else { return }
        summary.append("exploiter_rounds", .integer(sink.exploiterRounds))
        summary.append("exploiter_collateral", .decimal(sink.exploiterCollateral))
        summary.append("exploiter_debt", .decimal(sink.exploiterDebt))
        summary.append("exploiter_spent", .decimal(sink.exploiterSpentCents, scale: 2))
    }
}

extension ProtocolRun {
    /// A lending world with flash-loan attackers: bundles landed and reverted, the volume
    /// flash-borrowed and what the attackers kept and owe (the pair's quote asset), and the
    /// collateral they left (the pair's asset), exact (docs/outputs.md).
    static func appendFlashAttack(
        to summary: inout JSONObject, configuration: ProtocolWorldConfiguration,
        sink: ProtocolOutputSink
    ) {
        guard let lending = configuration.lending, let pair = lending.pair,
            !lending.flashAttackers.isEmpty
        else { return }
        let flash = sink.flash
        // Before the run ends (an empty summary) the symbols come from the settings.
        let quote =
            flash.quoteSymbol.isEmpty ? lending.assets[pair.quote].symbol : flash.quoteSymbol
        let asset =
            flash.assetSymbol.isEmpty ? lending.assets[pair.asset].symbol : flash.assetSymbol
        summary.append("flash_loans", .integer(flash.bundles))
        summary.append("flash_loan_volume", .decimal(flash.volume))
        summary.append("flash_loan_volume_unit", .string(quote))
        summary.append("flash_bundles_reverted", .integer(flash.reverted))
        summary.append("flash_attacker_profit", .decimal(flash.profit))
        summary.append("flash_attacker_debt", .decimal(flash.debt))
        summary.append("flash_attacker_collateral", .decimal(flash.collateral))
        summary.append("flash_attacker_collateral_unit", .string(asset))
    }
}
