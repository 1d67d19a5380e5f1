import CascadeTestSupport
import Foundation
import Testing

/// `cascade run maker-demo`, cut to 4 h with the shock moved to 30 min (`--set`): the protocol world's
/// files, its races, `cascade races` on them, and byte-identical reruns.
@Suite("cascade run: protocol worlds", .serialized)
struct ProtocolWorldCLITests {
    static let racesHeader =
        "position,protocol,unsafe_block,liquidatable_block,first_attempt_block,"
        + "liquidated_block,attempts,keepers,winner,winning_gas_price_wei,failed_attempts,"
        + "failed_fees_wei,outcome,debt,proceeds,shortfall,incentive"

    func run(into folder: URL, environment: [String: String] = [:]) throws
        -> CLIRunner.Outcome
    {
        try CLIRunner.run(
            [
                "run", "maker-demo", "--seed", "1", "--set", "duration=\"4h\"", "--set",
                "protocol.market.assets[0].shocks[0].at=\"30m\"", "--out", folder.path,
                "--trace",
            ], environment: environment)
    }

    @Test("maker-demo liquidates vaults, writes races.csv, and reruns byte for byte")
    func makerDemo() throws {
        let first = try CLIRunner.temporaryFolder("maker-demo-1")
        let second = try CLIRunner.temporaryFolder("maker-demo-2")
        let outcome = try run(into: first)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let races = try String(
            contentsOf: first.appendingPathComponent("races.csv"), encoding: .utf8)
        let lines = races.split(separator: "\n")
        #expect(lines.first.map(String.init) == Self.racesHeader)
        #expect(lines.dropFirst().contains { $0.contains(",liquidated,") }, "\(races)")
        let blocksHeader = try String(
            contentsOf: first.appendingPathComponent("blocks.csv"), encoding: .utf8
        ).prefix { $0 != "\n" }
        #expect(
            blocksHeader.hasSuffix(
                ",price_ETH,oracle_ETH,positions_at_risk,liquidations,collateral_value,debt,"
                    + "bad_debt,insurance_fund"))
        let summary = try String(
            contentsOf: first.appendingPathComponent("summary.json"), encoding: .utf8)
        for field in ["\"liquidations\"", "\"bad_debt\"", "\"oracle_lag_seconds\""] {
            #expect(summary.contains(field), "summary.json lacks \(field)")
        }

        let listing = try CLIRunner.run(["races", first.path])
        #expect(listing.status == 0, "\(listing.standardError)")
        #expect(listing.standardOutput.contains("liquidated"))

        // The rerun also fixes Swift's hash seed: no Dictionary or Set order may reach a file
        // (docs/determinism.md, rule 4).
        let rerun = try run(into: second, environment: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        #expect(rerun.status == 0, "\(rerun.standardError)")
        for name in [
            "blocks.csv", "races.csv", "auctions.csv", "summary.json", "events.jsonl",
            "report.html",
        ] {
            let a = try Data(contentsOf: first.appendingPathComponent(name))
            let b = try Data(contentsOf: second.appendingPathComponent(name))
            #expect(a == b, "\(name) differs between reruns")
        }
    }
}
