import CascadeTestSupport
import Foundation
import Testing

/// The bundled `mango-2022` world and its counterfactual end to end through the built
/// `cascade`, cut to 10 simulated minutes (the self-trade at minute 1, the pump over the
/// next five): the summary carries `drained`, the trace the self-trade and the withdrawals.
@Suite("cascade run: the Mango pump-and-borrow world", .serialized)
struct MangoWorldCLITests {
    static let short = ["--set", "duration=\"10m\""]

    static func summary(_ folder: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("summary.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("mango-2022, cut short: the self-trade fills, the pump drains the pool within it")
    func bundledWorldCutShort() throws {
        let folder = try CLIRunner.temporaryFolder("mango-short")
        let outcome = try CLIRunner.run(
            ["run", "mango-2022", "--out", folder.path, "--trace", "--check"] + Self.short)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("drained"))
        let summary = try Self.summary(folder)
        let drained = try #require(summary["drained"] as? Double)
        let withdrawn = try #require(summary["attack_withdrawn"] as? Double)
        let pool = try #require(summary["attack_pool"] as? Double)
        #expect(summary["attack_deposits"] as? Double == 10_000_000)
        #expect(summary["drained_unit"] as? String == "USD")
        #expect(pool == 116_000_000)
        // What it took beyond its deposits; never more than the other depositors held.
        #expect(abs(drained - max(0, withdrawn - 10_000_000)) < 1e-6)
        #expect(drained > 0 && drained <= pool)
        #expect((summary["attack_mark_max"] as? Double ?? 0) > 0.0382)
        #expect((summary["attack_borrows"] as? Int ?? 0) > 0)

        let trace = try String(
            contentsOf: folder.appendingPathComponent("events.jsonl"), encoding: .utf8)
        // The self-trade: 483M units at $0.0382, buyer and seller both the attacker's.
        let fill = try #require(
            trace.split(separator: "\n").first { $0.contains("\"type\":\"perp_trade\"") })
        #expect(fill.contains("\"size\":\"483000000000000000\""), "\(fill)")
        #expect(fill.contains("\"price\":\"38200\""), "\(fill)")
        #expect(trace.contains("\"type\":\"perp_withdraw\""))
    }

    @Test("no-upnl-borrow: the same pump, nothing drained")
    func counterfactual() throws {
        let folder = try CLIRunner.temporaryFolder("mango-no-upnl")
        let outcome = try CLIRunner.run(
            ["run", "mango-2022-no-upnl-borrow", "--out", folder.path, "--quiet"] + Self.short)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let summary = try Self.summary(folder)
        #expect(summary["drained"] as? Double == 0)
        #expect((summary["attack_mark_max"] as? Double ?? 0) > 0.0382)
        #expect((summary["attack_withdrawn"] as? Double ?? 1e12) < 10_000_000)
    }

    @Test("reruns byte for byte, with and without deterministic hashing")
    func determinism() throws {
        let folder = try CLIRunner.temporaryFolder("mango-determinism")
        let arguments = ["run", "mango-2022", "--seed", "5", "--trace", "--quiet"] + Self.short
        let first = try CLIRunner.run(arguments + ["--out", folder.path + "/a"])
        let second = try CLIRunner.run(
            arguments + ["--out", folder.path + "/b"],
            environment: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        #expect(first.status == 0 && second.status == 0, "\(first.standardError)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/a")
        #expect(names.contains("summary.json") && names.contains("events.jsonl"))
        for name in names {
            let a = try Data(contentsOf: folder.appendingPathComponent("a/\(name)"))
            let b = try Data(contentsOf: folder.appendingPathComponent("b/\(name)"))
            #expect(a == b, "\(name) differs between reruns")
        }
    }
}
