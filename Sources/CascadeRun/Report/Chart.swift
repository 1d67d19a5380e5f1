/// A point of a chart, in data units (hours, USD, gwei). Charts are drawings: exact
/// on-chain amounts are converted to `Double` only here, for placing ink.
package struct ChartPoint: Hashable, Sendable {
    package var x: Double
    package var y: Double

    package init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// One axis: what it measures and in which unit (`"market price"`, `"USD"`).
package struct ChartAxis: Hashable, Sendable {
    package var label: String
    package var unit: String?
    /// Whether the axis must show zero (counts, debt); prices usually need not.
    package var includesZero: Bool

    package init(_ label: String, unit: String? = nil, includesZero: Bool = false) {
        self.label = label
        self.unit = unit
        self.includesZero = includesZero
    }

    /// `market price (USD)`.
    var title: String { unit.map { "\(label) (\($0))" } ?? label }
}

/// How a line is drawn.
package enum LineStyle: Hashable, Sendable {
    case solid
    case dashed
    /// Held flat until the next point, then a vertical jump: a value that changes in steps
    /// (an oracle price, which holds until the next update). The line ends at the last
    /// point, so add one at the end of the run to show the last value held.
    case stepped
    /// A solid line with the area down to zero filled lightly (cumulative totals).
    case area
}

/// The shape of markers on a chart.
package enum MarkerShape: Hashable, Sendable {
    case circle
    case triangleDown
    case diamond
}

/// One bar of a bar chart: the interval `lower..<upper` on x and one value per stacked
/// series (counts per block, liquidations per hour).
package struct ChartBar: Hashable, Sendable {
    package var lower: Double
    package var upper: Double
    package var values: [Double]

    package init(lower: Double, upper: Double, values: [Double]) {
        self.lower = lower
        self.upper = upper
        self.values = values
    }
}

/// One thing drawn on a chart, with its legend entry. Layers draw in order, each taking the
/// next palette colour (a bar layer takes one per stacked series).
package enum ChartLayer: Hashable, Sendable {
    /// A line through points sorted by x.
    case line(name: String, points: [ChartPoint], style: LineStyle)
    /// Markers at points (liquidations on the price line).
    case markers(name: String, points: [ChartPoint], shape: MarkerShape)
    /// Dots at points, in any order (clearing price against market price).
    case scatter(name: String, points: [ChartPoint])
    /// Bars, stacked bottom-up in the order of `names`. Bars are sums (counts, amounts):
    /// when there are more bars than pixels, neighbours are merged by adding.
    case bars(names: [String], bars: [ChartBar])
    /// A thin grey reference line between two points (y = x), not counted as data.
    case reference(name: String, from: ChartPoint, to: ChartPoint)

    /// Whether the layer has anything to draw.
    var hasData: Bool {
        switch self {
        case .line(_, let points, _), .markers(_, let points, _), .scatter(_, let points):
            !points.isEmpty
        case .bars(_, let bars): !bars.isEmpty
        case .reference: false
        }
    }
}

/// A chart: a title, two axes, layers, and a note for when there is nothing to show.
///
/// ```swift
/// let chart = Chart(
///     title: "ETH: market price and what the oracle reports",
///     x: ChartAxis("time since start", unit: "h"),
///     y: ChartAxis("price", unit: "USD"),
///     layers: [
///         .line(name: "market", points: market, style: .solid),
///         .line(name: "OSM (oracle)", points: oracle, style: .stepped),
///         .markers(name: "liquidation", points: bites, shape: .triangleDown),
///     ],
///     emptyNote: "no price data in this run")
/// let svg = chart.svg(id: "price")
/// ```
package struct Chart: Hashable, Sendable {
    package var title: String
    package var x: ChartAxis
    package var y: ChartAxis
    package var layers: [ChartLayer]
    /// Shown instead of the plot when no layer has data ("no liquidations in this run").
    package var emptyNote: String
    /// A sentence under the chart on how to read it.
    package var caption: String?
    /// The drawing's size in SVG user units (pixels at 100% zoom).
    package var width: Double
    package var height: Double
    /// The x extent to show at least, whatever the data covers (a time axis spanning the
    /// whole run, so charts of one page line up); nil for the data's own extent.
    package var xRange: ClosedRange<Double>?
    /// The y extent to show at least (a square domain for a chart with a diagonal).
    package var yRange: ClosedRange<Double>?

    package init(
        title: String, x: ChartAxis, y: ChartAxis, layers: [ChartLayer],
        emptyNote: String, caption: String? = nil, width: Double = 640, height: Double = 360,
        xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil
    ) {
        self.xRange = xRange
        self.yRange = yRange
        self.title = title
        self.x = x
        self.y = y
        self.layers = layers
        self.emptyNote = emptyNote
        self.caption = caption
        self.width = width
        self.height = height
    }

    /// Whether any layer has data; a chart without data shows `emptyNote`.
    package var hasData: Bool { layers.contains(where: \.hasData) }
}

extension ChartBar {
    /// Sums per-event values into bars of `width` along x, starting at `origin`: per-block
    /// counts into per-hour bars, say. `events` are `(x, values)` with one value per stacked
    /// series; empty intervals between the first and last event get zero bars, so gaps
    /// show. Events are summed in the order given (deterministic for doubles).
    package static func sums(
        of events: [(x: Double, values: [Double])], width: Double, origin: Double = 0,
        seriesCount: Int
    ) -> [ChartBar] {
        precondition(width > 0, "bar width must be positive")
        let finite = events.filter { $0.x.isFinite }
        guard let low = finite.map(\.x).min(), let high = finite.map(\.x).max() else {
            return []
        }
        let first = Int(((low - origin) / width).rounded(.down))
        let last = Int(((high - origin) / width).rounded(.down))
        var sums = [[Double]](
            repeating: [Double](repeating: 0, count: seriesCount), count: last - first + 1)
        for event in finite {
            let index = Int(((event.x - origin) / width).rounded(.down)) - first
            for (series, value) in event.values.prefix(seriesCount).enumerated() {
                sums[index][series] += value
            }
        }
        return sums.enumerated().map { offset, values in
            let lower = origin + Double(first + offset) * width
            return ChartBar(lower: lower, upper: lower + width, values: values)
        }
    }
}
