import CascadeTestSupport
import Foundation
import Testing

/// Circuit breakers, governance and the risk controller end to end, on the two synthetic
/// counterfactuals of `aave-crv-2022` (docs/model/circuit-breakers.md,
/// docs/model/governance.md): what the trace, `summary.json` and `races.csv` show.
@Suite("cascade run: breakers, governance, risk controller", .serialized)
struct GuardWorldCLITests {
    /// Runs `world` with `arguments` and `--trace`; the folder, the summary and the trace's
    /// lines as objects.
    static func run(_ world: String, _ arguments: [String] = [], name: String) throws
        -> (folder: URL, summary: [String: Any], trace: [[String: Any]])
    {
        let folder = try CLIRunner.temporaryFolder(name)
        let outcome = try CLIRunner.run(
            ["run", world, "--out", folder.path, "--trace", "--quiet"] + arguments)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let data = try Data(contentsOf: folder.appendingPathComponent("summary.json"))
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let text = try String(
            contentsOf: folder.appendingPathComponent("events.jsonl"), encoding: .utf8)
        let trace = try text.split(separator: "\n").map { line in
            try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        return (folder, summary, trace)
    }

    @Test("the breaker trips on CRV's move, liquidations revert while paused and land after")
    func breaker() throws {
        let (_, summary, trace) = try Self.run("aave-crv-2022-breaker", name: "guard-breaker")
        let trips = trace.filter { $0["type"] as? String == "breaker_trip" }
        let resumes = trace.filter { $0["type"] as? String == "breaker_resume" }
        #expect(!trips.isEmpty)
        #expect(summary["breaker_trips"] as? Int ?? 0 >= trips.count)
        for trip in trips {
            // The trace carries the inputs: the move is above the threshold, and it is
            // |price − reference| · 10⁴ / reference rounded down.
            let price = try #require(Double(trip["price"] as? String ?? ""))
            let reference = try #require(Double(trip["reference"] as? String ?? ""))
            let move = try #require(Int(trip["move_bps"] as? String ?? ""))
            #expect(move > 1_000)
            #expect(move == Int((abs(price - reference) * 10_000 / reference).rounded(.down)))
            // Tripped at its update, planned to resume after the 30-minute cool-down.
            #expect(trip["resume_at_s"] as? Int == (trip["tripped_at_s"] as? Int ?? 0) + 1_800)
        }
        // Each resume follows its trip by at least the cool-down (more when further moves
        // extended it), and says how long the pause lasted.
        for (trip, resume) in zip(trips, resumes) {
            let tripped = try #require(trip["tripped_at_s"] as? Int)
            let resumed = try #require(resume["resumed_at_s"] as? Int)
            #expect(resumed - tripped >= 1_800)
            #expect(resume["paused_s"] as? Int == resumed - tripped)
        }
        // Liquidations inside a pause revert with the breaker's reason; none lands inside.
        let paused = trace.filter {
            $0["type"] as? String == "tx"
                && $0["revert_reason"] as? String
                    == "paused: circuit breaker"
        }
        #expect(!paused.isEmpty)
        #expect(summary["breaker_reverted_transactions"] as? Int == paused.count)
        let pauses: [(Int, Int)] = zip(trips, resumes).map {
            ($0["tripped_at_s"] as? Int ?? 0, $1["resumed_at_s"] as? Int ?? 0)
        }
        let liquidations = trace.filter { $0["type"] as? String == "liquidation_call" }
        #expect(!liquidations.isEmpty)
        for liquidation in liquidations {
            let seconds = (liquidation["time_ms"] as? Int ?? 0) / 1_000
            #expect(!pauses.contains { seconds >= $0.0 && seconds < $0.1 }, "\(liquidation)")
        }
    }

    @Test("the risk controller proposes when CRV's volatility passes 80%, and the change lands")
    func riskController() throws {
        let (folder, summary, trace) = try Self.run(
            "aave-crv-2022-risk-controller", name: "guard-risk")
        let proposals = trace.filter { $0["type"] as? String == "governance_propose" }
        let executions = trace.filter { $0["type"] as? String == "governance_execute" }
        #expect(proposals.count == 2)
        #expect(executions.count == 2)
        #expect(summary["risk_controller_proposals"] as? Int == 2)
        for execution in executions {
            let eta = try #require(execution["eta_s"] as? Int)
            let executed = try #require(execution["executed_at_s"] as? Int)
            #expect(executed >= eta)
            #expect(eta == (execution["proposed_at_s"] as? Int ?? 0) + 3_600)
            #expect((execution["time_ms"] as? Int ?? 0) / 1_000 == executed)
        }
        let threshold = try #require(
            executions.first {
                $0["parameter"] as? String
                    == "lending.assets[0].liquidation_threshold"
            })
        #expect(threshold["previous"] as? String == "8800")
        #expect(threshold["value"] as? String == "8300")
        let agents = try String(
            contentsOf: folder.appendingPathComponent("agents.csv"), encoding: .utf8)
        #expect(agents.contains(",risk-controller,risk controller\n"))
        #expect(agents.contains(",governance,governance\n"))
    }

    @Test("below its threshold the risk controller proposes nothing")
    func riskControllerQuiet() throws {
        var arguments: [String] = []
        for rule in 0..<2 {
            arguments += [
                "--set", "protocol.governance.risk_controller.rules[\(rule)].above=\"100000%\"",
            ]
        }
        let (_, summary, trace) = try Self.run(
            "aave-crv-2022-risk-controller", arguments, name: "guard-risk-quiet")
        #expect(summary["risk_controller_proposals"] as? Int == 0)
        #expect(summary["governance_proposals"] as? Int == 0)
        #expect(!trace.contains { ($0["type"] as? String)?.hasPrefix("governance") == true })
    }

