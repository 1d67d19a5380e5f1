import CascadeTestSupport
import Foundation
import Testing

/// `cascade run aave-crv-2022` end to end, cut to the first seven hours and 200 background
/// borrowers (`--set`) so it runs in seconds: the short is liquidated after the squeeze,
/// `races.csv` has its rows under `aave-v2`, and `summary.json` counts bad debt in CRV.
@Suite("cascade run: the Aave CRV short", .serialized)
struct LendingWorldCLITests {
    @Test("aave-crv-2022, seven hours: the short's races, CRV bad debt, lending columns")
    func crvShort() throws {
        let folder = try CLIRunner.temporaryFolder("aave-crv")
        let outcome = try CLIRunner.run([
            "run", "aave-crv-2022", "--set", "duration=\"7h\"", "--set",
            "protocol.lending.borrowers.count=200", "--out", folder.path,
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains(" CRV\n"), "\(outcome.standardOutput)")

        let races = try String(
            contentsOf: folder.appendingPathComponent("races.csv"), encoding: .utf8)
        let rows = races.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        #expect(rows.first?.first == "position")
        let header = try #require(rows.first).map(String.init)
        let outcomeColumn = try #require(header.firstIndex(of: "outcome"))
        let short = rows.filter { $0.first?.hasPrefix("aave-v2:0x2710") == true }
        #expect(!short.isEmpty, "no race for the short: \(races.prefix(400))")
        #expect(rows.dropFirst().allSatisfy { $0[1] == "aave-v2" })
        // The short was liquidated: some race of it ends liquidated or bad_debt.
        #expect(
            short.contains { ["liquidated", "bad_debt"].contains(String($0[outcomeColumn])) },
            "\(short)")

        let data = try Data(contentsOf: folder.appendingPathComponent("summary.json"))
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(summary["bad_debt_unit"] as? String == "CRV")
        #expect((summary["liquidations"] as? Int ?? 0) > 0, "\(summary)")
        #expect(summary["bad_debt"] != nil)
        let gas = try #require(summary["gas_ceilings_gwei"] as? [String: Any])
        #expect(gas["lending oracle"] != nil)

        let blocks = try String(
            contentsOf: folder.appendingPathComponent("blocks.csv"), encoding: .utf8)
        let columns = blocks.prefix { $0 != "\n" }.split(separator: ",").map(String.init)
        for name in ["price_USDC", "oracle_USDC", "price_CRV", "oracle_CRV", "bad_debt"] {
            #expect(columns.contains(name), "\(columns)")
        }
        let agents = try String(
            contentsOf: folder.appendingPathComponent("agents.csv"), encoding: .utf8)
        #expect(agents.contains(",liquidator-19,lending keeper\n"))
        #expect(agents.contains(",lending-oracle,lending oracle\n"))
    }

    @Test("aave-crv-2022 reruns byte for byte, with and without deterministic hashing")
    func determinism() throws {
        let folder = try CLIRunner.temporaryFolder("aave-crv-determinism")
        let short = [
            "--set", "duration=\"390m\"", "--set", "protocol.lending.borrowers.count=100",
            "--trace", "--quiet",
        ]
        let first = try CLIRunner.run(
            ["run", "aave-crv-2022", "--seed", "4", "--out", folder.path + "/a"] + short)
        let second = try CLIRunner.run(
            ["run", "aave-crv-2022", "--seed", "4", "--out", folder.path + "/b"] + short,
            environment: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        #expect(first.status == 0 && second.status == 0, "\(first.standardError)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/a")
        #expect(names.contains("events.jsonl") && names.contains("races.csv"))
        for name in names {
            let a = try Data(contentsOf: folder.appendingPathComponent("a/\(name)"))
            let b = try Data(contentsOf: folder.appendingPathComponent("b/\(name)"))
            #expect(a == b, "\(name) differs between reruns")
        }
        let trace = try String(
            contentsOf: folder.appendingPathComponent("a/events.jsonl"), encoding: .utf8)
        #expect(trace.contains("\"type\":\"liquidation_call\""))
    }
}
