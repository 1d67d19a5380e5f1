import CascadeWorld
import Foundation

/// One axis of a sweep: a JSON path and the values it takes, in order.
///
/// On the command line an axis is `--set PATH=V1,V2,...`: the values are split at the
/// commas that are *outside* JSON brackets, braces and strings, so a value may itself be a
/// JSON array, object or string holding commas: `--set 'x=[1,2],[3,4]'` is two values,
/// `[1,2]` and `[3,4]`; `--set 'x="a,b"'` is one. Each value is read as `--set` reads a
/// value (JSON when it is JSON, a plain string otherwise). A `--set` with one value is a
/// one-value axis: it still gets its column in `runs.csv`.
package struct SweepAxis: Sendable, Equatable {
    /// The JSON path as written (`protocol.keepers[0].count`): the column's name.
    package var path: String
    /// Each value as the override's value text (`600s`, `10`, `"1 gwei"`).
    package var values: [String]
    /// Where a sweep file (or a world's `sweep` section) wrote the axis's path, as an error
    /// located there (its message unused); nil for an axis from `--set`.
    package var source: WorldError?

    package init(path: String, values: [String], source: WorldError? = nil) {
        self.path = path
        self.values = values
        self.source = source
    }

    /// Bad input about this axis, named where it was written: its path in the sweep file
    /// (`study.json:4:15: axes[0].path: ...`), or its `--set`.
    package func failure(_ message: String) -> CascadeFailure {
        guard var located = source else {
            return CascadeFailure(.badInput, "--set \(path)=...: \(message)")
        }
        located.message = message
        return .badInput(located)
    }

    /// Parses `PATH=V1,V2,...`; errors name the option and say what is wrong.
    package init(parsing text: String) throws(CascadeFailure) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw CascadeFailure(
                .badInput,
                "--set \(text): expected PATH=V1,V2,..., like protocol.keepers[0].count=5,10")
        }
        path = String(text[..<equals])
        let list = String(text[text.index(after: equals)...])
        guard let values = SweepAxis.split(list), !values.contains(where: \.isEmpty) else {
            throw CascadeFailure(
                .badInput,
                "--set \(text): \(path): expected values separated by commas, each non-empty "
                    + "(commas inside [...], {...} or \"...\" do not separate)")
        }
        self.values = values
    }

    /// The override text of one value (`path=value`).
    package func override(_ index: Int) -> String {
        path + "=" + values[index]
    }

    /// A value as `runs.csv` shows it: a JSON string as its content (`600s` for `"600s"`),
    /// anything else as written (`10`, `true`, `[1,2]`).
    package func display(_ index: Int) -> String {
        let value = values[index]
        if let override = try? Override(parsing: "x=" + value),
            case .string(let text) = override.value.content
        {
            return text
        }
        return value
    }

    /// The first value that stands earlier in `values` too (as written), or nil.
    static func firstRepeated(_ values: [String]) -> String? {
        values.indices.first { values[..<$0].contains(values[$0]) }.map { values[$0] }
    }

    /// Splits a value list at top-level commas; nil for unbalanced brackets or quotes.
    /// Inside a JSON string a backslash escapes the next character.
    static func split(_ list: String) -> [String]? {
        var values: [String] = []
        var current = ""
        var depth = 0
        var inString = false
        var escaped = false
        for character in list {
            if inString {
                current.append(character)
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
                continue
            }
            switch character {
            case "\"": inString = true
            case "[", "{": depth += 1
            case "]", "}":
                depth -= 1
                if depth < 0 { return nil }
            case "," where depth == 0:
                values.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        guard depth == 0, !inString else { return nil }
        values.append(current)
        return values
    }
}

/// A seed range, `A..B` inclusive (or one seed, `N`).
package struct SweepSeeds: Sendable, Equatable {
    package var first: UInt64
    package var last: UInt64

    /// At most this many seeds per point (a larger study shards its seed range instead).
    package static let maximumCount: UInt64 = 10_000_000

    package init(first: UInt64, last: UInt64) {
        precondition(first <= last, "empty seed range")
        self.first = first
        self.last = last
    }

    /// Parses `A..B` or `N`; `label` names the option or key in messages.
    package init(parsing text: String, label: String) throws(CascadeFailure) {
        let parts = text.components(separatedBy: "..")
        let bad = CascadeFailure(
            .badInput,
            "\(label) \(text): expected A..B, two whole numbers with A ≤ B (like 1..20), "
                + "or one seed")
        guard parts.count <= 2, let first = UInt64(parts[0]),
            let last = parts.count == 2 ? UInt64(parts[1]) : first, first <= last
        else { throw bad }
        guard last - first < SweepSeeds.maximumCount else {
            throw CascadeFailure(
                .badInput,
                "\(label) \(text): at most \(SweepSeeds.maximumCount) seeds per sweep; "
                    + "split the range into several sweeps or shards")
        }
        self.init(first: first, last: last)
    }

    package var count: Int { Int(last - first) + 1 }

    package var text: String { first == last ? "\(first)" : "\(first)..\(last)" }
}

/// `--shard K/N`: the K-th of N slices (1 ≤ K ≤ N). A sweep's runs are numbered in
/// canonical order (point, then seed) from 0; slice K takes the runs whose number leaves
/// remainder K − 1 when divided by N, so slices are balanced whatever the cost of each
/// point.
package struct SweepShard: Sendable, Equatable {
    package var index: Int
    package var count: Int

    package static let whole = SweepShard(index: 1, count: 1)

    package init(index: Int, count: Int) {
        precondition(index >= 1 && index <= count, "shard out of range")
        self.index = index
        self.count = count
    }

    package init(parsing text: String) throws(CascadeFailure) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]),
            count >= 1, count <= 1_000_000, index >= 1, index <= count
        else {
            throw CascadeFailure(
                .badInput,
                "--shard \(text): expected K/N with 1 ≤ K ≤ N (like 2/8), N at most 1000000")
        }
        self.init(index: index, count: count)
    }

    package var text: String { "\(index)/\(count)" }

    /// Whether run number `unit` belongs to this slice.
    package func contains(_ unit: Int) -> Bool {
        unit % count == index - 1
    }

    /// How many of `total` runs this slice holds.
    package func size(of total: Int) -> Int {
        total / count + (total % count > index - 1 ? 1 : 0)
    }
}

