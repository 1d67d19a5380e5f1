import CascadeKernel

/// When each of a keeper's known auctions is next due, in milliseconds, by position: the
/// times, and the positions sorted by when they fall due on a timing wheel.
///
/// **Why.** A keeper's auction pass looks at the auctions due now in position order. In a
/// busy protocol world a keeper knows a thousand live auctions and about five are due at
/// each pass, scattered over the list. Bounds per run of 16 positions (this type's previous
/// form) read the bound of every run and the whole of each run that might hold a due time,
/// a compare per time that goes either way. The wheel finds the due positions without
/// reading the others: about as many instructions on the world bench (2,084 M → 2,078 M),
/// but fewer mispredicted branches (callgrind's simulation: 15.0 M → 14.3 M for the run)
/// and 2–3% less wall time.
///
/// **How.** A position whose time is after the last collection's clock (`collected`) sits
/// on one of `slotCount` wheel slots, by its time's slot-width interval, while that
/// interval is less than a turn of the wheel ahead of the clock; a later one waits on a
/// list apart (headed by `overflowNode`). A position whose time is at or before that clock
/// is due: it has a bit in `dueBits` instead. Writing a due position (what a pass does)
/// clears its bit and links it at its slot's head, in constant time. A collection at
/// `now` moves the slots the clock passed, and from `now`'s own slot the times not after
/// `now`, to the due bits, then reads the bits in order: the positions come out sorted
/// without sorting, and a position left due (a transaction in flight, the budget spent)
/// stays due until written.
///
/// **Exact.** `collectDue` gives the positions whose time is at or before `now`, in order,
/// as a scan of every time would (`DueTimesTests` checks it against one): a slot the clock
/// passed holds only times before `now`, the slot of `now` is read time by time, and the
/// overflow is read whenever its least time comes within a turn. A clock that goes back
/// (never in a run; the model test does it) places every position again.
///
/// Cost: O(1) per write; O(slots passed + due + positions / 64) per collection, and the
/// list apart's length when its least time comes within a turn; a write to a position
/// waiting on a list walks that list (its slot's, a few nodes, or the list apart).
/// Memory: one 32-bit link per position and per slot, one bit per position.
final class DueTimes {
    /// A slot spans 2¹³ ms (about 8 s, a block or so: a pass passes one or two slots, and
    /// reads a few times in the slot of its clock), and the wheel 256 of them (35 minutes):
    /// a keeper's rechecks (at most `recheckLimit`, ten minutes by default) stay on it.
    /// (Slots of 1, 4 and 16 s: 2,096 M, 2,081 M and 2,081 M instructions on the world
    /// bench against 2,079 M.)
    private static let slotShift: Int64 = 13
    private static let slotCount = 1 << 8
    /// Link nodes `0..<slotCount` head the slots' lists, `slotCount` the overflow's;
    /// position `p` is node `firstPosition + p`.
    private static let overflowNode = slotCount
    private static let firstPosition = slotCount + 1

