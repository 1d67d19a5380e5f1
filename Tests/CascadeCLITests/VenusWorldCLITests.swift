import CascadeTestSupport
import Foundation
import Testing

/// `cascade run venus-luna-2022` end to end, cut to the first 70 minutes and 30 background
/// borrowers (`--set`): the LUNA feed freezes at its floor, the exploiters borrow against
/// it, and `summary.json` counts the withheld reports and the shortfall at market prices.
@Suite("cascade run: Venus and the frozen LUNA feed", .serialized)
struct VenusWorldCLITests {
    static let short = [
        "--set", "duration=\"70m\"", "--set", "protocol.lending.borrowers.count=30", "--quiet",
    ]

    static func summary(_ folder: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("summary.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// A decimal figure of `summary.json` (written as a JSON number).
    static func number(_ summary: [String: Any], _ key: String) -> Double {
        (summary[key] as? NSNumber)?.doubleValue ?? -1
    }

    @Test("venus-luna-2022, 70 minutes: frozen feed, exploiters, shortfall at market")
    func frozenFeed() throws {
        let folder = try CLIRunner.temporaryFolder("venus-luna")
        let outcome = try CLIRunner.run(
            ["run", "venus-luna-2022", "--out", folder.path, "--check"] + Self.short)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let summary = try Self.summary(folder)
        #expect(summary["bad_debt_unit"] as? String == "BUSD")
        // Fees are in the chain's gas token, the world's `gas_asset`.
        #expect(summary["failed_tx_fees_unit"] as? String == "BNB")
        #expect(Self.number(summary, "oracle_reports_out_of_range") > 10, "\(summary)")
        #expect(Self.number(summary, "exploiter_rounds") > 0, "\(summary)")
        let debt = Self.number(summary, "exploiter_debt")
        let shortfall = Self.number(summary, "pool_shortfall_end")
        let spent = Self.number(summary, "exploiter_spent")
        // The exploiters borrowed more than they paid for the LUNA, within their capital,
        // and the pool is short of most of what they borrowed.
        #expect(spent > 0 && spent <= 2_310_000, "\(summary)")
        #expect(debt > spent, "\(summary)")
        #expect(shortfall > debt / 2 && shortfall < debt * 1.2, "\(summary)")
        #expect(Self.number(summary, "insolvent_debt_end") == 0, "\(summary)")

        // The feed stays at its last in-range answer, at or above $0.10, once LUNA is below.
        let blocks = try String(
            contentsOf: folder.appendingPathComponent("blocks.csv"), encoding: .utf8)
        let rows = blocks.split(separator: "\n").map { $0.split(separator: ",") }
        let header = try #require(rows.first).map(String.init)
        let market = try #require(header.firstIndex(of: "price_LUNA"))
        let oracle = try #require(header.firstIndex(of: "oracle_LUNA"))
        let last = try #require(rows.last)
        #expect(Double(last[market]) ?? 1 < 0.05)
        let frozen = Double(last[oracle]) ?? 0
        #expect(frozen >= 0.1 && frozen < 0.11, "\(last)")

        let agents = try String(
            contentsOf: folder.appendingPathComponent("agents.csv"), encoding: .utf8)
        #expect(agents.contains(",exploiter-2,exploiter\n"), "\(agents)")
        let races = try String(
            contentsOf: folder.appendingPathComponent("races.csv"), encoding: .utf8)
        #expect(races.contains("compound-v2:0x1388"), "\(races.prefix(400))")
    }

    @Test("venus-luna-2022-no-floor: the feed follows LUNA down and nobody exploits it")
    func noFloor() throws {
        let folder = try CLIRunner.temporaryFolder("venus-luna-no-floor")
        let outcome = try CLIRunner.run(
            ["run", "venus-luna-2022-no-floor", "--out", folder.path] + Self.short)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let summary = try Self.summary(folder)
        #expect(Self.number(summary, "oracle_reports_out_of_range") == 0, "\(summary)")
        #expect(Self.number(summary, "exploiter_rounds") == 0, "\(summary)")
        #expect(Self.number(summary, "pool_shortfall_end") < 100_000, "\(summary)")
    }
}