    @Test("a scheduled change waits out the timelock and is executed once the delay passed")
    func schedule() throws {
        let governance =
            #"{"delay": "2h", "schedule": [{"at": "30m", "parameter": "#
            + #""lending.assets[1].ltv", "value": "50%"}]}"#
        let (_, summary, trace) = try Self.run(
            "aave-crv-2022",
            ["--set", "duration=\"3h\"", "--set", "protocol.governance=\(governance)"],
            name: "guard-schedule")
        let proposal = try #require(trace.first { $0["type"] as? String == "governance_propose" })
        let execution = try #require(
            trace.first { $0["type"] as? String == "governance_execute" })
        let proposedAt = try #require(proposal["proposed_at_s"] as? Int)
        #expect(proposedAt >= 1_800)
        #expect(proposal["eta_s"] as? Int == proposedAt + 7_200)
        #expect((execution["executed_at_s"] as? Int ?? 0) >= proposedAt + 7_200)
        #expect(execution["previous"] as? String == "5500")
        #expect(execution["value"] as? String == "5000")
        #expect(summary["governance_executions"] as? Int == 1)
    }

    @Test("Maker: the breaker pauses bites between its trip and resume; governance sets ttl")
    func maker() throws {
        let breaker =
            #"{"move": "5%", "window": "1h", "cooldown": "1h", "pause": ["liquidations"]}"#
        let governance =
            #"{"delay": "2h", "schedule": [{"at": "1h", "parameter": "#
            + #""collaterals[0].flipper.ttl", "value": "6h"}]}"#
        let (_, summary, trace) = try Self.run(
            "black-thursday-2020",
            [
                "--set", "duration=\"12h\"", "--set", "protocol.borrowers.count=300", "--set",
                "protocol.circuit_breaker=\(breaker)", "--set",
                "protocol.governance=\(governance)",
            ], name: "guard-maker")
        let trips = trace.filter { $0["type"] as? String == "breaker_trip" }
        let resumes = trace.filter { $0["type"] as? String == "breaker_resume" }
        #expect(!trips.isEmpty)
        #expect(trips.allSatisfy { $0["protocol"] as? String == "maker" })
        #expect(resumes.allSatisfy { $0["paused_s"] as? Int == 3_600 })
        let pauses: [(Int, Int)] = zip(trips, resumes).map {
            ($0["tripped_at_s"] as? Int ?? 0, $1["resumed_at_s"] as? Int ?? 0)
        }
        let bites = trace.filter { $0["type"] as? String == "bite" }
        #expect(!bites.isEmpty)
        for bite in bites {
            let seconds = (bite["time_ms"] as? Int ?? 0) / 1_000
            #expect(!pauses.contains { seconds >= $0.0 && seconds < $0.1 }, "\(bite)")
        }
        #expect(summary["breaker_reverted_transactions"] as? Int ?? 0 > 0)
        let execution = try #require(
            trace.first { $0["type"] as? String == "governance_execute" })
        #expect(execution["parameter"] as? String == "collaterals[0].flipper.ttl")
        #expect(execution["previous"] as? String == "600")
        #expect(execution["value"] as? String == "21600")
        #expect((execution["executed_at_s"] as? Int ?? 0) >= (execution["eta_s"] as? Int ?? 1))
    }

    @Test("perpetuals: the breaker stops the loss waterfall; the dynamic fee follows its formula")
    func perps() throws {
        let breaker =
            #"{"move": "5%", "window": "10m", "cooldown": "2m", "pause": ["liquidations", "#
            + #""trading"]}"#
        let fee =
            #"{"design": "dynamic", "base": "0.5%", "multiplier": "20%", "cap": "3%", "#
            + #""window": "10m"}"#
        let (_, summary, trace) = try Self.run(
            "perp-adl-2025",
            [
                "--set", "duration=\"8m\"", "--set", "protocol.perps.circuit_breaker=\(breaker)",
                "--set", "protocol.perps.liquidation_fee=\(fee)",
            ], name: "guard-perps")
        let trip = try #require(trace.first { $0["type"] as? String == "breaker_trip" })
        #expect(trip["protocol"] as? String == "perp[0]")
        let tripped = try #require(trip["tripped_at_s"] as? Int)
        let resumed =
            trace.first { $0["type"] as? String == "breaker_resume" }?["resumed_at_s"] as? Int
            ?? Int.max
        // Nothing of the waterfall, and no trade, lands while paused.
        for line in trace {
            guard let type = line["type"] as? String,
                ["perp_liquidation", "backstop_settlement", "adl", "perp_trade"].contains(type)
            else { continue }
            let seconds = (line["time_ms"] as? Int ?? 0) / 1_000
            #expect(seconds < tripped || seconds >= resumed, "\(line)")
        }
        // Every designed fee is min(3%, 0.5% + 20% of the move), in basis points.
        let fees = trace.filter { $0["type"] as? String == "liquidation_fee" }
        #expect(!fees.isEmpty)
        #expect(summary["designed_fee_liquidations"] as? Int == fees.count)
        for line in fees {
            let move = try #require(Int(line["move_bps"] as? String ?? ""))
            let penalty = try #require(Int(line["penalty_bps"] as? String ?? ""))
            #expect(penalty == min(300, 50 + move * 2_000 / 10_000))
        }
        #expect(summary["breaker_reverted_transactions"] as? Int ?? 0 > 0)
    }
}
