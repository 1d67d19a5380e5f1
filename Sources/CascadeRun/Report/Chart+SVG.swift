extension Chart {
    /// The chart as one `<svg>` element, self-contained (fonts named, colours inline).
    /// `id` prefixes the element ids inside (the clip path), so several charts can share a
    /// page; use a different one per chart.
    ///
    /// Long series are thinned to what the plot can show (see `Downsampling`), so a chart
    /// of 10^6 blocks is as small as one of 10^3.
    package func svg(id: String) -> String {
        ChartRenderer(chart: self, id: id).render()
    }
}

/// Font sizes and spacing of every chart, in pixels.
enum ChartMetrics {
    static let titleFont = 15.0
    static let tickFont = 11.0
    static let labelFont = 12.0
    static let legendFont = 12.0
    static let fontFamily =
        "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

    /// A generous estimate of a text's width (no font metrics without a browser): 0.6 em
    /// per character, more than most sans-serif glyphs take, so labels do not collide.
    static func textWidth(_ text: String, font: Double) -> Double {
        Double(text.count) * font * 0.6
    }
}

/// Lays out and draws one chart. Control flow here; geometry in small pure helpers.
struct ChartRenderer {
    let chart: Chart
    let id: String

    /// A legend entry: what it looks like and its name.
    private struct LegendEntry {
        enum Swatch {
            case line(LineStyle)
            case marker(MarkerShape)
            case dot, box, reference
        }
        let name: String
        let color: String
        let swatch: Swatch
    }

    /// Where the plot sits, and the maps from data to pixels.
    private struct Frame {
        let left: Double
        let top: Double
        let right: Double
        let bottom: Double
        let xScale: NiceScale
        let yScale: NiceScale

        var plotWidth: Double { right - left }

        func px(_ x: Double) -> Double {
            left + (x - xScale.lower) / (xScale.upper - xScale.lower) * (right - left)
        }

        func py(_ y: Double) -> Double {
            bottom - (y - yScale.lower) / (yScale.upper - yScale.lower) * (bottom - top)
        }
    }

    func render() -> String {
        var svg = SVGWriter()
        let width = chart.width
        let height = chart.height
        svg.open(
            "svg",
            [
                "xmlns": "http://www.w3.org/2000/svg",
                "viewBox": "0 0 \(SVGWriter.number(width)) \(SVGWriter.number(height))",
                "width": SVGWriter.number(width), "height": SVGWriter.number(height),
                "role": "img", "aria-labelledby": "\(id)-title",
                "font-family": ChartMetrics.fontFamily, "class": "chart",
            ])
        svg.raw("\n")
        svg.element("title", ["id": "\(id)-title"], text: chart.title)
        svg.element(
            "text",
            [
                "x": "12", "y": "22", "font-size": SVGWriter.number(ChartMetrics.titleFont),
                "font-weight": "600", "fill": ChartPalette.text,
            ], text: chart.title)
        let layers = mergedLayers(plotWidth: width - 100)
        let entries = legendEntries(layers)
        let legendBottom = drawLegend(entries, into: &svg, top: 34, maxWidth: width - 24)
        let top = (chart.hasData ? legendBottom : 34) + 10
        if chart.hasData {
            let frame = layout(layers: layers, top: top)
            drawGrid(frame, into: &svg)
            drawLayers(layers, frame: frame, into: &svg)
            drawAxes(frame, into: &svg)
        } else {
            drawEmpty(top: top, into: &svg)
        }
        svg.close("svg")
        return svg.text
    }

    // MARK: Layout

    /// Bars merged so each is at least two pixels wide; other layers unchanged.
    private func mergedLayers(plotWidth: Double) -> [ChartLayer] {
        let maxBars = max(Int(plotWidth / 2), 1)
        return chart.layers.map { layer in
            guard case .bars(let names, let bars) = layer, bars.count > maxBars else {
                return layer
            }
            let group = (bars.count + maxBars - 1) / maxBars
            let merged = stride(from: 0, to: bars.count, by: group).map { start in
                let slice = bars[start..<min(start + group, bars.count)]
                var values = [Double](repeating: 0, count: names.count)
                for bar in slice {
                    for (index, value) in bar.values.prefix(names.count).enumerated() {
                        values[index] += value
                    }
                }
                return ChartBar(
                    lower: slice.first?.lower ?? 0, upper: slice.last?.upper ?? 0,
                    values: values)
            }
            return .bars(names: names, bars: merged)
        }
    }

