import CascadeCore
import CascadeTestSupport
import Foundation
import Testing

@testable import CascadeRun

/// A fresh folder in the test process's own temporary folder (removed at exit), named by
/// the test; not created.
func makeScratchFolder(_ name: String) -> String {
    let path = CLIRunner.processFolder.path + "/output-tests/\(name)"
    try? FileManager.default.removeItem(atPath: path)
    return path
}

func contents(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

func exists(_ path: String) -> Bool {
    FileManager.default.fileExists(atPath: path)
}

@Suite("Output: atomic files and run folders")
struct OutputFileTests {
    @Test func temporaryNameIsHiddenBeside() {
        #expect(
            PendingFile.temporaryPath(for: "out/x/summary.json")
                == "out/x/.summary.json.tmp-\(getpid())")
        #expect(PendingFile.temporaryPath(for: "a.csv") == ".a.csv.tmp-\(getpid())")
    }

    @Test func targetAppearsOnlyOnCommit() throws {
        let folder = try RunFolder(path: makeScratchFolder("commit"))
        let target = folder.path + "/blocks.csv"
        let file = try PendingFile(path: target, chunkBytes: 8)
        try file.write("block,time_ms\n1,13200\n")  // more than a chunk: partly on disk
        #expect(!exists(target))
        #expect(exists(file.temporaryPath))
        try file.commit()
        #expect(contents(target) == "block,time_ms\n1,13200\n")
        #expect(!exists(file.temporaryPath))
    }

    @Test func failureBeforeRenameLeavesNoTarget() throws {
        let folder = try RunFolder(path: makeScratchFolder("abandon"))
        let target = folder.path + "/summary.json"
        var temporary = ""
        do {
            let file = try PendingFile(path: target, chunkBytes: 4)
            temporary = file.temporaryPath
            try file.write("{\"world\": \"half")
            // The run fails here: the file is released without a commit.
        }
        #expect(!exists(target))
        #expect(!exists(temporary))
    }

    @Test func existingTargetIsReplacedOnlyWhole() throws {
        let folder = try RunFolder(path: makeScratchFolder("replace"))
        let target = folder.path + "/summary.json"
        try folder.write("old\n", named: "summary.json")
        try folder.commit()
        let file = try PendingFile(path: target, chunkBytes: 2)
        try file.write("new, much longer\n")
        #expect(contents(target) == "old\n")
        file.abandon()
        #expect(contents(target) == "old\n")
        let second = try PendingFile(path: target)
        try second.write("new\n")
        try second.commit()
        #expect(contents(target) == "new\n")
    }

    @Test func folderCommitsAllFilesTogether() throws {
        let path = makeScratchFolder("folder") + "/nested/run-seed7"
        let folder = try RunFolder(path: path)
        let csv = try folder.csv(named: "blocks.csv", header: ["block"])
        for block in 0..<100_000 {
            try csv.writeRow([.integer(block)])
        }
        let trace = try folder.jsonLines(named: "events.jsonl")
        try trace.write(["block": 1, "type": "tx"])
        try folder.write("{}\n", named: "summary.json")
        #expect(!exists(path + "/blocks.csv"))
        #expect(!exists(path + "/summary.json"))
        try folder.commit()
        let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        #expect(names == ["blocks.csv", "events.jsonl", "summary.json"])
        #expect(contents(path + "/blocks.csv")?.hasSuffix("\n99998\n99999\n") == true)
    }

    @Test("an abandoned run removes its files, and the folders it made while they are empty")
    func abandonedFolderLeavesNothing() throws {
        let base = makeScratchFolder("abandoned-folder")
        let folder = try RunFolder(path: base + "/nested/run")
        try folder.write("x", named: "summary.json")
        _ = try folder.csv(named: "blocks.csv", header: ["block"])
        #expect(exists(base + "/nested/run"))
        folder.abandon()
        #expect(!exists(base))

        // A folder that was there before the run stays, with what the user put in it.
        let kept = makeScratchFolder("abandoned-kept")
        try FileManager.default.createDirectory(atPath: kept, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: kept + "/notes.txt", contents: Data()))
        let second = try RunFolder(path: kept + "/run")
        try second.write("x", named: "summary.json")
        second.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: kept) == ["notes.txt"])
    }

    @Test("a broken invariant at the end of a run leaves no files and names the command")
    func brokenInvariantAbandonsTheRun() throws {
        let path = makeScratchFolder("broken-invariant")
        let folder = try RunFolder(path: path)
        _ = try folder.csv(named: "blocks.csv", header: ["block"])
        let request = try RunRequest(
            world: "flash-crash", seed: nil, out: nil,
            overrides: ["protocol.keepers[0].count=0"], trace: false, check: true)
        // A clean run passes through and keeps its files pending.
        try folder.checkRun(sinkFailure: nil, violation: nil, request: request, seed: 7)
        do {
            try folder.checkRun(
                sinkFailure: nil,
                violation: (block: 41, violation: InvariantViolation("vice > debt")),
                request: request, seed: 7)
            Issue.record("a broken invariant must fail the run")
        } catch {
            #expect(error.kind == .invariant)
            #expect(error.message.hasPrefix("invariant broken after block 41: vice > debt\n"))
            #expect(
                error.message.hasSuffix(
                    "reproduce: cascade run flash-crash --seed 7 "
                        + "--set 'protocol.keepers[0].count=0' --check"))
        }
        // The run's folder (made by it) is gone with its files.
        #expect(!exists(path))
    }

    @Test func unwritableFolderNamesThePath() throws {
        let blocker = makeScratchFolder("blocked")
        _ = try RunFolder(path: (blocker as NSString).deletingLastPathComponent)
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        #expect(throws: OutputError.self) { try RunFolder(path: blocker + "/run") }
        do {
            _ = try RunFolder(path: blocker + "/run")
        } catch {
            #expect(error.path == blocker)
            #expect(error.description.hasPrefix("cannot create folder \(blocker): "))
        }
    }

    @Test func missingFolderForAFileNamesThePath() {
        let path = makeScratchFolder("missing") + "/not-made/summary.json"
        do {
            _ = try PendingFile(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.path == path)
            #expect(error.operation == .create)
            #expect(error.code == ENOENT)
        }
    }

    @Test func defaultPath() {
        #expect(
            RunFolder.defaultPath(world: "black-thursday-2020", seed: 7)
                == "out/black-thursday-2020-seed7")
    }
}

