import CascadeCore
import CascadeTestSupport
import Foundation
import Testing

/// `cascade report` and the protocol outputs it draws from, on one run of maker-demo (cut
/// to 4 h with the shock at 30 min, as `ProtocolWorldCLITests`): the page redrawn from the
/// files equals the run's, byte for byte; the new columns agree with the summary and with
/// each other exactly; bad files exit 2 naming the file and line, and leave the page alone.
@Suite("cascade report", .serialized)
struct ReportCLITests {
    /// A small CSV table: header and rows split at commas (these files quote nothing).
    struct Table {
        let columns: [String]
        let rows: [[String]]

        init(_ url: URL) throws {
            let text = try String(contentsOf: url, encoding: .utf8)
            let lines = text.split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            columns = lines.first ?? []
            rows = Array(lines.dropFirst())
        }

        func column(_ name: String) throws -> [String] {
            let index = try #require(columns.firstIndex(of: name), "no column \(name)")
            return rows.map { $0[index] }
        }
    }

    /// A signed DAI decimal as RAD-scaled integer parts, for exact comparisons.
    static func rad(_ text: String) -> (negative: Bool, magnitude: UInt256)? {
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        return UInt256(decimal: digits, scale: 45).map { (negative, $0) }
    }

    static func sum(_ texts: [String]) -> UInt256? {
        var total = UInt256.zero
        for text in texts where !text.isEmpty {
            guard let value = UInt256(decimal: text, scale: 45) else { return nil }
            total += value
        }
        return total
    }

    static func summaryField(_ summary: String, _ name: String) -> String? {
        guard let range = summary.range(of: "\"\(name)\": ") else { return nil }
        return String(summary[range.upperBound...].prefix { $0 != "," && $0 != "\n" })
    }

