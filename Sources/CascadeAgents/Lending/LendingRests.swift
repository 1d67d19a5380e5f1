/// The accounts an agent has judged not worth acting on for now, and when each comes back:
/// the rule of a lending liquidator's rests, kept by `LendingBook` (an agent with a book of
/// its own) and by `LendingBookView` (a liquidator reading a shared book) alike.
///
/// A rest of `interval` (ms) is doubled for each rest the account had since it last
/// changed, at most 32 times; it ends at the first `wake` at or after its end, or at once
/// when the account changes (`changed`). Ids are dense, `0..<count`.
///
/// Complexity: `start` and `changed` O(1); `wake` O(resting) when a rest is due, O(1)
/// otherwise.
struct LendingRests {
    /// Per id, until when (ms) it rests; 0 when it does not.
    private(set) var until: [Int64]
    /// Per id, rests in a row since it last changed (allocated at the first rest).
    private var counts: [UInt8] = []
    /// The resting ids (some may have ended by a change since), and the earliest end.
    private var resting: [Int] = []
    private var nextWake = Int64.max

    init(count: Int) {
        until = Array(repeating: 0, count: count)
    }

    func isResting(_ id: Int) -> Bool { until[id] != 0 }

    /// Rests `id` from `now` (ms); nothing if it rests already. Returns whether it started.
    mutating func start(_ id: Int, now: Int64, interval: Int64) -> Bool {
        guard until[id] == 0 else { return false }
        if counts.isEmpty { counts = Array(repeating: 0, count: until.count) }
        let time = now + interval << Int64(min(counts[id], 5))
        counts[id] = min(counts[id] + 1, 5)
        until[id] = time
        resting.append(id)
        nextWake = min(nextWake, time)
        return true
    }

    /// `id` changed: its rest, if any, ends and its count starts again. Returns whether
    /// it was resting.
    mutating func changed(_ id: Int) -> Bool {
        let was = until[id] != 0
        until[id] = 0
        if !counts.isEmpty { counts[id] = 0 }
        return was
    }

    /// Ends the rests due at or before `now` (ms), calling `end` with each id.
    mutating func wake(now: Int64, _ end: (Int) -> Void) {
        guard now >= nextWake else { return }
        nextWake = .max
        var kept = 0
        for id in resting {
            let time = until[id]
            if time == 0 { continue }
            if time <= now {
                until[id] = 0
                end(id)
            } else {
                resting[kept] = id
                kept += 1
                nextWake = min(nextWake, time)
            }
        }
        resting.removeLast(resting.count - kept)
    }
}
