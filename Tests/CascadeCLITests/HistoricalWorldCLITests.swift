import CascadeTestSupport
import Foundation
import Testing

/// `cascade run black-thursday-2020` end to end, cut to the first 12 hours and 400 vaults
/// (`--set`) so it runs in seconds: the crash leg at 10:00 must show the mechanisms the
/// world exists for — an oracle that lags the market, auctions, and zero bids.
@Suite("cascade run: Black Thursday", .serialized)
struct HistoricalWorldCLITests {
    @Test("the first 12 hours of Black Thursday: the OSM lags, keepers bid, zero bids win")
    func blackThursdayMorning() throws {
        let folder = try CLIRunner.temporaryFolder("black-thursday")
        let outcome = try CLIRunner.run([
            "run", "black-thursday-2020", "--set", "duration=\"12h\"", "--set",
            "protocol.borrowers.count=400", "--out", folder.path,
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        // The headline table: deficit, liquidations and zero bids, delay, oracle lag, and
        // where the report is.
        for label in ["deficit (bad debt)", "won at zero", "liquidation delay", "oracle lag"] {
            #expect(outcome.standardOutput.contains(label), "\(outcome.standardOutput)")
        }
        #expect(outcome.standardOutput.contains(folder.path + "/report.html"))
        // agents.csv names who is behind each address; cascade races shows the names.
        let agents = try String(
            contentsOf: folder.appendingPathComponent("agents.csv"), encoding: .utf8)
        #expect(agents.hasPrefix("address,name,role\n"))
        #expect(agents.contains(",opportunist-0,keeper\n") && agents.contains(",bidder-4,keeper\n"))
        let listing = try CLIRunner.run(["races", folder.path, "--top", "3"])
        #expect(listing.status == 0, "\(listing.standardError)")
        #expect(listing.standardOutput.contains("opportunist-0"), "\(listing.standardOutput)")
        let data = try Data(contentsOf: folder.appendingPathComponent("summary.json"))
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let auctions = try #require(summary["auctions"] as? Int)
        let zeroBids = try #require(summary["zero_bid_auctions"] as? Int)
        #expect(auctions > 0 && zeroBids > 0 && zeroBids < auctions, "\(summary)")

        // During the 10:00 leg the market falls below $135 while the OSM still shows the
        // price of an hour before: at some block the oracle is above the market by > 15%.
        let blocks = try String(
            contentsOf: folder.appendingPathComponent("blocks.csv"), encoding: .utf8)
        let rows = blocks.split(separator: "\n").map { $0.split(separator: ",") }
        let header = rows[0].map(String.init)
        let price = try #require(header.firstIndex(of: "price_ETH"))
        let oracle = try #require(header.firstIndex(of: "oracle_ETH"))
        let lagging = rows.dropFirst().contains { row in
            guard let market = Double(row[price]), let seen = Double(row[oracle]) else {
                return false
            }
            return market < 135 && seen > market * 1.15
        }
        #expect(lagging, "the OSM never lagged the 10:00 crash")
    }
}
