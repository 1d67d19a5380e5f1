/// Keeps charts of long runs small: at most a few points per pixel column, chosen so the
/// drawing looks the same as with every point.
///
/// A line through 10^5 points on a 600-pixel plot draws ~170 points per column, which the
/// eye cannot tell apart; what it can see is each column's extent. So per column we keep
/// the first, lowest, highest and last point (in their original order): the line's
/// envelope and its joins to the neighbouring columns survive, spikes included, and the
/// page stays small. Deterministic: the same points give the same subset.
package enum Downsampling {
    /// At most `4 · columns` points of `points` (sorted by x), by first/min/max/last per
    /// column of `xRange`. Fewer points than that are returned unchanged.
    package static func envelope(
        _ points: [ChartPoint], xRange: ClosedRange<Double>, columns: Int
    ) -> [ChartPoint] {
        precondition(columns >= 1, "at least one column")
        guard points.count > 4 * columns else { return points }
        let width = xRange.upperBound - xRange.lowerBound
        var kept: [ChartPoint] = []
        kept.reserveCapacity(4 * columns)
        var start = 0
        while start < points.count {
            let column = columnIndex(points[start].x, xRange: xRange, width: width, columns)
            var end = start + 1
            var lowest = start
            var highest = start
            while end < points.count
                && columnIndex(points[end].x, xRange: xRange, width: width, columns) == column
            {
                if points[end].y < points[lowest].y { lowest = end }
                if points[end].y > points[highest].y { highest = end }
                end += 1
            }
            var indices = [start, lowest, highest, end - 1]
            indices.sort()
            for (position, index) in indices.enumerated()
            where position == 0 || index != indices[position - 1] {
                kept.append(points[index])
            }
            start = end
        }
        return kept
    }

    /// Points with at most one per pixel cell (`cell` pixels square), the first of each
    /// kept: for scatter plots and markers, where overplotted points add bytes but no ink.
    /// `project` maps a point to pixels. Order of the survivors is kept.
    package static func onePerCell(
        _ points: [ChartPoint], cell: Double, project: (ChartPoint) -> (Double, Double)
    ) -> [ChartPoint] {
        var seen = Set<Cell>()
        var kept: [ChartPoint] = []
        for point in points {
            let (x, y) = project(point)
            guard x.isFinite && y.isFinite else { continue }
            let key = Cell(x: Cell.index(x / cell), y: Cell.index(y / cell))
            // Only membership is asked of the set; its order never reaches the output.
            if seen.insert(key).inserted {
                kept.append(point)
            }
        }
        return kept
    }

    /// A pixel cell; only its identity matters.
    private struct Cell: Hashable {
        let x: Int
        let y: Int

        static func index(_ value: Double) -> Int {
            Int(min(max(value, -1e9), 1e9).rounded(.down))
        }
    }

    private static func columnIndex(
        _ x: Double, xRange: ClosedRange<Double>, width: Double, _ columns: Int
    ) -> Int {
        guard width > 0 else { return 0 }
        let index = Int(((x - xRange.lowerBound) / width * Double(columns)).rounded(.down))
        return min(max(index, 0), columns - 1)
    }
}