    /// The times, by position (`count` of them, room for `capacity`).
    @exclusivity(unchecked) private var timesBuffer: UnsafeMutablePointer<Int64>
    /// Circular singly linked lists through `next`, one per slot and one for the overflow,
    /// headed by their sentinel nodes (an empty list: the sentinel alone). A due or
    /// finished position is on none, and its link is stale. Singly linked: a link touches
    /// the node and its list's head only, not the head's old first node too (with ten
    /// keepers' wheels the lines a look touches were among the busy phase's cache misses);
    /// taking a node off a list other than in a walk (a position written while it waits on
    /// the wheel: a hold-off, never a look) walks its list, a few nodes.
    @exclusivity(unchecked) private var next: UnsafeMutablePointer<Int32>
    /// One bit per position: its time is at or before `collected`. (Keeping the range of
    /// words with a bit set, to read only those: 2,084 M instructions against 2,079 M.)
    @exclusivity(unchecked) private var dueBits: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) private(set) var count = 0
    /// A multiple of 64.
    @exclusivity(unchecked) private var capacity: Int
    /// The clock of the last collection (`Int64.min` before the first), and its slot
    /// interval: the wheel's slots hold the intervals `cursor ..< cursor + slotCount`.
    @exclusivity(unchecked) private var collected = Int64.min
    @exclusivity(unchecked) private var cursor = Int64.min >> DueTimes.slotShift
    /// At most the least time on the overflow list (`Int64.max`: it is empty).
    @exclusivity(unchecked) private var overflowLeast = Int64.max
    /// The positions the last `collectDue` found due, in order (`dueCount` of them, room
    /// for `capacity`).
    @exclusivity(unchecked) private var dueBuffer: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private(set) var dueCount = 0

    init() {
        capacity = 64
        timesBuffer = .allocate(capacity: capacity)
        next = .allocate(capacity: Self.firstPosition + capacity)
        dueBits = .allocate(capacity: capacity / 64)
        dueBits.initialize(repeating: 0, count: capacity / 64)
        dueBuffer = .allocate(capacity: capacity)
        for node in 0..<Self.firstPosition { detach(node) }
    }

    deinit {
        timesBuffer.deallocate()
        next.deallocate()
        dueBits.deallocate()
        dueBuffer.deallocate()
    }

    /// The times, by position, as an array (for tests).
    var times: [Int64] {
        Array(UnsafeBufferPointer(start: timesBuffer, count: count))
    }

    subscript(position: Int) -> Int64 {
        @inline(__always) get {
            precondition(position >= 0 && position < count, "DueTimes: position out of range")
            return timesBuffer[position]
        }
        @inline(__always) set {
            precondition(position >= 0 && position < count, "DueTimes: position out of range")
            unlink(position)
            timesBuffer[position] = newValue
            place(position)
        }
    }

    func append(_ time: Int64) {
        if count == capacity { grow() }
        let position = count
        count += 1
        timesBuffer[position] = time
        place(position)
    }

    /// At most the least time of all (`Int64.max` when there is none); after a collection
    /// that found nothing due, above that collection's `now`.
    var earliestBound: Int64 {
        guard count > 0 else { return .max }
        var least = overflowLeast
        for word in 0..<((count + 63) >> 6) where dueBits[word] != 0 {
            var bits = dueBits[word]
            while bits != 0 {
                least = min(least, timesBuffer[word << 6 | bits.trailingZeroBitCount])
                bits &= bits - 1
            }
        }
        // The first slot from the cursor with anything on it holds the wheel's least time.
        for offset in 0..<Self.slotCount {
            let slot = Self.slot(of: cursor + Int64(offset))
            var node = Int(next[slot])
            guard node != slot else { continue }
            while node != slot {
                least = min(least, timesBuffer[node - Self.firstPosition])
                node = Int(next[node])
            }
            break
        }
        return least
    }

    /// Collects every position whose time is at or before `now`, in order: `dueCount` of
    /// them, `due(at:)`.
    func collectDue(now: Int64) {
        if now < collected { replaceAll(clock: now) }
        let target = now >> Self.slotShift
        // The slots the clock passes hold only times before `now`'s interval: all due.
        let passed = min(Int64(Self.slotCount), target - cursor)
        for offset in 0..<passed {
            let slot = Self.slot(of: cursor + offset)
            var node = Int(next[slot])
            while node != slot {
                markDue(node - Self.firstPosition)
                node = Int(next[node])
            }
            detach(slot)
        }
        cursor = target
        collected = now
        // `now`'s own slot: the times up to `now`.
        let slot = Self.slot(of: target)
        var before = slot
        var node = Int(next[slot])
        while node != slot {
            let following = Int(next[node])
            if timesBuffer[node - Self.firstPosition] <= now {
                next[before] = Int32(truncatingIfNeeded: following)
                markDue(node - Self.firstPosition)
            } else {
                before = node
            }
            node = following
        }
        if overflowLeast >> Self.slotShift < cursor + Int64(Self.slotCount) { readOverflow() }
        gatherDue()
    }

    /// The `index`th position the last `collectDue` found due.
    @inline(__always)
    func due(at index: Int) -> Int {
        precondition(index >= 0 && index < dueCount, "DueTimes: due index out of range")
        return dueBuffer[index]
    }

    /// Removes the positions whose time is `Int64.max` (finished), and the elements at the
    /// same positions of `companion`, keeping the order of the rest.
    func removeFinished<Companion>(alongside companion: inout [Companion]) {
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
        replaceAll(clock: collected)
    }

    // MARK: - The wheel

    @inline(__always)
    private static func slot(of interval: Int64) -> Int {
        Int(truncatingIfNeeded: interval) & (slotCount - 1)
    }

    /// Puts `position` (on no list, its bit clear) where its time says: due, on the wheel,
    /// on the overflow list, or nowhere when finished. A position is on a list exactly when
    /// its time is after `collected` and not `Int64.max`; the links of one that is not are
    /// left as they were, unread.
    @inline(__always)
    private func place(_ position: Int) {
        let time = timesBuffer[position]
        if time <= collected {
            markDue(position)
        } else if time != .max {
            let interval = time >> Self.slotShift
            if interval - cursor < Int64(Self.slotCount) {
                link(Self.firstPosition + position, after: Self.slot(of: interval))
            } else {
                link(Self.firstPosition + position, after: Self.overflowNode)
                overflowLeast = min(overflowLeast, time)
            }
        }
    }

    /// Takes `position` off its list, or clears its due bit (by its time, not yet
    /// written: the place `place` gave it).
    @inline(__always)
    private func unlink(_ position: Int) {
        let time = timesBuffer[position]
        if time <= collected {
            dueBits[position >> 6] &= ~(1 << UInt64(position & 63))
        } else if time != .max {
            unlinkListed(Self.firstPosition + position, time: time)
        }
    }

    /// Takes `node`, on a list with its `time`, off it. The list is the wheel's slot of its
    /// interval exactly when that interval is less than a turn ahead of the cursor: a node
    /// is placed by that test, the cursor only moves forward (a slot it passes is emptied),
    /// and every collection moves the overflow's nodes that came within a turn.
    @inline(never)
    private func unlinkListed(_ node: Int, time: Int64) {
        let interval = time >> Self.slotShift
        let head =
            interval - cursor < Int64(Self.slotCount)
            ? Self.slot(of: interval) : Self.overflowNode
        var before = head
        while Int(next[before]) != node {
            before = Int(next[before])
            precondition(before != head, "DueTimes: a listed position is not on its list")
        }
        next[before] = next[node]
    }

    @inline(__always)
    private func link(_ node: Int, after head: Int) {
        next[node] = next[head]
        next[head] = Int32(truncatingIfNeeded: node)
    }

    /// Makes `node` a list of its own (an empty list, for a head).
    @inline(__always)
    private func detach(_ node: Int) {
        next[node] = Int32(truncatingIfNeeded: node)
    }

    /// Sets `position`'s due bit; the caller takes it off its list.
    @inline(__always)
    private func markDue(_ position: Int) {
        dueBits[position >> 6] |= 1 << UInt64(position & 63)
    }

    /// Moves the overflow's times that are due, or within a turn of the wheel, off it, and
    /// sets `overflowLeast` to the least of the rest.
    private func readOverflow() {
        var least = Int64.max
        var before = Self.overflowNode
        var node = Int(next[Self.overflowNode])
        while node != Self.overflowNode {
            let following = Int(next[node])
            let position = node - Self.firstPosition
            let time = timesBuffer[position]
            if time <= collected
                || (time >> Self.slotShift) - cursor < Int64(Self.slotCount)
            {
                next[before] = Int32(truncatingIfNeeded: following)
                place(position)
            } else {
                least = min(least, time)
                before = node
            }
            node = following
        }
        overflowLeast = least
    }

    /// The positions with their due bit set, in order, into `dueBuffer`.
    private func gatherDue() {
        var found = 0
        for word in 0..<((count + 63) >> 6) {
            var bits = dueBits[word]
            while bits != 0 {
                dueBuffer[found] = word << 6 | bits.trailingZeroBitCount
                found += 1
                bits &= bits - 1
            }
        }
        dueCount = found
    }

    /// Empties every list and places every position again with the clock at `clock`.
    private func replaceAll(clock: Int64) {
        collected = clock
        cursor = clock >> Self.slotShift
        overflowLeast = .max
        for node in 0..<Self.firstPosition { detach(node) }
        dueBits.update(repeating: 0, count: capacity / 64)
        for position in 0..<count { place(position) }
    }

    /// Doubles the room for positions.
    private func grow() {
        let newCapacity = 2 * capacity
        timesBuffer = timesBuffer.reallocated(count: count, capacity: newCapacity)
        next = next.reallocated(
            count: Self.firstPosition + count, capacity: Self.firstPosition + newCapacity)
        dueBits = dueBits.reallocated(count: capacity / 64, capacity: newCapacity / 64)
        (dueBits + capacity / 64).initialize(repeating: 0, count: (newCapacity - capacity) / 64)
        dueBuffer = dueBuffer.reallocated(count: dueCount, capacity: newCapacity)
        capacity = newCapacity
    }
}
