import CascadeKernel
import CascadeTestSupport
import CascadeWorld
import Foundation
import Testing

@testable import CascadeRun

/// `cascade stress`'s pieces without processes: each scenario's transformation of a
/// hand-written world, the not-applicable cases, the config's checks, and the measures and
/// statistics from hand-made run outputs (docs/stress.md; every expected value below is
/// worked out by hand in the comment beside it).
@Suite("stress: scenarios, config, measures")
struct StressTests {
    /// A small Maker-shaped world: one collateral on ETH, one keeper group (an object),
    /// a two-step congestion schedule, no transmitter or venue section (defaults).
    static let makerWorld = """
        { "name": "t", "seed": 1, "duration": "8h",
          "protocol": {
            "congestion": { "schedule": [
              { "at": "0h", "demand": "130%", "median_price": "10 gwei", "spread": 0.5 },
              { "at": "2h", "demand": "150%", "median_price": "20 gwei", "spread": 0.5 } ] },
            "market": { "assets": [
              { "name": "ETH", "model": { "kind": "gbm", "price": 200, "volatility": 0.8 } } ] },
            "collaterals": [ { "ilk": "ETH-A", "asset": "ETH", "pool_collateral": 10001 } ],
            "keepers": { "count": 2, "downtime": [ { "from": "0s", "until": "1m" } ] } } }
        """

    static func parse(_ text: String) throws -> JSONValue {
        var parser = JSONParser(bytes: Array(text.utf8), file: "test.json")
        return try parser.parse()
    }

    static func overrides(_ kind: StressScenario.Kind, _ world: String = makerWorld) throws
        -> StressApplication
    {
        StressScenario.standard(kind).application(
            to: try parse(world), durationMs: 8 * 3_600_000)
    }