/// What a sweep is: a world, fixed overrides, axes, seeds. Built from the command line
/// and, optionally, a sweep file (docs/sweeps.md).
package struct SweepDefinition: Sendable {
    /// The sweep's name: the sweep file's `name`, or the world's name.
    package var name: String?
    /// The world file to load (a path, resolved).
    package var worldPath: String
    /// Overrides every point gets, before its axis values (a sweep file's `set`).
    package var fixed: [String]
    package var axes: [SweepAxis]
    /// The seeds; nil means the world's own seed.
    package var seeds: SweepSeeds?
    /// Points given one by one instead of as a grid (a stress battery's scenarios): each
    /// point's overrides after the fixed ones. With them there are no axes.
    package var listedPoints: [[String]]? = nil

    /// At most this many runs (points × seeds) in one sweep.
    package static let maximumRuns = 10_000_000

    /// The number of points: the product of the axes' sizes (1 with no axis).
    package var pointCount: Int {
        listedPoints?.count ?? axes.reduce(1) { $0 * $1.values.count }
    }

    /// The value index of each axis at `point`: the first axis varies slowest, the last
    /// fastest (as nested loops in axis order).
    package func valueIndices(of point: Int) -> [Int] {
        var indices = [Int](repeating: 0, count: axes.count)
        var rest = point
        for axis in axes.indices.reversed() {
            indices[axis] = rest % axes[axis].values.count
            rest /= axes[axis].values.count
        }
        return indices
    }

    /// Every override of `point`, in the order applied: fixed ones, then one per axis.
    package func overrides(of point: Int) -> [String] {
        if let listedPoints { return fixed + listedPoints[point] }
        return fixed + zip(axes, valueIndices(of: point)).map { $0.override($1) }
    }

    /// The axis values of `point` as `runs.csv` shows them.
    package func displayValues(of point: Int) -> [String] {
        zip(axes, valueIndices(of: point)).map { $0.display($1) }
    }

    /// Reads the command line: a world (name or path) or a sweep file, then the `--set`
    /// axes and `--seeds`, which add to and replace the sweep file's.
    package static func parse(target: String, sets: [String], seeds: String?)
        throws(CascadeFailure) -> SweepDefinition
    {
        var definition: SweepDefinition
        if let file = try SweepFile.readIfSweepFile(target) {
            definition = file
        } else {
            let path: String
            do {
                path = try WorldCatalog.locate(target)
            } catch {
                throw .badInput(error)
            }
            definition =
                try SweepFile.readWorldSection(path)
                ?? SweepDefinition(name: nil, worldPath: path, fixed: [], axes: [], seeds: nil)
        }
        for text in sets {
            let axis = try SweepAxis(parsing: text)
            definition.axes.append(axis)
        }
        if let seeds {
            definition.seeds = try SweepSeeds(parsing: seeds, label: "--seeds")
        }
        try definition.check()
        return definition
    }

    /// Checks the axes' paths and the sweep's size.
    func check() throws(CascadeFailure) {
        for (index, axis) in axes.enumerated() {
            if case .failure(let failure) = JSONPath.parse(axis.path) {
                throw axis.failure("bad path: \(failure.message)")
            }
            if axis.path == "seed" {
                throw axis.failure(
                    "a sweep's seeds come from --seeds (or the sweep file's seeds), not from "
                        + "the world's seed")
            }
            if let repeated = SweepAxis.firstRepeated(axis.values) {
                throw axis.failure(
                    "\(repeated) is listed twice; each value makes one point of the grid")
            }
            if axes[..<index].contains(where: { $0.path == axis.path }) {
                throw axis.failure(
                    "the axis is given twice; list all its values in one "
                        + (axis.source == nil ? "--set" : "axis"))
            }
        }
        var runs = seeds?.count ?? 1
        for axis in axes {
            let (product, overflow) = runs.multipliedReportingOverflow(by: axis.values.count)
            guard !overflow, product <= Self.maximumRuns else {
                throw CascadeFailure(
                    .badInput,
                    "the sweep has more than \(Self.maximumRuns) runs (points × seeds); "
                        + "split it into several sweeps")
            }
            runs = product
        }
    }
}

