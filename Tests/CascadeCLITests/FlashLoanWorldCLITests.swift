import CascadeTestSupport
import Foundation
import Testing

/// `cascade run flash-loan-spot-oracle` and its TWAP counterfactual end to end: the bundle
/// lands against the spot price and leaves the pool short, never against the TWAP; the
/// bundle's calls and events are traced; reruns are byte-identical; `--check` holds.
@Suite("cascade run: the flash-loan attacker", .serialized)
struct FlashLoanWorldCLITests {
    static func summary(_ folder: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("summary.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func number(_ summary: [String: Any], _ key: String) -> Double {
        (summary[key] as? NSNumber)?.doubleValue ?? -1
    }

    @Test("spot: the bundle lands, is traced, and the pool is short at market prices")
    func spot() throws {
        let folder = try CLIRunner.temporaryFolder("flash-spot")
        let outcome = try CLIRunner.run(
            [
                "run", "flash-loan-spot-oracle", "--out", folder.path, "--check", "--trace",
                "--quiet",
            ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let summary = try Self.summary(folder)
        #expect(summary["bad_debt_unit"] as? String == "USDC")
        #expect(summary["flash_loan_volume_unit"] as? String == "USDC")
        #expect(summary["flash_attacker_collateral_unit"] as? String == "TKN")
        #expect(Self.number(summary, "flash_loans") >= 1, "\(summary)")
        #expect(Self.number(summary, "flash_bundles_reverted") == 0, "\(summary)")
        let profit = Self.number(summary, "flash_attacker_profit")
        let debt = Self.number(summary, "flash_attacker_debt")
        let collateral = Self.number(summary, "flash_attacker_collateral")
        let shortfall = Self.number(summary, "pool_shortfall_end")
        // It kept most of what it borrowed; at about $1 a TKN the collateral it left is a
        // fraction of its debt, and the difference is the pool's loss.
        #expect(profit > 100_000 && profit < debt, "\(summary)")
        #expect(collateral < debt / 2, "\(summary)")
        #expect(shortfall > debt - collateral * 1.5 && shortfall < debt, "\(summary)")

        let events = try String(
            contentsOf: folder.appendingPathComponent("events.jsonl"), encoding: .utf8)
        #expect(events.contains("\"type\":\"flash_loan\""))
        #expect(events.contains("flashLoan(asset: 0"))
        let agents = try String(
            contentsOf: folder.appendingPathComponent("agents.csv"), encoding: .utf8)
        #expect(agents.contains(",flash-attacker-0,flash attacker\n"), "\(agents)")
        #expect(agents.contains(",pair-arbitrageur,arbitrageur\n"), "\(agents)")
        let report = try String(
            contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("flash attacker profit"))
    }

    @Test("twap: no bundle is sent and the pool loses nothing")
    func twap() throws {
        let folder = try CLIRunner.temporaryFolder("flash-twap")
        let outcome = try CLIRunner.run(
            ["run", "flash-loan-spot-oracle-twap", "--out", folder.path, "--check", "--quiet"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let summary = try Self.summary(folder)
        #expect(Self.number(summary, "flash_loans") == 0, "\(summary)")
        #expect(Self.number(summary, "flash_attacker_debt") == 0, "\(summary)")
        #expect(Self.number(summary, "pool_shortfall_end") == 0, "\(summary)")
        let agents = try String(
            contentsOf: folder.appendingPathComponent("agents.csv"), encoding: .utf8)
        #expect(agents.contains(",twap-poker,twap poker\n"), "\(agents)")
    }

    @Test("the spot world reruns byte for byte, with and without deterministic hashing")
    func determinism() throws {
        let folder = try CLIRunner.temporaryFolder("flash-determinism")
        let arguments = ["run", "flash-loan-spot-oracle", "--seed", "4", "--trace", "--quiet"]
        let first = try CLIRunner.run(arguments + ["--out", folder.path + "/a"])
        let second = try CLIRunner.run(
            arguments + ["--out", folder.path + "/b"],
            environment: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        #expect(first.status == 0 && second.status == 0, "\(first.standardError)")
        for name in ["summary.json", "events.jsonl", "blocks.csv", "races.csv"] {
            let a = try Data(contentsOf: folder.appendingPathComponent("a/\(name)"))
            let b = try Data(contentsOf: folder.appendingPathComponent("b/\(name)"))
            #expect(a == b, "\(name) differs between reruns")
        }
    }
}
