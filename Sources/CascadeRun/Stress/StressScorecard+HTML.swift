import Foundation

/// `scorecard.html`: one self-contained page (inline CSS and SVG, no script, no network):
/// the table a risk team can paste into a governance post, each cell the worst seed's
/// value coloured by its grade with the mean beneath, then one small bar chart per measure
/// (each scenario's worst seed, the pass and warn thresholds as lines).
extension StressScorecard {
    static let gradeColours = ["pass": "#d9f2d9", "warn": "#fff0c2", "fail": "#f8d0d0"]

    package var html: String {
        let config = plan.config
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>Stress scorecard: \(Self.escape(config.name))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
            table{border-collapse:collapse;font-size:14px}
            th,td{border:1px solid #bbb;padding:4px 8px;text-align:right;vertical-align:top}
            th{background:#eee}td.name,th.name{text-align:left}
            td small{color:#555;display:block}
            .na{color:#777;text-align:left;font-style:italic}
            .charts{display:flex;flex-wrap:wrap;gap:16px}
            .note{font-size:13px;color:#444}
            </style></head><body>
            <h1>Stress scorecard: \(Self.escape(config.name))</h1>
            <p>\(Self.escape(config.description))</p>
            <p class="note">World <b>\(Self.escape(plan.worldName))</b> \
            (\(Self.escape(config.worldReference)), digest \(plan.sweep.digests.first ?? "")), \
            seeds \(plan.sweep.seeds.text), Cascade \(CascadeVersion.current)\
            \(config.overrides.isEmpty ? "" : ", overrides " + Self.escape(config.overrides.joined(separator: " "))); \
            collateral haircut \(StressScenario.percent(config.haircut)). \
            Each cell: the worst seed (graded), then the mean. See docs/stress.md.</p>

            """
        page += table
        page += "<h2>Per measure</h2>\n<div class=\"charts\">\n"
        for (index, spec) in StressMeasureSpec.all.enumerated() {
            page += chart(measure: index, spec: spec)
        }
        page += "</div>\n<h2>Thresholds</h2>\n<table>\n<tr><th>measure</th><th>unit</th>"
        page += "<th>grade of the worst seed</th></tr>\n"
        for spec in StressMeasureSpec.all {
            page +=
                "<tr><td class=\"name\">\(Self.escape(spec.title))</td><td class=\"name\">"
                + "\(Self.escape(spec.unit))</td><td class=\"name\">"
                + "\(Self.escape(spec.thresholdText))</td></tr>\n"
        }
        page += "</table>\n</body></html>\n"
        return page
    }

    var table: String {
        var html = "<table>\n<tr><th class=\"name\">scenario</th>"
        for spec in StressMeasureSpec.all {
            let unit = spec.unit == "debt unit" ? debtUnit : spec.unit
            html += "<th>\(Self.escape(spec.title))<br><small>\(Self.escape(unit))</small></th>"
        }
        html += "</tr>\n"
        for (index, scenario) in plan.config.scenarios.enumerated() {
            html +=
                "<tr><td class=\"name\"><b>\(scenario.name)</b><small>"
                + "\(Self.escape(scenario.label))</small></td>"
            guard let statistics = results[index] else {
                var reason = ""
                if case .notApplicable(let text) = plan.applications[index] { reason = text }
                html +=
                    "<td class=\"na\" colspan=\"\(StressMeasureSpec.all.count)\">not applicable: "
                    + "\(Self.escape(reason))</td></tr>\n"
                continue
            }
            for (spec, entry) in zip(StressMeasureSpec.all, statistics) {
                let colour = entry.grade.flatMap { Self.gradeColours[$0] }
                let style = colour.map { " style=\"background:\($0)\"" } ?? ""
                if spec.key == "bad_debt_probability" {
                    html +=
                        "<td\(style)>\(Self.percent(entry.mean))<small>\(entry.grade ?? "")"
                        + "</small></td>"
                } else {
                    html +=
                        "<td\(style)>\(Self.short(entry.worst))<small>mean "
                        + "\(Self.short(entry.mean))\(entry.grade.map { " · " + $0 } ?? "")"
                        + "</small></td>"
                }
            }
            html += "</tr>\n"
        }
        return html + "</table>\n"
    }

    /// A horizontal bar per applicable scenario: its worst seed (the probability's mean).
    func chart(measure: Int, spec: StressMeasureSpec) -> String {
        var bars: [(name: String, value: Double, grade: String?)] = []
        for (index, scenario) in plan.config.scenarios.enumerated() {
            guard let entry = results[index]?[measure] else { continue }
            let text = spec.key == "bad_debt_probability" ? entry.mean : entry.worst
            guard let text, let value = Double(text), value.isFinite else { continue }
            bars.append((scenario.name, value, entry.grade))
        }
        let width = 360.0
        let left = 120.0
        let rowHeight = 18.0
        let height = Double(max(bars.count, 1)) * rowHeight + 30
        let limits = bars.map(\.value) + [spec.pass, spec.warn].compactMap { $0 }
        let top = max(limits.map { abs($0) }.max() ?? 1, 1e-12)
        let scale = (width - left - 50) / top
        var svg =
            "<figure><figcaption>\(Self.escape(spec.title)) "
            + "(\(Self.escape(spec.unit == "debt unit" ? debtUnit : spec.unit)))"
            + "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height))\" font-size=\"11\">\n"
        for (row, bar) in bars.enumerated() {
            let y = Double(row) * rowHeight + 4
            let length = max(0, bar.value) * scale
            let colour =
                bar.grade == "fail" ? "#c0392b" : bar.grade == "warn" ? "#d4a017" : "#4a7ab0"
            svg +=
                "<text x=\"\(Int(left - 4))\" y=\"\(Self.coordinate(y + 12))\" "
                + "text-anchor=\"end\">\(Self.escape(bar.name))</text>"
                + "<rect x=\"\(Int(left))\" y=\"\(Self.coordinate(y + 2))\" "
                + "width=\"\(Self.coordinate(length))\" height=\"12\" fill=\"\(colour)\"/>"
                + "<text x=\"\(Self.coordinate(left + length + 3))\" y=\"\(Self.coordinate(y + 12))\">"
                + "\(Self.short(String(bar.value)))</text>\n"
        }
        for (threshold, dash) in [(spec.pass, "4,2"), (spec.warn, "1,2")] {
            guard let threshold else { continue }
            let x = left + threshold * scale
            svg +=
                "<line x1=\"\(Self.coordinate(x))\" y1=\"0\" x2=\"\(Self.coordinate(x))\" "
                + "y2=\"\(Int(height - 20))\" stroke=\"#333\" stroke-dasharray=\"\(dash)\"/>\n"
        }
        if bars.isEmpty {
            svg += "<text x=\"\(Int(left))\" y=\"14\">no values</text>\n"
        }
        return svg + "</svg></figure>\n"
    }

    /// A share as a whole percentage (`67%`), `–` when empty.
    static func percent(_ text: String?) -> String {
        guard let text, let value = Double(text) else { return "–" }
        return String(format: "%.0f%%", value * 100)
    }

    static func coordinate(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
