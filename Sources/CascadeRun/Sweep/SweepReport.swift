/// A sweep's `report.html`: heat maps of one figure's mean over the grid, drawn from
/// `points.csv` alone (self-contained: inline SVG and CSS, no script, nothing fetched).
///
/// The last axis runs across, the one before it down; every combination of the earlier
/// axes gets its own panel, on one shared colour scale. The figure is `bad_debt` when the
/// sweep has it (the protocol worlds' deficit), else the first figure. Cells show the mean
/// over seeds; the table below gives mean, p5, p50 and p95 of every point. Colours and
/// cell labels are drawings (the value as a `Double`, rounded for reading); `points.csv`
/// keeps the exact figures.
enum SweepReport {
    struct Point {
        var axisValues: [String]
        var runs: String
        var stats: [String]
        var mean: Double?
    }

    /// The page, mapping `figure` (a figure of `points.csv`, from `figure(_:pointsPath:)`).
    static func page(pointsPath: String, manifest: SweepManifest, figure: String)
        throws(CascadeFailure) -> String
    {
        let axisCount = manifest.axisPaths.count
        let csv = try CSVStream(path: pointsPath, displayName: pointsPath)
        let statColumns = SweepStatistics.names.compactMap {
            csv.columns.firstIndex(of: "\(figure)_\($0)")
        }
        let runsColumn = csv.columns.firstIndex(of: "runs") ?? 0
        var points: [Point] = []
        while let record = try csv.next() {
            let stats = statColumns.map { record.fields[$0] }
            points.append(
                Point(
                    axisValues: Array(record.fields[1..<(1 + axisCount)]),
                    runs: record.fields[runsColumn], stats: stats,
                    mean: stats.first.flatMap { Double($0) }))
        }
        var page = SVGWriter()
        page.raw("<!DOCTYPE html>\n")
        page.open("html", ["lang": "en"])
        page.raw("\n")
        page.open("head")
        page.raw("\n<meta charset=\"utf-8\">\n")
        page.element("title", text: "Cascade sweep: \(manifest.name)")
        page.raw("<style>\n\(ReportPage.styleSheet)\(extraStyle)</style>\n")
        page.close("head")
        page.open("body")
        page.raw("\n")
        page.open("header")
        page.element("h1", text: "Sweep \(manifest.name)")
        page.open("p", ["class": "provenance"])
        let provenance = [
            ("world", manifest.world), ("points", String(manifest.pointCount)),
            ("seeds", manifest.seeds.text), ("runs", String(manifest.runCount)),
        ]
        for (index, item) in provenance.enumerated() {
            if index > 0 { page.raw(" <span class=\"sep\">·</span> ") }
            page.element("span", ["class": "name"], text: item.0)
            page.raw(" ")
            page.element("strong", text: item.1)
        }
        page.close("p")
        page.close("header")
        if figure.isEmpty || points.isEmpty {
            page.element("p", ["class": "note"], text: "No numeric figure to draw.")
        } else {
            page.element(
                "p", ["class": "note"],
                text: "Mean of \(figure.replacingOccurrences(of: "_", with: " ")) over each "
                    + "point's seeds (seed s of every point shares its random streams, so "
                    + "neighbouring cells differ by the parameters, not by luck). Colours run "
                    + "from the lowest mean of the grid (pale) to the highest (dark).")
            let scale = range(points)
            page.raw(legend(scale, figure: figure))
            page.open("main", ["class": "charts"])
            page.raw("\n")
            for (index, panel) in panels(points, axisCount: axisCount).enumerated() {
                page.open("figure")
                page.raw(
                    heatMap(
                        panel.points, title: panel.title, axisPaths: manifest.axisPaths,
                        range: scale, id: index, figure: figure))
                page.close("figure")
            }
            page.close("main")
            writeTable(points, figure: figure, axisPaths: manifest.axisPaths, into: &page)
        }
        page.open("footer")
        page.raw(
            "Drawn by Cascade from <code>points.csv</code>; exact figures are in "
                + "<code>points.csv</code> and <code>runs.csv</code>. To map another figure: "
                + "<code>cascade report</code> on this folder with <code>--figure NAME</code>.")
        page.close("footer")
        page.close("body")
        page.close("html")
        return page.text
    }

