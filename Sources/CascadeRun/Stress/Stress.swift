import CascadeWorld
import Foundation

/// `cascade stress`, as the command line gave it.
public struct StressRequest: Sendable {
    public var config: String
    public var seeds: String?
    public var jobs: Int
    public var out: String?

    public init(config: String, seeds: String?, jobs: String?, out: String?, defaultJobs: Int)
        throws(CascadeFailure)
    {
        self.config = config
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
        if let out, out.isEmpty {
            throw CascadeFailure(.badInput, "--out: expected a folder, found an empty string")
        }
        self.out = out
    }
}

/// A stress battery checked and ready: the config, the base world, and per scenario what
/// it does to the world (its point in the sweep, or why it does not apply).
package struct StressPlan: Sendable {
    package var config: StressConfig
    package var worldName: String
    /// Per scenario in config order: its sweep point, or nil when not applicable.
    package var points: [Int?]
    package var applications: [StressApplication]
    /// The quoted venue depth of the base world (nil: no venue).
    package var baseVenueDepth: ExactDecimal?
    /// The unit of the world's `bad_debt` and forced-sale volume (`DAI`, `CRV`, `USDC`).
    package var debtUnit: String
    package var sweep: SweepPlan

    /// Checks the config, applies every scenario to the base world and decodes each
    /// stressed world: any failure is bad input before anything runs.
    package init(config: StressConfig, seeds: String?) throws(CascadeFailure) {
        self.config = config
        var document: WorldDocument
        do throws(WorldError) {
            document = try WorldDocument.load(path: config.worldPath)
            var parsed: [Override] = []
            for text in config.overrides { parsed.append(try Override(parsing: text)) }
            try document.apply(parsed)
        } catch {
            throw .badInput(error)
        }
        let world = try Cascade.loadWorld(config.worldPath, overrides: config.overrides)
        guard case .`protocol`(_) = world.model else {
            throw CascadeFailure(
                .badInput,
                "\(config.worldReference): world '\(world.name)' is not a protocol world; "
                    + "a stress battery needs collateral, keepers and oracles to stress")
        }
        worldName = world.name
        debtUnit = "debt unit"
        for member in SummaryRun.emptySummary(world: world).members
        where member.key == "bad_debt_unit" {
            if case .string(let unit) = member.value { debtUnit = unit }
        }
        let shape = StressWorldShape(document.root)
        baseVenueDepth = shape.venueDepth
        var listed: [[String]] = []
        points = []
        applications = []
        for scenario in config.scenarios {
            let application = scenario.application(
                to: document.root, durationMs: world.duration.milliseconds)
            applications.append(application)
            if case .applies(let overrides) = application {
                points.append(listed.count)
                listed.append(overrides)
            } else {
                points.append(nil)
            }
        }
        guard !listed.isEmpty else {
            throw CascadeFailure(
                .badInput, "no scenario of the battery applies to world '\(world.name)'")
        }
        var definition = SweepDefinition(
            name: config.name, worldPath: config.worldPath, fixed: config.overrides, axes: [],
            seeds: config.seeds, listedPoints: listed)
        if let seeds {
            definition.seeds = try SweepSeeds(parsing: seeds, label: "--seeds")
        }
        try definition.check()
        do {
            sweep = try SweepPlan(definition: definition, shard: .whole)
        } catch {
            // Name the scenario rather than the point number.
            var message = error.message
            for (index, point) in points.enumerated() {
                guard let point, message.hasPrefix("sweep point \(point): ") else { continue }
                message =
                    "scenario \(config.scenarios[index].name): "
                    + message.dropFirst("sweep point \(point): ".count)
            }
            throw CascadeFailure(error.kind, message)
        }
        sweep.columns = ["point", "seed"] + StressMeasures.columns
    }
}

/// `cascade stress CONFIG`: runs the battery's scenarios over the seeds in worker
/// processes (the sweep machinery: `runs.csv` appended as runs finish, resumable), then
/// writes `scorecard.json`, `scorecard.html` and `scorecard.md`. docs/stress.md.
public enum Stress {
    /// The default folder: `out/stress/<name>/`.
    static func defaultFolder(_ name: String) -> String { "out/stress/\(name)" }

    public static func run(_ request: StressRequest, host: SweepHost) throws(CascadeFailure)
        -> String
    {
        let config = try StressConfig.read(path: request.config)
        let plan = try StressPlan(config: config, seeds: request.seeds)
        let folder = request.out ?? defaultFolder(config.name)
        let log = try SweepLog.open(plan: plan.sweep, folder: folder)
        let coordinator = SweepCoordinator(
            log: log, host: host, jobs: request.jobs, folder: folder,
            worldPath: config.worldPath, workerCommand: "__stress-worker")
        try coordinator.run()
        try? FileManager.default.removeItem(atPath: SweepFolder.join(folder, "tmp"))
        guard coordinator.failures.isEmpty else {
            let shown = coordinator.failures.prefix(10).joined(separator: "\n  ")
            let reproduce = coordinator.firstFailed.map { point, seed in
                "\nreproduce the first: cascade run \(config.worldPath) --seed \(seed)"
                    + plan.sweep.definition.overrides(of: point).map { " --set '\($0)'" }
                    .joined()
            }
            throw CascadeFailure(
                coordinator.failureStatus == 1 ? .internalFailure : .badInput,
                "\(coordinator.progress.failures) run(s) failed; finished runs are kept in "
                    + "\(SweepFolder.join(folder, "runs.csv")), and rerunning the same "
                    + "command retries the rest:\n  \(shown)\(reproduce ?? "")")
        }
        let runsPath = SweepFolder.join(folder, "runs.csv")
        var assembly = SweepAssembly(
            seeds: plan.sweep.seeds, pointCount: plan.sweep.pointCount, shard: .whole,
            header: plan.sweep.runsHeader)
        try assembly.add(path: runsPath, displayName: runsPath)
        try assembly.writeRuns(to: runsPath)
        let scorecard = try StressScorecard(plan: plan, runsPath: runsPath)
        try SweepLog.writeWhole(scorecard.json, to: SweepFolder.join(folder, "scorecard.json"))
        try SweepLog.writeWhole(scorecard.html, to: SweepFolder.join(folder, "scorecard.html"))
        try SweepLog.writeWhole(scorecard.markdown, to: SweepFolder.join(folder, "scorecard.md"))
        let applicable = plan.points.compactMap { $0 }.count
        return """
            \(config.name) (\(plan.worldName)): \(applicable) scenario(s) × \
            \(plan.sweep.seeds.count) seed(s) = \(plan.sweep.runCount) runs, \
            \(plan.points.count - applicable) not applicable; ran \(coordinator.progress.runsNow) \
            now, \(log.sliceSize - coordinator.progress.runsNow) were already done
            \(scorecard.textTable)
              wrote \(folder)/ (sweep.json, runs.csv, scorecard.json, scorecard.html, scorecard.md)

            """
    }
}