@Suite("Output: a sample run folder")
struct OutputSampleFolderTests {
    /// A small folder in the shape of a run's, written through the public writers, to
    /// `$CASCADE_OUTPUT_SAMPLE_DIR` when set (for checking the docs' pandas lines by hand).
    @Test func writesSampleFolder() throws {
        let path =
            ProcessInfo.processInfo.environment["CASCADE_OUTPUT_SAMPLE_DIR"]
            ?? makeScratchFolder("sample")
        let folder = try RunFolder(path: path)
        let blocks = try folder.csv(
            named: "blocks.csv", header: ["block", "time_ms", "base_fee_wei", "price_ETH", "note"])
        try blocks.writeRow([
            .unsigned(1), .integer(13_200), .decimal(UInt128(120_000_000_000), scale: 0),
            .decimal(194_870_000_000_000_000_000, scale: 18), .absent,
        ])
        try blocks.writeRow([
            .unsigned(2), .integer(26_400), .decimal(UInt128.max, scale: 0),
            .decimal(1, scale: 18), .text("a, \"quoted\" note"),
        ])
        let races = try folder.csv(
            named: "races.csv", header: ["position", "liquidated_block", "shortfall"])
        try races.writeRow([.text("vault-1"), .absent, .decimal(signed: -5, scale: 1)])
        try races.writeRow([.text("vault-2"), .integer(12), .decimal(0, scale: 18)])
        let trace = try folder.jsonLines(named: "events.jsonl")
        try trace.write(["block": 1, "time_ms": 13_200, "type": "tx", "status": "success"])
        try trace.write([
            "block": 2, "time_ms": 26_400, "type": "bite", "tab": .baseUnits(UInt128.max),
        ])
        let summary: JSONObject = [
            "world": "sample", "seed": 7, "bad_debt": .decimal(5_670_000_250, scale: 3),
            "liquidation_delay_blocks": .object(
                Percentiles([3, 1, 2]).jsonObject(percents: [50, 90, 99]) { .integer($0) }),
            "oracle_lag_seconds": .object(
                Percentiles(measurements: [1.5]).jsonObject(percents: [50]) { .double($0) }),
        ]
        try folder.write(summary.serialized(.pretty) + "\n", named: "summary.json")
        try folder.commit()
        #expect(
            contents(path + "/races.csv") == "position,liquidated_block,shortfall\n"
                + "vault-1,,-0.5\nvault-2,12,0\n")
    }
}