/// A sweep file (`worlds/sweeps/<name>.json`): one reviewable file naming the world, the
/// axes and the seeds of a study (docs/sweeps.md).
///
/// ```json
/// { "name": "flipper-ttl", "description": "...", "world": "../black-thursday-2020.json",
///   "seeds": "1..20", "set": ["duration=12h"],
///   "axes": [ { "path": "protocol.collaterals[0].flipper.ttl", "values": ["300s", "1h"] } ] }
/// ```
///
/// It is told apart from a world by its `world` key (worlds have none).
enum SweepFile {
    /// The keys a sweep file may hold.
    static let keys = ["name", "description", "world", "seeds", "set", "axes"]

    /// The definition in `target` when it is a sweep file; nil for a world (or a bundled
    /// world's name).
    static func readIfSweepFile(_ target: String) throws(CascadeFailure) -> SweepDefinition? {
        guard target.hasSuffix(".json"), FileManager.default.fileExists(atPath: target),
            let data = FileManager.default.contents(atPath: target)
        else { return nil }
        let document: WorldDocument
        do {
            document = try WorldDocument(bytes: [UInt8](data), displayName: target)
        } catch {
            throw .badInput(error)
        }
        guard document.root.member("world") != nil else { return nil }
        do {
            return try decode(document, path: target)
        } catch {
            throw .badInput(error)
        }
    }