    /// The figure to map: `requested` when `points.csv` has statistics of it (otherwise
    /// bad input listing the figures it has), else the default (`chooseFigure`).
    static func figure(_ requested: String?, pointsPath: String) throws(CascadeFailure)
        -> String
    {
        guard let name = requested else { return try chooseFigure(pointsPath: pointsPath) }
        let columns = try CSVStream(path: pointsPath, displayName: pointsPath).columns
        let names = columns.filter { $0.hasSuffix("_mean") }.map {
            String($0.dropLast("_mean".count))
        }
        guard names.contains(name) else {
            throw CascadeFailure(
                .badInput,
                "--figure \(name): not a figure of \(pointsPath); its figures are "
                    + names.joined(separator: ", "))
        }
        return name
    }

    /// `bad_debt` when the sweep has it; else the first figure whose mean differs between
    /// points (a figure the grid moves); else the first figure.
    static func chooseFigure(pointsPath: String) throws(CascadeFailure) -> String {
        let csv = try CSVStream(path: pointsPath, displayName: pointsPath)
        let means = csv.columns.indices.filter { csv.columns[$0].hasSuffix("_mean") }
        let names = means.map { String(csv.columns[$0].dropLast("_mean".count)) }
        if names.contains("bad_debt") { return "bad_debt" }
        var first: [String]?
        var varies = [Bool](repeating: false, count: means.count)
        while let record = try csv.next() {
            let values = means.map { record.fields[$0] }
            if let first {
                for index in values.indices where values[index] != first[index] {
                    varies[index] = true
                }
            } else {
                first = values
            }
        }
        return varies.firstIndex(of: true).map { names[$0] } ?? names.first ?? ""
    }

    static let extraStyle = """
        table.points { border-collapse: collapse; font-size: 13px; margin-top: 20px; }
        table.points th, table.points td { padding: 2px 10px; text-align: right;
          font-variant-numeric: tabular-nums; border-bottom: 1px solid #eee; }

        """

    /// The panels: one per combination of all axes but the last two, in point order.
    static func panels(_ points: [Point], axisCount: Int) -> [(title: String, points: [Point])] {
        let fixed = max(0, axisCount - 2)
        var panels: [(title: String, points: [Point])] = []
        for point in points {
            let key = point.axisValues.prefix(fixed).joined(separator: " · ")
            if let last = panels.last, last.title == key {
                panels[panels.count - 1].points.append(point)
            } else {
                panels.append((key, [point]))
            }
        }
        return panels
    }

    /// The colour scale: from the lowest mean to the highest, so the grid's structure
    /// shows even when every value is large; the key and the cell labels give the values.
    static func range(_ points: [Point]) -> ClosedRange<Double> {
        let values = points.compactMap(\.mean)
        guard let low = values.min(), let high = values.max() else { return 0...1 }
        return low...max(high, low + 1e-9)
    }

