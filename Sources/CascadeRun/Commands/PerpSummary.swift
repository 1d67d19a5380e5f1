import CascadeAgents
import CascadeContracts
import CascadeCore

extension ProtocolRun {
    /// The perpetuals figures of `summary.json` (docs/outputs.md), appended after the
    /// protocol world's own when the world has an exchange: amounts in USDC, exact.
    ///
    /// `bad_debt` then counts the perpetuals races' shortfalls too, so its unit becomes
    /// `USDC` (no Maker collateral) or `USD` (DAI and USDC counted at par).
    static func appendPerps(
        to summary: inout JSONObject, configuration: ProtocolWorldConfiguration,
        sink: ProtocolOutputSink, races: [Race]
    ) {
        guard configuration.perps != nil else { return }
        summary["bad_debt_unit"] = .string(configuration.collaterals.isEmpty ? "USDC" : "USD")
        let totals = sink.ledger.perps.totals
        func usdc(_ quantums: Int128) -> OutputJSON {
            OutputJSON(ProtocolOutputSink.usdc(quantums))
        }
        let shortfall = races.filter { $0.protocolName == "perps" && $0.outcome == .badDebt }
            .reduce(UInt256.zero) { $0 + ($1.shortfall ?? .zero) }
        summary.append("perp_traders", .integer(sink.perpTraders))
        summary.append("perp_traders_skipped", .integer(sink.perpTradersSkipped))
        summary.append("perp_open_interest_start", usdc(totals.openInterestStart))
        summary.append("perp_open_interest_end", usdc(totals.openInterest))
        summary.append("perp_liquidations", .integer(totals.liquidations))
        summary.append("perp_liquidated_notional", usdc(totals.liquidatedNotional))
        summary.append("perp_backstops", .integer(totals.backstops))
        summary.append("perp_backstop_notional", usdc(totals.backstopNotional))
        summary.append("perp_adl_fills", .integer(totals.deleveragingFills))
        summary.append("perp_adl_notional", usdc(totals.deleveragedNotional))
        summary.append("perp_adl_cost", usdc(totals.deleveragingCost))
        summary.append("perp_adl_markets", .integer(totals.deleveragedMarkets.count))
        summary.append("perp_adl_accounts", .integer(totals.deleveragedAccounts.count))
        summary.append("perp_socialized_loss", usdc(totals.socializedLoss))
        summary.append("perp_uncovered_loss", usdc(totals.uncoveredLoss))
        summary.append("perp_insurance_fund_start", usdc(totals.insuranceFundStart))
        summary.append("perp_insurance_fund_min", usdc(totals.insuranceFundMinimum))
        summary.append("perp_insurance_fund_end", usdc(totals.insuranceFund))
        summary.append("perp_insurance_paid", usdc(totals.insurancePaid))
        summary.append("perp_penalties", usdc(totals.penalties))
        summary.append("perp_backstop_vault_equity_end", usdc(totals.backstopVaultEquity))
        summary.append("perp_bad_debt", OutputJSON(RaceTable.dai(shortfall)))
        summary.append("perp_open_deficit_end", usdc(sink.perpOpenDeficit))
        // Every account that went below zero: covered during the run or still short at the
        // end (an account can be both; it counts once, its amounts add).
        let negative = totals.deficitAccounts.union(sink.perpNegativeAccountsEnd)
        summary.append("perp_negative_accounts", .integer(negative.count))
        summary.append(
            "perp_negative_equity", usdc(totals.coveredDeficit + sink.perpNegativeEquityEnd))
        summary.append("perp_negative_accounts_end", .integer(sink.perpNegativeAccountsEnd.count))
        summary.append("perp_negative_equity_end", usdc(sink.perpNegativeEquityEnd))
        summary.append(
            "perp_backstop_vault_deficit",
            usdc(totals.vaultCoveredDeficit + max(0, -totals.backstopVaultEquity)))
        appendAttack(to: &summary, configuration: configuration, sink: sink)
    }

    /// The headline rows of a perpetuals world.
    static func perpHeadline(_ summary: JSONObject) -> [(String, String)] {
        guard summary["perp_liquidations"] != nil else { return [] }
        func figure(_ key: String) -> String {
            summary[key].map(HeadlineFigure.displayText) ?? "–"
        }
        return [
            (
                "perps liquidated",
                "\(figure("perp_liquidated_notional")) USDC in \(figure("perp_liquidations")) "
                    + "fills, \(figure("perp_backstop_notional")) USDC backstopped"
            ),
            (
                "insurance fund",
                "\(figure("perp_insurance_fund_start")) → \(figure("perp_insurance_fund_end")) "
                    + "USDC (low \(figure("perp_insurance_fund_min")); paid "
                    + "\(figure("perp_insurance_paid")))"
            ),
            (
                "ADL, socialised",
                "\(figure("perp_adl_fills")) fills, \(figure("perp_adl_notional")) USDC; "
                    + "socialised \(figure("perp_socialized_loss")), uncovered "
                    + "\(figure("perp_uncovered_loss")) USDC; ADL in "
                    + "\(figure("perp_adl_markets")) markets"
            ),
            (
                "negative equity",
                "\(figure("perp_negative_accounts")) accounts, \(figure("perp_negative_equity")) "
                    + "USDC (\(figure("perp_negative_accounts_end")) still negative at the end)"
            ),
            ("open deficit", "\(figure("perp_open_deficit_end")) USDC still in open accounts"),
        ] + attackHeadline(summary)
    }
}
