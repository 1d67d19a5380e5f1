import CascadeTestSupport
import Foundation
import Testing

@testable import CascadeRun

/// The summary-only run of sweeps gives the very `summary.json` of `cascade run`, and the
/// sweep's exact statistics and value splitting behave as documented (docs/sweeps.md).
@Suite("sweep: summary-only runs and statistics", .serialized)
struct SweepSummaryTests {
    @Test(
        "the summary-only run computes exactly summary.json's figures",
        arguments: [
            ("kernel-demo", ["duration=5m"]),
            ("chain-demo", ["duration=20m"]),
            ("maker-demo", ["duration=40m"]),
            ("flash-crash", []),
            ("black-thursday-2020", ["duration=90m"]),
        ])
    func summaryEqualsRun(world: String, overrides: [String]) throws {
        let folder = try CLIRunner.temporaryFolder("summary-\(world)")
        let request = try RunRequest(
            world: CLIRunner.packageRoot.path + "/worlds/\(world).json", seed: "7",
            out: folder.path + "/run", overrides: overrides, trace: false, check: false)
        _ = try Cascade.run(request)
        let written = try String(
            contentsOfFile: folder.path + "/run/summary.json", encoding: .utf8)
        let loaded = try Cascade.loadWorld(request.world, overrides: overrides)
        let summary = try SummaryRun.summary(world: loaded, seed: 7)
        #expect(OutputJSON.object(summary).serialized(.pretty) + "\n" == written)
        let empty = SummaryRun.emptySummary(world: loaded)
        #expect(
            SweepFigures.flatten(empty).map(\.name) == SweepFigures.flatten(summary).map(\.name))
    }

    @Test("axis values split at top-level commas only")
    func splitting() throws {
        #expect(SweepAxis.split("1,2,3") == ["1", "2", "3"])
        #expect(SweepAxis.split("[1,2],[3,4]") == ["[1,2]", "[3,4]"])
        #expect(SweepAxis.split(#""a,b",c"#) == [#""a,b""#, "c"])
        #expect(SweepAxis.split(#"{"x":[1,2]},"q\",r""#) == [#"{"x":[1,2]}"#, #""q\",r""#])
        #expect(SweepAxis.split("[1,2") == nil)
        let axis = try SweepAxis(parsing: #"protocol.x="1 gwei",2 gwei,10"#)
        #expect(axis.values == [#""1 gwei""#, "2 gwei", "10"])
        #expect((0..<3).map(axis.display) == ["1 gwei", "2 gwei", "10"])
        #expect(throws: CascadeFailure.self) { try SweepAxis(parsing: "x=1,,2") }
        #expect(throws: CascadeFailure.self) { try SweepAxis(parsing: "x=") }
    }

    @Test("the slices of --shard K/N partition the runs, each within one run of the others")
    func shardsPartition() throws {
        for total in 0...40 {
            for count in 1...7 {
                let shards = (1...count).map { SweepShard(index: $0, count: count) }
                #expect(shards.map { $0.size(of: total) }.reduce(0, +) == total)
                for unit in 0..<total {
                    #expect(shards.filter { $0.contains(unit) }.count == 1)
                }
                let sizes = shards.map { $0.size(of: total) }
                #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
                for shard in shards {
                    #expect(
                        (0..<total).filter(shard.contains).count == shard.size(of: total))
                }
            }
        }
        #expect(throws: CascadeFailure.self) { try SweepShard(parsing: "3/2") }
        #expect(throws: CascadeFailure.self) { try SweepSeeds(parsing: "1..", label: "--seeds") }
        #expect(try SweepSeeds(parsing: "7", label: "--seeds").count == 1)
        #expect(try SweepSeeds(parsing: "3..12", label: "--seeds").count == 10)
    }

    @Test("means are exact and rounded half to even at the 18th decimal; percentiles observed")
    func statistics() throws {
        func stats(_ values: [String]) -> [String] {
            SweepStatistics.row(values).map { CSVWriter.field($0) }
        }
        #expect(stats(["1", "2"]) == ["1.5", "1", "1", "2"])
        #expect(stats(["1", "1", "2"]) == ["1.333333333333333333", "1", "1", "2"])
        #expect(stats(["2", "2", "3"]) == ["2.333333333333333333", "2", "2", "3"])
        // 5/3 = 1.666..., rounded up at the 18th decimal.
        #expect(stats(["1", "2", "2"])[0] == "1.666666666666666667")
        // Exact beyond a double's 17 digits: a RAD-scale amount and its negative.
        #expect(
            stats(["-34556312.91468727491466065931", "34556312.91468727491466065933"])[0]
                == "0")
        #expect(
            stats(["4512345.123456789012345678", "4512345.123456789012345680"])[0]
                == "4512345.123456789012345679")
        #expect(stats(["", "3", ""]) == ["3", "3", "3", "3"])
        #expect(stats(["", ""]) == ["", "", "", ""])
        #expect(stats(["1e-05", "3e-05"])[0] == "0.00002")
        #expect(stats(["-2", "-1", "-3"]) == ["-2", "-3", "-2", "-1"])
    }
}

/// Every shipped sweep file decodes, and every point of it is a valid world.
@Suite("sweep files")
struct SweepFileTests {
    @Test("every sweep in worlds/sweeps/ is valid at every point")
    func shippedSweeps() throws {
        let folder = CLIRunner.packageRoot.appendingPathComponent("worlds/sweeps").path
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".json") }.sorted()
        #expect(!names.isEmpty)
        for name in names {
            let definition = try SweepDefinition.parse(
                target: folder + "/" + name, sets: [], seeds: nil)
            let plan = try SweepPlan(definition: definition, shard: .whole)
            #expect(plan.digests.count == definition.pointCount, "\(name)")
            #expect(definition.name.map { $0 + ".json" } == name, "a sweep is named as its file")
        }
    }
}
