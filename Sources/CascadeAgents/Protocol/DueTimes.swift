import CascadeKernel

/// When each of a keeper's known auctions is next due, in milliseconds, by position, with
/// a lower bound for every run of 16 positions.
///
/// **Why.** A keeper's auction pass looks for the auctions due now in position order, and
/// on Black Thursday a keeper knows thousands of live auctions, few of them due at any
/// moment: reading every time on every pass was about 2% of a run. With the bounds a pass
/// steps over each run whose bound is in the future and reads only the others. Runs of 16
/// rather than 64: a busy protocol world's keeper has a score of its thousand auctions due
/// in a pass, one in nearly every run of 64, so its passes read nearly every time (world
/// bench 5,303 M → 5,143 M instructions; a Black Thursday run, few due among thousands,
/// 2,613 M → 2,616 M; runs of 8: 5,135 M and 2,621 M).
///
/// **Exact.** The times are the same numbers the pass read before, and `collectDue` finds
/// the positions a scan of them would: a bound is never above its run's least time when
/// it is read. A write that lowers a time lowers the bound with it; a write that raises
/// one leaves the bound low (still a bound), and the next collection that reads the run
/// sets it to the run's least time.
///
/// **A pass collects, then looks.** A pass asks once for every position due (`collectDue`),
/// reading each run whose bound is not in the future whole, and looks at them in order,
/// writing each one's next time. A search per look, resuming just past the last due
/// position, was 4% of the world bench (about 120 instructions a look, of 745,000). The
/// bound a collection leaves on each run it read is the least of its times that are not
/// due: the pass is about to rewrite the due ones. Those it leaves due (a transaction in
/// flight, the budget spent) are folded back into their runs' bounds before the bounds
/// are next read (`foldDue`), so a bound is never above a time when it is read. Without the
/// fold the bound of a run with a due position stayed at or below that position's old
/// time, and the next pass read the whole run again to find nothing due in it.
final class DueTimes {
    private static let shift = 4
    private static let runLength = 1 << shift

    /// The times, by position (`count` of them, room for `capacity`).
    @exclusivity(unchecked) private var timesBuffer: UnsafeMutablePointer<Int64>
    /// Per run of `runLength` positions: at most the least of its times (room for
    /// `capacity / runLength` runs).
    @exclusivity(unchecked) private var floorsBuffer: UnsafeMutablePointer<Int64>
    @exclusivity(unchecked) private(set) var count = 0
    /// A multiple of `runLength`.
    @exclusivity(unchecked) private var capacity: Int
    /// The positions the last `collectDue` found due, in order (`dueCount` of them, room
    /// for `capacity`).
    @exclusivity(unchecked) private var dueBuffer: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private(set) var dueCount = 0
    /// Whether the bounds of the due positions' runs may still leave out their times (from
    /// `collectDue` until `foldDue`).
    @exclusivity(unchecked) private var dueUnfolded = false

    init() {
        capacity = 4 * Self.runLength
        timesBuffer = .allocate(capacity: capacity)
        floorsBuffer = .allocate(capacity: capacity >> Self.shift)
        dueBuffer = .allocate(capacity: capacity)
    }

    deinit {
        timesBuffer.deallocate()
        floorsBuffer.deallocate()
        dueBuffer.deallocate()
    }

    /// The times, by position, as an array (for tests).
    var times: [Int64] {
        Array(UnsafeBufferPointer(start: timesBuffer, count: count))
    }

    private var runCount: Int { (count + Self.runLength - 1) &>> Self.shift }

    /// At most the least time of all (`Int64.max` when there is none): the least of the
    /// runs' bounds. A pass that found nothing due read every run whose bound was not in the
    /// future, and set each bound it read to its run's least time, so after it this is
    /// above `now`. Reading the bounds rather than the times: a keeper with nothing due asks
    /// on every such pass, and the minimum of a thousand times was 1.6% of the world bench.
    var earliestBound: Int64 {
        foldDue()
        return UnsafeBufferPointer(start: floorsBuffer, count: runCount).min() ?? .max
    }

