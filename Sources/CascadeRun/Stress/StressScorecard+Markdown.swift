import Foundation

/// `scorecard.md`: the scorecard as Markdown, for a governance forum post or a docs page —
/// the same table as `scorecard.html` (each cell the worst seed with its grade, the mean in
/// brackets; the probability of bad debt as a share of seeds), then the thresholds.
extension StressScorecard {
    package var markdown: String {
        let config = plan.config
        var lines = [
            "# Stress scorecard: \(config.name)",
            "",
        ]
        if !config.description.isEmpty {
            lines += [config.description, ""]
        }
        var setting =
            "World `\(plan.worldName)` (`\(config.worldReference)`, digest "
            + "`\(plan.sweep.digests.first ?? "")`), seeds \(plan.sweep.seeds.text), "
            + "Cascade \(CascadeVersion.current)"
        if !config.overrides.isEmpty {
            setting += ", overrides " + config.overrides.map { "`\($0)`" }.joined(separator: " ")
        }
        setting +=
            "; collateral haircut \(StressScenario.percent(config.haircut)). Each cell: the "
            + "worst seed and its grade, the mean in brackets."
        lines += [setting, ""]
        lines += markdownTable
        lines += ["", "| measure | unit | grade of the worst seed |", "|---|---|---|"]
        for spec in StressMeasureSpec.all {
            lines.append(
                "| \(spec.title) | \(spec.unit == "debt unit" ? debtUnit : spec.unit) | "
                    + "\(spec.thresholdText) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table alone: one row per scenario, one column per measure.
    package var markdownTable: [String] {
        let headers = [
            "adequacy", "depth coverage", "oracle p90 (s)", "delay p90 (s)", "fund coverage",
            "P(bad debt)", "bad debt, booked + open (\(debtUnit))",
        ]
        var lines = [
            "| scenario | " + headers.joined(separator: " | ") + " |",
            "|---|" + String(repeating: "---:|", count: headers.count),
        ]
        for (index, scenario) in plan.config.scenarios.enumerated() {
            let name = "`\(scenario.name)`"
            guard let statistics = results[index] else {
                var reason = ""
                if case .notApplicable(let text) = plan.applications[index] { reason = text }
                lines.append(
                    "| \(name) | not applicable: \(reason)"
                        + String(repeating: " |", count: headers.count))
                continue
            }
            var cells = [name]
            for (spec, entry) in zip(StressMeasureSpec.all, statistics) {
                let grade = entry.grade.map { " " + $0 } ?? ""
                if spec.key == "bad_debt_probability" {
                    cells.append(Self.percent(entry.mean) + grade)
                } else if entry.worst == nil {
                    cells.append("–")
                } else {
                    cells.append(
                        "\(Self.grouped(entry.worst)) (\(Self.grouped(entry.mean)))\(grade)")
                }
            }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines
    }

    /// A figure for a table: three significant digits below 1,000, whole and grouped in
    /// thousands above (`35,096,712`), `–` when empty.
    static func grouped(_ text: String?) -> String {
        guard let text, let value = Double(text), value.isFinite else { return "–" }
        if value == 0 { return "0" }
        if abs(value) < 1_000 { return String(format: "%.3g", value) }
        let whole = String(format: "%.0f", abs(value))
        var digits = ""
        for (offset, character) in whole.enumerated() {
            if offset > 0 && (whole.count - offset) % 3 == 0 { digits += "," }
            digits.append(character)
        }
        return (value < 0 ? "-" : "") + digits
    }
}