    /// The colour scale's key: five swatches from the lowest to the highest value.
    static func legend(_ range: ClosedRange<Double>, figure: String) -> String {
        let label = "mean \(figure.replacingOccurrences(of: "_", with: " ")):"
        // The swatches start after the label: about 7 px a character at 12 px, at least
        // where a short label leaves them.
        let start = max(150, Double(label.count) * 7 + 10)
        let width = SVGWriter.number(start + 5 * 72)
        var svg = SVGWriter()
        svg.open(
            "svg",
            [
                "xmlns": "http://www.w3.org/2000/svg", "viewBox": "0 0 \(width) 44",
                "style": "width: \(width)px; max-width: 100%; display: block; margin: 0 0 12px",
                "role": "img",
            ])
        svg.raw("\n")
        svg.element(
            "text", ["x": "0", "y": "14", "font-size": "12", "fill": "#555555"], text: label)
        for step in 0..<5 {
            let fraction = Double(step) / 4
            let value = range.lowerBound + fraction * (range.upperBound - range.lowerBound)
            let x = start + Double(step) * 72
            svg.open(
                "rect",
                [
                    "x": SVGWriter.number(x), "y": "2", "width": "70", "height": "16",
                    "fill": color(fraction),
                ], selfClosing: true)
            svg.element(
                "text",
                [
                    "x": SVGWriter.number(x + 35), "y": "34", "text-anchor": "middle",
                    "font-size": "12",
                ], text: short(value))
        }
        svg.close("svg")
        return svg.text
    }

    /// One panel: rows are the second-to-last axis, columns the last.
    static func heatMap(
        _ points: [Point], title: String, axisPaths: [String], range: ClosedRange<Double>,
        id: Int, figure: String
    ) -> String {
        let count = axisPaths.count
        let xValues = unique(points.map { count >= 1 ? $0.axisValues[count - 1] : "" })
        let yValues = unique(points.map { count >= 2 ? $0.axisValues[count - 2] : "" })
        let cellWidth = 84.0
        let cellHeight = 34.0
        let left = 120.0
        let top = 44.0
        let width = left + cellWidth * Double(xValues.count) + 20
        let height = top + cellHeight * Double(yValues.count) + 56
        var svg = SVGWriter()
        svg.open(
            "svg",
            [
                "xmlns": "http://www.w3.org/2000/svg", "id": "heat\(id + 1)",
                "viewBox": "0 0 \(SVGWriter.number(width)) \(SVGWriter.number(height))",
                "style": "width: \(SVGWriter.number(width))px; max-width: 100%",
                "role": "img",
            ])
        svg.raw("\n")
        let heading =
            title.isEmpty ? "mean \(figure.replacingOccurrences(of: "_", with: " "))" : title
        let fixedPaths = axisPaths.prefix(max(0, count - 2)).joined(separator: " · ")
        svg.element(
            "text",
            ["x": "8", "y": "20", "font-size": "15", "font-weight": "600"],
            text: fixedPaths.isEmpty ? heading : "\(fixedPaths) = \(heading)")
        for (row, y) in yValues.enumerated() {
            svg.element(
                "text",
                [
                    "x": SVGWriter.number(left - 8),
                    "y": SVGWriter.number(top + cellHeight * (Double(row) + 0.5) + 4),
                    "text-anchor": "end", "font-size": "12",
                ], text: y)
            for (column, x) in xValues.enumerated() {
                guard
                    let point = points.first(where: {
                        (count < 1 || $0.axisValues[count - 1] == x)
                            && (count < 2 || $0.axisValues[count - 2] == y)
                    })
                else { continue }
                let fraction =
                    point.mean.map {
                        range.upperBound > range.lowerBound
                            ? ($0 - range.lowerBound) / (range.upperBound - range.lowerBound) : 0.5
                    }
                let cellX = left + cellWidth * Double(column)
                let cellY = top + cellHeight * Double(row)
                svg.open(
                    "rect",
                    [
                        "x": SVGWriter.number(cellX), "y": SVGWriter.number(cellY),
                        "width": SVGWriter.number(cellWidth - 2),
                        "height": SVGWriter.number(cellHeight - 2),
                        "fill": fraction.map(color) ?? "#f2f2f2",
                    ], selfClosing: true)
                svg.element(
                    "text",
                    [
                        "x": SVGWriter.number(cellX + cellWidth / 2 - 1),
                        "y": SVGWriter.number(cellY + cellHeight / 2 + 4),
                        "text-anchor": "middle", "font-size": "12",
                        "fill": (fraction ?? 0) > 0.55 ? "#ffffff" : "#222222",
                    ], text: point.mean.map(short) ?? "–")
            }
        }
        for (column, x) in xValues.enumerated() {
            svg.element(
                "text",
                [
                    "x": SVGWriter.number(left + cellWidth * (Double(column) + 0.5)),
                    "y": SVGWriter.number(top + cellHeight * Double(yValues.count) + 18),
                    "text-anchor": "middle", "font-size": "12",
                ], text: x)
        }
        if count >= 1 {
            svg.element(
                "text",
                [
                    "x": SVGWriter.number(left + cellWidth * Double(xValues.count) / 2),
                    "y": SVGWriter.number(top + cellHeight * Double(yValues.count) + 40),
                    "text-anchor": "middle", "font-size": "12", "fill": "#555555",
                ], text: axisPaths[count - 1])
        }
        if count >= 2 {
            svg.element(
                "text",
                ["x": "8", "y": SVGWriter.number(top - 8), "font-size": "12", "fill": "#555555"],
                text: "↓ " + axisPaths[count - 2])
        }
        svg.close("svg")
        return svg.text
    }

