import CascadeWorld
import Foundation

/// A stress config (`worlds/stress/<name>.json`): the base world, its seeds and overrides,
/// the collateral haircut and the battery (docs/stress.md).
///
/// ```json
/// { "name": "black-thursday", "world": "black-thursday-2020", "seeds": "1..4",
///   "set": ["duration=12h"],
///   "scenarios": ["baseline", { "scenario": "crash_1h", "change": "-40%" }] }
/// ```
///
/// Everything is checked before any run: an unknown key or scenario, a magnitude out of
/// range, a window that starts after the world ends, an override the world refuses.
package struct StressConfig: Sendable {
    package var name: String
    package var description: String
    /// The world file (resolved) and the name the config gave.
    package var worldPath: String
    package var worldReference: String
    package var seeds: SweepSeeds?
    package var overrides: [String]
    /// The share of collateral value `collateral_adequacy` discounts (0 by default).
    package var haircut: ExactDecimal
    package var scenarios: [StressScenario]
    /// The config file's canonical JSON, recorded in the scorecard.
    package var canonicalText: String

    static let keys = ["name", "description", "world", "seeds", "set", "haircut", "scenarios"]

    /// Reads and checks the config at `path`; every error names the file and JSON path.
    package static func read(path: String) throws(CascadeFailure) -> StressConfig {
        do throws(WorldError) {
            let document = try WorldDocument.load(path: path)
            return try decode(document, path: path)
        } catch {
            throw .badInput(error)
        }
    }

    static func decode(_ document: WorldDocument, path: String) throws(WorldError)
        -> StressConfig
    {
        let object = try document.reader.object()
        let name = try object.required("name").nonEmptyString()
        let description = try object.optional("description")?.string() ?? ""
        let worldReader = try object.required("world")
        let world = try worldReader.nonEmptyString()
        let worldPath: String
        if world.contains("/") || world.hasSuffix(".json") {
            let folder = (path as NSString).deletingLastPathComponent
            worldPath = world.hasPrefix("/") || folder.isEmpty ? world : folder + "/" + world
            guard FileManager.default.fileExists(atPath: worldPath) else {
                throw worldReader.error("no such world file \(JSONSerializer.quoted(worldPath))")
            }
        } else {
            do {
                worldPath = try WorldCatalog.locate(world)
            } catch {
                throw worldReader.error(error.message)
            }
        }
        var seeds: SweepSeeds?
        if let seedsReader = object.optional("seeds") {
            let text = try seedsReader.nonEmptyString()
            do {
                seeds = try SweepSeeds(parsing: text, label: "seeds")
            } catch {
                throw seedsReader.error(error.message)
            }
        }
        let overrides: [String] =
            try object.optional("set")?.array { element throws(WorldError) in
                let text = try element.nonEmptyString()
                do throws(WorldError) {
                    _ = try Override(parsing: text)
                } catch {
                    throw element.error(error.message)
                }
                return text
            } ?? []
        var haircut = ExactDecimal(0)
        if let reader = object.optional("haircut") {
            haircut = try reader.ratio()
            guard haircut < ExactDecimal(1) else {
                throw reader.error("must be below 100%, found \(StressScenario.percent(haircut))")
            }
        }
        // The world with the config's overrides, for the windows' checks.
        let durationMs: Int64
        do throws(WorldError) {
            durationMs = try World.load(path: worldPath, overrides: overrides).duration
                .milliseconds
        } catch {
            throw worldReader.error("the world does not load: \(error.description)")
        }
        var scenarios: [StressScenario] = []
        if let list = object.optional("scenarios") {
            let readers = try list.array(count: 1...64)
            for reader in readers {
                let scenario = try decodeScenario(reader, durationMs: durationMs)
                if scenarios.contains(where: { $0.kind == scenario.kind }) {
                    throw reader.error("the scenario \(scenario.name) is listed twice")
                }
                scenarios.append(scenario)
            }
        } else {
            scenarios = StressScenario.Kind.allCases.map(StressScenario.standard)
        }
        try object.finish()
        return StressConfig(
            name: name, description: description, worldPath: worldPath, worldReference: world,
            seeds: seeds, overrides: overrides, haircut: haircut, scenarios: scenarios,
            canonicalText: document.canonicalText)
    }

    /// A scenario: its name alone (standard magnitudes) or an object naming it with the
    /// magnitudes to change.
    static func decodeScenario(_ reader: JSONReader, durationMs: Int64) throws(WorldError)
        -> StressScenario
    {
        func kind(_ nameReader: JSONReader) throws(WorldError) -> StressScenario.Kind {
            let text = try nameReader.nonEmptyString()
            guard let kind = StressScenario.Kind(rawValue: text) else {
                let names = StressScenario.Kind.allCases.map { "\"\($0.rawValue)\"" }
                throw nameReader.error(
                    "unknown scenario \(JSONSerializer.quoted(text)); expected one of "
                        + names.joined(separator: ", "))
            }
            return kind
        }
        if case .string = reader.value.content {
            return StressScenario.standard(try kind(reader))
        }
        let object = try reader.object()
        var scenario = StressScenario.standard(try kind(try object.required("scenario")))
        let windowed: Set<StressScenario.Kind> = [
            .crash1h, .crash24h, .correlatedCrash, .gasSpike, .oracleFreeze, .keeperOutage,
        ]
        let crash: Set<StressScenario.Kind> = [.crash1h, .crash24h, .correlatedCrash]
        if crash.contains(scenario.kind), let change = object.optional("change") {
            scenario.change = try change.percentage(allowNegative: true)
            guard scenario.change > ExactDecimal(-1), !scenario.change.isZero,
                scenario.change <= ExactDecimal(10)
            else {
                throw change.error(
                    "a price move above -100% and at most +1000%, not 0, found "
                        + StressScenario.percent(scenario.change))
            }
        }
        if windowed.contains(scenario.kind) {
            if let at = object.optional("at") {
                scenario.atMs = try at.durationMilliseconds()
                guard scenario.atMs < durationMs else {
                    throw at.error(
                        "the window must start before the world ends "
                            + "(\(StressScenario.duration(durationMs)))")
                }
            }
            let lengthKey = crash.contains(scenario.kind) ? "over" : "for"
            if let length = object.optional(lengthKey) {
                scenario.lengthMs = try length.durationMilliseconds(in: 1000...(365 * 86_400_000))
            }
        }
        if scenario.kind == .gasSpike, let factor = object.optional("factor") {
            scenario.factor = try factor.decimal(in: ExactDecimal(1)...ExactDecimal(1000))
        }
        if scenario.kind == .venueDepth, let factor = object.optional("factor") {
            scenario.factor = try factor.ratio()
            guard !scenario.factor.isZero, scenario.factor < ExactDecimal(1) else {
                throw factor.error(
                    "a share of the depth above 0% and below 100%, found "
                        + StressScenario.percent(scenario.factor))
            }
        }
        if windowed.contains(scenario.kind), scenario.atMs >= durationMs {
            throw reader.error(
                "the window starts at \(StressScenario.duration(scenario.atMs)), after the world "
                    + "ends (\(StressScenario.duration(durationMs))); give an earlier \"at\"")
        }
        try object.finish()
        return scenario
    }
}
