import CascadeWorld
import Foundation

/// One measure of the scorecard: its column in `runs.csv`, its unit, which way is good and
/// the documented thresholds a grade compares the worst seed with (docs/stress.md).
package struct StressMeasureSpec: Sendable {
    package var key: String
    package var title: String
    package var unit: String
    package var higherIsBetter: Bool
    /// `pass` at least this good; `warn` at least that good; `fail` otherwise. Nil: not
    /// graded (bad debt's size, in the world's own unit).
    package var pass: Double?
    package var warn: Double?

    package static let all: [StressMeasureSpec] = [
        .init(
            key: "collateral_adequacy", title: "Collateral adequacy", unit: "ratio",
            higherIsBetter: true, pass: 1.2, warn: 1.0),
        .init(
            key: "depth_coverage", title: "Liquidity depth coverage", unit: "ratio",
            higherIsBetter: true, pass: 1.0, warn: 0.5),
        .init(
            key: "oracle_latency_p90_s", title: "Oracle latency (p90)", unit: "s",
            higherIsBetter: false, pass: 300, warn: 3600),
        .init(
            key: "liquidation_delay_p90_s", title: "Liquidation delay (p90)", unit: "s",
            higherIsBetter: false, pass: 600, warn: 3600),
        .init(
            key: "insurance_fund_coverage", title: "Insurance-fund coverage", unit: "ratio",
            higherIsBetter: true, pass: 1.0, warn: 0.5),
        .init(
            key: "bad_debt_probability", title: "Probability of bad debt", unit: "share of seeds",
            higherIsBetter: false, pass: 0, warn: 0.1),
        .init(
            key: "total_bad_debt", title: "Bad debt, booked and open", unit: "debt unit",
            higherIsBetter: false,
            pass: nil, warn: nil),
    ]

    /// `pass`, `warn` or `fail` for a value; nil when ungraded.
    package func grade(_ value: Double) -> String? {
        guard let pass, let warn else { return nil }
        if higherIsBetter {
            return value >= pass ? "pass" : value >= warn ? "warn" : "fail"
        }
        return value <= pass ? "pass" : value <= warn ? "warn" : "fail"
    }

    /// The thresholds as a sentence fragment: `pass ≥ 1.2, warn ≥ 1`.
    package var thresholdText: String {
        guard let pass, let warn else { return "not graded" }
        let sign = higherIsBetter ? "≥" : "≤"
        return "pass \(sign) \(Self.number(pass)), warn \(sign) \(Self.number(warn)), else fail"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// The statistics of one measure over a scenario's seeds: mean, nearest-rank p50 and p95
/// and the worst seed, the p95 and the worst taken on the bad side (the 5th percentile of
/// a measure where higher is better), and the grade of the worst.
package struct StressStatistics: Sendable, Equatable {
    package var values: Int
    package var mean: String?
    package var p50: String?
    package var p95: String?
    package var worst: String?
    package var grade: String?

    /// From the seeds' cells (empty cells are left out: a delay in a run with no
    /// liquidation). Exact decimals average exactly (`SweepDecimal`).
    package static func of(_ cells: [String], spec: StressMeasureSpec) -> StressStatistics {
        let values = cells.compactMap { SweepDecimal($0) }
        guard !values.isEmpty else {
            return StressStatistics(
                values: 0, mean: nil, p50: nil, p95: nil, worst: nil, grade: nil)
        }
        let ascending = values.sorted()
        func rank(_ percent: Int) -> SweepDecimal {
            let index = max(1, (percent * ascending.count + 99) / 100) - 1
            return ascending[index]
        }
        let bad = spec.higherIsBetter ? rank(5) : rank(95)
        let worst = (spec.higherIsBetter ? ascending.first : ascending.last) ?? bad
        return StressStatistics(
            values: values.count, mean: SweepDecimal.mean(values), p50: rank(50).text,
            p95: bad.text, worst: worst.text, grade: Double(worst.text).flatMap(spec.grade))
    }

    var json: OutputJSON {
        var object = JSONObject()
        object.append("values", .integer(values))
        for (key, text) in [("mean", mean), ("p50", p50), ("p95", p95), ("worst", worst)] {
            object.append(key, text.map(Self.number) ?? .null)
        }
        object.append("grade", grade.map { .string($0) } ?? .null)
        return .object(object)
    }

    /// An exact decimal as a JSON number; an exponent form (a tiny measurement) as a double.
    static func number(_ text: String) -> OutputJSON {
        if let decimal = DecimalText(text: text) { return .decimal(decimal) }
        return Double(text).map { .double($0) } ?? .string(text)
    }
}

/// `scorecard.json` and `scorecard.html` of a finished battery, from its canonical
/// `runs.csv`.
package struct StressScorecard {
    let plan: StressPlan
    /// Per scenario (config order): nil when not applicable, else per measure its
    /// statistics.
    package var results: [[StressStatistics]?]
    /// The unit of bad debt and forced sales, from the runs (`bad_debt_unit`), else the
    /// world's before it ran.
    package var debtUnit: String

    package init(plan: StressPlan, runsPath: String) throws(CascadeFailure) {
        guard let data = FileManager.default.contents(atPath: runsPath) else {
            throw CascadeFailure(.badInput, "\(runsPath): no such file")
        }
        self.init(plan: plan, runsText: String(decoding: data, as: UTF8.self))
    }

    /// From `runs.csv`'s text: rows grouped by point, each measure's cells collected.
    package init(plan: StressPlan, runsText: String) {
        self.plan = plan
        let table = StressTable(runsText)
        let point = table.index("point") ?? 0
        let haircut = 1 - plan.config.haircut.approximateDouble
        let unitColumn = table.index("bad_debt_unit")
        debtUnit =
            unitColumn.flatMap { column in
                table.rows.first { !$0[column].isEmpty }?[column]
            } ?? plan.debtUnit
        results = plan.points.map { scenarioPoint in
            guard let scenarioPoint else { return nil }
            let rows = table.rows.filter { Int($0[point]) == scenarioPoint }
            return StressMeasureSpec.all.map { spec in
                StressStatistics.of(
                    Self.cells(spec, rows: rows, table: table, haircut: haircut), spec: spec)
            }
        }
    }

    /// A measure's cells in one scenario's rows: the adequacy after the haircut, the bad
    /// debt's probability as 1 or 0 per seed, the others as written.
    static func cells(
        _ spec: StressMeasureSpec, rows: [[String]], table: StressTable, haircut: Double
    ) -> [String] {
        switch spec.key {
        case "bad_debt_probability":
            guard let column = table.index("total_bad_debt") else { return [] }
            return rows.map {
                (SweepDecimal($0[column]).map { Double($0.text) ?? 0 } ?? 0) > 0 ? "1" : "0"
            }
        case "collateral_adequacy":
            guard let column = table.index(spec.key) else { return [] }
            return rows.compactMap { row in
                guard let value = Double(row[column]) else { return nil }
                return haircut == 1 ? row[column] : OutputNumberFormat.text(value * haircut)
            }
        default:
            guard let column = table.index(spec.key) else { return [] }
            return rows.map { $0[column] }
        }
    }

    /// `scorecard.json`: the config, the version, the world and its digests, and per
    /// scenario its label, overrides or reason, and each measure's statistics.
    package var json: String {
        var object = JSONObject()
        object.append("stress", .string(plan.config.name))
        object.append("description", .string(plan.config.description))
        object.append("cascade_version", .string(CascadeVersion.current))
        object.append("world", .string(plan.worldName))
        object.append("world_file", .string(plan.config.worldReference))
        object.append("base_world_digest", .string(plan.sweep.digests.first ?? ""))
        var seeds = JSONObject()
        seeds.append("first", .string(String(plan.sweep.seeds.first)))
        seeds.append("last", .string(String(plan.sweep.seeds.last)))
        object.append("seeds", .object(seeds))
        object.append("set", .array(plan.config.overrides.map { .string($0) }))
        object.append("debt_unit", .string(debtUnit))
        object.append(
            "haircut",
            .decimal(DecimalText(text: plan.config.haircut.description) ?? DecimalText(0)))
        object.append(
            "config",
            .string(plan.config.canonicalText))
        var thresholds = JSONObject()
        for spec in StressMeasureSpec.all {
            var entry = JSONObject()
            entry.append("unit", .string(spec.unit))
            entry.append("higher_is_better", .boolean(spec.higherIsBetter))
            entry.append("pass", spec.pass.map { .double($0) } ?? .null)
            entry.append("warn", spec.warn.map { .double($0) } ?? .null)
            thresholds.append(spec.key, .object(entry))
        }
        object.append("measures", .object(thresholds))
        var scenarios: [OutputJSON] = []
        for (index, scenario) in plan.config.scenarios.enumerated() {
            var entry = JSONObject()
            entry.append("scenario", .string(scenario.name))
            entry.append("label", .string(scenario.label))
            switch plan.applications[index] {
            case .notApplicable(let reason):
                entry.append("applicable", .boolean(false))
                entry.append("reason", .string(reason))
            case .applies(let overrides):
                entry.append("applicable", .boolean(true))
                entry.append("overrides", .array(overrides.map { .string($0) }))
                if let point = plan.points[index] {
                    entry.append("world_digest", .string(plan.sweep.digests[point]))
                }
                var measures = JSONObject()
                for (spec, statistics) in zip(StressMeasureSpec.all, results[index] ?? []) {
                    measures.append(spec.key, statistics.json)
                }
                entry.append("runs", .integer(plan.sweep.seeds.count))
                entry.append("measures", .object(measures))
            }
            scenarios.append(.object(entry))
        }
        object.append("scenarios", .array(scenarios))
        return object.serialized(.pretty) + "\n"
    }

    /// The worst seed of each measure per scenario, for stdout.
    package var textTable: String {
        let short = [
            "adequacy", "depth cov", "oracle p90", "delay p90", "fund cov", "P(bad)", "bad debt",
        ]
        var lines = [
            "  " + "scenario".padding(toLength: 18, withPad: " ", startingAt: 0)
                + short.map { $0.padding(toLength: 13, withPad: " ", startingAt: 0) }.joined()
        ]
        for (index, scenario) in plan.config.scenarios.enumerated() {
            var line = "  " + scenario.name.padding(toLength: 18, withPad: " ", startingAt: 0)
            if let statistics = results[index] {
                for (spec, entry) in zip(StressMeasureSpec.all, statistics) {
                    let shown = spec.key == "bad_debt_probability" ? entry.mean : entry.worst
                    line += Self.short(shown).padding(toLength: 13, withPad: " ", startingAt: 0)
                }
            } else {
                line += "not applicable"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// A figure shortened for a table: four significant digits, `–` when empty.
    static func short(_ text: String?) -> String {
        guard let text, let value = Double(text) else { return "–" }
        if value == 0 { return "0" }
        if abs(value) >= 1e6 { return String(format: "%.2fM", value / 1e6) }
        if abs(value) >= 1e4 { return String(format: "%.0f", value) }
        return String(format: "%.4g", value)
    }
}
