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
struct DueTimes {
    private static let shift = 4
    private static let runLength = 1 << shift

    /// The times, by position.
    private(set) var times: [Int64] = []
    /// Per run of `runLength` positions: at most the least of its times.
    private var floors: [Int64] = []
    /// The due position the last search returned after reading its run from the start
    /// (−1: none, or not resumable), and the least time of the run's positions before it.
    private var stopPosition = -1
    private var stopLeast = Int64.max

    var count: Int { times.count }

    /// At most the least time of all (`Int64.max` when there is none): the least of the
    /// runs' bounds. A pass that found nothing due read every run whose bound was not in the
    /// future, and set each bound it read to its run's least time, so after it this is
    /// above `now`. Reading the bounds rather than the times: a keeper with nothing due asks
    /// on every such pass, and the minimum of a thousand times was 1.6% of the world bench.
    var earliestBound: Int64 {
        floors.withUnsafeBufferPointer { $0.min() ?? .max }
    }

    subscript(position: Int) -> Int64 {
        @inline(__always) get { times[position] }
        @inline(__always) set {
            if position != stopPosition { stopPosition = -1 }
            times[position] = newValue
            let run = position &>> Self.shift
            if newValue < floors[run] { floors[run] = newValue }
        }
    }

    mutating func append(_ time: Int64) {
        stopPosition = -1
        if times.count & (Self.runLength - 1) == 0 {
            floors.append(time)
        } else if time < floors[floors.count - 1] {
            floors[floors.count - 1] = time
        }
        times.append(time)
    }

    /// The first position at or after `start` whose time is at or before `now`, or
    /// `count`.
    mutating func firstDue(from start: Int, now: Int64) -> Int {
        let count = times.count
        let resumed = stopPosition
        let resumedLeast = stopLeast
        // The closures only read `self`'s other fields: where the search stops is written
        // after (a write to `self` inside them had the times' buffer retained per search).
        let (found, least, resumable) = times.withUnsafeBufferPointer { times in
            floors.withUnsafeMutableBufferPointer { floors -> (Int, Int64, Bool) in
                var position = start
                if resumed >= 0, start == resumed + 1 {
                    // Resuming just past the due position the last search returned: the
                    // rest of its run, with its least so far and the time written since.
                    let run = resumed &>> Self.shift
                    let end = min(count, (run + 1) &<< Self.shift)
                    var least = min(resumedLeast, times[resumed])
                    while position < end {
                        let time = times[position]
                        if time <= now { return (position, least, true) }
                        least = min(least, time)
                        position += 1
                    }
                    floors[run] = least
                }
                while position < count {
                    let run = position &>> Self.shift
                    let end = min(count, (run + 1) &<< Self.shift)
                    if floors[run] > now {
                        position = end
                        continue
                    }
                    let whole = position == run &<< Self.shift
                    var least = Int64.max
                    while position < end {
                        let time = times[position]
                        if time <= now { return (position, least, whole) }
                        least = min(least, time)
                        position += 1
                    }
                    // Read whole with nothing due: its least time is now known.
                    if whole { floors[run] = least }
                }
                return (count, .max, false)
            }
        }
        stopPosition = resumable ? found : -1
        stopLeast = least
        return found
    }

    /// Removes the positions whose time is `Int64.max` (finished), and the elements at the
    /// same positions of `companion`, keeping the order of the rest.
    mutating func removeFinished<Companion>(alongside companion: inout [Companion]) {
        stopPosition = -1
        precondition(companion.count == times.count, "DueTimes: companion out of step")
        guard let first = times.firstIndex(of: .max) else { return }
        // In place, through buffers, from the first finished position on: the positions
        // before it stay where they are, and the rest move down without a uniqueness check
        // per write.
        var kept = first
        companion.withUnsafeMutableBufferPointer { companion in
            times.withUnsafeMutableBufferPointer { times in
                for position in (first + 1)..<times.count where times[position] != .max {
                    companion[kept] = companion[position]
                    times[kept] = times[position]
                    kept += 1
                }
            }
        }
        companion.removeLast(companion.count - kept)
        times.removeLast(times.count - kept)
        // The runs before the first finished position did not move; the others get the
        // lowest bound, so the next scan reads them whole and sets them.
        let runs = (times.count + Self.runLength - 1) &>> Self.shift
        floors.removeLast(floors.count - runs)
        floors.withUnsafeMutableBufferPointer { floors in
            for run in (first &>> Self.shift)..<runs { floors[run] = .min }
        }
    }
}