    @Test("report from the files equals the run's report; the new columns are exact")
    func makerDemo() throws {
        let folder = try CLIRunner.temporaryFolder("report-maker-demo")
        let outcome = try CLIRunner.run([
            "run", "maker-demo", "--seed", "1", "--set", "duration=\"4h\"", "--set",
            "protocol.market.assets[0].shocks[0].at=\"30m\"", "--out", folder.path,
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        try checkRedraw(folder)
        try checkColumns(folder)
        try checkBadFiles(folder)
    }

    func checkRedraw(_ folder: URL) throws {
        let page = folder.appendingPathComponent("report.html")
        let fromRun = try Data(contentsOf: page)
        try FileManager.default.removeItem(at: page)
        let redraw = try CLIRunner.run(["report", folder.path])
        #expect(redraw.status == 0, "\(redraw.standardError)")
        #expect(redraw.standardOutput.contains("report.html"))
        #expect(try Data(contentsOf: page) == fromRun, "cascade report drew another page")
        let html = String(decoding: fromRun, as: UTF8.self)
        for title in [
            "ETH: market price and oracle price", "Gas prices", "Bad debt and insurance fund",
            "ETH: auction clearing price against market price", "Liquidation delay",
            "keepers, ETH-A transmitter gas ceiling",
        ] {
            #expect(html.contains(title), "the page lacks \(title)")
        }
    }

    func checkColumns(_ folder: URL) throws {
        let summary = try String(
            contentsOf: folder.appendingPathComponent("summary.json"), encoding: .utf8)
        let blocks = try Table(folder.appendingPathComponent("blocks.csv"))
        #expect(
            Array(blocks.columns.suffix(6)) == [
                "positions_at_risk", "liquidations", "collateral_value", "debt", "bad_debt",
                "insurance_fund",
            ])
        // The bad_debt column ends at the summary's bad_debt and never falls.
        let badDebt = try blocks.column("bad_debt")
        #expect(badDebt.last == Self.summaryField(summary, "bad_debt"))
        let values = badDebt.compactMap { UInt256(decimal: $0, scale: 45) }
        #expect(values.count == badDebt.count && values == values.sorted())
        // insurance_fund_min is the column's minimum.
        let fund = try blocks.column("insurance_fund").compactMap(Self.rad)
        let minimum = try #require(Self.summaryField(summary, "insurance_fund_min"))
        let lowest = fund.min { a, b in
            a.negative != b.negative
                ? a.negative : (a.negative ? a.magnitude > b.magnitude : a.magnitude < b.magnitude)
        }
        #expect(
            lowest.map { ($0.negative ? "-" : "") + $0.magnitude.decimalString(scale: 45) }
                == minimum)
        // Liquidations per block add up to the summary's.
        let liquidations = try blocks.column("liquidations").compactMap { Int($0) }.reduce(0, +)
        #expect(Self.summaryField(summary, "liquidations") == String(liquidations))

        let races = try Table(folder.appendingPathComponent("races.csv"))
        let auctions = try Table(folder.appendingPathComponent("auctions.csv"))
        #expect(auctions.rows.count > 1, "the run should cut several auctions")
        #expect(Self.summaryField(summary, "auctions") == String(auctions.rows.count))
        // Per race: the auctions' raised add up to its proceeds, their incentives to its
        // incentive, their dues to its debt once liquidated.
        let positions = try auctions.column("position")
        let raised = try auctions.column("raised")
        let incentive = try auctions.column("incentive")
        for (index, position) in try races.column("position").enumerated() {
            let mine = positions.indices.filter { positions[$0] == position }
            guard !mine.isEmpty else { continue }
            let row = races.rows[index]
            let proceeds = try #require(races.columns.firstIndex(of: "proceeds"))
            let raceIncentive = try #require(races.columns.firstIndex(of: "incentive"))
            #expect(Self.sum(mine.map { raised[$0] }) == Self.sum([row[proceeds]]), "\(position)")
            #expect(
                Self.sum(mine.map { incentive[$0] }) == Self.sum([row[raceIncentive]]),
                "\(position)")
        }
        #expect(
            Self.sum(incentive)
                == Self.summaryField(summary, "keeper_incentives").flatMap { Self.sum([$0]) })
        // Clearing price is raised / sold, rounded down to a RAY.
        let sold = try auctions.column("sold")
        let clearing = try auctions.column("clearing_price")
        for row in auctions.rows.indices where !clearing[row].isEmpty {
            let raisedRad = try #require(UInt256(decimal: raised[row], scale: 45))
            let soldWad = try #require(UInt256(decimal: sold[row], scale: 18))
            #expect((raisedRad / soldWad).decimalString(scale: 27) == clearing[row])
        }
    }

    func checkBadFiles(_ folder: URL) throws {
        let page = folder.appendingPathComponent("report.html")
        let before = try Data(contentsOf: page)
        let blocksURL = folder.appendingPathComponent("blocks.csv")
        let good = try String(contentsOf: blocksURL, encoding: .utf8)
        var lines = good.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[4] = lines[4].replacingOccurrences(of: ",", with: ",x", options: [], range: nil)
        try lines.joined(separator: "\n").write(to: blocksURL, atomically: true, encoding: .utf8)
        let malformed = try CLIRunner.run(["report", folder.path])
        #expect(malformed.status == 2)
        #expect(malformed.standardError.contains("blocks.csv:5"), "\(malformed.standardError)")
        #expect(try Data(contentsOf: page) == before, "a failed redraw touched report.html")

        lines[4] = String(lines[4].prefix { $0 != "," })
        try lines.joined(separator: "\n").write(to: blocksURL, atomically: true, encoding: .utf8)
        let short = try CLIRunner.run(["report", folder.path])
        #expect(short.status == 2 && short.standardError.contains("blocks.csv:5"))
        try good.write(to: blocksURL, atomically: true, encoding: .utf8)

        let auctions = folder.appendingPathComponent("auctions.csv")
        let auctionsText = try String(contentsOf: auctions, encoding: .utf8)
        try FileManager.default.removeItem(at: auctions)
        let missing = try CLIRunner.run(["report", folder.path])
        #expect(missing.status == 2 && missing.standardError.contains("auctions.csv"))
        try auctionsText.write(to: auctions, atomically: true, encoding: .utf8)

        let summaryURL = folder.appendingPathComponent("summary.json")
        let summary = try String(contentsOf: summaryURL, encoding: .utf8)
        try summary.replacingOccurrences(of: "\"sim_seconds\": ", with: "\"sim_seconds\": [")
            .write(to: summaryURL, atomically: true, encoding: .utf8)
        let badJSON = try CLIRunner.run(["report", folder.path])
        #expect(badJSON.status == 2 && badJSON.standardError.contains("summary.json:"))
        try summary.write(to: summaryURL, atomically: true, encoding: .utf8)

        let nowhere = try CLIRunner.run(["report", folder.path + "/nope"])
        #expect(nowhere.status == 2 && nowhere.standardError.contains("nope"))
        #expect(try CLIRunner.run(["report", folder.path]).status == 0)
        #expect(try Data(contentsOf: page) == before)
    }
}
