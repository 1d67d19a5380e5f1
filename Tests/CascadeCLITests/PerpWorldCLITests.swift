import CascadeTestSupport
import Foundation
import Testing

/// The bundled `dydx-yfi-2023` world end to end through the built `cascade`, cut to 15
/// simulated minutes with the fall moved to the start (−30% over ten minutes from minute 1)
/// so liquidations happen within the cut: the run's races, summary and trace carry the
/// perpetuals exchange.
@Suite("cascade run: a perpetuals world", .serialized)
struct PerpWorldCLITests {
    static let overrides = [
        "--set", "duration=\"15m\"",
        "--set", "protocol.market.assets[0].shocks[0].at=\"1m\"",
        "--set", "protocol.market.assets[0].shocks[0].over=\"10m\"",
    ]

    @Test("dydx-yfi-2023, cut short: races.csv, summary.json and the trace")
    func bundledWorldCutShort() throws {
        let folder = try CLIRunner.temporaryFolder("perp-yfi")
        let outcome = try CLIRunner.run(
            ["run", "dydx-yfi-2023", "--out", folder.path, "--trace", "--check"]
                + Self.overrides)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("perps liquidated"))

        let summaryData = try Data(contentsOf: folder.appendingPathComponent("summary.json"))
        let summary = try #require(
            try JSONSerialization.jsonObject(with: summaryData) as? [String: Any])
        #expect(summary["bad_debt_unit"] as? String == "USDC")
        #expect(summary["perp_traders"] as? Int == 120)
        #expect(summary["perp_traders_skipped"] as? Int == 0)
        #expect((summary["perp_insurance_fund_start"] as? Double) == 22_500_000)
        let openInterest = try #require(summary["perp_open_interest_start"] as? Double)
        #expect(abs(openInterest - 67_000_000) < 1)
        let liquidations = try #require(summary["perp_liquidations"] as? Int)
        #expect(liquidations > 0)
        #expect((summary["perp_liquidated_notional"] as? Double ?? 0) > 0)
        #expect(summary["liquidations"] as? Int == liquidations)
        for key in [
            "perp_adl_fills", "perp_adl_notional", "perp_socialized_loss", "perp_uncovered_loss",
            "perp_insurance_fund_min", "perp_insurance_fund_end", "perp_insurance_paid",
            "perp_open_deficit_end",
        ] {
            #expect(summary[key] != nil, "summary.json lacks \(key)")
        }

        let races = try String(
            contentsOf: folder.appendingPathComponent("races.csv"), encoding: .utf8)
        let lines = races.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("position,protocol,unsafe_block,liquidatable_block") == true)
        let rows = lines.dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        #expect(!rows.isEmpty)
        #expect(rows.allSatisfy { $0[0].hasPrefix("YFI-USD:") && $0[1] == "perps" })
        #expect(rows.contains { !$0[5].isEmpty }, "no race has a liquidated_block")
        let outcomes = Set(rows.map { String($0[12]) })
        #expect(outcomes.isSubset(of: ["liquidated", "bad_debt", "recovered", "open"]))

        let trace = try String(
            contentsOf: folder.appendingPathComponent("events.jsonl"), encoding: .utf8)
        #expect(trace.contains("\"type\":\"perp_liquidation\""))
        #expect(trace.contains("\"type\":\"race_open\""))
        #expect(trace.contains("\"position\":\"YFI-USD:"))

        let report = try CLIRunner.run(["races", folder.path, "--top", "3"])
        #expect(report.status == 0, "\(report.standardError)")
        #expect(report.standardOutput.contains("YFI-USD:"))
    }

    /// blocks.csv's `collateral_value` and `debt`: the open accounts' summed equity and
    /// maintenance margin at the market price (docs/outputs.md). The world opens with 67
    /// million USDC of open interest a side (`perp_open_interest_start`) at a 5% maintenance
    /// fraction (worlds/dydx-yfi-2023.json): about 6.7 million required of both sides
    /// together, behind the 33.4 million of equity a seed-1 run records at its first block.
    @Test("dydx-yfi-2023, cut short: blocks.csv's margin coverage is filled")
    func marginCoverageColumns() throws {
        let folder = try CLIRunner.temporaryFolder("perp-yfi-coverage")
        let outcome = try CLIRunner.run(
            ["run", "dydx-yfi-2023", "--out", folder.path, "--quiet"] + Self.overrides)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let blocks = try String(
            contentsOf: folder.appendingPathComponent("blocks.csv"), encoding: .utf8)
        let lines = blocks.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let header = try #require(lines.first)
        let collateral = try #require(header.firstIndex(of: "collateral_value"))
        let debt = try #require(header.firstIndex(of: "debt"))
        let rows = lines.dropFirst()
        #expect(rows.count > 100)
        for row in rows {
            let value = try #require(Double(row[collateral]))
            let required = try #require(Double(row[debt]))
            #expect(value != 0 && required > 0, "block \(row[0]): \(value) over \(required)")
        }
        let first = try #require(rows.first)
        #expect(abs((Double(first[collateral]) ?? 0) - 33_400_000) < 1_000)
        #expect(abs((Double(first[debt]) ?? 0) - 6_700_000) < 100_000)
    }

    @Test("reruns byte for byte, with and without deterministic hashing")
    func determinism() throws {
        let folder = try CLIRunner.temporaryFolder("perp-yfi-determinism")
        let arguments =
            ["run", "dydx-yfi-2023", "--seed", "4", "--trace", "--quiet"] + Self.overrides
        let first = try CLIRunner.run(arguments + ["--out", folder.path + "/a"])
        let second = try CLIRunner.run(
            arguments + ["--out", folder.path + "/b"],
            environment: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        #expect(first.status == 0 && second.status == 0, "\(first.standardError)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/a")
        #expect(names.contains("races.csv") && names.contains("events.jsonl"))
        for name in names {
            let a = try Data(contentsOf: folder.appendingPathComponent("a/\(name)"))
            let b = try Data(contentsOf: folder.appendingPathComponent("b/\(name)"))
            #expect(a == b, "\(name) differs between reruns")
        }
    }
}
