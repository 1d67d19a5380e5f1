import CascadeTestSupport
import Foundation
import Testing

/// The bundled `options-vault` world cut short (as `OptionsWorldCLITests` cuts it: 40
/// minutes, the crash at minute 5, 40 writers) writes options races: rows of protocol
/// `options` in `races.csv`, liquidated ones with an unsafe block before their liquidation,
/// the delay and oracle-lag percentiles in `summary.json`, race notes in the trace, and
/// every `option_liquidation` of the trace in exactly one race liquidated in its block.
@Suite("cascade run: options races", .serialized)
struct OptionsRacesCLITests {
    @Test("options-vault, cut short: race rows, delays, oracle lag, one race per liquidation")
    func racesOfAnOptionsWorld() throws {
        let folder = try CLIRunner.temporaryFolder("options-races")
        let outcome = try CLIRunner.run(
            ["run", "options-vault", "--out", folder.path] + OptionsWorldCLITests.overrides)
        #expect(outcome.status == 0, "\(outcome.standardError)")

        let csv = try String(
            contentsOf: folder.appendingPathComponent("races.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(
            String.init)
        func column(_ name: String) throws -> Int { try #require(header.firstIndex(of: name)) }
        let rows = lines.dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        #expect(!rows.isEmpty)
        let protocolColumn = try column("protocol")
        #expect(rows.allSatisfy { $0[protocolColumn] == "options" })
        let (position, unsafe, liquidated, outcomeColumn, debt, attempts) = (
            try column("position"), try column("unsafe_block"), try column("liquidated_block"),
            try column("outcome"), try column("debt"), try column("attempts")
        )
        let liquidatedRows = rows.filter { !$0[liquidated].isEmpty }
        #expect(!liquidatedRows.isEmpty)
        for row in liquidatedRows {
            #expect(row[position].hasPrefix("ETH:"))
            #expect(["liquidated", "bad_debt"].contains(row[outcomeColumn]))
            #expect(Int(row[attempts]) ?? 0 >= 1)
            #expect(Double(row[debt]) ?? 0 > 0)
            // Seen at the market no later than the liquidation.
            if let seen = UInt64(row[unsafe]), let taken = UInt64(row[liquidated]) {
                #expect(seen <= taken)
            }
        }
        #expect(liquidatedRows.contains { UInt64($0[unsafe]) != nil })

        let summaryData = try Data(contentsOf: folder.appendingPathComponent("summary.json"))
        let summary = try #require(
            try JSONSerialization.jsonObject(with: summaryData) as? [String: Any])
        #expect(summary["races"] as? Int == rows.count)
        let delays = try #require(summary["liquidation_delay_blocks"] as? [String: Any])
        #expect(delays["p90"] is Int)
        let delaySeconds = try #require(summary["liquidation_delay_seconds"] as? [String: Any])
        #expect(delaySeconds["p90"] is NSNumber)
        let lag = try #require(summary["oracle_lag_seconds"] as? [String: Any])
        #expect(lag["p90"] is NSNumber)

        // Every option_liquidation of the trace: exactly one race of its account liquidated
        // in its block.
        let trace = try String(
            contentsOf: folder.appendingPathComponent("events.jsonl"), encoding: .utf8)
        var liquidations = 0
        var notes = 0
        for line in trace.split(separator: "\n") {
            if line.contains("\"type\":\"race_open\"") && line.contains("\"position\":\"ETH:") {
                notes += 1
            }
            guard line.contains("\"type\":\"option_liquidation\"") else { continue }
            liquidations += 1
            let event = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let account = try #require(event["account"] as? Int)
            let block = try #require(event["block"] as? Int)
            let matching = rows.filter {
                ($0[position] == "ETH:\(account)" || $0[position].hasPrefix("ETH:\(account)#"))
                    && $0[liquidated] == "\(block)"
            }
            #expect(matching.count == 1, "liquidation of \(account) at block \(block)")
        }
        #expect(liquidations == liquidatedRows.count)
        #expect(liquidations == summary["options_liquidations"] as? Int)
        #expect(notes == rows.count)
    }
}
