import CascadeTestSupport
import Foundation
import Testing

/// Every bundled world runs; every malformed world of `Tests/Fixtures/bad-worlds` fails with
/// exit 2 naming its file and JSON path; and Black Thursday is byte-identical across reruns
/// and across `SWIFT_DETERMINISTIC_HASHING`.
@Suite("cascade run: bundled and malformed worlds", .serialized)
struct BundledWorldsCLITests {
    static let bundled = [
        "aave-crv-2022", "aave-crv-2022-breaker", "aave-crv-2022-risk-controller",
        "aave-crv-2022-v3", "black-thursday-2020", "black-thursday-2020-clipper",
        "black-thursday-2020-spell", "calm-day", "chain-demo", "compound-dai-2020",
        "compound-dai-2020-tolerance", "dydx-yfi-2023",
        "dydx-yfi-2023-oi-cap", "flash-crash", "flash-loan-spot-oracle",
        "flash-loan-spot-oracle-twap", "gas-spike", "kernel-demo", "maker-demo",
        "mango-2022", "mango-2022-no-upnl-borrow", "options-vault", "options-vault-flat-vol",
        "oracle-stall", "perp-adl-2025",
        "perp-adl-2025-half-leverage", "venus-luna-2022", "venus-luna-2022-no-floor",
    ]

    @Test("cascade worlds lists exactly the bundled worlds")
    func listing() throws {
        let outcome = try CLIRunner.run(["worlds"])
        #expect(outcome.status == 0)
        let names = outcome.standardOutput.split(separator: "\n").compactMap {
            $0.split(separator: " ").first.map(String.init)
        }
        #expect(names == Self.bundled)
    }

    @Test("every bundled world runs (first 20 simulated minutes)", arguments: bundled)
    func runs(world: String) throws {
        let folder = try CLIRunner.temporaryFolder("bundled-\(world)")
        var arguments = ["run", world, "--set", "duration=\"20m\"", "--out", folder.path]
        arguments += ["--quiet", "--check"]
        let outcome = try CLIRunner.run(arguments)
        #expect(outcome.status == 0, "\(world): \(outcome.standardError)")
        #expect(FileManager.default.fileExists(atPath: folder.path + "/summary.json"))
    }

    /// (file, what the message must name)
    static let malformed: [(String, String)] = [
        ("unknown-key", "protocol.collaterals[0].flipper"),
        ("wrong-type", "protocol.keepers[0].count"),
        ("quorum-above-operators", "protocol.collaterals[0].feeds"),
        ("bad-unit", "protocol.chain.production.mean_interval"),
        ("missing-data-file", "data/missing.csv"),
        ("bad-data-row", "bad-row.csv:5:"),
        ("lump-and-dunk", "protocol.collaterals[0].flipper.dunk"),
        ("table-too-short", "protocol.market.assets[0].model"),
        ("ratio-below-100", "protocol.borrowers"),
        ("truncated", "truncated.json:"),
        ("lending-bad-bonus", "protocol.lending.assets[1].liquidation_bonus"),
        ("lending-answer-bounds", "protocol.lending.assets[1].max_answer"),
        ("lending-start-below-min-answer", "protocol.lending.assets[1]"),
        ("lending-exploiter-borrow", "protocol.lending.exploiters.borrow"),
        ("compound-anchor-asset", "protocol.lending.assets[2].anchor.asset"),
        ("compound-anchor-window", "protocol.lending.assets[2].anchor.twap_window"),
        ("compound-anchor-tolerance", "protocol.lending.anchor_tolerance"),
        ("compound-farmer-support", "protocol.lending.accounts[0].debt"),
        ("perps-margin-order", "protocol.perps.markets[0].initial_margin"),
        ("perps-unknown-key", "protocol.perps.liquidator"),
        ("mango-median-without-venues", "protocol.perps.oracle.mark_source"),
        ("mango-budgets-beyond-venues", "protocol.perps.attacker.pump.budgets"),
        ("mango-withdrawal-rule-type", "protocol.perps.unrealised_profit_backs_withdrawals"),
        ("mango-attacker-unknown-key", "protocol.perps.attacker.borrow_all"),
        ("mango-attacker-market", "protocol.perps.attacker.market"),
        ("perps-markets-per-account", "protocol.perps.traders.markets_per_account"),
        ("market-bad-correlation", "protocol.market.correlation"),
        ("flash-pair-quote", "protocol.lending.pair.quote"),
        ("flash-pair-source", "protocol.lending.pair.price_source"),
        ("flash-pair-window-spot", "protocol.lending.pair.twap_window"),
        ("flash-pair-unknown-key", "protocol.lending.pair.arbitrageur.treshold"),
        ("flash-pair-reserve-type", "protocol.lending.pair.quote_reserve"),
        ("flash-attackers-sizes", "protocol.lending.flash_attackers.sizes"),
        ("flash-attackers-no-pair", "protocol.lending.flash_attackers"),
        ("guard-breaker-no-window", "protocol.lending.circuit_breaker"),
        ("guard-fee-cap-below-start", "protocol.lending.liquidation_fee.cap"),
        ("governance-unknown-parameter", "protocol.governance.schedule[0].parameter"),
        ("governance-risk-asset", "protocol.governance.risk_controller.rules[0].asset"),
        ("options-unknown-key", "protocol.options.vault.capitol"),
        ("options-vault-call", "protocol.options.vault.series[0]"),
        ("options-grid-steps", "protocol.options.margin.grid.price_steps"),
        ("options-no-surface", "protocol.options"),
        ("options-tenor-order", "protocol.options.surface.atm[1].tenor"),
    ]

    @Test("a malformed world exits 2 naming the file and the path", arguments: malformed)
    func malformedWorld(name: String, mention: String) throws {
        let path = CLIRunner.packageRoot
            .appendingPathComponent("Tests/Fixtures/bad-worlds/\(name).json").path
        let folder = try CLIRunner.temporaryFolder("malformed-\(name)")
        for arguments in [["validate", path], ["run", path, "--out", folder.path]] {
            let outcome = try CLIRunner.run(arguments)
            #expect(outcome.status == 2, "\(name): \(outcome.standardError)")
            #expect(outcome.standardError.contains("\(name).json") || name == "bad-data-row")
            #expect(outcome.standardError.contains(mention), "\(name): \(outcome.standardError)")
            #expect(!outcome.standardError.contains("Fatal error"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/summary.json"))
    }

    @Test("Black Thursday reruns byte for byte, with and without deterministic hashing")
    func blackThursdayDeterminism() throws {
        let folder = try CLIRunner.temporaryFolder("bt-determinism")
        let short = [
            "--set", "duration=\"12h\"", "--set", "protocol.borrowers.count=300", "--trace",
            "--quiet",
        ]
        let first = try CLIRunner.run(
            ["run", "black-thursday-2020", "--seed", "3", "--out", folder.path + "/a"] + short)
        let second = try CLIRunner.run(
            ["run", "black-thursday-2020", "--seed", "3", "--out", folder.path + "/b"] + short,
            environment: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        #expect(first.status == 0 && second.status == 0, "\(first.standardError)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/a")
        #expect(names.contains("events.jsonl") && names.contains("races.csv"))
        for name in names {
            let a = try Data(contentsOf: folder.appendingPathComponent("a/\(name)"))
            let b = try Data(contentsOf: folder.appendingPathComponent("b/\(name)"))
            #expect(a == b, "\(name) differs between reruns")
        }
    }
}
