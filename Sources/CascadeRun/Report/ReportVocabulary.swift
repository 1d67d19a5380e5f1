/// What a protocol run ran, and so what its report calls things: a Maker world's oracle is
/// the OSM and its liquidations are bites and barks settled by auctions in DAI; a lending
/// pool's oracle is the price the pool reads, its liquidations are `liquidationCall`s and its
/// amounts are in the pool's unit; a perpetuals exchange marks from its oracle, fills
/// liquidations against the book and keeps its insurance fund in USDC.
///
/// Read from `summary.json` alone, so `cascade report` redraws any run folder: the perps
/// figures (`perp_traders`, …) are written exactly when the world has an exchange, and
/// `bad_debt_unit` is `DAI` exactly when Maker is the only protocol (a lending pool writes
/// its debt asset or `USD`, a perps-only world `USDC`, Maker beside perps `USD`).
struct ReportVocabulary: Equatable {
    var hasMaker: Bool
    var hasLending: Bool
    var hasPerps: Bool
    /// An options exchange (`options_margin_mode` is written exactly when there is one).
    var hasOptions: Bool
    /// The unit of `bad_debt` (and of the bad-debt chart).
    var debtUnit: String
    /// The flash-loan attackers' quote asset (`flash_loan_volume_unit`), if any.
    var flashUnit: String?

    init(summary: JSONObject) {
        var unit = "DAI"
        if case .string(let text)? = summary["bad_debt_unit"] { unit = text }
        debtUnit = unit
        if case .string(let text)? = summary["flash_loan_volume_unit"] { flashUnit = text }
        hasPerps = summary["perp_traders"] != nil
        hasOptions = summary["options_margin_mode"] != nil
        hasLending = !hasPerps && !hasOptions && unit != "DAI"
        hasMaker = !hasLending && !hasOptions && (!hasPerps || unit == "USD")
    }

    /// Maker alone: the vocabulary of the Maker worlds.
    static let maker = ReportVocabulary(summary: JSONObject())

    /// The unit prices are quoted in.
    var priceUnit: String {
        if hasMaker { return hasPerps ? "USD" : "DAI" }
        return hasPerps ? "USDC" : "USD"
    }

    /// The price the protocol acts on, as a chart layer's name.
    var oracleName: String {
        switch (hasMaker, hasLending, hasPerps) {
        case (true, _, true): "oracle (OSM current; mark for perp markets)"
        case (true, _, _): "oracle (OSM current)"
        case (_, true, _): "oracle (the pool's price)"
        default: hasOptions ? "oracle (the spot the exchange marks from)" : "mark (oracle)"
        }
    }

    var priceCaption: String {
        if hasLending && flashUnit != nil {
            // A flash-loan world: the pool's price for the pair's asset is read from the
            // pair (spot or TWAP), not posted by the oracle node.
            return "The market's reference price and the price the pool last read: its "
                + "oracle node's for most assets, the pair's spot or TWAP for the pair's "
                + "asset, stored at each call on the pool — so a bundle that pumps the pair "
                + "leaves its price in the pool until the next call there "
                + "(docs/model/lending-world.md)."
        }
        if hasLending {
            return "The market's reference price and the price the pool reads, posted by "
                + "its oracle node from the venue's mid — which the liquidators' own trades "
                + "move, so the oracle can leave the reference behind. The horizontal gap "
                + "between the lines is the oracle's lag."
        }
        if hasOptions {
            return "The market's reference price and the spot the options exchange marks its "
                + "series from, posted by its oracle; the settlement at expiry reads the same "
                + "feed (docs/model/options.md)."
        }
        if !hasMaker {
            return "The market's reference price and the exchange's mark, posted by its "
                + "oracle; liquidations are fills, counted in the chart below."
        }
        return "The market's reference price and the OSM's current value, which the "
            + "Spotter reads one hop late; a triangle marks each auction started, at the "
            + "market price of its block. The horizontal gap between the lines is the "
            + "oracle's lag."
    }

    /// The liquidation chart's series: Maker's bites and settled auctions, or just the
    /// lending pool's or exchange's liquidations.
    var liquidationNames: [String] {
        if hasMaker { return ["liquidations (bite/bark)", "auctions settled"] }
        if hasOptions { return ["books liquidated"] }
        return [hasLending ? "liquidation calls" : "liquidation fills"]
    }

