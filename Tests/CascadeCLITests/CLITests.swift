import CascadeTestSupport
import Foundation
import Testing

/// End-to-end tests of the built `cascade` binary: exit statuses, messages, and files.
@Suite("cascade command line", .serialized)
struct CLITests {
    @Test("--help and --version exit 0 and print to stdout")
    func help() throws {
        let help = try CLIRunner.run(["--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("usage: cascade COMMAND"))
        for command in ["run", "validate", "worlds", "sweep", "merge", "races", "report"] {
            #expect(help.standardOutput.contains("  \(command) "), "\(command) listed")
        }
        let version = try CLIRunner.run(["--version"])
        #expect(version.status == 0 && version.standardOutput.hasPrefix("cascade "))
        let commandHelp = try CLIRunner.run(["help", "run"])
        #expect(commandHelp.status == 0 && commandHelp.standardOutput.contains("--seed N"))
    }

    @Test(
        "usage errors exit 2 with a message on stderr",
        arguments: [
            ["frobnicate"], ["run"], ["run", "kernel-demo", "--bogus"], ["--bogus"],
            ["run", "kernel-demo", "--seed"], ["run", "kernel-demo", "--seed", "-3"],
            ["run", "kernel-demo", "--quiet=yes"], ["help", "nope"], [],
        ])
    func usageErrors(arguments: [String]) throws {
        let outcome = try CLIRunner.run(arguments)
        #expect(outcome.status == 2, "\(arguments)")
        #expect(outcome.standardError.contains("cascade"), "\(arguments)")
        #expect(outcome.standardOutput.isEmpty, "\(arguments)")
    }

    @Test("a bad world names the file, the JSON path and the position; exit 2")
    func badWorld() throws {
        let folder = try CLIRunner.temporaryFolder("bad-world")
        let world = folder.appendingPathComponent("bad.json")
        try """
        {
          "name": "bad",
          "description": "a typo in a key",
          "seed": 1,
          "duration": "10s",
          "gossip": { "agents": 3, "mean_intervl": "1s", "mean_latency": "1ms", "max_hops": 2 }
        }
        """.write(to: world, atomically: true, encoding: .utf8)
        let outcome = try CLIRunner.run(["run", world.path, "--out", folder.path + "/out"])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("bad.json:6:"))
        #expect(outcome.standardError.contains("gossip"))
        #expect(outcome.standardError.contains("mean_intervl"))
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out/summary.json"))

        let truncated = folder.appendingPathComponent("truncated.json")
        try "{ \"name\": \"t\", ".write(to: truncated, atomically: true, encoding: .utf8)
        let cut = try CLIRunner.run(["validate", truncated.path])
        #expect(cut.status == 2 && cut.standardError.contains("truncated.json:1:"))
        // Every world given is checked, the good ones' lines printed between the errors.
        let several = try CLIRunner.run([
            "validate", truncated.path, "kernel-demo", world.path, "chain-demo",
        ])
        #expect(several.status == 2)
        #expect(several.standardError.contains("truncated.json:1:"))
        #expect(several.standardError.contains("bad.json:6:"))
        #expect(
            several.standardOutput.split(separator: "\n").map { $0.prefix(16) }
                == ["ok  kernel-demo ", "ok  chain-demo  "], "\(several.standardOutput)")

        let missing = try CLIRunner.run(["run", "worlds/does-not-exist.json"])
        #expect(missing.status == 2 && missing.standardError.contains("does-not-exist.json"))

        let override = try CLIRunner.run(["run", "kernel-demo", "--set", "gossip.max_hops=0"])
        #expect(override.status == 2 && override.standardError.contains("gossip.max_hops"))
    }

