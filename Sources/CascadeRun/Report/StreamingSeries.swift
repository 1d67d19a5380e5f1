/// A line series thinned while it streams in, so a report of 10^7 blocks holds a few
/// thousand points per series instead of 10^7.
///
/// The x range is known before the first point (a run's time axis is `0...sim_seconds`),
/// so it is cut into `columns` equal columns, and of each column's points the first, the
/// lowest, the highest and the last are kept, in their original order — what
/// `Downsampling.envelope` keeps at drawing time, at a finer grain (a few columns per pixel
/// column), so the drawing is the same, spikes included. Memory: at most `4 · columns`
/// points.
///
/// Points arrive sorted by x; a point left of its predecessor's column starts a column of
/// its own (nothing is lost, the series just thins less).
struct StreamingEnvelope {
    let lower: Double
    let width: Double
    let columns: Int
    private(set) var kept: [ChartPoint] = []
    private var column = Int.min
    private var first: ChartPoint?
    private var lowest: (order: Int, point: ChartPoint)?
    private var highest: (order: Int, point: ChartPoint)?
    private var last: (order: Int, point: ChartPoint)?
    private var count = 0

    init(range: ClosedRange<Double>, columns: Int = 2_048) {
        precondition(columns >= 1, "at least one column")
        self.lower = range.lowerBound
        self.width = max(range.upperBound - range.lowerBound, 1e-12)
        self.columns = columns
    }

    mutating func append(_ point: ChartPoint) {
        let index = min(
            max(Int(((point.x - lower) / width * Double(columns)).rounded(.down)), 0), columns - 1)
        if index != column {
            flush()
            column = index
            first = point
            count = 0
            lowest = (0, point)
            highest = (0, point)
            last = (0, point)
            return
        }
        count += 1
        if let low = lowest, point.y < low.point.y { lowest = (count, point) }
        if let high = highest, point.y > high.point.y { highest = (count, point) }
        last = (count, point)
    }

    /// The kept points, the current column included.
    var points: [ChartPoint] {
        var copy = self
        copy.flush()
        return copy.kept
    }

    private mutating func flush() {
        guard let first, let lowest, let highest, let last else { return }
        var picks = [(0, first), lowest, highest, last]
        picks.sort { $0.0 < $1.0 }
        for (position, pick) in picks.enumerated()
        where position == 0 || pick.0 != picks[position - 1].0 {
            kept.append(pick.1)
        }
        self.first = nil
        self.lowest = nil
        self.highest = nil
        self.last = nil
    }
}

/// Per-event values summed into fixed-width bins from x = 0 as they stream in: the bars
/// of `ChartBar.sums(of:width:seriesCount:)` without keeping the events. Bins run from the
/// first event's to the last event's, empty ones included, as `ChartBar.sums` gives them.
struct StreamingBins {
    let width: Double
    let seriesCount: Int
    private var sums: [[Double]] = []
    private var firstIndex: Int?
    private var lastIndex = 0

    init(width: Double, seriesCount: Int) {
        precondition(width > 0, "bin width must be positive")
        self.width = width
        self.seriesCount = seriesCount
    }

    /// Adds one event at `x ≥ 0` (a block's time; the caller bounds it by the run).
    mutating func add(x: Double, _ values: [Double]) {
        guard x.isFinite else { return }
        let index = max(Int((x / width).rounded(.down)), 0)
        while sums.count <= index {
            sums.append([Double](repeating: 0, count: seriesCount))
        }
        for (series, value) in values.prefix(seriesCount).enumerated() {
            sums[index][series] += value
        }
        firstIndex = min(firstIndex ?? index, index)
        lastIndex = max(lastIndex, index)
    }

    /// Whether any event had a nonzero value.
    var hasNonzero: Bool { sums.contains { $0.contains { $0 != 0 } } }

    var bars: [ChartBar] {
        guard let firstIndex else { return [] }
        return (firstIndex...lastIndex).map { index in
            let lower = Double(index) * width
            return ChartBar(lower: lower, upper: lower + width, values: sums[index])
        }
    }
}