    private func layout(layers: [ChartLayer], top: Double) -> Frame {
        let (xRange, yRange) = dataRanges(layers)
        let bottom = chart.height - 50
        let yTarget = max(2, min(8, Int((bottom - top) / 45)))
        let yScale = NiceScale(
            minimum: yRange.lowerBound, maximum: yRange.upperBound, targetTickCount: yTarget)
        let yLabelWidth =
            yScale.labels.map { ChartMetrics.textWidth($0, font: ChartMetrics.tickFont) }.max()
            ?? 0
        let left = 12 + ChartMetrics.labelFont + 10 + yLabelWidth + 8
        let right = chart.width - 20
        // Fewer x ticks until their labels fit with room to spare.
        var xTarget = max(2, min(10, Int((right - left) / 80)))
        var xScale = NiceScale(
            minimum: xRange.lowerBound, maximum: xRange.upperBound, targetTickCount: xTarget,
            extendsToTicks: false)
        while xTarget > 1 {
            let widest =
                xScale.labels.map { ChartMetrics.textWidth($0, font: ChartMetrics.tickFont) }
                .max() ?? 0
            let spacing = (right - left) / Double(max(xScale.ticks.count - 1, 1))
            if widest + 12 <= spacing { break }
            xTarget -= 1
            xScale = NiceScale(
                minimum: xRange.lowerBound, maximum: xRange.upperBound, targetTickCount: xTarget,
                extendsToTicks: false)
        }
        return Frame(
            left: left, top: top, right: right, bottom: bottom, xScale: xScale, yScale: yScale)
    }

    /// The extent of all data; zero included where the y axis asks for it or bars and
    /// areas stand on it.
    private func dataRanges(_ layers: [ChartLayer]) -> (ClosedRange<Double>, ClosedRange<Double>) {
        var xs: [Double] = chart.xRange.map { [$0.lowerBound, $0.upperBound] } ?? []
        var ys: [Double] = chart.y.includesZero ? [0] : []
        if let range = chart.yRange { ys += [range.lowerBound, range.upperBound] }
        for layer in layers {
            switch layer {
            case .line(_, let points, let style):
                xs += points.map(\.x).filter(\.isFinite)
                ys += points.map(\.y).filter(\.isFinite)
                if style == .area { ys.append(0) }
            case .markers(_, let points, _), .scatter(_, let points):
                xs += points.map(\.x).filter(\.isFinite)
                ys += points.map(\.y).filter(\.isFinite)
            case .bars(_, let bars):
                ys.append(0)
                for bar in bars {
                    // A chart given an x range (a run's time axis) keeps to it: the last
                    // interval may reach past the run's end, the axis does not.
                    if let range = chart.xRange {
                        xs += [max(bar.lower, range.lowerBound), min(bar.upper, range.upperBound)]
                    } else {
                        xs += [bar.lower, bar.upper]
                    }
                    ys.append(bar.values.reduce(0, +))
                }
            case .reference:
                break
            }
        }
        let xRange = (xs.min() ?? 0)...(xs.max() ?? 1)
        let yRange = (ys.min() ?? 0)...(ys.max() ?? 1)
        return (xRange, yRange)
    }

    // MARK: Legend

    private func legendEntries(_ layers: [ChartLayer]) -> [LegendEntry] {
        var entries: [LegendEntry] = []
        var colorIndex = 0
        func next() -> String {
            defer { colorIndex += 1 }
            return ChartPalette.color(colorIndex)
        }
        for layer in layers {
            switch layer {
            case .line(let name, _, let style):
                entries.append(LegendEntry(name: name, color: next(), swatch: .line(style)))
            case .markers(let name, _, let shape):
                entries.append(LegendEntry(name: name, color: next(), swatch: .marker(shape)))
            case .scatter(let name, _):
                entries.append(LegendEntry(name: name, color: next(), swatch: .dot))
            case .bars(let names, _):
                for name in names {
                    entries.append(LegendEntry(name: name, color: next(), swatch: .box))
                }
            case .reference(let name, _, _):
                entries.append(
                    LegendEntry(name: name, color: ChartPalette.axis, swatch: .reference))
            }
        }
        return entries
    }

