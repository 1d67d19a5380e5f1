import CascadeWorld
import Foundation

/// Which `summary.json` members become `runs.csv` columns, and how.
///
/// Every member but the provenance strings (`world`, `seed`, `cascade_version`,
/// `world_digest`, `model`: the same for every run of a point, or columns already),
/// the unit names (`*_unit`, fixed per figure and documented) and `gas_ceilings_gwei` (an
/// echo of the inputs whose keys vary with the world). Nested objects flatten to
/// `<key>_<member>` (`liquidation_delay_blocks_p50`). The rule looks at names only, never
/// at values, so a run with no liquidations has the same columns (empty cells) as one with
/// many.
package enum SweepFigures {
    static let skipped = [
        "world", "seed", "cascade_version", "world_digest", "model", "gas_ceilings_gwei",
    ]

    /// The columns that are not numbers (left out of `points.csv`'s statistics).
    static let textColumns = ["run_digest"]

    /// The summary's figures, flattened, in the summary's order.
    package static func flatten(_ summary: JSONObject) -> [(name: String, value: OutputValue)] {
        var figures: [(name: String, value: OutputValue)] = []
        for member in summary.members
        where !skipped.contains(member.key) && !member.key.hasSuffix("_unit") {
            if case .object(let nested) = member.value {
                for inner in nested.members {
                    figures.append((member.key + "_" + inner.key, value(inner.value)))
                }
            } else {
                figures.append((member.key, value(member.value)))
            }
        }
        return figures
    }

    /// A JSON scalar as the same CSV cell: exact decimals stay exact text.
    static func value(_ json: OutputJSON) -> OutputValue {
        switch json {
        case .null: .absent
        case .boolean(let flag): .boolean(flag)
        case .integer(let integer): .integer(integer)
        case .decimal(let decimal): .decimal(decimal)
        case .double(let double): .double(double)
        case .string(let text): .text(text)
        case .array, .object: .text(json.serialized(.compact))
        }
    }
}

/// A sweep checked and ready to run: every point decoded with its overrides (so a bad
/// axis value fails before anything runs), its world digest, the `runs.csv` columns, and
/// `sweep.json`'s text.
package struct SweepPlan: Sendable {
    package var definition: SweepDefinition
    package var shard: SweepShard
    /// The world's name (from the file).
    package var worldName: String
    package var seeds: SweepSeeds
    /// Per point, the world digest with its overrides.
    package var digests: [String]
    /// The `runs.csv` header: `point`, `seed`, one column per axis, the figures.
    package var columns: [String]
    /// `runs.csv`'s header line (newline included).
    package var runsHeader: String { CSVWriter.line(columns.map { .text($0) }) }

    package var pointCount: Int { definition.pointCount }
    /// Runs in the whole sweep (every shard).
    package var runCount: Int { pointCount * seeds.count }

    /// The run number of (point, seed index): canonical order, point then seed.
    package func unit(point: Int, seedIndex: Int) -> Int {
        point * seeds.count + seedIndex
    }

    /// Decodes every point; the first bad one fails, naming its overrides.
    package init(definition: SweepDefinition, shard: SweepShard) throws(CascadeFailure) {
        self.definition = definition
        self.shard = shard
        var digests: [String] = []
        var figureColumns: [String]?
        var firstWorld: World?
        for point in 0..<definition.pointCount {
            let world: World
            do {
                world = try World.load(
                    path: definition.worldPath, overrides: definition.overrides(of: point))
            } catch {
                let values = zip(definition.axes, definition.displayValues(of: point))
                    .map { "\($0.path)=\($1)" }.joined(separator: ", ")
                throw CascadeFailure(
                    .badInput,
                    "sweep point \(point)\(values.isEmpty ? "" : " (\(values))"): "
                        + error.description)
            }
            let columns = SweepFigures.flatten(SummaryRun.emptySummary(world: world)).map(\.name)
            if let figureColumns, figureColumns != columns {
                throw CascadeFailure(
                    .badInput,
                    "sweep point \(point): its world writes other summary figures than point 0 "
                        + "(a sweep's points must share one model)")
            }
            figureColumns = columns
            if firstWorld == nil { firstWorld = world }
            digests.append(world.digest)
        }
        guard let world = firstWorld, let figureColumns else {
            throw CascadeFailure(.badInput, "the sweep has no points")
        }
        worldName = world.name
        seeds = definition.seeds ?? SweepSeeds(first: world.seed, last: world.seed)
        self.digests = digests
        let axisColumns = definition.axes.map(\.path)
        columns = ["point", "seed"] + axisColumns + figureColumns
        for (index, column) in columns.enumerated() where columns[..<index].contains(column) {
            let message =
                "the axis's column would have the name of a summary figure; sweep another path"
            throw definition.axes.first { $0.path == column }?.failure(message)
                ?? CascadeFailure(.badInput, "--set \(column)=...: \(message)")
        }
    }

    /// `sweep.json`: the definition, the version, each point's overrides and world digest,
    /// and the columns. Deterministic (keys in this order, nothing from the host), so
    /// resuming compares it byte for byte; slices differ only in `shard`.
    package var manifestText: String {
        var object = JSONObject()
        object.append("sweep", .string(definition.name ?? worldName))
        object.append("world", .string(worldName))
        object.append("cascade_version", .string(CascadeVersion.current))
        var seedObject = JSONObject()
        seedObject.append("first", .string(String(seeds.first)))
        seedObject.append("last", .string(String(seeds.last)))
        object.append("seeds", .object(seedObject))
        object.append("set", .array(definition.fixed.map { .string($0) }))
        object.append(
            "axes",
            .array(
                definition.axes.map { axis in
                    var entry = JSONObject()
                    entry.append("path", .string(axis.path))
                    entry.append("values", .array(axis.values.map { .string($0) }))
                    return .object(entry)
                }))
        object.append("shard", .string(shard.text))
        object.append("points_count", .integer(pointCount))
        object.append("runs", .integer(runCount))
        object.append("columns", .array(columns.map { .string($0) }))
        object.append(
            "points",
            .array(
                (0..<pointCount).map { point in
                    var entry = JSONObject()
                    entry.append("point", .integer(point))
                    entry.append(
                        "overrides", .array(definition.overrides(of: point).map { .string($0) }))
                    entry.append("world_digest", .string(digests[point]))
                    return .object(entry)
                }))
        return object.serialized(.pretty) + "\n"
    }
}