    subscript(position: Int) -> Int64 {
        @inline(__always) get {
            precondition(position >= 0 && position < count, "DueTimes: position out of range")
            return timesBuffer[position]
        }
        @inline(__always) set {
            precondition(position >= 0 && position < count, "DueTimes: position out of range")
            timesBuffer[position] = newValue
            let run = position &>> Self.shift
            if newValue < floorsBuffer[run] { floorsBuffer[run] = newValue }
        }
    }

    func append(_ time: Int64) {
        foldDue()
        if count == capacity { grow() }
        if count & (Self.runLength - 1) == 0 {
            floorsBuffer[count &>> Self.shift] = time
        } else {
            let run = (count - 1) &>> Self.shift
            if time < floorsBuffer[run] { floorsBuffer[run] = time }
        }
        timesBuffer[count] = time
        count += 1
    }

    /// Doubles the room for times and runs.
    private func grow() {
        let newCapacity = 2 * capacity
        timesBuffer = timesBuffer.reallocated(count: count, capacity: newCapacity)
        floorsBuffer = floorsBuffer.reallocated(
            count: runCount, capacity: newCapacity >> Self.shift)
        dueBuffer = dueBuffer.reallocated(count: dueCount, capacity: newCapacity)
        capacity = newCapacity
    }

    /// Collects every position whose time is at or before `now`, in order: `dueCount` of
    /// them, `due(at:)`. Each run whose bound is not in the future is read whole, and its
    /// bound set to the least of its times after `now` (the due ones are folded in again
    /// before any bound is next read, `foldDue`).
    func collectDue(now: Int64) {
        foldDue()
        let times = timesBuffer
        let floors = floorsBuffer
        let due = dueBuffer
        let runs = runCount
        let count = self.count
        var found = 0
        var run = 0
        while run < runs {
            guard floors[run] <= now else {
                run += 1
                continue
            }
            let start = run &<< Self.shift
            let end = min(count, start + Self.runLength)
            var least = Int64.max
            for position in start..<end {
                let time = times[position]
                if time <= now {
                    due[found] = position
                    found += 1
                } else {
                    least = min(least, time)
                }
            }
            floors[run] = least
            run += 1
        }
        dueCount = found
        dueUnfolded = found > 0
    }

    /// The `index`th position the last `collectDue` found due.
    @inline(__always)
    func due(at index: Int) -> Int {
        precondition(index >= 0 && index < dueCount, "DueTimes: due index out of range")
        return dueBuffer[index]
    }

    /// Lowers the bounds of the last collection's runs to the times now at its due
    /// positions (those a pass left due, or wrote; a write lowered the bound already when it
    /// was lower). Before the bounds are read, searched or moved.
    private func foldDue() {
        guard dueUnfolded else { return }
        dueUnfolded = false
        let times = timesBuffer
        let floors = floorsBuffer
        for index in 0..<dueCount {
            let position = dueBuffer[index]
            let run = position &>> Self.shift
            if times[position] < floors[run] { floors[run] = times[position] }
        }
    }

    /// Removes the positions whose time is `Int64.max` (finished), and the elements at the
    /// same positions of `companion`, keeping the order of the rest.
    func removeFinished<Companion>(alongside companion: inout [Companion]) {
        foldDue()
        dueCount = 0
        precondition(companion.count == count, "DueTimes: companion out of step")
        let times = timesBuffer
        var first = 0
        while first < count && times[first] != .max { first += 1 }
        guard first < count else { return }
        // In place from the first finished position on: the positions before it stay where
        // they are, and the rest move down.
        var kept = first
        companion.withUnsafeMutableBufferPointer { companion in
            for position in (first + 1)..<count where times[position] != .max {
                companion[kept] = companion[position]
                times[kept] = times[position]
                kept += 1
            }
        }
        companion.removeLast(companion.count - kept)
        count = kept
        // The runs before the first finished position did not move; the others get the
        // lowest bound, so the next scan reads them whole and sets them.
        for run in (first &>> Self.shift)..<runCount { floorsBuffer[run] = .min }
    }
}