    /// Draws the legend in rows from `top`, wrapping at `maxWidth`; returns its bottom.
    private func drawLegend(
        _ entries: [LegendEntry], into svg: inout SVGWriter, top: Double, maxWidth: Double
    ) -> Double {
        guard chart.hasData, !entries.isEmpty else { return top }
        let rowHeight = 18.0
        var x = 12.0
        var y = top + 9
        for entry in entries {
            let itemWidth =
                28 + ChartMetrics.textWidth(entry.name, font: ChartMetrics.legendFont) + 18
            if x > 12 && x + itemWidth > 12 + maxWidth {
                x = 12
                y += rowHeight
            }
            drawSwatch(entry, x: x, y: y, into: &svg)
            svg.element(
                "text",
                [
                    "x": SVGWriter.number(x + 28), "y": SVGWriter.number(y + 4),
                    "font-size": SVGWriter.number(ChartMetrics.legendFont),
                    "fill": ChartPalette.text,
                ], text: entry.name)
            x += itemWidth
        }
        return y + rowHeight - 9
    }

    private func drawSwatch(_ entry: LegendEntry, x: Double, y: Double, into svg: inout SVGWriter) {
        let cx = x + 11
        switch entry.swatch {
        case .line(let style):
            if style == .area {
                svg.open(
                    "rect",
                    [
                        "x": SVGWriter.number(x), "y": SVGWriter.number(y - 6), "width": "22",
                        "height": "12", "fill": entry.color, "fill-opacity": "0.2",
                    ], selfClosing: true)
            }
            svg.open(
                "path",
                [
                    "d": "M\(SVGWriter.number(x)),\(SVGWriter.number(y))h22",
                    "stroke": entry.color, "stroke-width": "2.5", "fill": "none",
                    "stroke-dasharray": style == .dashed ? "6 3" : "none",
                ], selfClosing: true)
        case .marker(let shape):
            svg.open(
                "path",
                [
                    "d": markerPath(shape, x: cx, y: shape == .triangleDown ? y + 5.5 : y),
                    "fill": entry.color,
                ],
                selfClosing: true)
        case .dot:
            svg.open(
                "circle",
                [
                    "cx": SVGWriter.number(cx), "cy": SVGWriter.number(y), "r": "4",
                    "fill": entry.color, "fill-opacity": "0.7",
                ], selfClosing: true)
        case .box:
            svg.open(
                "rect",
                [
                    "x": SVGWriter.number(x + 4), "y": SVGWriter.number(y - 6), "width": "14",
                    "height": "12", "fill": entry.color,
                ], selfClosing: true)
        case .reference:
            svg.open(
                "path",
                [
                    "d": "M\(SVGWriter.number(x)),\(SVGWriter.number(y))h22",
                    "stroke": entry.color, "stroke-width": "1.2", "fill": "none",
                    "stroke-dasharray": "2 3",
                ], selfClosing: true)
        }
    }

    // MARK: Grid and axes

    private func drawGrid(_ frame: Frame, into svg: inout SVGWriter) {
        var path = ""
        for tick in frame.yScale.ticks {
            path += "M\(SVGWriter.number(frame.left)),\(SVGWriter.number(frame.py(tick)))"
            path += "H\(SVGWriter.number(frame.right))"
        }
        for tick in frame.xScale.ticks {
            path += "M\(SVGWriter.number(frame.px(tick))),\(SVGWriter.number(frame.top))"
            path += "V\(SVGWriter.number(frame.bottom))"
        }
        svg.open(
            "path", ["d": path, "stroke": ChartPalette.grid, "stroke-width": "1", "fill": "none"],
            selfClosing: true)
    }

    private func drawAxes(_ frame: Frame, into svg: inout SVGWriter) {
        let left = SVGWriter.number(frame.left)
        let bottom = SVGWriter.number(frame.bottom)
        svg.open(
            "path",
            [
                "d": "M\(left),\(SVGWriter.number(frame.top))V\(bottom)"
                    + "H\(SVGWriter.number(frame.right))",
                "stroke": ChartPalette.axis, "stroke-width": "1", "fill": "none",
            ], selfClosing: true)
        let tickFont = SVGWriter.number(ChartMetrics.tickFont)
        svg.open("g", ["font-size": tickFont, "fill": ChartPalette.mutedText])
        for (tick, label) in zip(frame.yScale.ticks, frame.yScale.labels) {
            svg.element(
                "text",
                [
                    "x": SVGWriter.number(frame.left - 6),
                    "y": SVGWriter.number(frame.py(tick) + 4), "text-anchor": "end",
                ], text: label)
        }
        for (tick, label) in zip(frame.xScale.ticks, frame.xScale.labels) {
            svg.element(
                "text",
                [
                    "x": SVGWriter.number(frame.px(tick)),
                    "y": SVGWriter.number(frame.bottom + 16), "text-anchor": "middle",
                ], text: label)
        }
        svg.close("g")
        drawAxisTitles(frame: frame, into: &svg)
    }

