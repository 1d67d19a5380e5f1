import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `cascade sweep`, as the command line gave it, checked.
public struct SweepRequest: Sendable {
    public var target: String
    public var sets: [String]
    public var seeds: String?
    public var jobs: Int
    public var shard: String?
    public var out: String

    /// Checks the option texts; a bad `--jobs` or a missing `--out` is bad input.
    public init(
        target: String, sets: [String], seeds: String?, jobs: String?, shard: String?,
        out: String?, defaultJobs: Int
    ) throws(CascadeFailure) {
        self.target = target
        self.sets = sets
        self.seeds = seeds
        if let jobs {
            guard let value = Int(jobs), value >= 1, value <= 1024 else {
                throw CascadeFailure(
                    .badInput, "--jobs \(jobs): expected a whole number from 1 to 1024")
            }
            self.jobs = value
        } else {
            self.jobs = max(1, defaultJobs)
        }
        self.shard = shard
        guard let out, !out.isEmpty else {
            throw CascadeFailure(.badInput, "--out DIR is required: the sweep's folder")
        }
        self.out = out
    }
}

/// What a sweep reports while it runs, for the progress bar (stderr only).
public struct SweepProgress: Sendable {
    /// Runs of this slice finished, before and during this invocation.
    public var runsDone: Int
    public var runsTotal: Int
    public var pointsDone: Int
    public var pointsTotal: Int
    /// Runs finished by this invocation, and the seconds it has been running.
    public var runsNow: Int
    public var elapsedSeconds: Double
    public var failures: Int

    public var runsPerSecond: Double {
        elapsedSeconds > 0 ? Double(runsNow) / elapsedSeconds : 0
    }

    /// Seconds left at the current rate, nil before the first run finishes.
    public var remainingSeconds: Double? {
        guard runsNow > 0, runsPerSecond > 0 else { return nil }
        return Double(runsTotal - runsDone) / runsPerSecond
    }

    /// `[########------]  12/48 points  240/960 runs  3.2 runs/s  ETA 4m10s`.
    public func bar(width: Int = 24) -> String {
        let filled = runsTotal == 0 ? width : width * runsDone / runsTotal
        let bar =
            String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        return "[\(bar)] " + figures
    }

    /// `sweep: 240/960 runs, 12/48 points, 3.2 runs/s, ETA 4m10s` (`stress:` for a battery).
    public func line(_ command: String) -> String {
        "\(command): " + figures.replacingOccurrences(of: "  ", with: ", ")
    }

    var figures: String {
        var text = "\(pointsDone)/\(pointsTotal) points  \(runsDone)/\(runsTotal) runs"
        text += "  " + String(format: "%.2f", runsPerSecond) + " runs/s"
        text += "  ETA " + (remainingSeconds.map(SweepProgress.duration) ?? "?")
        if failures > 0 { text += "  \(failures) failed" }
        return text
    }

    /// `4m10s`, `1h02m`, `12s`.
    public static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return String(format: "%dh%02dm", total / 3600, total % 3600 / 60) }
        if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return "\(total)s"
    }
}

/// What the command line gives a sweep from the host: the binary to start as workers, a
/// monotonic clock (seconds) and where progress goes. The run layer itself reads no clock.
public struct SweepHost {
    public var executable: String
    public var now: () -> Double
    public var progress: (SweepProgress) -> Void

    public init(
        executable: String, now: @escaping () -> Double,
        progress: @escaping (SweepProgress) -> Void
    ) {
        self.executable = executable
        self.now = now
        self.progress = progress
    }
}

