import CascadeAgents
import CascadeKernel
import CascadeTestSupport
import CascadeWorld
import Foundation
import Testing

@testable import CascadeRun

/// `cascade stress` on an options world (docs/stress.md, "Options"): which scenarios act,
/// the overrides they write, and the opt-in downtime keys they rely on
/// (docs/world-files.md). Expected overrides are written out by hand from the
/// standard magnitudes (docs/stress.md's scenario table).
@Suite("stress: options worlds")
struct StressOptionsTests {
    /// A small options-shaped world: ETH underlying, one liquidator group (an object), an
    /// oracle section without downtime, no settlement section, no congestion, no venue.
    static let optionsWorld = """
        { "name": "o", "seed": 1, "duration": "8h",
          "protocol": {
            "market": { "assets": [
              { "name": "ETH", "model": { "kind": "gbm", "price": 3000, "volatility": 0.7 },
                "shocks": [ { "at": "6h", "change": "-30%", "over": "30s" } ] } ] },
            "options": { "asset": "ETH",
              "liquidators": { "count": 3, "capital": 5000000 },
              "oracle": { "update_interval": "12s" } } } }
        """

    static func application(_ kind: StressScenario.Kind) throws -> StressApplication {
        var parser = JSONParser(bytes: Array(optionsWorld.utf8), file: "test.json")
        return StressScenario.standard(kind).application(
            to: try parser.parse(), durationMs: 8 * 3_600_000)
    }

    @Test("crash_1h appends −30% over 1 h from 1 h to the underlying's shocks, after its own")
    func crash() throws {
        #expect(
            try Self.application(.crash1h)
                == .applies([
                    #"protocol.market.assets[0].shocks=[{"at":"6h","change":"-30%","over":"30s"},{"at":"3600000ms","change":"-30%","over":"3600000ms"}]"#
                ]))
    }

    @Test("oracle_freeze adds the window to protocol.options.oracle, keeping its keys")
    func oracleFreeze() throws {
        #expect(
            try Self.application(.oracleFreeze)
                == .applies([
                    #"protocol.options.oracle={"update_interval":"12s","downtime":[{"from":"3600000ms","until":"7200000ms"}]}"#
                ]))
    }

    @Test("keeper_outage stops the liquidators and writes the settlement keeper's section")
    func keeperOutage() throws {
        #expect(
            try Self.application(.keeperOutage)
                == .applies([
                    #"protocol.options.liquidators={"count":3,"capital":5000000,"downtime":[{"from":"3600000ms","until":"7200000ms"}]}"#,
                    #"protocol.options.settlement={"downtime":[{"from":"3600000ms","until":"7200000ms"}]}"#,
                ]))
    }

    @Test(
        "no background demand, no venue, one underlying: three scenarios do not apply",
        arguments: [
            (StressScenario.Kind.gasSpike, "protocol.congestion"),
            (.venueDepth, "no venue"),
            (.correlatedCrash, "one collateral asset"),
        ])
    func notApplicable(kind: StressScenario.Kind, reason: String) throws {
        guard case .notApplicable(let text) = try Self.application(kind) else {
            Issue.record("\(kind) should not apply to an options world")
            return
        }
        #expect(text.contains(reason))
    }

    @Test("the shipped config validates: baseline, both crashes, the freeze and the outage")
    func shippedConfig() throws {
        let config = try StressConfig.read(
            path: CLIRunner.packageRoot.path + "/worlds/stress/options-vault.json")
        let plan = try StressPlan(config: config, seeds: nil)
        #expect(plan.points == [0, 1, 2, nil, 3, 4, nil, nil])
        for (index, scenario) in config.scenarios.enumerated() {
            guard case .applies(let overrides) = plan.applications[index] else { continue }
            switch scenario.kind {
            case .oracleFreeze:
                #expect(overrides.count == 1 && overrides[0].hasPrefix("protocol.options.oracle="))
            case .keeperOutage:
                #expect(overrides.allSatisfy { $0.hasPrefix("protocol.options.") })
                #expect(overrides.count == 2)
            default: break
            }
        }
    }

    static func options(_ overrides: [String]) throws -> OptionsWorldSettings? {
        let world = try World.load(
            path: try WorldCatalog.locate("options-vault"), overrides: overrides)
        guard case .protocol(let configuration) = world.model else { return nil }
        return configuration.options
    }

    static func bounds(_ range: Range<SimTime>) -> [Int64] {
        [range.lowerBound.milliseconds, range.upperBound.milliseconds]
    }

    @Test("the options oracle, liquidators and settlement keeper take downtime; none by default")
    func downtimeKeys() throws {
        let window = #"[{"from":"1h","until":"90m"}]"#
        let expected: [[Int64]] = [[3_600_000, 5_400_000]]
        let plain = try #require(try Self.options([]))
        #expect(plain.oracle.downtime.isEmpty && plain.settlementDowntime.isEmpty)
        #expect(plain.liquidators.allSatisfy { $0.downtime.isEmpty })
        let down = try #require(
            try Self.options([
                "protocol.options.oracle.downtime=" + window,
                #"protocol.options.settlement={"downtime":"# + window + "}",
                "protocol.options.liquidators.downtime=" + window,
            ]))
        #expect(down.oracle.downtime.map(Self.bounds) == expected)
        #expect(down.settlementDowntime.map(Self.bounds) == expected)
        #expect(down.liquidators.count == 3)
        #expect(down.liquidators.allSatisfy { $0.downtime.map(Self.bounds) == expected })
        #expect(throws: WorldError.self) {
            try Self.options([#"protocol.options.oracle.downtime=[{"from":"2h","until":"1h"}]"#])
        }
        #expect(throws: WorldError.self) {
            try Self.options([#"protocol.options.settlement={"gas":1}"#])
        }
    }

    @Test(
        "an options run: its liquidated short value is the forced-sale volume, its bad debt a claim on the fund"
    )
    func measures() throws {
        let summary = """
            { "run_digest": "d", "bad_debt": 0, "bad_debt_unit": "USDC",
              "options_liquidations": 4, "options_liquidated_liability": 1234.5,
              "options_insurance_fund_start": 250 }
            """
        // Fund 250 → 200 → 250: drawdown 50, coverage min(1, 250/50) = 1.
        let blocks = """
            block,time_ms,collateral_value,debt,bad_debt,insurance_fund
            1,2000,500,100,0,250
            2,4000,300,200,0,200
            3,6000,400,100,0,250

            """
        let measures = try StressMeasures.compute(
            summary: summary, blocks: blocks, races: "", venueDepth: nil)
        #expect(measures.forcedSaleVolume.text == "1234.5")
        #expect(measures.depthCoverage == nil)
        // Adequacy min(500/100, 300/200, 400/100) = 1.5.
        #expect(measures.collateralAdequacy == 1.5)
        #expect(measures.insuranceFundCoverage == 1)
        #expect(measures.oracleLatencySeconds == nil && measures.liquidationDelaySeconds == nil)
        #expect(measures.badDebtUnit == "USDC")
        // The fund emptied (250 → 0) with 750 of bad debt beyond it: the claim on it was
        // 250 + 750 = 1,000, so it covered 250 / 1,000 = 0.25 (docs/stress.md).
        let drained = """
            block,time_ms,collateral_value,debt,bad_debt,insurance_fund
            1,2000,500,100,0,250
            2,4000,300,200,500,0
            3,6000,400,100,750,0

            """
        let emptied = try StressMeasures.compute(
            summary: summary, blocks: drained, races: "", venueDepth: nil)
        #expect(emptied.insuranceFundCoverage == 0.25)
    }
}