    private func drawAxisTitles(frame: Frame, into svg: inout SVGWriter) {
        let labelFont = SVGWriter.number(ChartMetrics.labelFont)
        svg.element(
            "text",
            [
                "x": SVGWriter.number((frame.left + frame.right) / 2),
                "y": SVGWriter.number(frame.bottom + 38), "text-anchor": "middle",
                "font-size": labelFont, "fill": ChartPalette.text,
            ], text: chart.x.title)
        let yMiddle = SVGWriter.number((frame.top + frame.bottom) / 2)
        svg.element(
            "text",
            [
                "x": "0", "y": "0", "text-anchor": "middle", "font-size": labelFont,
                "fill": ChartPalette.text,
                "transform": "translate(\(SVGWriter.number(12 + ChartMetrics.labelFont)),"
                    + "\(yMiddle)) rotate(-90)",
            ], text: chart.y.title)
    }

    private func drawEmpty(top: Double, into svg: inout SVGWriter) {
        let left = 40.0
        let right = chart.width - 20
        let bottom = chart.height - 30
        svg.open(
            "rect",
            [
                "x": SVGWriter.number(left), "y": SVGWriter.number(top),
                "width": SVGWriter.number(right - left), "height": SVGWriter.number(bottom - top),
                "fill": "#FAFAFA", "stroke": ChartPalette.grid,
            ], selfClosing: true)
        svg.element(
            "text",
            [
                "x": SVGWriter.number((left + right) / 2),
                "y": SVGWriter.number((top + bottom) / 2), "text-anchor": "middle",
                "font-size": "14", "fill": ChartPalette.mutedText,
            ], text: chart.emptyNote)
        svg.element(
            "text",
            [
                "x": SVGWriter.number((left + right) / 2),
                "y": SVGWriter.number((top + bottom) / 2 + 20), "text-anchor": "middle",
                "font-size": SVGWriter.number(ChartMetrics.tickFont),
                "fill": ChartPalette.mutedText,
            ], text: "\(chart.y.title) against \(chart.x.title)")
    }

    // MARK: Layers

    private func drawLayers(_ layers: [ChartLayer], frame: Frame, into svg: inout SVGWriter) {
        let pad = 6.0
        svg.open("clipPath", ["id": "\(id)-plot"])
        svg.open(
            "rect",
            [
                "x": SVGWriter.number(frame.left - pad), "y": SVGWriter.number(frame.top - pad),
                "width": SVGWriter.number(frame.plotWidth + 2 * pad),
                "height": SVGWriter.number(frame.bottom - frame.top + 2 * pad),
            ], selfClosing: true)
        svg.close("clipPath")
        svg.open("g", ["clip-path": "url(#\(id)-plot)"])
        let entries = legendEntries(layers)
        var entryIndex = 0
        for layer in layers {
            switch layer {
            case .line(_, let points, let style):
                drawLine(points, style: style, color: entries[entryIndex].color, frame, &svg)
                entryIndex += 1
            case .markers(_, let points, let shape):
                drawMarkers(points, shape: shape, color: entries[entryIndex].color, frame, &svg)
                entryIndex += 1
            case .scatter(_, let points):
                drawScatter(points, color: entries[entryIndex].color, frame, &svg)
                entryIndex += 1
            case .bars(let names, let bars):
                let colors = entries[entryIndex..<entryIndex + names.count].map(\.color)
                drawBars(bars, colors: colors, frame, &svg)
                entryIndex += names.count
            case .reference(_, let from, let to):
                svg.open(
                    "path",
                    [
                        "d": "M\(SVGWriter.number(frame.px(from.x))),"
                            + "\(SVGWriter.number(frame.py(from.y)))"
                            + "L\(SVGWriter.number(frame.px(to.x))),"
                            + "\(SVGWriter.number(frame.py(to.y)))",
                        "stroke": ChartPalette.axis, "stroke-width": "1.2",
                        "stroke-dasharray": "2 3", "fill": "none",
                    ], selfClosing: true)
                entryIndex += 1
            }
        }
        svg.close("g")
    }

