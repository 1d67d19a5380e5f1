import CascadeTestSupport
import Foundation
import Testing

/// `cascade races` on the golden run folder `Tests/Fixtures/race-run/` (written by
/// `RacesOutputTests`), and on bad folders.
@Suite("cascade races", .serialized)
struct RacesCLITests {
    static let fixture = CLIRunner.packageRoot.appendingPathComponent("Tests/Fixtures/race-run")

    /// A fresh folder named `name` holding copies of the fixture's files `files`.
    static func folder(_ name: String, copying files: [String]) throws -> URL {
        let folder = try CLIRunner.temporaryFolder(name)
        for file in files {
            try FileManager.default.copyItem(
                at: fixture.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        return folder
    }

    @Test("ranks races by delay and by shortfall")
    func ranking() throws {
        let outcome = try CLIRunner.run(["races", Self.fixture.path, "--top", "2"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let text = outcome.standardOutput
        #expect(text.contains("3 races (1 liquidated, 0 bad_debt, 1 recovered, 1 open)"))
        #expect(text.contains("longest delay"))
        #expect(text.contains("ETH-A:0x7d1  liquidated"))
        #expect(text.contains("largest shortfall (DAI):\n  (none)"))
        // Then the ranked race's timeline, as --position prints it.
        #expect(text.contains("timelines of the races above"))
        let timeline = try CLIRunner.run(["races", Self.fixture.path, "--position", "ETH-A:0x7d1"])
        #expect(text.hasSuffix("\n" + timeline.standardOutput), "\(text)")
    }

    @Test("a long timeline in the ranking keeps its first and last lines; --position has all")
    func longTimeline() throws {
        let folder = try Self.folder(
            "races-long",
            copying: ["races.csv", "blocks.csv", "summary.json", "auctions.csv", "events.jsonl"])
        // Fifty more reverted barks of the liquidated race, at blocks 100 to 149.
        let extra = (100..<150).map { block in
            #"{"block":\#(block),"time_ms":\#(block * 12_000),"type":"race_attempt","position":"ETH-A:0x7d1","market_price":"130000000000000000000","oracle_price":"150000000000000000000","keeper":"0x1e","hash":"0x01","action":"bark","auction":null,"gas_price_wei":"5000000000","effective_gas_price_wei":"5000000000","fee_wei":"1","status":"reverted","revert_reason":"Dog/not-unsafe"}"#
        }.joined(separator: "\n")
        let events = folder.appendingPathComponent("events.jsonl")
        let original = try String(contentsOf: events, encoding: .utf8)
        try (original + extra + "\n").write(to: events, atomically: true, encoding: .utf8)

        let ranking = try CLIRunner.run(["races", folder.path])
        #expect(ranking.status == 0, "\(ranking.standardError)")
        let text = ranking.standardOutput
        // 58 notes (8 of the fixture's): the first 30 and the last 10 shown, 18 left out.
        #expect(
            text.contains("  … 18 more lines: cascade races RUN_DIR --position ETH-A:0x7d1"),
            "\(text)")
        #expect(text.contains("   121  "))
        #expect(!text.contains("   122  "))
        #expect(text.contains("   149  "))
        let full = try CLIRunner.run(["races", folder.path, "--position", "ETH-A:0x7d1"])
        #expect(full.status == 0)
        #expect(!full.standardOutput.contains("more lines"))
        #expect((100..<150).allSatisfy { full.standardOutput.contains("   \($0)  ") })
    }

    @Test("without the trace, a timeline's prices from blocks.csv are shown to six decimals")
    func untracedPrices() throws {
        let folder = try Self.folder("races-untraced", copying: ["races.csv", "summary.json"])
        // blocks.csv as a run writes it: prices to the wei, as decimals.
        let blocks = try String(
            contentsOf: Self.fixture.appendingPathComponent("blocks.csv"), encoding: .utf8)
        try blocks.replacingOccurrences(
            of: ",134,150\n", with: ",134.000000499999999999,150.0000005\n"
        )
        .write(
            to: folder.appendingPathComponent("blocks.csv"), atomically: true, encoding: .utf8)
        let outcome = try CLIRunner.run(["races", folder.path, "--position", "ETH-A:0x7d1"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let text = outcome.standardOutput
        #expect(text.contains("(no events.jsonl: run with --trace to see every attempt)"))
        // Block 1: …0|499… rounds down, …0|5 up.
        #expect(text.contains("  134  150.000001  "), "\(text)")
        #expect(!text.contains("134.000000499999999999"))
    }

    @Test("--position prints the block-by-block timeline with bids and reverts")
    func timeline() throws {
        let outcome = try CLIRunner.run(["races", Self.fixture.path, "--position", "ETH-A:0x7d1"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let text = outcome.standardOutput
        #expect(text.contains("race ETH-A:0x7d1: liquidated"))
        #expect(text.contains("reverted: Dog/not-unsafe"))
        #expect(text.contains("landed"))
        #expect(text.contains("settled: liquidated"))
        // ProtocolSample's Clipper pays 100 DAI plus 0.1% of the 1,017 DAI tab.
        #expect(text.contains("keeper incentive 101.017 DAI"), "\(text)")
        // The losers' 6,504,000 gwei of fees in ETH, the winner's bid in gwei (races.csv has
        // both in wei).
        #expect(
            text.contains("2 reverted (fees 0.006504 ETH); winner 0x1f at 15 gwei"), "\(text)")
        let lines = text.split(separator: "\n")
        let barks = lines.filter { $0.contains(" bark ") || $0.hasSuffix(" bark") }
        #expect(barks.count == 3, "\(text)")
    }

    @Test("a missing folder, a chain-only run and a malformed races.csv exit 2 naming the file")
    func badInput() throws {
        let missing = try CLIRunner.run(["races", "/nonexistent/run"])
        #expect(missing.status == 2 && missing.standardError.contains("/nonexistent/run"))

        let folder = try CLIRunner.temporaryFolder("races-bad")
        try "block,time_ms\n1,0\n".write(
            to: folder.appendingPathComponent("blocks.csv"), atomically: true, encoding: .utf8)
        let chainOnly = try CLIRunner.run(["races", folder.path])
        #expect(chainOnly.status == 2)
        #expect(chainOnly.standardError.contains("races.csv"))
        #expect(chainOnly.standardError.contains("chain-only"))

        let golden = try String(
            contentsOf: Self.fixture.appendingPathComponent("races.csv"), encoding: .utf8)
        try golden.replacingOccurrences(of: ",recovered,", with: ",saved,").write(
            to: folder.appendingPathComponent("races.csv"), atomically: true, encoding: .utf8)
        let malformed = try CLIRunner.run(["races", folder.path])
        #expect(malformed.status == 2)
        #expect(malformed.standardError.contains("races.csv:3"), "\(malformed.standardError)")
        #expect(malformed.standardError.contains("outcome"))

        let unknown = try CLIRunner.run(["races", Self.fixture.path, "--position", "nope"])
        #expect(unknown.status == 2 && unknown.standardError.contains("nope"))
        let badTop = try CLIRunner.run(["races", Self.fixture.path, "--top", "0"])
        #expect(badTop.status == 2)
    }

    @Test("a summary.json that is not JSON, or whose unit is not a string, exits 2 naming it")
    func badSummary() throws {
        let folder = try Self.folder("races-bad-summary", copying: ["races.csv"])
        let summary = folder.appendingPathComponent("summary.json")
        // Without a summary the units are Maker's (DAI, ETH).
        let bare = try CLIRunner.run(["races", folder.path])
        #expect(bare.status == 0, "\(bare.standardError)")
        #expect(bare.standardOutput.contains("largest shortfall (DAI)"))

        try "{\"bad_debt_unit\": \"USDC\",".write(to: summary, atomically: true, encoding: .utf8)
        let truncated = try CLIRunner.run(["races", folder.path])
        #expect(truncated.status == 2)
        #expect(truncated.standardError.contains("summary.json"), "\(truncated.standardError)")
        #expect(truncated.standardOutput.isEmpty)

        try "{\n  \"bad_debt_unit\": 7\n}\n".write(to: summary, atomically: true, encoding: .utf8)
        let number = try CLIRunner.run(["races", folder.path, "--position", "ETH-A:0x7d1"])
        #expect(number.status == 2)
        #expect(
            number.standardError.contains("summary.json:2:"), "\(number.standardError)")
        #expect(number.standardError.contains("bad_debt_unit"))

        try "{\"bad_debt_unit\": \"USDC\"}\n".write(to: summary, atomically: true, encoding: .utf8)
        let lending = try CLIRunner.run(["races", folder.path])
        #expect(lending.status == 0, "\(lending.standardError)")
        #expect(lending.standardOutput.contains("largest shortfall (USDC)"))
    }

    @Test("a race note in events.jsonl that is not JSON exits 2 naming the file's own line")
    func badTraceLine() throws {
        let folder = try Self.folder("races-bad-trace", copying: ["races.csv", "summary.json"])
        try "{\"block\":1,\"type\":\"tx\"}\n{\"block\":2,\"type\":\"race_open\",\"position\": }\n"
            .write(
                to: folder.appendingPathComponent("events.jsonl"), atomically: true,
                encoding: .utf8)
        let outcome = try CLIRunner.run(["races", folder.path, "--position", "ETH-A:0x7d1"])
        #expect(outcome.status == 2)
        #expect(
            outcome.standardError.contains("events.jsonl:2:43: position: expected a value"),
            "\(outcome.standardError)")
        #expect(outcome.standardOutput.isEmpty)
    }

    @Test("a races.csv written before the incentive column reads the same")
    func legacyHeader() throws {
        // The ranking ends with the races' timelines, read from the same trace.
        let folder = try Self.folder(
            "races-legacy", copying: ["blocks.csv", "summary.json", "events.jsonl"])
        let golden = try String(
            contentsOf: Self.fixture.appendingPathComponent("races.csv"), encoding: .utf8)
        let legacy =
            golden.split(separator: "\n").map { line in
                String(line[..<(line.lastIndex(of: ",") ?? line.endIndex)])
            }.joined(separator: "\n") + "\n"
        try legacy.write(
            to: folder.appendingPathComponent("races.csv"), atomically: true, encoding: .utf8)
        let old = try CLIRunner.run(["races", folder.path])
        let new = try CLIRunner.run(["races", Self.fixture.path])
        #expect(old.status == 0, "\(old.standardError)")
        // The same ranking; the timelines differ only in the incentive the old file lacks.
        func ranking(_ text: String, _ folder: String) -> String {
            let ranked = text.components(separatedBy: "\ntimelines of").first ?? ""
            return ranked.replacingOccurrences(of: folder, with: "RUN")
        }
        #expect(
            ranking(old.standardOutput, folder.path)
                == ranking(new.standardOutput, Self.fixture.path))
        #expect(old.standardOutput.contains("race ETH-A:0x7d1: liquidated"))
        #expect(!old.standardOutput.contains("keeper incentive"))
    }
}
