import CascadeTestSupport
import Foundation
import Testing

/// The bundled `options-vault` world end to end through the built `cascade`, cut to 40
/// simulated minutes with the crash moved to minute 5 (−30% over ten minutes) and 40
/// writers: marks in the trace, liquidations in the summary, invariants checked every
/// block, and a rerun byte for byte.
@Suite("cascade run: an options world", .serialized)
struct OptionsWorldCLITests {
    static let overrides = [
        "--set", "duration=\"40m\"",
        "--set", "protocol.market.assets[0].shocks[0].at=\"5m\"",
        "--set", "protocol.options.writers.count=40",
        "--check", "--trace", "--quiet",
    ]

    @Test("options-vault, cut short: option_mark lines, liquidations, a byte-identical rerun")
    func bundledWorldCutShort() throws {
        let first = try CLIRunner.temporaryFolder("options-vault-1")
        let second = try CLIRunner.temporaryFolder("options-vault-2")
        for folder in [first, second] {
            let outcome = try CLIRunner.run(
                ["run", "options-vault", "--out", folder.path] + Self.overrides)
            #expect(outcome.status == 0, "\(outcome.standardError)")
        }
        let summaryData = try Data(contentsOf: first.appendingPathComponent("summary.json"))
        let summary = try #require(
            try JSONSerialization.jsonObject(with: summaryData) as? [String: Any])
        #expect(summary["bad_debt_unit"] as? String == "USDC")
        #expect(summary["options_margin_mode"] as? String == "portfolio")
        #expect(summary["options_surface"] as? String == "skew")
        #expect(summary["options_writers"] as? Int == 40)
        let liquidations = try #require(summary["options_liquidations"] as? Int)
        #expect(liquidations > 0)
        #expect(summary["liquidations"] as? Int == liquidations)
        for key in [
            "options_bad_debt", "options_insurance_fund_end", "options_vault_pnl",
            "options_open_deficit_end", "options_penalties",
        ] {
            #expect(summary[key] != nil, "summary.json lacks \(key)")
        }

        let trace = try String(
            contentsOf: first.appendingPathComponent("events.jsonl"), encoding: .utf8)
        let marks = trace.split(separator: "\n").filter { $0.contains("\"type\":\"option_mark\"") }
        #expect(!marks.isEmpty)
        let mark = try #require(
            try JSONSerialization.jsonObject(with: Data(marks[0].utf8)) as? [String: Any])
        for field in [
            "block", "time_ms", "option", "kind", "spot", "strike", "vol", "rate", "t_years",
            "price", "delta", "gamma", "vega", "theta",
        ] {
            #expect(mark[field] != nil, "option_mark lacks \(field)")
        }
        #expect(trace.contains("\"type\":\"option_liquidation\""))

        let blocks = try String(
            contentsOf: first.appendingPathComponent("blocks.csv"), encoding: .utf8)
        #expect(blocks.hasPrefix("block,time_ms,"))
        #expect(
            blocks.split(separator: "\n")[0].contains(
                "price_ETH,oracle_ETH,positions_at_risk,liquidations,collateral_value,debt,bad_debt,"
                    + "insurance_fund"))

        for file in ["summary.json", "blocks.csv", "events.jsonl"] {
            let a = try Data(contentsOf: first.appendingPathComponent(file))
            let b = try Data(contentsOf: second.appendingPathComponent(file))
            #expect(a == b, "\(file) differs between reruns")
        }
    }
}
