import CascadeTestSupport
import Foundation
import Testing

/// Whole runs of two small bundled worlds against files recorded in `Tests/Fixtures/golden/`:
/// any change to what a run writes — a column, a rounding, an agent's decision, the order
/// of events — shows up here as a diff to review. When the change is intended, re-record
/// with `RECORD_GOLDEN=1 swift test --filter GoldenRunCLITests` and commit the files with
/// the reason in the message.
@Suite("cascade run: golden outputs", .serialized)
struct GoldenRunCLITests {
    /// (world, overrides, files compared)
    static let runs: [(String, [String], [String])] = [
        (
            "flash-crash",
            ["--set", "duration=\"200m\"", "--set", "protocol.borrowers.count=200", "--trace"],
            [
                "summary.json", "blocks.csv", "races.csv", "auctions.csv", "agents.csv",
                "events.jsonl", "report.html",
            ]
        ),
        (
            "chain-demo", ["--set", "duration=\"90m\"", "--set", "senders.count=3", "--trace"],
            ["summary.json", "blocks.csv", "events.jsonl", "report.html"]
        ),
    ]

    @Test("small worlds write exactly the recorded files", arguments: runs.indices)
    func golden(index: Int) throws {
        let (world, overrides, files) = Self.runs[index]
        let folder = try CLIRunner.temporaryFolder("golden-\(world)")
        let outcome = try CLIRunner.run(
            ["run", world, "--seed", "1", "--out", folder.path, "--quiet"] + overrides)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let golden = CLIRunner.packageRoot.appendingPathComponent("Tests/Fixtures/golden/\(world)")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: golden, withIntermediateDirectories: true)
            for name in files {
                let target = golden.appendingPathComponent(name)
                try? FileManager.default.removeItem(at: target)
                try FileManager.default.copyItem(
                    at: folder.appendingPathComponent(name), to: target)
            }
        }
        for name in files {
            let written = try Data(contentsOf: folder.appendingPathComponent(name))
            let recorded = try? Data(contentsOf: golden.appendingPathComponent(name))
            #expect(
                written == recorded,
                "\(world)/\(name) differs from Tests/Fixtures/golden/\(world)/\(name)")
        }
    }
}
