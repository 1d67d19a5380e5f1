import CascadeKernel

/// Targets a keeper leaves alone until a time (after its attempt on one reverted), with
/// the holds that have ended let go.
///
/// **Why.** A keeper asks about every unsafe vault it meets, every block. The holds were a
/// dictionary that only grew: every vault a keeper ever lost a race on stayed in it, so
/// most questions hashed their target and missed the cache in a table of thousands, to
/// find a hold long past. Holds are now also queued by their end, and those that ended
/// are dropped before a question is answered: the table holds only the last
/// `retryDelay`'s reverts, and is empty most blocks (answered without hashing). The
/// table is a `TargetTable`, hashed by a multiplication rather than SipHash.
///
/// **Exact.** `isHeld` answers as the dictionary did: a target is held while `now` is
/// before the end of its latest hold. A hold that ends is the only one dropped, and only
/// once the time asked about has reached its end (times asked about never go back: they
/// are the simulation's clock).
///
/// Complexity: `hold` O(1) when holds end in the order they are made (a keeper's delay is
/// fixed), O(n) otherwise; `isHeld` O(1) amortised.
struct HoldOffs<Target: TableTarget> {
    /// The end of each target's latest hold.
    private var ends = TargetTable<Target, SimTime>()
    /// Every hold not yet let go, by its end (ties in the order made), from `head` on.
    private var queue: [(target: Target, end: SimTime)] = []
    private var head = 0

    /// Whether no hold is kept (those ended may still be, until the next question).
    var isEmpty: Bool { ends.isEmpty }

    /// Holds `target` until `end` (replacing an earlier hold on it).
    mutating func hold(_ target: Target, until end: SimTime) {
        ends.set(target, end)
        if queue.count == head || queue[queue.count - 1].end <= end {
            queue.append((target, end))
            return
        }
        // Out of order: into its place, after the holds ending at the same time.
        var low = head
        var high = queue.count
        while low < high {
            let middle = low + (high - low) / 2
            if queue[middle].end <= end { low = middle + 1 } else { high = middle }
        }
        queue.insert((target, end), at: low)
    }

    /// Whether `target` is held at `now`. `now` must not be earlier than any time asked
    /// about before.
    mutating func isHeld(_ target: Target, now: SimTime) -> Bool {
        release(before: now)
        guard let end = ends.value(of: target) else { return false }
        return now < end
    }

    /// Lets go of every hold that has ended by `now`.
    private mutating func release(before now: SimTime) {
        while head < queue.count, queue[head].end <= now {
            let (target, end) = queue[head]
            // A later hold on the same target replaced this one's end: it stays.
            if ends.value(of: target) == end { ends.remove(target) }
            head += 1
        }
        // The let-go front is dropped once it is most of the queue (amortised O(1)).
        if head > 32, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}