    static func unique(_ values: [String]) -> [String] {
        var seen: [String] = []
        for value in values where !seen.contains(value) { seen.append(value) }
        return seen
    }

    /// A sequential scale from pale yellow to dark red (ColorBrewer YlOrRd, 5 stops).
    static func color(_ fraction: Double) -> String {
        let stops: [(Double, Double, Double)] = [
            (255, 255, 204), (254, 204, 92), (253, 141, 60), (227, 26, 28), (128, 0, 38),
        ]
        let position = min(max(fraction, 0), 1) * Double(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        let t = position - Double(index)
        let (a, b) = (stops[index], stops[index + 1])
        func channel(_ x: Double, _ y: Double) -> String {
            let value = Int((x + (y - x) * t).rounded())
            let hex = String(value, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }
        return "#" + channel(a.0, b.0) + channel(a.1, b.1) + channel(a.2, b.2)
    }

    /// A cell label: `4.51M`, `912k`, `37.5`.
    static func short(_ value: Double) -> String {
        let magnitude = abs(value)
        let (scaled, suffix): (Double, String) =
            magnitude >= 1e9
            ? (value / 1e9, "G")
            : magnitude >= 1e6
                ? (value / 1e6, "M") : magnitude >= 1e4 ? (value / 1e3, "k") : (value, "")
        let digits = abs(scaled) >= 100 ? 0 : abs(scaled) >= 10 ? 1 : 2
        let text = HeadlineFigure.rounded(
            OutputNumberFormat.text(scaled) ?? "0", fractionDigits: digits)
        var label = text.contains("e") ? String(format: "%.2g", scaled) : text
        if label.contains(".") && !label.contains("e") {
            while label.hasSuffix("0") { label.removeLast() }
            if label.hasSuffix(".") { label.removeLast() }
        }
        return label + suffix
    }

    static func writeTable(
        _ points: [Point], figure: String, axisPaths: [String], into page: inout SVGWriter
    ) {
        guard points.count <= 2000 else { return }
        page.open("table", ["class": "points"])
        page.raw("\n")
        page.open("tr")
        for name in ["point"] + axisPaths + ["runs"]
            + SweepStatistics.names.map({ "\(figure) \($0)" })
        {
            page.element("th", text: name)
        }
        page.close("tr")
        for (index, point) in points.enumerated() {
            page.open("tr")
            page.element("td", text: String(index))
            for value in point.axisValues { page.element("td", text: value) }
            page.element("td", text: point.runs)
            for stat in point.stats {
                page.element(
                    "td",
                    text: stat.isEmpty
                        ? "–"
                        : HeadlineFigure.grouped(HeadlineFigure.rounded(stat, fractionDigits: 2)))
            }
            page.close("tr")
        }
        page.close("table")
    }
}
