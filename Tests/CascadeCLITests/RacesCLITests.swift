import CascadeTestSupport
import Foundation
import Testing

/// `cascade races` on the golden run folder `Tests/Fixtures/race-run/` (written by
/// `RacesOutputTests`), and on bad folders.
@Suite("cascade races", .serialized)
struct RacesCLITests {
    static let fixture = CLIRunner.packageRoot.appendingPathComponent("Tests/Fixtures/race-run")

    @Test("ranks races by delay and by shortfall")
    func ranking() throws {
        let outcome = try CLIRunner.run(["races", Self.fixture.path, "--top", "2"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let text = outcome.standardOutput
        #expect(text.contains("3 races (1 liquidated, 0 bad_debt, 1 recovered, 1 open)"))
        #expect(text.contains("longest delay"))
        #expect(text.contains("ETH-A:0x7d1  liquidated"))
        #expect(text.contains("largest shortfall (DAI):\n  (none)"))
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

    @Test("a races.csv written before the incentive column reads the same")
    func legacyHeader() throws {
        let folder = try CLIRunner.temporaryFolder("races-legacy")
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
        #expect(
            old.standardOutput.replacingOccurrences(of: folder.path, with: "RUN")
                == new.standardOutput.replacingOccurrences(of: Self.fixture.path, with: "RUN"))
    }
}
