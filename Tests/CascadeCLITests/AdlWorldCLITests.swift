import CascadeTestSupport
import Foundation
import Testing

/// The bundled `perp-adl-2025` world end to end through the built `cascade`, cut to its
/// first 20 simulated minutes (through the alts' second leg) with 200 traders instead of
/// 600: cross accounts in three markets each, the backstop vault and auto-deleveraging
/// across markets.
@Suite("cascade run: a cross-margin ADL world", .serialized)
struct AdlWorldCLITests {
    @Test("perp-adl-2025, cut short: ADL in more than one market, and the figures agree")
    func deleveragingAcrossMarkets() throws {
        let folder = try CLIRunner.temporaryFolder("perp-adl")
        let outcome = try CLIRunner.run(
            [
                "run", "perp-adl-2025", "--out", folder.path, "--set", "duration=\"20m\"",
                "--set", "protocol.perps.traders.count=200",
            ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("ADL in"))

        let data = try Data(contentsOf: folder.appendingPathComponent("summary.json"))
        let summary = try #require(
            try JSONSerialization.jsonObject(with: data) as? [String: Any])
        func integer(_ key: String) -> Int { summary[key] as? Int ?? -1 }
        func amount(_ key: String) -> Double { summary[key] as? Double ?? -1 }
        #expect(integer("perp_traders") == 200)
        #expect(integer("perp_traders_skipped") == 0)
        #expect(amount("perp_insurance_fund_start") == 0)
        // Deleveraging ran in several of the twelve markets, not one.
        let markets = integer("perp_adl_markets")
        #expect(markets > 1 && markets <= 12, "ADL in \(markets) markets")
        #expect(integer("perp_adl_fills") >= markets)
        #expect(integer("perp_adl_accounts") >= 1)
        #expect(amount("perp_adl_notional") > 0)
        // At the mark, deleveraging costs the counterparties nothing.
        #expect(amount("perp_adl_cost") == 0)
        #expect(integer("perp_backstops") > 0)
        // The counts nest: still negative at the end ⊆ ever negative.
        #expect(integer("perp_negative_accounts") >= integer("perp_negative_accounts_end"))
        #expect(amount("perp_negative_equity") >= amount("perp_negative_equity_end"))
        #expect(amount("perp_negative_equity_end") >= 0)
        #expect(amount("perp_backstop_vault_deficit") >= 0)
        // With no fund, every deficit covered went to deleveraging's socialised loss.
        #expect(amount("perp_insurance_paid") == 0)
        #expect(amount("perp_socialized_loss") > 0)
    }
}
