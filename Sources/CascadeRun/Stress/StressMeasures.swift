import CascadeWorld
import Foundation

/// The integrity measures of one run, computed from its output files (`summary.json`,
/// `blocks.csv`, `races.csv`) and the world's quoted venue depth (docs/stress.md has every
/// formula, unit and threshold).
///
/// Exact figures (bad debt, volumes) stay exact text; ratios are measurements (`Double`),
/// computed by the same IEEE operations on every machine.
package struct StressMeasures: Sendable, Equatable {
    /// min over blocks with debt of `collateral_value / debt`, before any haircut (the
    /// scorecard applies the config's haircut); nil when no block has debt in `blocks.csv`.
    package var collateralAdequacy: Double?
    /// What liquidations put up for sale: the perpetual liquidations' notional, the short
    /// option value liquidators took over at the mark, a lending pool's liquidated debt,
    /// or Maker's auctioned debt (the `debt` of every race that reached a liquidation), in
    /// the world's debt unit.
    package var forcedSaleVolume: DecimalText
    /// The venues' quoted depth over the forced-sale volume; nil when nothing was sold.
    package var depthCoverage: Double?
    /// `oracle_lag_seconds.p90` and `liquidation_delay_seconds.p90` of the summary.
    package var oracleLatencySeconds: Double?
    package var liquidationDelaySeconds: Double?
    /// The starting insurance fund over its largest drawdown, capped at 1 (1: the fund never
    /// fell; 0: nothing to fall back on); nil when the fund is 0 throughout. In an options
    /// world the drawdown includes the exchange's bad debt (what the fund could not pay).
    package var insuranceFundCoverage: Double?
    /// `bad_debt` of the summary, exact: the loss the protocol has booked.
    package var badDebt: DecimalText
    /// The loss still in open positions when the run ends, exact, in the same unit: a
    /// lending pool's `insolvent_debt_market_end` (debt beyond the collateral at market
    /// prices), a perpetual exchange's `perp_open_deficit_end` or an options exchange's
    /// `options_open_deficit_end` (negative equity of accounts still holding positions),
    /// Maker's `auction_shortfall_market_end` (what live auctions would leave unpaid if their
    /// collateral sold at the last market price, or at the standing bid if higher), or
    /// `debt_under_auction_end` from a summary written before that figure existed.
    package var openDeficit: DecimalText
    /// `badDebt + openDeficit`: what the scorecard's probability and size of bad debt read.
    package var totalBadDebt: DecimalText
    /// `bad_debt_unit` of the summary (`DAI`, `CRV`, `USDC`): also the forced-sale volume's.
    package var badDebtUnit: String
    package var runDigest: String

    /// The `runs.csv` columns after `point` and `seed`.
    package static let columns = [
        "collateral_adequacy", "forced_sale_volume", "depth_coverage", "oracle_latency_p90_s",
        "liquidation_delay_p90_s", "insurance_fund_coverage", "bad_debt", "open_deficit",
        "total_bad_debt", "bad_debt_unit", "run_digest",
    ]

    package var values: [OutputValue] {
        [
            .optional(collateralAdequacy, OutputValue.double), .decimal(forcedSaleVolume),
            .optional(depthCoverage, OutputValue.double),
            .optional(oracleLatencySeconds, OutputValue.double),
            .optional(liquidationDelaySeconds, OutputValue.double),
            .optional(insuranceFundCoverage, OutputValue.double), .decimal(badDebt),
            .decimal(openDeficit), .decimal(totalBadDebt), .text(badDebtUnit),
            .text(runDigest),
        ]
    }

    /// Computes the measures from a run's files' text. `venueDepth` is the quoted depth of
    /// the venues forced sales meet (nil: the world has none).
    package static func compute(
        summary: String, blocks: String, races: String, venueDepth: ExactDecimal?
    ) throws(CascadeFailure) -> StressMeasures {
        let object: JSONValue
        do {
            var parser = JSONParser(bytes: Array(summary.utf8), file: "summary.json")
            object = try parser.parse()
        } catch {
            throw .badInput(error)
        }
        func text(_ key: String, _ inner: String? = nil) -> String? {
            var value = object.member(key)?.value
            if let inner { value = value?.member(inner)?.value }
            switch value?.content {
            case .number(let literal)?: return literal
            case .string(let literal)?: return literal
            default: return nil
            }
        }
        let table = StressTable(blocks)
        var adequacy: Double?
        var fundStart: Double?
        var fundMinimum = Double.infinity
        if let collateral = table.index("collateral_value"), let debt = table.index("debt"),
            let fund = table.index("insurance_fund")
        {
            for row in table.rows {
                let debtValue = Double(row[debt]) ?? 0
                if debtValue > 0 {
                    let ratio = (Double(row[collateral]) ?? 0) / debtValue
                    adequacy = min(adequacy ?? ratio, ratio)
                }
                let fundValue = Double(row[fund]) ?? 0
                if fundStart == nil { fundStart = fundValue }
                fundMinimum = min(fundMinimum, fundValue)
            }
        }
        let start = fundStart ?? 0
        var drawdown = fundMinimum.isFinite ? start - fundMinimum : 0
        // An options exchange's fund pays first and its bad debt is what it could not
        // pay: the claim on the fund is its fall plus the bad debt since the first block
        // (a fund emptied with a deficit beyond it covered less than all of it).
        if text("options_insurance_fund_start") != nil, let fund = table.index("insurance_fund"),
            let bad = table.index("bad_debt"), let first = table.rows.first
        {
            let badStart = Double(first[bad]) ?? 0
            for row in table.rows {
                let claim =
                    start - (Double(row[fund]) ?? 0) + (Double(row[bad]) ?? 0) - badStart
                drawdown = max(drawdown, claim)
            }
        }
        // No fund and no draw on it (a lending pool, whose reserves Cascade does not model
        // as a fund): nothing to measure.
        let coverage: Double? =
            start == 0 && drawdown <= 0
            ? nil : drawdown <= 0 ? 1 : (start <= 0 ? 0 : min(1, start / drawdown))
        let volume: DecimalText
        if let notional = text("perp_liquidated_notional") {
            volume = (DecimalText(text: notional) ?? DecimalText(0))
        } else if let liability = text("options_liquidated_liability") {
            volume = (DecimalText(text: liability) ?? DecimalText(0))
        } else if let liquidated = text("liquidated_debt") {
            volume = (DecimalText(text: liquidated) ?? DecimalText(0))
        } else {
            volume = auctionedDebt(races)
        }
        let booked = ExactDecimal(text("bad_debt") ?? "0") ?? ExactDecimal(0)
        // The first of the families' end-of-run figures the summary has (a lending world
        // also writes Maker's `debt_under_auction_end`, 0, after its own). Maker's open
        // auctions are valued at the market like a lending pool's open positions: at their
        // standing bids alone, a Clipper sale (which has none) would count its whole due lost.
        let openText =
            text("insolvent_debt_market_end") ?? text("perp_open_deficit_end")
            ?? text("options_open_deficit_end") ?? text("auction_shortfall_market_end")
            ?? text("debt_under_auction_end") ?? "0"
        var open = ExactDecimal(openText) ?? ExactDecimal(0)
        if open.isNegative { open = ExactDecimal(0) }
        let volumeValue = Double(volume.text) ?? 0
        let depth = venueDepth.map(\.approximateDouble)
        return StressMeasures(
            collateralAdequacy: adequacy, forcedSaleVolume: volume,
            depthCoverage: depth.flatMap { volumeValue > 0 ? $0 / volumeValue : nil },
            oracleLatencySeconds: text("oracle_lag_seconds", "p90").flatMap(Double.init),
            liquidationDelaySeconds: text("liquidation_delay_seconds", "p90").flatMap(
                Double.init),
            insuranceFundCoverage: coverage,
            badDebt: DecimalText(text: booked.description) ?? DecimalText(0),
            openDeficit: DecimalText(text: open.description) ?? DecimalText(0),
            totalBadDebt: DecimalText(text: ExactDecimal.add(booked, open).description)
                ?? DecimalText(0),
            badDebtUnit: text("bad_debt_unit") ?? "", runDigest: text("run_digest") ?? "")
    }

    /// The `debt` of every race with a `liquidated_block`, summed exactly.
    static func auctionedDebt(_ races: String) -> DecimalText {
        let table = StressTable(races)
        guard let debt = table.index("debt"), let block = table.index("liquidated_block") else {
            return DecimalText(0)
        }
        var total = ExactDecimal(0)
        for row in table.rows where !row[block].isEmpty {
            if let value = ExactDecimal(row[debt]), !value.isNegative {
                total = ExactDecimal.add(total, value)
            }
        }
        return (DecimalText(text: total.description) ?? DecimalText(0))
    }
}

/// A small CSV table of a run's output (plain cells: the run's writers quote nothing in
/// these columns).
struct StressTable {
    var header: [String] = []
    var rows: [[String]] = []

    init(_ text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard !lines.isEmpty else { return }
        header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false)
            .map(String.init)
        rows = lines.map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }.filter { $0.count == header.count }
    }

    func index(_ column: String) -> Int? {
        header.firstIndex(of: column)
    }
}