/// `sweep.json` as read back: what a worker, a resume and `cascade merge` need.
package struct SweepManifest: Sendable {
    package var text: String
    package var seeds: SweepSeeds
    package var shard: SweepShard
    package var pointCount: Int
    package var runCount: Int
    package var columns: [String]
    /// `runs.csv`'s header line (newline included).
    package var runsHeader: String { CSVWriter.line(columns.map { .text($0) }) }
    /// Per point: its overrides and world digest.
    package var points: [(overrides: [String], digest: String)]
    /// The axis paths, in order.
    package var axisPaths: [String]
    package var name: String
    package var world: String

    /// The text without the `shard` line: equal for every slice of one sweep.
    package var textWithoutShard: String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("  \"shard\": ") }.joined(separator: "\n")
    }

    /// Reads `folder/sweep.json`; a missing or malformed file is bad input naming it.
    package static func read(folder: String) throws(CascadeFailure) -> SweepManifest {
        let path = SweepFolder.join(folder, "sweep.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CascadeFailure(.badInput, "\(path): no such file (is \(folder) a sweep folder?)")
        }
        let text = String(decoding: data, as: UTF8.self)
        do throws(WorldError) {
            let document = try WorldDocument(bytes: [UInt8](data), displayName: path)
            let object = try document.reader.object()
            let name = try object.required("sweep").string()
            let world = try object.required("world").string()
            let seedsObject = try object.required("seeds").object()
            let first = try seedsObject.required("first").string()
            let last = try seedsObject.required("last").string()
            let shardText = try object.required("shard").string()
            let pointCount = try object.required("points_count").int(in: 1...Int.max)
            let runCount = try object.required("runs").int(in: 1...Int.max)
            let columns = try object.required("columns").array { element throws(WorldError) in
                try element.string()
            }
            let axisPaths = try object.required("axes").array { element throws(WorldError) in
                try element.object().required("path").string()
            }
            let points = try object.required("points").array(count: pointCount...pointCount) {
                element throws(WorldError) in
                let entry = try element.object()
                return (
                    overrides: try entry.required("overrides").array {
                        element throws(WorldError) in try element.string()
                    },
                    digest: try entry.required("world_digest").string()
                )
            }
            guard let firstSeed = UInt64(first), let lastSeed = UInt64(last), firstSeed <= lastSeed,
                let shard = try? SweepShard(parsing: shardText)
            else {
                throw WorldError(file: path, message: "bad seeds or shard")
            }
            return SweepManifest(
                text: text, seeds: SweepSeeds(first: firstSeed, last: lastSeed), shard: shard,
                pointCount: pointCount, runCount: runCount, columns: columns, points: points,
                axisPaths: axisPaths, name: name, world: world)
        } catch {
            throw CascadeFailure(.badInput, "\(path): not a sweep.json: \(error.description)")
        }
    }
}