    var liquidationCaption: String {
        if hasMaker {
            return "Vaults seized into auctions, and auctions that ended, in each interval. "
                + "A tail of settlements after the liquidations shows auctions outlasting "
                + "the crash."
        }
        if hasOptions {
            return "Writers' books taken over by a liquidator at the mark, with the penalty, "
                + "in each interval (a book goes whole)."
        }
        return hasLending
            ? "Liquidation calls that landed in each interval (partial ones count each time)."
            : "Liquidation fills that landed in each interval, backstop take-overs and "
                + "deleveraging included."
    }

    /// The fund line of the bad-debt chart, if the protocol has one.
    var fundName: String? {
        if hasMaker { return "insurance fund (Vow surplus)" }
        return hasPerps || hasOptions ? "insurance fund" : nil
    }

    var badDebtCaption: String {
        if hasMaker {
            return "Bad debt: the shortfalls of races settled with bad debt, so far. The "
                + "fund: the Vow's DAI minus its debt not under auction (docs/outputs.md); "
                + "below zero, bad debt is no longer covered."
        }
        if hasOptions {
            return "Bad debt: what liquidated books owed beyond their collateral and the "
                + "insurance fund, so far (docs/model/options.md)."
        }
        if hasLending {
            return "Bad debt: the debt left on accounts whose collateral is gone, so far "
                + "(docs/model/lending-world.md). The pool has no fund: suppliers bear it."
        }
        return "Bad debt: losses neither the insurance fund nor deleveraging covered, so far. "
            + "The fund: the exchange's insurance fund (docs/model/perpetuals.md)."
    }

    /// Summary figures the run's protocols never fill (always 0 there), left out of the
    /// table: Maker's auctions and incentives, and the fund of a world without one.
    var figuresNotApplying: [String] {
        var figures: [String] = []
        if !hasMaker {
            figures += [
                "auctions", "zero_bid_auctions", "keeper_incentives", "debt_under_auction_end",
            ]
        }
        if fundName == nil { figures.append("insurance_fund_min") }
        return figures
    }

    /// Units for figures whose unit is documented rather than written (docs/outputs.md):
    /// the fund and the insolvent debt are in the run's debt unit, the flash-loan
    /// attackers' profit and debt in their quote asset.
    var documentedUnits: [(key: String, unit: String)] {
        HeadlineFigure.documentedUnits.map {
            $0.key == "insurance_fund_min" && !hasMaker ? ($0.key, debtUnit) : $0
        } + [("insolvent_debt_end", debtUnit)]
            + (hasLending
                ? ["insolvent_debt_market_end", "pool_shortfall_end", "liquidated_debt"].map {
                    ($0, debtUnit)
                } : [])
            + (flashUnit.map { unit in
                ["flash_attacker_profit", "flash_attacker_debt"].map { ($0, unit) }
            } ?? [])
            + (hasPerps ? Self.perpAmounts.map { ($0, "USDC") } : [])
            + (hasOptions ? Self.optionAmounts.map { ($0, debtUnit) } : [])
    }

    /// The options figures that are amounts of the exchange's stablecoin (docs/outputs.md).
    static let optionAmounts = [
        "options_liquidated_liability", "options_penalties", "options_bad_debt",
        "options_insurance_fund_start", "options_insurance_fund_min", "options_insurance_fund_end",
        "options_insurance_paid", "options_open_deficit_end", "options_vault_capital",
        "options_vault_equity_end", "options_vault_pnl", "options_writer_capital",
        "options_writer_equity_end",
    ]

    /// The perpetuals figures that are USDC amounts (docs/outputs.md); the others count.
    static let perpAmounts = [
        "perp_open_interest_start", "perp_open_interest_end", "perp_liquidated_notional",
        "perp_backstop_notional", "perp_adl_notional", "perp_adl_cost", "perp_socialized_loss",
        "perp_uncovered_loss", "perp_insurance_fund_start", "perp_insurance_fund_min",
        "perp_insurance_fund_end", "perp_insurance_paid", "perp_penalties",
        "perp_backstop_vault_equity_end", "perp_bad_debt", "perp_open_deficit_end",
        "perp_negative_equity", "perp_negative_equity_end", "perp_backstop_vault_deficit",
    ]
}
