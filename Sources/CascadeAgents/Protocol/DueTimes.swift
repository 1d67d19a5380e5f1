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
/// **Exact.** The times are the same numbers the pass read before, and `firstDue` returns
/// the same position a scan of them would: a bound is never above its run's least time.
/// A write that lowers a time lowers the bound with it; a write that raises one leaves the
/// bound low (still a bound), and the next scan that reads the whole run with nothing due
/// sets it to the run's least time.
///
/// **A pass's runs made tight as it goes.** A pass stops at a due position, writes its
/// next time, and resumes just past it. The run it stopped in then had its times before
/// that position read already, and only that one written since: resuming, `firstDue`
/// reads the written time and the rest of the run, and sets the run's bound to its least
/// time. Without that the bound stayed at the due position's old time, and the next pass
/// read the whole run again to find nothing due there (the world bench's keepers: about
/// one run in two that a pass reads). Any other write, append or removal forgets where it
/// stopped (`stopPosition`).
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
    /// The due position the last search returned after reading its run from the start
    /// (−1: none, or not resumable), and the least time of the run's positions before it.
    @exclusivity(unchecked) private var stopPosition = -1
    @exclusivity(unchecked) private var stopLeast = Int64.max

    init() {
        capacity = 4 * Self.runLength
        timesBuffer = .allocate(capacity: capacity)
        floorsBuffer = .allocate(capacity: capacity >> Self.shift)
    }

    deinit {
        timesBuffer.deallocate()
        floorsBuffer.deallocate()
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
        UnsafeBufferPointer(start: floorsBuffer, count: runCount).min() ?? .max
    }

    subscript(position: Int) -> Int64 {
        @inline(__always) get {
            precondition(position >= 0 && position < count, "DueTimes: position out of range")
            return timesBuffer[position]
        }
        @inline(__always) set {
            precondition(position >= 0 && position < count, "DueTimes: position out of range")
            if position != stopPosition { stopPosition = -1 }
            timesBuffer[position] = newValue
            let run = position &>> Self.shift
            if newValue < floorsBuffer[run] { floorsBuffer[run] = newValue }
        }
    }

    func append(_ time: Int64) {
        stopPosition = -1
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
        capacity = newCapacity
    }

    /// The first position at or after `start` whose time is at or before `now`, or
    /// `count`.
    func firstDue(from start: Int, now: Int64) -> Int {
        let count = self.count
        let times = timesBuffer
        let floors = floorsBuffer
        let runs = runCount
        var position = max(0, start)
        if stopPosition >= 0, start == stopPosition + 1 {
            // Resuming just past the due position the last search returned: the rest of
            // its run, with its least so far and the time written since.
            let resumed = stopPosition
            let run = resumed &>> Self.shift
            let end = min(count, (run + 1) &<< Self.shift)
            var least = min(stopLeast, times[resumed])
            while position < end {
                let time = times[position]
                if time <= now { return stop(at: position, least: least, resumable: true) }
                least = min(least, time)
                position += 1
            }
            floors[run] = least
        }
        while position < count {
            var run = position &>> Self.shift
            if floors[run] > now {
                // Nothing due in this run: step over it and every following run whose
                // bound is in the future, reading the bounds alone.
                run += 1
                while run < runs && floors[run] > now { run += 1 }
                position = run &<< Self.shift
                continue
            }
            let end = min(count, (run + 1) &<< Self.shift)
            let whole = position == run &<< Self.shift
            var least = Int64.max
            while position < end {
                let time = times[position]
                if time <= now { return stop(at: position, least: least, resumable: whole) }
                least = min(least, time)
                position += 1
            }
            // Read whole with nothing due: its least time is now known.
            if whole { floors[run] = least }
        }
        return stop(at: count, least: .max, resumable: false)
    }

    /// Where a search stopped, for the next one to resume from (`firstDue`).
    @inline(__always)
    private func stop(at position: Int, least: Int64, resumable: Bool) -> Int {
        stopPosition = resumable ? position : -1
        stopLeast = least
        return position
    }

    /// Removes the positions whose time is `Int64.max` (finished), and the elements at the
    /// same positions of `companion`, keeping the order of the rest.
    func removeFinished<Companion>(alongside companion: inout [Companion]) {
        stopPosition = -1
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
