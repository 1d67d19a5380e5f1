import CascadeTestSupport
import Foundation
import Testing

/// End-to-end tests of `cascade sweep` and `cascade merge` on the kernel demo with short
/// durations, so they stay fast: worker counts and shards give the same bytes, an
/// interrupted sweep resumes without duplicate or missing rows, and bad input fails
/// before anything runs.
@Suite("cascade sweep and merge", .serialized)
struct SweepCLITests {
    /// A 6-point grid × 4 seeds of short gossip runs.
    static let grid = [
        "kernel-demo", "--set", "duration=2m,3m", "--set", "gossip.agents=5,10,20",
        "--seeds", "1..4",
    ]

    static func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test("--jobs 1 and --jobs 2 write the same runs.csv and points.csv")
    func jobsAgree() throws {
        let folder = try CLIRunner.temporaryFolder("sweep-jobs")
        let one = try CLIRunner.run(
            Self.grid.withCommand("sweep") + ["--jobs", "1", "--out", folder.path + "/one"])
        let two = try CLIRunner.run(
            Self.grid.withCommand("sweep") + ["--jobs", "2", "--out", folder.path + "/two"])
        #expect(one.status == 0, "\(one.standardError)")
        #expect(two.status == 0, "\(two.standardError)")
        for name in ["runs.csv", "points.csv", "sweep.json", "report.html"] {
            #expect(
                try Self.read(folder.path + "/one/" + name)
                    == Self.read(folder.path + "/two/" + name), "\(name)")
        }
        let runs = try Self.read(folder.path + "/one/runs.csv").split(separator: "\n")
        #expect(runs.count == 1 + 24)
        #expect(runs[0].hasPrefix("point,seed,duration,gossip.agents,sim_seconds,events,"))
        #expect(runs[1].hasPrefix("0,1,2m,5,120,"))
        #expect(runs[24].hasPrefix("5,4,3m,20,180,"))
        let points = try Self.read(folder.path + "/one/points.csv").split(separator: "\n")
        #expect(points.count == 1 + 6)
        #expect(points[1].hasPrefix("0,2m,5,4,120,120,120,120,"))
    }

    @Test("each run's row holds the figures of cascade run's summary.json for that seed")
    func rowMatchesRun() throws {
        let folder = try CLIRunner.temporaryFolder("sweep-row")
        let sweep = try CLIRunner.run(
            ["kernel-demo", "--set", "duration=2m", "--seeds", "3", "--out", folder.path + "/s"]
                .withCommand("sweep"))
        #expect(sweep.status == 0, "\(sweep.standardError)")
        let run = try CLIRunner.run([
            "run", "kernel-demo", "--seed", "3", "--set", "duration=2m", "--quiet", "--out",
            folder.path + "/r",
        ])
        #expect(run.status == 0)
        let summary = try Self.read(folder.path + "/r/summary.json")
        let row = try Self.read(folder.path + "/s/runs.csv").split(separator: "\n")[1]
            .split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for (key, value) in [
            ("events", row[4]), ("run_digest", row[5]), ("rumours_delivered", row[7]),
        ] {
            #expect(
                summary.contains("\"\(key)\": \(key == "run_digest" ? "\"\(value)\"" : value)"),
                "\(key)")
        }
    }

    @Test("slices 1/3, 2/3 and 3/3 merged give the whole sweep's files, byte for byte")
    func shardsMerge() throws {
        let folder = try CLIRunner.temporaryFolder("sweep-shards")
        let whole = try CLIRunner.run(
            Self.grid.withCommand("sweep") + ["--out", folder.path + "/whole"])
        #expect(whole.status == 0, "\(whole.standardError)")
        for index in 1...3 {
            let slice = try CLIRunner.run(
                Self.grid.withCommand("sweep") + [
                    "--shard", "\(index)/3", "--jobs", "2", "--out", folder.path + "/s\(index)",
                ])
            #expect(slice.status == 0, "\(slice.standardError)")
            #expect(!FileManager.default.fileExists(atPath: folder.path + "/s\(index)/points.csv"))
            #expect(slice.standardOutput.contains("(sweep.json, runs.csv, witness.csv)"))
        }
        // Every slice bears witness with the whole sweep's first run, as the whole sweep
        // gives it; the whole sweep and the merge keep no witness of their own.
        let firstRow =
            try Self.read(folder.path + "/whole/runs.csv").split(separator: "\n")
            .prefix(2).joined(separator: "\n") + "\n"
        for index in 1...3 {
            #expect(try Self.read(folder.path + "/s\(index)/witness.csv") == firstRow)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/whole/witness.csv"))
        // Slice 1 holds the first run: its witness run is kept as its row (the first in its
        // file, and there once) instead of being run again.
        let sliceRows = try Self.read(folder.path + "/s1/runs.csv").split(separator: "\n")
        let witnessRow = try #require(firstRow.split(separator: "\n").last)
        #expect(sliceRows.count > 1 && sliceRows[1] == witnessRow, "\(sliceRows)")
        #expect(sliceRows.filter { $0 == witnessRow }.count == 1)
        let partial = try CLIRunner.run([
            "merge", folder.path + "/s1", folder.path + "/s3", "--out", folder.path + "/partial",
        ])
        #expect(partial.status == 2)
        #expect(partial.standardError.contains("missing 8"))
        let twice = try CLIRunner.run([
            "merge", folder.path + "/s1", folder.path + "/s2", folder.path + "/./s1/",
            folder.path + "/s3", "--out", folder.path + "/twice",
        ])
        #expect(twice.status == 2)
        #expect(twice.standardError.contains("is the folder"), "\(twice.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/twice"))
        let merged = try CLIRunner.run([
            "merge", folder.path + "/s3", folder.path + "/s1", folder.path + "/s2", "--out",
            folder.path + "/merged",
        ])
        #expect(merged.status == 0, "\(merged.standardError)")
        #expect(!merged.standardOutput.contains("not checked"))
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/merged/witness.csv"))
        for name in ["runs.csv", "points.csv", "sweep.json", "report.html"] {
            #expect(
                try Self.read(folder.path + "/whole/" + name)
                    == Self.read(folder.path + "/merged/" + name), "\(name)")
        }
        let other = try CLIRunner.run(
            [
                "sweep", "kernel-demo", "--set", "duration=2m", "--shard", "1/2", "--out",
                folder.path + "/other",
            ])
        #expect(other.status == 0)
        let mixed = try CLIRunner.run([
            "merge", folder.path + "/s1", folder.path + "/other", "--out", folder.path + "/mixed",
        ])
        #expect(mixed.status == 2 && mixed.standardError.contains("defines another sweep"))
    }

    @Test("a sweep killed with SIGKILL resumes with no duplicate or missing row")
    func resumeAfterKill() throws {
        let folder = try CLIRunner.temporaryFolder("sweep-resume")
        let arguments = [
            "sweep", "kernel-demo", "--set", "duration=10m", "--set", "gossip.agents=20,30",
            "--seeds", "1..20", "--jobs", "2",
        ]
        let reference = try CLIRunner.run(arguments + ["--out", folder.path + "/reference"])
        #expect(reference.status == 0, "\(reference.standardError)")
        let expected = try Self.read(folder.path + "/reference/runs.csv")

        let out = folder.path + "/killed"
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = arguments + ["--out", out]
        process.currentDirectoryURL = CLIRunner.packageRoot
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Kill it once some rows are in (or give up waiting: the resume check still holds).
        for _ in 0..<400 {
            let rows = (try? Self.read(out + "/runs.csv"))?.split(separator: "\n").count ?? 0
            if rows > 8 { break }
            usleep(10_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // As if the kill had cut a row short: a partial last line must be dropped.
        let handle = try #require(FileHandle(forWritingAtPath: out + "/runs.csv"))
        handle.seekToEndOfFile()
        handle.write(Data("1,19,10m,30,600,".utf8))
        try handle.close()

        let resumed = try CLIRunner.run(arguments + ["--out", out])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(try Self.read(out + "/runs.csv") == expected)
        #expect(
            try Self.read(out + "/points.csv")
                == Self.read(folder.path + "/reference/points.csv"))
        // A finished sweep rerun does nothing more and changes nothing.
        let again = try CLIRunner.run(arguments + ["--out", out])
        #expect(again.status == 0 && again.standardOutput.contains("ran 0 now"))
        #expect(try Self.read(out + "/runs.csv") == expected)
        // Another sweep into the same folder is refused.
        let different = try CLIRunner.run(
            ["sweep", "kernel-demo", "--set", "duration=10m", "--seeds", "1..20", "--out", out])
        #expect(different.status == 2)
        #expect(different.standardError.contains("defines another sweep"))
    }

    @Test("a resume reruns its first finished run and refuses a build that gives a different row")
    func resumeChecksTheBuild() throws {
        let folder = try CLIRunner.temporaryFolder("sweep-witness")
        let out = folder.path + "/sweep"
        let arguments = [
            "sweep", "kernel-demo", "--set", "duration=2m", "--set", "gossip.agents=5,10",
            "--seeds", "1..3", "--jobs", "1", "--out", out,
        ]
        let first = try CLIRunner.run(arguments)
        #expect(first.status == 0, "\(first.standardError)")
        let expected = try Self.read(out + "/runs.csv")
        var lines = expected.split(separator: "\n").map(String.init)
        // As if another build had written the first row: its digest differs. The last row
        // is missing, so there is something to resume.
        var fields = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(
            String.init)
        fields[6] = String(fields[6].reversed())
        lines[1] = fields.joined(separator: ",")
        let tampered = lines[..<(lines.count - 1)].joined(separator: "\n") + "\n"
        try tampered.write(toFile: out + "/runs.csv", atomically: true, encoding: .utf8)
        let refused = try CLIRunner.run(arguments)
        #expect(refused.status == 2)
        #expect(
            refused.standardError.contains(out + "/runs.csv")
                && refused.standardError.contains("point 0 seed 1 a different row"),
            "\(refused.standardError)")
        #expect(try Self.read(out + "/runs.csv") == tampered, "nothing appended")
        // The same build's rows pass the check and the resume completes the table.
        let truncated = expected.split(separator: "\n").dropLast().joined(separator: "\n") + "\n"
        try truncated.write(toFile: out + "/runs.csv", atomically: true, encoding: .utf8)
        let resumed = try CLIRunner.run(arguments)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("ran 1 now, 5 were already done"))
        #expect(try Self.read(out + "/runs.csv") == expected)
    }

    @Test("merge refuses slices whose witnesses show two builds, and names what it cannot check")
    func mergeChecksTheBuild() throws {
        let folder = try CLIRunner.temporaryFolder("sweep-merge-witness")
        let arguments = [
            "sweep", "kernel-demo", "--set", "duration=2m", "--set", "gossip.agents=5,10",
            "--seeds", "1..2",
        ]
        for index in 1...2 {
            let slice = try CLIRunner.run(
                arguments + ["--shard", "\(index)/2", "--out", folder.path + "/s\(index)"])
            #expect(slice.status == 0, "\(slice.standardError)")
        }
        let witness = folder.path + "/s2/witness.csv"
        let genuine = try Self.read(witness)
        // As if slice 2 had been run by a build that simulates differently: the first
        // run's digest differs from the row slice 1 holds.
        var lines = genuine.split(separator: "\n").map(String.init)
        var fields = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(
            String.init)
        fields[6] = String(fields[6].reversed())
        lines[1] = fields.joined(separator: ",")
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: witness, atomically: true, encoding: .utf8)
        let mixed = try CLIRunner.run([
            "merge", folder.path + "/s1", folder.path + "/s2", "--out", folder.path + "/mixed",
        ])
        #expect(mixed.status == 2)
        #expect(
            mixed.standardError.contains(witness)
                && mixed.standardError.contains(folder.path + "/s1/runs.csv")
                && mixed.standardError.contains("point 0 seed 1"), "\(mixed.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/mixed/runs.csv"))
        // A slice whose witness file is not one row of the sweep's first run is bad input.
        try "point,seed\n".write(toFile: witness, atomically: true, encoding: .utf8)
        let malformed = try CLIRunner.run([
            "merge", folder.path + "/s1", folder.path + "/s2", "--out", folder.path + "/bad",
        ])
        #expect(malformed.status == 2 && malformed.standardError.contains(witness))
        // A slice begun before witnesses were kept merges, and the merge says it could not
        // check which build ran it.
        try FileManager.default.removeItem(atPath: witness)
        let old = try CLIRunner.run([
            "merge", folder.path + "/s1", folder.path + "/s2", "--out", folder.path + "/old",
        ])
        #expect(old.status == 0, "\(old.standardError)")
        #expect(
            old.standardOutput.contains("not checked: \(folder.path)/s2 has no witness.csv"),
            "\(old.standardOutput)")
        #expect(!old.standardOutput.contains("not checked: \(folder.path)/s1"))
        // Resuming such a slice (a row lost) writes its witness with the build that now
        // adds rows, once that build has passed the resume check.
        let runs = folder.path + "/s2/runs.csv"
        let complete = try Self.read(runs)
        try (complete.split(separator: "\n").dropLast().joined(separator: "\n") + "\n").write(
            toFile: runs, atomically: true, encoding: .utf8)
        let resumed = try CLIRunner.run(
            arguments + ["--shard", "2/2", "--out", folder.path + "/s2"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(try Self.read(witness) == genuine)
        #expect(try Self.read(runs) == complete)
    }

    @Test("a slice stopped before its first row writes its witness again with the next build")
    func staleWitnessReplaced() throws {
        let folder = try CLIRunner.temporaryFolder("sweep-stale-witness")
        let arguments = [
            "sweep", "kernel-demo", "--set", "duration=2m", "--seeds", "1..4", "--shard", "2/2",
            "--out", folder.path + "/s2",
        ]
        let first = try CLIRunner.run(arguments)
        #expect(first.status == 0, "\(first.standardError)")
        let witness = folder.path + "/s2/witness.csv"
        let genuine = try Self.read(witness)
        // As if the slice had been stopped by another build after its witness and before
        // any row: nothing holds this build to that witness, so the next run replaces it.
        let runs = folder.path + "/s2/runs.csv"
        let complete = try Self.read(runs)
        try String(complete.prefix { $0 != "\n" } + "\n").write(
            toFile: runs, atomically: true, encoding: .utf8)
        let stale = genuine.replacingOccurrences(of: ",2m,", with: ",2m,9")
        #expect(stale != genuine)
        try stale.write(toFile: witness, atomically: true, encoding: .utf8)
        let again = try CLIRunner.run(arguments)
        #expect(again.status == 0, "\(again.standardError)")
        #expect(try Self.read(witness) == genuine)
        #expect(try Self.read(runs) == complete)
    }

    @Test("cascade report redraws a sweep's heat maps, of the figure --figure names")
    func reportFigure() throws {
        let folder = try CLIRunner.temporaryFolder("sweep-report-figure")
        let out = folder.path + "/sweep"
        let sweep = try CLIRunner.run(
            [
                "sweep", "kernel-demo", "--set", "duration=2m", "--set", "gossip.agents=5,10",
                "--seeds", "1..2", "--out", out,
            ])
        #expect(sweep.status == 0, "\(sweep.standardError)")
        let drawn = try Self.read(out + "/report.html")
        #expect(drawn.contains("Mean of sim seconds") || drawn.contains("Mean of events"))
        #expect(drawn.contains("--figure NAME"))
        // Without --figure the page is the one the sweep drew, byte for byte.
        let again = try CLIRunner.run(["report", out])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(try Self.read(out + "/report.html") == drawn)
        let named = try CLIRunner.run(["report", out, "--figure", "rumours_delivered"])
        #expect(named.status == 0, "\(named.standardError)")
        #expect(named.standardOutput.contains("mean rumours_delivered over the grid"))
        let page = try Self.read(out + "/report.html")
        #expect(page.contains("Mean of rumours delivered over each point"))
        #expect(page.contains("rumours_delivered p95"))
        // A figure points.csv does not have is bad input, listing those it has; the page
        // stays as it was.
        let unknown = try CLIRunner.run(["report", out, "--figure", "bad_debt"])
        #expect(unknown.status == 2)
        #expect(
            unknown.standardError.contains("--figure bad_debt")
                && unknown.standardError.contains("rumours_delivered"),
            "\(unknown.standardError)")
        #expect(try Self.read(out + "/report.html") == page)
        // A slice has no points.csv yet; a run's folder has no heat maps to choose for.
        let slice = try CLIRunner.run(
            [
                "sweep", "kernel-demo", "--set", "duration=2m", "--seeds", "1..2", "--shard",
                "1/2", "--out", folder.path + "/slice",
            ])
        #expect(slice.status == 0, "\(slice.standardError)")
        let sliceReport = try CLIRunner.run(["report", folder.path + "/slice"])
        #expect(sliceReport.status == 2)
        #expect(sliceReport.standardError.contains(folder.path + "/slice/points.csv"))
        let run = try CLIRunner.run(
            [
                "run", "kernel-demo", "--set", "duration=1m", "--quiet", "--out",
                folder.path + "/run",
            ])
        #expect(run.status == 0, "\(run.standardError)")
        let runFigure = try CLIRunner.run(["report", folder.path + "/run", "--figure", "events"])
        #expect(runFigure.status == 2)
        #expect(runFigure.standardError.contains("is a run's folder"))
    }

    @Test("a bad axis value fails before anything runs, naming the path and the value")
    func badAxisValue() throws {
        let folder = try CLIRunner.temporaryFolder("sweep-bad-axis")
        let out = folder.path + "/out"
        let outcome = try CLIRunner.run([
            "sweep", "kernel-demo", "--set", "gossip.agents=5,10,many", "--set",
            "duration=1m,2m", "--out", out,
        ])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("gossip.agents=many"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test(
        "bad flags exit 2 with a message",
        arguments: [
            ["--seeds", "9..2"], ["--seeds", "a..b"], ["--seeds", "1..2..3"],
            ["--shard", "0/3"], ["--shard", "4/3"], ["--shard", "1-3"], ["--jobs", "0"],
            ["--jobs", "two"], ["--set", "gossip.agents=1,,2"], ["--set", "x=[1,2"],
            ["--set", "seed=1,2"], ["--set", "duration=1m", "--set", "duration=2m"],
            ["--set", "gossip.agents=5,10,5"], [],
        ])
    func badFlags(flags: [String]) throws {
        let folder = try CLIRunner.temporaryFolder("sweep-bad-flags")
        let out = flags.isEmpty ? [] : ["--out", folder.path + "/out"]
        let outcome = try CLIRunner.run(["sweep", "kernel-demo"] + flags + out)
        #expect(outcome.status == 2, "\(flags)")
        #expect(outcome.standardError.contains("cascade: error:"), "\(flags)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out/runs.csv"))
    }

    @Test("a sweep file names the world, axes and seeds; the command line adds to it")
    func sweepFile() throws {
        let folder = try CLIRunner.temporaryFolder("sweep-file")
        let file = folder.path + "/study.json"
        try """
        {
          "name": "study",
          "description": "a small study",
          "world": "kernel-demo",
          "seeds": "1..2",
          "set": ["duration=2m"],
          "axes": [ { "path": "gossip.agents", "values": [5, 10] } ]
        }
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let outcome = try CLIRunner.run([
            "sweep", file, "--set", "gossip.max_hops=2,3", "--out", folder.path + "/out",
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let runs = try Self.read(folder.path + "/out/runs.csv").split(separator: "\n")
        #expect(runs.count == 1 + 4 * 2)
        #expect(runs[0].hasPrefix("point,seed,gossip.agents,gossip.max_hops,"))
        #expect(runs[1].hasPrefix("0,1,5,2,120,"))
        let manifest = try Self.read(folder.path + "/out/sweep.json")
        #expect(manifest.contains("\"sweep\": \"study\""))
        #expect(manifest.contains("\"world_digest\": "))
        #expect(try Self.read(folder.path + "/out/report.html").contains("<svg"))

        try """
        { "name": "typo", "world": "kernel-demo", "axis": [] }
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let typo = try CLIRunner.run(["sweep", file, "--out", folder.path + "/typo"])
        #expect(typo.status == 2 && typo.standardError.contains("axis"))

        try """
        { "name": "twice", "world": "kernel-demo",
          "axes": [ { "path": "gossip.agents", "values": [5, 10, 5] } ] }
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let twice = try CLIRunner.run(["sweep", file, "--out", folder.path + "/twice"])
        #expect(twice.status == 2)
        #expect(
            twice.standardError.contains("study.json:2:")
                && twice.standardError.contains("axes[0].values: 5 is listed twice"),
            "\(twice.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/twice"))

        // An axis the file gives twice, or one it may not give, is named at its path in
        // the file (not as a `--set` the user never typed).
        try """
        { "name": "again", "world": "kernel-demo",
          "axes": [ { "path": "gossip.agents", "values": [5] },
                    { "path": "gossip.agents", "values": [10] },
                    { "path": "seed", "values": [1, 2] } ] }
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let again = try CLIRunner.run(["sweep", file, "--out", folder.path + "/again"])
        #expect(again.status == 2)
        #expect(
            again.standardError.contains(
                "study.json:3:23: axes[1].path: the axis is given twice; list all its values "
                    + "in one axis"),
            "\(again.standardError)")
        #expect(!again.standardError.contains("--set"), "\(again.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/again"))

        // The same axis on the command line is the command line's mistake.
        try """
        { "name": "extra", "world": "kernel-demo",
          "axes": [ { "path": "gossip.agents", "values": [5, 10] } ] }
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let extra = try CLIRunner.run([
            "sweep", file, "--set", "gossip.agents=8", "--out", folder.path + "/extra",
        ])
        #expect(extra.status == 2)
        #expect(
            extra.standardError.contains("--set gossip.agents=...: the axis is given twice"),
            "\(extra.standardError)")
    }

    @Test("a world's own sweep section is its study; a run ignores it")
    func worldSection() throws {
        let folder = try CLIRunner.temporaryFolder("sweep-section")
        let world = folder.path + "/world.json"
        try """
        {
          "name": "gossip-study", "description": "d", "seed": 4, "duration": "2m",
          "gossip": { "agents": 5, "mean_interval": "1s", "mean_latency": "10ms", "max_hops": 2 },
          "sweep": { "seeds": "1..3", "axes": [ { "path": "gossip.agents", "values": [5, 8] } ] }
        }
        """.write(toFile: world, atomically: true, encoding: .utf8)
        let outcome = try CLIRunner.run(["sweep", world, "--out", folder.path + "/out"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let runs = try Self.read(folder.path + "/out/runs.csv").split(separator: "\n")
        #expect(runs.count == 1 + 2 * 3)
        #expect(runs[0].hasPrefix("point,seed,gossip.agents,"))
        let run = try CLIRunner.run(["run", world, "--out", folder.path + "/run", "--quiet"])
        #expect(run.status == 0, "\(run.standardError)")

        try """
        { "name": "bad", "description": "d", "seed": 1, "duration": "1m",
          "gossip": { "agents": 5, "mean_interval": "1s", "mean_latency": "10ms", "max_hops": 2 },
          "sweep": { "axes": [ { "path": "gossip.agents", "values": [] } ] } }
        """.write(toFile: world, atomically: true, encoding: .utf8)
        let bad = try CLIRunner.run(["sweep", world, "--out", folder.path + "/bad"])
        #expect(bad.status == 2 && bad.standardError.contains("sweep.axes[0].values"))
    }
}

extension Array where Element == String {
    /// The arguments with `command` in front, unless they start with it already.
    fileprivate func withCommand(_ command: String) -> [String] {
        first == command ? self : [command] + self
    }
}

/// A run that fails inside a worker.
@Suite("cascade sweep: failed runs")
struct SweepFailureCLITests {
    @Test("a failed run is reported with the command that reproduces it; exit 1, rows kept")
    func failedRun() throws {
        let folder = try CLIRunner.temporaryFolder("sweep-failure")
        // The second point's event limit stops each of its runs: an internal failure.
        let arguments = [
            "sweep", "kernel-demo", "--set", "duration=1m", "--set",
            #"limits={"max_events":100000000},{"max_events":50}"#, "--seeds", "1..3", "--out",
            folder.path + "/out",
        ]
        let outcome = try CLIRunner.run(arguments)
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("3 run(s) failed"))
        #expect(outcome.standardError.contains("run 1:1 (point:seed)"))
        #expect(
            outcome.standardError.contains(
                #"reproduce the first: cascade run worlds/kernel-demo.json --seed 1 --set 'duration=1m' --set 'limits={"max_events":50}'"#
            ))
        let runs = try String(contentsOfFile: folder.path + "/out/runs.csv", encoding: .utf8)
        #expect(runs.split(separator: "\n").count == 1 + 3)
        #expect(runs.contains(#"0,1,1m,"{""max_events"":100000000}",60,"#))
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out/points.csv"))
    }
}