    /// Values found by mutating the bundled worlds: each passed the file's checks and then
    /// trapped, in the decoder's hand-over to the chain or at genesis.
    @Test("a world its contracts cannot set up is bad input, for run and validate alike")
    func refusedGenesis() throws {
        let folder = try CLIRunner.temporaryFolder("refused-genesis")
        // WETH at zero decimals: the drawn borrowers' collateral rounds to whole tokens and
        // their genesis borrow reverts.
        let zeroDecimals = [
            "compound-dai-2020", "--set", "protocol.lending.assets[0].decimals=0", "--set",
            "duration=\"10m\"",
        ]
        let run = try CLIRunner.run(["run"] + zeroDecimals + ["--out", folder.path + "/out"])
        #expect(run.status == 2, "\(run.standardError)")
        #expect(
            run.standardError.contains(
                "compound-dai-2020 (seed 1): the world's genesis failed in protocol.lending: ")
                && run.standardError.contains("INSUFFICIENT_LIQUIDITY"),
            "\(run.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out"))
        let validate = try CLIRunner.run(["validate"] + zeroDecimals)
        #expect(validate.status == 2, "\(validate.standardOutput)")
        #expect(validate.standardError.contains("the world's genesis failed"))
        // A pool deeper than a Uniswap v2 reserve: named by its key, not by the pair's
        // revert of a Swift-printed call.
        let deepPool = try CLIRunner.run([
            "validate", "maker-demo", "--set", "protocol.market.assets[0].model.price=100000000000",
            "--set", "protocol.collaterals[0].pool_collateral=1000000000",
        ])
        #expect(deepPool.status == 2, "\(deepPool.standardOutput)")
        #expect(
            deepPool.standardError.contains(
                "the world's genesis failed in protocol.collaterals[0]: its AMM pair would start "
                    + "with pool_collateral 1000000000")
                && deepPool.standardError.contains("lower pool_collateral")
                && !deepPool.standardError.contains("addLiquidity"),
            "\(deepPool.standardError)")

        // A congestion step priced at nothing is refused where it is written.
        let free = try CLIRunner.run([
            "validate", "black-thursday-2020", "--set",
            "protocol.congestion.schedule[3].median_price=\"0 gwei\"",
        ])
        #expect(free.status == 2)
        #expect(
            free.standardError.contains(
                "protocol.congestion.schedule[3].median_price: must be above 0 wei"),
            "\(free.standardError)")
        // The documented top of `spread` (5) runs: it trapped above 4.
        let wide = try CLIRunner.run([
            "run", "black-thursday-2020", "--set", "protocol.congestion.schedule[0].spread=5",
            "--set", "duration=\"5m\"", "--out", folder.path + "/wide", "--quiet",
        ])
        #expect(wide.status == 0, "\(wide.standardError)")
    }

    @Test("same world and seed give byte-identical files; another seed another digest")
    func reproducible() throws {
        let folder = try CLIRunner.temporaryFolder("repro")
        let short = ["--set", "duration=2m", "--set", "gossip.agents=20"]
        let first = try CLIRunner.run(
            ["run", "kernel-demo", "--seed", "5", "--out", folder.path + "/a"] + short)
        let second = try CLIRunner.run(
            ["run", "kernel-demo", "--seed", "5", "--out", folder.path + "/b"] + short,
            environment: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        let other = try CLIRunner.run(
            ["run", "kernel-demo", "--seed", "6", "--out", folder.path + "/c", "--quiet"] + short)
        #expect(first.status == 0 && second.status == 0 && other.status == 0)
        let a = try Data(contentsOf: folder.appendingPathComponent("a/summary.json"))
        let b = try Data(contentsOf: folder.appendingPathComponent("b/summary.json"))
        let c = try Data(contentsOf: folder.appendingPathComponent("c/summary.json"))
        #expect(a == b)
        #expect(a != c)
        #expect(first.standardError.contains("digest "))
        #expect(digest(first.standardError) == digest(second.standardError))
        #expect(digest(first.standardError) != digest(other.standardError))
        #expect(other.standardOutput.isEmpty)
        #expect(first.standardOutput.contains("summary.json"))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/a")
        #expect(names == ["summary.json"], "no temporary files left behind")
    }

    @Test("worlds lists the bundled worlds and validate accepts them")
    func worlds() throws {
        let listing = try CLIRunner.run(["worlds"])
        #expect(listing.status == 0)
        #expect(listing.standardOutput.contains("kernel-demo"))
        let folder = CLIRunner.packageRoot.appendingPathComponent("worlds")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        let validate = try CLIRunner.run(["validate"] + files.map { "worlds/" + $0 })
        #expect(validate.status == 0, "\(validate.standardError)")
        #expect(validate.standardOutput.split(separator: "\n").count == files.count)
    }

    /// The binary finds the worlds of the tree it was built in from any folder: the build
    /// folder is reached through `.build/<configuration>`, a link whose target is a level
    /// deeper, so a fixed count of levels up missed the package.
    @Test("bundled worlds are found from outside the repository, without CASCADE_WORLDS")
    func worldsFromElsewhere() throws {
        let folder = try CLIRunner.temporaryFolder("elsewhere")
        let listing = try CLIRunner.run(["worlds"], in: folder, environment: ["CASCADE_WORLDS": ""])
        #expect(listing.status == 0, "\(listing.standardError)")
        #expect(listing.standardOutput.contains("black-thursday-2020"))
        let check = try CLIRunner.run(
            ["validate", "kernel-demo"], in: folder, environment: ["CASCADE_WORLDS": ""])
        #expect(check.status == 0, "\(check.standardError)")
    }

    @Test("a chain world writes blocks.csv and a tx trace; its base fee follows congestion")
    func chainWorld() throws {
        let folder = try CLIRunner.temporaryFolder("chain")
        let outcome = try CLIRunner.run([
            "run", "chain-demo", "--set", "duration=4h", "--set", "senders.count=5", "--trace",
            "--check", "--out", folder.path,
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let blocks = try String(
            contentsOf: folder.appendingPathComponent("blocks.csv"), encoding: .utf8)
        let lines = blocks.split(separator: "\n")
        #expect(
            lines[0].hasPrefix(
                "block,time_ms,gas_limit,gas_used,base_fee_wei,txs,agent_txs,reverted_txs"))
        let rows = lines.dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        #expect(rows.count > 1_000)
        func meanBaseFee(fromHour start: Double, to end: Double) -> Double {
            let fees = rows.filter {
                let hours = Double($0[1])! / 3_600_000
                return hours >= start && hours < end
            }.map { Double($0[4])! }
            return fees.reduce(0, +) / Double(max(fees.count, 1))
        }
        // chain-demo's rush runs from 2h to 3h: the base fee must rise in it and fall after.
        let calm = meanBaseFee(fromHour: 1, to: 2)
        let rush = meanBaseFee(fromHour: 2.5, to: 3)
        let after = meanBaseFee(fromHour: 3.5, to: 4)
        #expect(rush > 2 * calm && rush > 2 * after, "calm \(calm), rush \(rush), after \(after)")
        let trace = try String(
            contentsOf: folder.appendingPathComponent("events.jsonl"), encoding: .utf8)
        let first = try #require(trace.split(separator: "\n").first)
        for field in [
            "\"block\":", "\"time_ms\":", "\"type\":\"tx\"", "\"hash\":", "\"sender\":",
            "\"nonce\":",
            "\"gas_limit\":", "\"gas_used\":", "\"max_fee_wei\":\"", "\"priority_fee_wei\":\"",
            "\"effective_gas_price_wei\":\"", "\"status\":", "\"revert_reason\":", "\"calls\":",
        ] {
            #expect(first.contains(field), "trace has \(field)")
        }
        let summary = try String(
            contentsOf: folder.appendingPathComponent("summary.json"), encoding: .utf8)
        #expect(summary.contains("\"blocks\": "))
        let report = try String(
            contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("<svg") && report.contains("Gas prices"))
        #expect(!report.contains("<script") && !report.contains("src=\"http"), "self-contained")
        // `cascade report` draws the same page from the files.
        let page = folder.appendingPathComponent("report.html")
        try FileManager.default.removeItem(at: page)
        let redraw = try CLIRunner.run(["report", folder.path])
        #expect(redraw.status == 0, "\(redraw.standardError)")
        #expect(try String(contentsOf: page, encoding: .utf8) == report)
    }

    /// Swift seeds `Hasher` per process: if any Dictionary or Set order reached an outcome,
    /// a run with deterministic hashing would differ from one without (docs/determinism.md,
    /// rule 4). Every file must be byte-identical.
    @Test("chain runs do not depend on hash seeding")
    func hashSeedingIndependence() throws {
        let folder = try CLIRunner.temporaryFolder("hashing")
        let common = ["run", "chain-demo", "--set", "duration=3h", "--trace", "--quiet"]
        let plain = try CLIRunner.run(common + ["--out", folder.path + "/plain"])
        let fixed = try CLIRunner.run(
            common + ["--out", folder.path + "/fixed"],
            environment: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        #expect(plain.status == 0 && fixed.status == 0)
        for file in ["summary.json", "blocks.csv", "events.jsonl"] {
            let a = try Data(contentsOf: folder.appendingPathComponent("plain/" + file))
            let b = try Data(contentsOf: folder.appendingPathComponent("fixed/" + file))
            #expect(a == b, "\(file) differs with deterministic hashing")
        }
    }

    private func digest(_ text: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix("digest ") }?
            .split(separator: " ").dropFirst().first.map(String.init)
    }
}
