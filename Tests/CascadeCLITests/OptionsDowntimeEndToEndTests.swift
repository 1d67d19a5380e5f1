import CascadeTestSupport
import Foundation
import Testing

/// The options downtime keys in a real run (docs/worlds.md, `options.oracle.downtime`,
/// `options.liquidators.downtime`): `options-vault` cut to one hour with its crash moved
/// to 5 minutes, so the debug binary runs it in seconds. The expectations are orderings
/// read from the run's own files, not figures.
@Suite("options downtime end to end", .serialized)
struct OptionsDowntimeEndToEndTests {
    static let base = [
        "--set", "duration=1h",
        "--set", #"protocol.market.assets[0].shocks=[{"at":"5m","change":"-30%","over":"30s"}]"#,
    ]
    static let window = #"[{"from":"0s","until":"30m"}]"#

    static func run(_ name: String, _ extra: [String]) throws -> (summary: String, blocks: String) {
        let folder = try CLIRunner.temporaryFolder("options-downtime-" + name)
        let outcome = try CLIRunner.run(
            ["run", "options-vault", "--out", folder.path] + base + extra)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        return (
            try String(contentsOfFile: folder.path + "/summary.json", encoding: .utf8),
            try String(contentsOfFile: folder.path + "/blocks.csv", encoding: .utf8)
        )
    }

    static func integer(_ key: String, in summary: String) -> Int? {
        guard let range = summary.range(of: "\"\(key)\": ") else { return nil }
        return Int(summary[range.upperBound...].prefix { $0.isNumber })
    }

    /// `time_ms` of the first block with a liquidation, from `blocks.csv`.
    static func firstLiquidationMs(_ blocks: String) -> Int64? {
        let lines = blocks.split(separator: "\n")
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false),
            let time = header.firstIndex(of: "time_ms"),
            let count = header.firstIndex(of: "liquidations")
        else { return nil }
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            if cells.count == header.count, let n = Int(cells[count]), n > 0 {
                return Int64(cells[time])
            }
        }
        return nil
    }

    @Test("a frozen oracle marks less; liquidators that are down liquidate after the window")
    func downtimeActs() throws {
        let plain = try Self.run("plain", [])
        let frozen = try Self.run(
            "frozen", ["--set", "protocol.options.oracle.downtime=" + Self.window])
        let idle = try Self.run(
            "idle", ["--set", "protocol.options.liquidators.downtime=" + Self.window])
        let plainMarks = try #require(Self.integer("options_marks", in: plain.summary))
        let frozenMarks = try #require(Self.integer("options_marks", in: frozen.summary))
        #expect(frozenMarks < plainMarks)
        // The crash at 5 m makes books liquidatable inside the window.
        let plainFirst = try #require(Self.firstLiquidationMs(plain.blocks))
        #expect(plainFirst < 30 * 60_000)
        let idleFirst = try #require(Self.firstLiquidationMs(idle.blocks))
        #expect(idleFirst >= 30 * 60_000)
    }
}