/// `cascade sweep`: checks every point, then runs the slice's missing (point, seed) pairs
/// in worker processes, appending each finished row to `runs.csv`; when the slice is
/// complete, orders `runs.csv` canonically and (for a whole sweep) writes `points.csv` and
/// `report.html`. docs/sweeps.md.
public enum Sweep {
    /// Runs the sweep; returns the lines for stdout.
    public static func run(_ request: SweepRequest, host: SweepHost) throws(CascadeFailure)
        -> String
    {
        let definition = try SweepDefinition.parse(
            target: request.target, sets: request.sets, seeds: request.seeds)
        let shard =
            try request.shard.map { text throws(CascadeFailure) in
                try SweepShard(parsing: text)
            } ?? .whole
        let plan = try SweepPlan(definition: definition, shard: shard)
        let folder = request.out
        let log = try SweepLog.open(plan: plan, folder: folder)
        let coordinator = SweepCoordinator(
            log: log, host: host, jobs: request.jobs, folder: folder,
            worldPath: definition.worldPath)
        try coordinator.run()
        let progress = coordinator.progress
        guard coordinator.failures.isEmpty else {
            let shown = coordinator.failures.prefix(10).joined(separator: "\n  ")
            let reproduce = coordinator.firstFailed.map { point, seed in
                "\nreproduce the first: cascade run \(definition.worldPath) --seed \(seed)"
                    + definition.overrides(of: point).map { " --set '\($0)'" }.joined()
            }
            throw CascadeFailure(
                coordinator.failureStatus == 1 ? .internalFailure : .badInput,
                "\(progress.failures) run(s) failed; finished runs are kept in "
                    + "\(SweepFolder.join(folder, "runs.csv")), and rerunning the same "
                    + "command retries the rest:\n  \(shown)\(reproduce ?? "")")
        }
        try finalize(plan: plan, folder: folder)
        let witness = SweepFolder.join(folder, SweepWitness.fileName)
        let written =
            shard.count == 1
            ? "sweep.json, runs.csv, points.csv, report.html"
            : FileManager.default.fileExists(atPath: witness)
                ? "sweep.json, runs.csv, \(SweepWitness.fileName)" : "sweep.json, runs.csv"
        return """
            \(plan.worldName): \(plan.pointCount) point(s) × \(plan.seeds.count) seed(s) = \
            \(plan.runCount) runs\(shard.count > 1 ? ", slice \(shard.text) holds \(log.sliceSize)" : ""); \
            ran \(progress.runsNow) now, \(log.sliceSize - progress.runsNow) were already done
              wrote \(folder)/ (\(written))

            """
    }

    /// A complete slice: `runs.csv` in canonical order; a whole sweep also gets
    /// `points.csv` and `report.html`.
    static func finalize(plan: SweepPlan, folder: String) throws(CascadeFailure) {
        let runsPath = SweepFolder.join(folder, "runs.csv")
        var assembly = SweepAssembly(
            seeds: plan.seeds, pointCount: plan.pointCount, shard: plan.shard,
            header: plan.runsHeader)
        try assembly.add(path: runsPath, displayName: runsPath)
        try assembly.writeRuns(to: runsPath)
        if plan.shard.count == 1 {
            try SweepOutputs.write(
                folder: folder, axisCount: plan.definition.axes.count,
                manifest: try SweepManifest.read(folder: folder))
        }
    }
}

/// The outputs drawn from a complete, canonical `runs.csv`: `points.csv` and `report.html`.
enum SweepOutputs {
    static func write(folder: String, axisCount: Int, manifest: SweepManifest)
        throws(CascadeFailure)
    {
        let runsPath = SweepFolder.join(folder, "runs.csv")
        let pointsPath = SweepFolder.join(folder, "points.csv")
        try SweepPoints.write(runsPath: runsPath, pointsPath: pointsPath, axisCount: axisCount)
        try writeReport(folder: folder, manifest: manifest, figure: nil)
    }

    /// `report.html` from the folder's `points.csv`, mapping `figure` (nil: the default);
    /// returns the figure mapped.
    @discardableResult
    static func writeReport(folder: String, manifest: SweepManifest, figure requested: String?)
        throws(CascadeFailure) -> String
    {
        let pointsPath = SweepFolder.join(folder, "points.csv")
        let figure = try SweepReport.figure(requested, pointsPath: pointsPath)
        let page = try SweepReport.page(pointsPath: pointsPath, manifest: manifest, figure: figure)
        do {
            let file = try PendingFile(path: SweepFolder.join(folder, "report.html"))
            try file.write(page)
            try file.commit()
        } catch {
            throw .output(error)
        }
        return figure
    }
}

/// `cascade report SWEEP_DIR [--figure NAME]`: redraws a whole (or merged) sweep's
/// `report.html` from its `sweep.json` and `points.csv`, mapping the named figure.
public enum SweepRedraw {
    /// Whether `folder` holds a sweep (its `sweep.json`) rather than a run.
    public static func isSweep(_ folder: String) -> Bool {
        FileManager.default.fileExists(atPath: SweepFolder.join(folder, "sweep.json"))
    }

    public static func run(folder: String, figure: String?) throws(CascadeFailure) -> String {
        let manifest = try SweepManifest.read(folder: folder)
        let points = SweepFolder.join(folder, "points.csv")
        guard FileManager.default.fileExists(atPath: points) else {
            throw CascadeFailure(
                .badInput,
                "\(points): no such file (a slice has none until the slices are merged with "
                    + "'cascade merge', a stress battery draws scorecard.html instead, and an "
                    + "unfinished sweep writes it when its last run is in)")
        }
        let chosen = try SweepOutputs.writeReport(
            folder: folder, manifest: manifest, figure: figure)
        return "wrote \(SweepFolder.join(folder, "report.html")) (mean \(chosen) over the grid)\n"
    }
}