    /// The study in the `sweep` section of the world at `path` (`seeds`, `set`, `axes`, as
    /// in a sweep file), or nil when the world has none.
    static func readWorldSection(_ path: String) throws(CascadeFailure) -> SweepDefinition? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do throws(WorldError) {
            let document = try WorldDocument(bytes: [UInt8](data), displayName: path)
            guard document.root.member("sweep") != nil else { return nil }
            let section = try document.reader.object().required("sweep").object()
            let (seeds, fixed, axes) = try decodeStudy(section)
            try section.finish()
            return SweepDefinition(
                name: nil, worldPath: path, fixed: fixed, axes: axes, seeds: seeds)
        } catch {
            throw .badInput(error)
        }
    }

    static func decode(_ document: WorldDocument, path: String) throws(WorldError)
        -> SweepDefinition
    {
        let object = try document.reader.object()
        let name = try object.required("name").nonEmptyString()
        if let description = object.optional("description") {
            _ = try description.string()
        }
        let worldReader = try object.required("world")
        let world = try worldReader.nonEmptyString()
        let worldPath: String
        if world.contains("/") || world.hasSuffix(".json") {
            // Relative to the sweep file's folder, as a world's data files are.
            let folder = document.context.folder
            worldPath =
                world.hasPrefix("/") || folder.isEmpty
                ? world : (folder.hasSuffix("/") ? folder + world : folder + "/" + world)
            guard FileManager.default.fileExists(atPath: worldPath) else {
                throw worldReader.error("no such world file \(JSONSerializer.quoted(worldPath))")
            }
        } else {
            worldPath = try WorldCatalog.locate(world)
        }
        let (seeds, fixed, axes) = try decodeStudy(object)
        try object.finish()
        return SweepDefinition(
            name: name, worldPath: worldPath, fixed: fixed, axes: axes, seeds: seeds)
    }

    /// A study's `seeds`, `set` and `axes`, from a sweep file or a world's `sweep` section.
    static func decodeStudy(_ object: JSONObjectReader) throws(WorldError)
        -> (seeds: SweepSeeds?, fixed: [String], axes: [SweepAxis])
    {
        var seeds: SweepSeeds?
        if let seedsReader = object.optional("seeds") {
            let text = try seedsReader.nonEmptyString()
            do {
                seeds = try SweepSeeds(parsing: text, label: "seeds")
            } catch {
                throw seedsReader.error(error.message)
            }
        }
        let fixed = try object.optional("set")?.array { element throws(WorldError) in
            let text = try element.nonEmptyString()
            do throws(WorldError) {
                _ = try Override(parsing: text)
            } catch {
                throw element.error(error.message)
            }
            return text
        }
        let axes = try object.optional("axes")?.array { element throws(WorldError) in
            let axis = try element.object()
            let pathReader = try axis.required("path")
            let path = try pathReader.nonEmptyString()
            let valuesReader = try axis.required("values")
            let values = try valuesReader.array(count: 1...Int.max) { value in
                overrideText(value.value)
            }
            if let repeated = SweepAxis.firstRepeated(values) {
                throw valuesReader.error(
                    "\(repeated) is listed twice; each value makes one point of the grid")
            }
            try axis.finish()
            return SweepAxis(path: path, values: values, source: pathReader.error(""))
        }
        return (seeds, fixed ?? [], axes ?? [])
    }

    /// A JSON value of a sweep file as an override's value text: strings as JSON strings
    /// (so `"10"` stays a string), anything else in canonical JSON.
    static func overrideText(_ value: JSONValue) -> String {
        if case .string(let text) = value.content {
            return JSONSerializer.quoted(text)
        }
        return JSONSerializer.canonicalText(value)
    }
}