    @Test("crash_1h appends a −30% shock over 1 h from 1 h to the main collateral's asset")
    func crashOneHour() throws {
        #expect(
            try Self.overrides(.crash1h)
                == .applies([
                    #"protocol.market.assets[0].shocks=[{"at":"3600000ms","change":"-30%","over":"3600000ms"}]"#
                ]))
    }

    @Test("crash_24h in an 8-hour world keeps its rate: −50% × 8/24 over 8 h")
    func crashCutAtWorldEnd() throws {
        // −0.5 × 28,800,000 / 86,400,000 = −0.1666…, cut at 12 decimals toward zero:
        // −0.166666666666, written as a percentage −16.6666666666%.
        #expect(
            try Self.overrides(.crash24h)
                == .applies([
                    #"protocol.market.assets[0].shocks=[{"at":"0ms","change":"-16.6666666666%","over":"28800000ms"}]"#
                ]))
    }

    @Test("gas_spike scales demand and price ×10 from 1 h to 3 h, then restores the step in force")
    func gasSpike() throws {
        // Window [1h, 3h): a copy of the 0h step at 1h ×10, the 2h step ×10, and at 3h the
        // 2h step as it was.
        let expected =
            #"protocol.congestion.schedule=[{"at":"0h","demand":"130%","median_price":"10 gwei","spread":0.5},"#
            + #"{"at":"3600000ms","demand":"1300%","median_price":"100 gwei","spread":0.5},"#
            + #"{"at":"2h","demand":"1500%","median_price":"200 gwei","spread":0.5},"#
            + #"{"at":"10800000ms","demand":"150%","median_price":"20 gwei","spread":0.5}]"#
        #expect(try Self.overrides(.gasSpike) == .applies([expected]))
    }

    @Test("keeper_outage appends a window to each keeper group, written whole")
    func keeperOutage() throws {
        #expect(
            try Self.overrides(.keeperOutage)
                == .applies([
                    #"protocol.keepers={"count":2,"downtime":[{"from":"0s","until":"1m"},{"from":"3600000ms","until":"7200000ms"}]}"#
                ]))
    }

    @Test("oracle_freeze writes a transmitter section with the window when the world has none")
    func oracleFreeze() throws {
        #expect(
            try Self.overrides(.oracleFreeze)
                == .applies([
                    #"protocol.collaterals[0].transmitter={"downtime":[{"from":"3600000ms","until":"7200000ms"}]}"#
                ]))
    }

    @Test("venue_depth halves the default 5,000,000 depth and the pool, rounding the pool down")
    func venueDepth() throws {
        // 5,000,000 × 0.5 = 2,500,000; 10,001 × 0.5 = 5,000.5 → 5,000 whole units.
        #expect(
            try Self.overrides(.venueDepth)
                == .applies([
                    #"protocol.collaterals[0].venue={"depth":2500000}"#,
                    "protocol.collaterals[0].pool_collateral=5000",
                ]))
    }

    @Test("scenarios with nothing to act on are not applicable, with a reason")
    func notApplicable() throws {
        guard case .notApplicable(let reason) = try Self.overrides(.correlatedCrash) else {
            Issue.record("one collateral asset: correlated_crash should not apply")
            return
        }
        #expect(reason.contains("one collateral asset"))
        let quiet = Self.makerWorld.replacingOccurrences(
            of: #""congestion": { "schedule": ["#, with: #""unused": { "schedule": ["#)
        let shape = StressWorldShape(try Self.parse(quiet))
        #expect(shape.congestionSteps == nil)
        guard case .notApplicable(let gas) = try Self.overrides(.gasSpike, quiet) else {
            Issue.record("no congestion: gas_spike should not apply")
            return
        }
        #expect(gas.contains("protocol.congestion"))
    }

    @Test("a standard window that starts after a short world ends is not applicable")
    func windowAfterTheEnd() throws {
        let scenario = StressScenario.standard(.keeperOutage)
        let application = scenario.application(
            to: try Self.parse(Self.makerWorld), durationMs: 1_800_000)
        #expect(
            application == .notApplicable("the window starts at 1h, when the world (30m) has ended")
        )
        #expect(
            StressScenario.standard(.venueDepth).application(
                to: try Self.parse(Self.makerWorld), durationMs: 1_800_000) != application)
    }

    @Test("correlated_crash shocks every collateral asset the same and sets correlation 0.999")
    func correlatedCrash() throws {
        let world = """
            { "protocol": { "market": { "assets": [
                { "name": "A", "model": { "kind": "gbm", "price": 1, "volatility": 0.5 } },
                { "name": "B", "model": { "kind": "gbm", "price": 1, "volatility": 0.5 } } ] },
              "collaterals": [ { "ilk": "A-A", "asset": "A" }, { "ilk": "B-A", "asset": "B" } ] } }
            """
        let shock = #"[{"at":"3600000ms","change":"-30%","over":"3600000ms"}]"#
        #expect(
            try Self.overrides(.correlatedCrash, world)
                == .applies([
                    "protocol.market.assets[0].shocks=" + shock,
                    "protocol.market.assets[1].shocks=" + shock,
                    "protocol.market.correlation=0.999",
                ]))
    }

    @Test("every scenario of the standard battery gives a world that decodes (Black Thursday)")
    func bundledWorldsDecode() throws {
        let folder = try CLIRunner.temporaryFolder("stress-plan")
        let path = folder.path + "/c.json"
        try #"{ "name": "c", "world": "black-thursday-2020" }"#.write(
            toFile: path, atomically: true, encoding: .utf8)
        let plan = try StressPlan(config: try StressConfig.read(path: path), seeds: "1..2")
        // Black Thursday has one collateral (no correlated crash) and everything else.
        #expect(plan.points == [0, 1, 2, 3, 4, 5, 6, nil])
        #expect(plan.sweep.runCount == 14)
    }

    @Test(
        "the shipped configs: which scenarios apply to each bundled protocol, every world decodes",
        arguments: [
            // Aave: USDC and CRV are both collateral, so the correlated crash applies.
            ("aave-crv.json", [0, 1, 2, 3, 4, 5, 6, 7] as [Int?]),
            ("compound-dai.json", [0, 1, 2, 3, 4, 5, 6, 7]),
            // dYdX: a sequencer with no background demand, one market.
            ("dydx-yfi.json", [0, 1, 2, nil, 3, 4, 5, nil]),
            ("black-thursday.json", [0, 1, 2, 3, 4, 5, 6, nil]),
            // Options: a sequencer with no background demand, one underlying, no venue.
            ("options-vault.json", [0, 1, 2, nil, 3, 4, nil, nil]),
            ("venus-luna.json", [0, 1, 2, 3, 4, 5, 6, 7]),
            // Twelve perpetual markets: the correlated crash applies; no background demand.
            ("perp-adl.json", [0, 1, 2, nil, 3, 4, 5, 6]),
            // Mango: one perpetual market on a sequencer.
            ("mango.json", [0, 1, 2, nil, 3, 4, 5, nil]),
        ])
    func shippedConfigs(file: String, points: [Int?]) throws {
        let config = try StressConfig.read(
            path: CLIRunner.packageRoot.path + "/worlds/stress/" + file)
        let plan = try StressPlan(config: config, seeds: nil)
        #expect(plan.points == points)
        // The keeper outage reaches each family's keepers, the freeze its reporters.
        for (index, scenario) in config.scenarios.enumerated() {
            guard case .applies(let overrides) = plan.applications[index] else { continue }
            switch scenario.kind {
            case .keeperOutage:
                #expect(
                    overrides.allSatisfy {
                        $0.hasPrefix("protocol.keepers") || $0.hasPrefix("protocol.lending.keepers")
                            || $0.hasPrefix("protocol.perps.liquidators")
                            || $0.hasPrefix("protocol.options.liquidators")
                            || $0.hasPrefix("protocol.options.settlement")
                    })
            case .oracleFreeze:
                #expect(overrides.allSatisfy { $0.contains("downtime") })
            default: break
            }
        }
    }

    // MARK: - Config checks

    static func configError(_ text: String) throws -> String {
        let folder = try CLIRunner.temporaryFolder("stress-config")
        let path = folder.path + "/bad.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try StressConfig.read(path: path)
        } catch {
            #expect(error.kind == .badInput)
            return error.message
        }
        Issue.record("the config was accepted: \(text)")
        return ""
    }

    @Test("a bad scenario name, magnitude or world names the file and the JSON path")
    func configErrors() throws {
        let name = try Self.configError(
            #"{ "name": "x", "world": "maker-demo", "scenarios": ["baseline", "crash_2h"] }"#)
        #expect(name.contains("bad.json") && name.contains("scenarios[1]"))
        #expect(name.contains("unknown scenario \"crash_2h\""))
        let magnitude = try Self.configError(
            #"{ "name": "x", "world": "maker-demo", "scenarios": [{ "scenario": "crash_1h", "change": "-120%" }] }"#
        )
        #expect(magnitude.contains("scenarios[0].change"))
        let factor = try Self.configError(
            #"{ "name": "x", "world": "maker-demo", "scenarios": [{ "scenario": "venue_depth", "factor": "150%" }] }"#
        )
        #expect(factor.contains("scenarios[0].factor"))
        let late = try Self.configError(
            #"{ "name": "x", "world": "maker-demo", "scenarios": [{ "scenario": "keeper_outage", "at": "7h" }] }"#
        )
        #expect(late.contains("scenarios[0].at") && late.contains("before the world ends"))
        let world = try Self.configError(#"{ "name": "x", "world": "../nowhere.json" }"#)
        #expect(world.contains("world") && world.contains("no such world file"))
        let key = try Self.configError(#"{ "name": "x", "world": "maker-demo", "seed": 3 }"#)
        #expect(key.contains("seed"))
    }

    // MARK: - Measures

    @Test("the measures of a hand-made run equal the hand-computed values")
    func measuresFromFiles() throws {
        let summary = """
            { "world": "t", "run_digest": "abc", "bad_debt": 12.5, "bad_debt_unit": "DAI",
              "liquidation_delay_seconds": { "p50": 10, "p90": 40.5, "p99": 50, "max": 60 },
              "oracle_lag_seconds": { "p50": 3, "p90": 7.25, "max": 9 } }
            """
        let blocks = """
            block,time_ms,collateral_value,debt,bad_debt,insurance_fund
            1,1000,300,200,0,100
            2,2000,240,200,0,40
            3,3000,250,0,0,60

            """
        let races = """
            position,liquidated_block,debt,proceeds
            a,2,100.5,90
            b,,50,0
            c,3,0.25,0

            """
        let measures = try StressMeasures.compute(
            summary: summary, blocks: blocks, races: races, venueDepth: ExactDecimal(201))
        // Adequacy: min(300/200, 240/200) = 1.2 (block 3 has no debt).
        #expect(measures.collateralAdequacy == 1.2)
        // Forced sales: the debt of races with a liquidated block, 100.5 + 0.25 = 100.75.
        #expect(measures.forcedSaleVolume.text == "100.75")
        #expect(measures.depthCoverage == 201 / 100.75)
        #expect(measures.oracleLatencySeconds == 7.25)
        #expect(measures.liquidationDelaySeconds == 40.5)
        // Fund: start 100, lowest 40, drawdown 60: 100 / 60 capped at 1.
        #expect(measures.insuranceFundCoverage == 1)
        #expect(measures.badDebt.text == "12.5")
        // No end-of-run deficit in the summary: the total is the booked bad debt.
        #expect(measures.openDeficit.text == "0")
        #expect(measures.totalBadDebt.text == "12.5")
        #expect(measures.runDigest == "abc")
        #expect(measures.badDebtUnit == "DAI")
    }

    @Test(
        "bad debt adds the loss still open at the end: each family's figure, the first found",
        arguments: [
            // Lending: the debt beyond its collateral at market prices, before Maker's 0.
            (#""insolvent_debt_market_end": 2.25, "debt_under_auction_end": 0"#, "2.25", "3.75"),
            (#""perp_open_deficit_end": 1000.000001"#, "1000.000001", "1001.500001"),
            (
                #""options_open_deficit_end": 0.000000000000000001"#, "0.000000000000000001",
                "1.500000000000000001"
            ),
            // Maker: open auctions at the market (or the standing bid), not at the bids
            // alone; a summary from before that figure falls back to the bids.
            (
                #""debt_under_auction_end": 5, "auction_shortfall_market_end": 0.25"#, "0.25",
                "1.75"
            ),
            (#""debt_under_auction_end": 5"#, "5", "6.5"),
            ("", "0", "1.5"),
        ])
    func openDeficit(member: String, expected: String, total: String) throws {
        let summary =
            #"{ "bad_debt": 1.5, "bad_debt_unit": "USDC""#
            + (member.isEmpty ? "" : ", " + member) + " }"
        let measures = try StressMeasures.compute(
            summary: summary, blocks: "", races: "", venueDepth: nil)
        #expect(measures.badDebt.text == "1.5")
        #expect(measures.openDeficit.text == expected)
        #expect(measures.totalBadDebt.text == total)
    }

    @Test("insurance-fund coverage: the start over the largest drawdown, 0 with no fund")
    func fundCoverage() throws {
        let summary = #"{ "bad_debt": 0, "liquidated_debt": 7 }"#
        func coverage(_ funds: [Int]) throws -> Double? {
            var blocks = "collateral_value,debt,insurance_fund\n"
            for fund in funds { blocks += "0,0,\(fund)\n" }
            return try StressMeasures.compute(
                summary: summary, blocks: blocks, races: "", venueDepth: nil
            ).insuranceFundCoverage
        }
        // 100 falling to −100: a drawdown of 200, covered half.
        #expect(try coverage([100, 50, -100, 0]) == 0.5)
        // No fund at the start and a fall: nothing covers it.
        #expect(try coverage([0, -5]) == 0)
        #expect(try coverage([10, 20]) == 1)
        // A fund at 0 throughout (a lending pool): not measured.
        #expect(try coverage([0, 0]) == nil)
        // A lending world's liquidated debt is the forced-sale volume; no venue, no coverage.
        let lending = try StressMeasures.compute(
            summary: summary, blocks: "", races: "", venueDepth: nil)
        #expect(lending.forcedSaleVolume.text == "7")
        #expect(lending.depthCoverage == nil)
        #expect(lending.collateralAdequacy == nil)
    }

    @Test("statistics: exact mean, nearest-rank p50, p95 and worst on the bad side, graded")
    func statistics() throws {
        let delay = StressMeasureSpec.all[3]
        // Sorted 100, 200, 700, 4000: mean 1250; p50 rank ⌈0.5·4⌉ = 2 → 200; p95 rank 4 →
        // 4000; worst (largest delay) 4000 > 3600 → fail.
        let high = StressStatistics.of(["700", "100", "", "4000", "200"], spec: delay)
        #expect(high.values == 4)
        #expect(high.mean == "1250")
        #expect(high.p50 == "200")
        #expect(high.p95 == "4000")
        #expect(high.worst == "4000")
        #expect(high.grade == "fail")
        let adequacy = StressMeasureSpec.all[0]
        // Higher is better: the bad side is the low end; worst 1.1 is a warn (1 ≤ 1.1 < 1.2).
        let ratio = StressStatistics.of(["1.5", "1.1", "2"], spec: adequacy)
        #expect(ratio.worst == "1.1")
        #expect(ratio.p95 == "1.1")
        #expect(ratio.grade == "warn")
        #expect(StressStatistics.of([], spec: adequacy).grade == nil)
    }
}

/// The oracle downtime keys the freeze scenario writes decode into the agents' settings,
/// and a window that ends before it starts is refused at its path (docs/worlds.md).
@Suite("stress: oracle downtime keys")
struct OracleDowntimeKeyTests {
    static func world(_ name: String, _ overrides: [String]) throws -> World {
        try World.load(path: try WorldCatalog.locate(name), overrides: overrides)
    }

    static func bounds(_ range: Range<SimTime>) -> [Int64] {
        [range.lowerBound.milliseconds, range.upperBound.milliseconds]
    }

    @Test("Maker transmitters, lending oracle nodes and perpetual oracles take downtime")
    func decodes() throws {
        let window = #"[{"from":"1h","until":"90m"}]"#
        let expected: [[Int64]] = [[3_600_000, 5_400_000]]
        let maker = try Self.world(
            "maker-demo", [#"protocol.collaterals[0].transmitter={"downtime":"# + window + "}"])
        guard case .protocol(let makerConfiguration) = maker.model else {
            Issue.record("maker-demo is a protocol world")
            return
        }
        #expect(makerConfiguration.collaterals[0].transmitter.downtime.map(Self.bounds) == expected)
        let lending = try Self.world(
            "compound-dai-2020", ["protocol.lending.oracle.downtime=" + window])
        guard case .protocol(let lendingConfiguration) = lending.model else { return }
        #expect(lendingConfiguration.lending?.transmitter.downtime.map(Self.bounds) == expected)
        let perps = try Self.world("dydx-yfi-2023", ["protocol.perps.oracle.downtime=" + window])
        guard case .protocol(let perpConfiguration) = perps.model else { return }
        #expect(perpConfiguration.perps?.oracle.downtime.map(Self.bounds) == expected)
        #expect(throws: WorldError.self) {
            try Self.world(
                "dydx-yfi-2023",
                [#"protocol.perps.oracle.downtime=[{"from":"2h","until":"1h"}]"#])
        }
    }
}