    private func drawLine(
        _ points: [ChartPoint], style: LineStyle, color: String, _ frame: Frame,
        _ svg: inout SVGWriter
    ) {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard let first = finite.first else { return }
        let thinned = Downsampling.envelope(
            finite, xRange: frame.xScale.lower...frame.xScale.upper,
            columns: max(Int(frame.plotWidth), 1))
        var path = "M\(SVGWriter.number(frame.px(first.x))),\(SVGWriter.number(frame.py(first.y)))"
        for point in thinned.dropFirst() {
            if style == .stepped {
                path += "H\(SVGWriter.number(frame.px(point.x)))"
                path += "V\(SVGWriter.number(frame.py(point.y)))"
            } else {
                path += "L\(SVGWriter.number(frame.px(point.x))),"
                path += SVGWriter.number(frame.py(point.y))
            }
        }
        if style == .area {
            let zero = max(frame.yScale.lower, min(0, frame.yScale.upper))
            let fill =
                path + "V\(SVGWriter.number(frame.py(zero)))"
                + "H\(SVGWriter.number(frame.px(first.x)))Z"
            svg.open(
                "path", ["d": fill, "fill": color, "fill-opacity": "0.18", "stroke": "none"],
                selfClosing: true)
        }
        svg.open(
            "path",
            [
                "d": path, "fill": "none", "stroke": color,
                "stroke-width": style == .stepped ? "2.25" : "1.75", "stroke-linejoin": "round",
                "stroke-dasharray": style == .dashed ? "6 3" : "none",
            ], selfClosing: true)
    }

    private func drawMarkers(
        _ points: [ChartPoint], shape: MarkerShape, color: String, _ frame: Frame,
        _ svg: inout SVGWriter
    ) {
        let kept = Downsampling.onePerCell(points, cell: 4) { (frame.px($0.x), frame.py($0.y)) }
        var path = ""
        for point in kept {
            path += markerPath(shape, x: frame.px(point.x), y: frame.py(point.y))
        }
        svg.open(
            "path",
            [
                "d": path, "fill": color, "fill-opacity": "0.8",
            ], selfClosing: true)
    }

    private func drawScatter(
        _ points: [ChartPoint], color: String, _ frame: Frame, _ svg: inout SVGWriter
    ) {
        let kept = Downsampling.onePerCell(points, cell: 2) { (frame.px($0.x), frame.py($0.y)) }
        svg.open("g", ["fill": color, "fill-opacity": "0.6"])
        for point in kept {
            svg.open(
                "circle",
                [
                    "cx": SVGWriter.number(frame.px(point.x)),
                    "cy": SVGWriter.number(frame.py(point.y)), "r": "3",
                ], selfClosing: true)
        }
        svg.close("g")
    }

    private func drawBars(
        _ bars: [ChartBar], colors: [String], _ frame: Frame, _ svg: inout SVGWriter
    ) {
        for (series, color) in colors.enumerated() {
            var path = ""
            for bar in bars where series < bar.values.count && bar.values[series] != 0 {
                let base = bar.values[..<series].reduce(0, +)
                let top = base + bar.values[series]
                let x0 = frame.px(bar.lower)
                let x1 = frame.px(bar.upper)
                let gap = x1 - x0 > 4 ? 1.0 : 0
                let width = max(x1 - x0 - gap, 1)
                let y0 = frame.py(base)
                let y1 = frame.py(top)
                path += "M\(SVGWriter.number(x0 + gap / 2)),\(SVGWriter.number(y0))"
                path += "V\(SVGWriter.number(y1))h\(SVGWriter.number(width))"
                path += "V\(SVGWriter.number(y0))Z"
            }
            svg.open("path", ["d": path, "fill": color], selfClosing: true)
        }
    }

    private func markerPath(_ shape: MarkerShape, x: Double, y: Double) -> String {
        let n = SVGWriter.number
        switch shape {
        case .circle:
            return "M\(n(x - 4)),\(n(y))a4,4 0 1,0 8,0a4,4 0 1,0 -8,0Z"
        case .triangleDown:
            // The tip marks the point; the body sits above it, clear of the line.
            return "M\(n(x)),\(n(y))L\(n(x - 6)),\(n(y - 11))H\(n(x + 6))Z"
        case .diamond:
            return "M\(n(x)),\(n(y - 5))L\(n(x + 5)),\(n(y))L\(n(x)),\(n(y + 5))"
                + "L\(n(x - 5)),\(n(y))Z"
        }
    }
}
