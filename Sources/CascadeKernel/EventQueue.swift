/// The kernel's pending events, ordered by `(time, sequence)`: a calendar queue.
///
/// A calendar queue (R. Brown, CACM 1988) hashes each event by time into one of `2^k`
/// buckets of equal width, like days on a desk calendar whose pages are reused every
/// "year" (`bucketCount × width`). Each bucket holds a list sorted by `(time, sequence)`.
/// Dequeuing walks forward from the current bucket, taking the first head that falls in
/// the current year. With the width near the mean gap between events, each bucket holds
/// about one event, so enqueue and dequeue are O(1) on average; the bucket count doubles or
/// halves with the population, and the width is re-estimated from the earliest events then.
///
/// Why this and not a heap: simulation time is mostly monotone (events are scheduled
/// shortly after now), which is the calendar queue's best case. Measured against a binary
/// and a 4-ary heap in `make bench` (docs/performance.md).
///
/// Ordering is total and deterministic: ties in time go in scheduling order, because the
/// sequence number increases with every enqueue and breaks the tie.
///
/// Memory: events live in one flat buffer of nodes linked by 32-bit indices, with a free
/// list, so a steady run allocates nothing per event; storage only grows. The nodes and the
/// buckets' heads and tails are raw buffers owned by one `Storage` object: as arrays, every
/// write checked the array's uniqueness and bounds (several per event in the kernel's
/// loop); now one check per mutating operation keeps the queue a value (copy on write).
///
/// Complexity: `enqueue`, `dequeue` O(1) expected for smooth time distributions, O(n) worst
/// case (all events in one bucket); resizing is O(n log n), amortised over n operations.
///
/// Precondition: no event is enqueued before the time of the last dequeued one.
public struct EventQueue<Payload> {
    @usableFromInline
    struct Node {
        @usableFromInline var time: Int64
        @usableFromInline var sequence: UInt64
        @usableFromInline var next: Int32
        @usableFromInline var payload: Payload?

        @inlinable
        init(time: Int64, sequence: UInt64, next: Int32, payload: Payload?) {
            self.time = time
            self.sequence = sequence
            self.next = next
            self.payload = payload
        }
    }

    @usableFromInline static var none: Int32 { -1 }
    @usableFromInline static var minimumBucketCount: Int { 16 }

    /// The node buffer and the calendar's buckets (`Storage`): read through pointers
    /// loaded once per operation.
    @usableFromInline var storage: Storage
    /// The node last linked inside a bucket's list (not at either end), while it is still
    /// queued (`none` once it is served or the calendar is rebuilt), and its bucket. A
    /// burst of events for one moment — a broadcast, an agent's messages to its
    /// subscribers — lands at one place in one bucket, behind events due later in that
    /// bucket: each insertion after the first walks on from here instead of from the
    /// bucket's head.
    @usableFromInline var finger: Int32 = -1
    @usableFromInline var fingerBucket = 0
    @usableFromInline var freeHead: Int32 = -1
    @usableFromInline var mask: Int
    @usableFromInline var width: Int64 = 1
    @usableFromInline var currentBucket: Int = 0
    /// Exclusive end of the current bucket's window in the current year.
    @usableFromInline var bucketTop: Int64 = 1
    @usableFromInline var lastTime: Int64 = 0
    @usableFromInline var nextSequence: UInt64 = 0
    @usableFromInline var storedCount: Int = 0
    /// Work done since the last width check: empty buckets stepped over while dequeuing and
    /// list nodes walked while enqueuing. When the width no longer fits the distribution
    /// (it drifted since the last resize) this grows, and the calendar is re-spaced.
    @usableFromInline var probes: Int = 0
    @usableFromInline var operationsSinceCheck: Int = 0
    @usableFromInline var operationsSinceResize: Int = 0
    @usableFromInline var checkInterval: Int = 1_024
    /// After a costly width check, the times of the next `sampleSize` dequeues: the stream
    /// the calendar actually serves, on which widths are then priced (`retune`). While it
    /// samples, `checkInterval` is 0 and the interval to restore waits here.
    @usableFromInline var intervalAfterSample = 1_024
    @usableFromInline var sampleTimes: [Int64] = []
    /// A width chosen from that stream, kept through resizes (nil: Brown's estimate).
    @usableFromInline var tunedWidth: Int64?
    @usableFromInline static var sampleSize: Int { 512 }

    /// The number of pending events.
    @inlinable
    public var count: Int { storedCount }

    public init() {
        storage = Storage(bucketCount: Self.minimumBucketCount)
        mask = Self.minimumBucketCount - 1
    }

    /// The calendar's number of buckets (a power of two).
    @inlinable
    var bucketCount: Int { mask + 1 }

    /// Gives this queue its own storage before a write, when a copy shares it.
    @inlinable
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy(bucketCount: bucketCount)
        }
    }

    @inlinable
    public var isEmpty: Bool { count == 0 }

    /// The time of the last dequeued event: nothing may be scheduled before it.
    @inlinable
    public var floor: Int64 { lastTime }

    /// Takes the next sequence number without enqueuing anything: a place in the
    /// `(time, sequence)` order for a delivery kept outside the queue, ordered exactly as an
    /// event enqueued now would be.
    @inlinable
    public mutating func takeSequence() -> UInt64 {
        let sequence = nextSequence
        nextSequence &+= 1
        return sequence
    }

    /// Schedules `payload` at `time` and returns its sequence number.
    @inlinable
    @discardableResult
    public mutating func enqueue(_ payload: consuming Payload, at time: Int64) -> UInt64 {
        precondition(time >= lastTime, "event scheduled in the past")
        makeUnique()
        let sequence = nextSequence
        nextSequence &+= 1
        let index: Int32
        if freeHead != Self.none {
            let nodes = storage.nodes
            index = freeHead
            freeHead = nodes[Int(index)].next
            nodes[Int(index)] = Node(
                time: time, sequence: sequence, next: Self.none, payload: payload)
        } else {
            index = storage.append(
                Node(time: time, sequence: sequence, next: Self.none, payload: payload))
        }
        link(index, time: time, sequence: sequence)
        storedCount += 1
        if count > 2 * bucketCount {
            resize(bucketCount: bucketCount * 2)
        }
        return sequence
    }

    /// The earliest event's time and sequence, without removing it.
    @inlinable
    public mutating func peek() -> (time: Int64, sequence: UInt64)? {
        guard count > 0 else { return nil }
        let head = Int(storage.heads[locateEarliest()])
        // Field by field: copying the node would copy (retain, then release) its payload.
        return (storage.nodes[head].time, storage.nodes[head].sequence)
    }

    /// Removes and returns the earliest event.
    @inlinable
    public mutating func dequeue() -> (time: Int64, sequence: UInt64, payload: Payload)? {
        guard count > 0 else { return nil }
        return removeEarliest()
    }

    /// Removes and returns the earliest event; the queue must not be empty.
    ///
    /// The kernel's loop uses this rather than `dequeue()`: an optional of a tuple holding
    /// the payload is destroyed through its type metadata (the compiler does not outline a
    /// specialised destroy for it), twice an event, which cost 8% of a chain run.
    @inlinable
    public mutating func removeEarliest() -> (time: Int64, sequence: UInt64, payload: Payload) {
        precondition(count > 0, "removeEarliest on an empty event queue")
        return removeHead(of: locateEarliest())
    }

    /// The earliest event's time; the queue must not be empty. It leaves the earliest
    /// event's bucket current, so that `removeLocated()` next takes it without searching.
    @inlinable
    public mutating func earliestTime() -> Int64 {
        precondition(count > 0, "earliestTime on an empty event queue")
        let bucket = locateEarliest()
        return storage.nodes[Int(storage.heads[bucket])].time
    }

    /// Removes and returns the earliest event, found by the `earliestTime()` just before
    /// (with nothing enqueued or removed since). The kernel's loop asks for the time and
    /// then takes the event: through `peek()` and `removeEarliest()` it searched for the
    /// bucket twice an event.
    @inlinable
    public mutating func removeLocated() -> (time: Int64, sequence: UInt64, payload: Payload) {
        precondition(count > 0, "removeLocated on an empty event queue")
        return removeHead(of: currentBucket)
    }

    /// Removes and returns the head of `bucket`, the current bucket, which holds the
    /// earliest event.
    @inlinable
    mutating func removeHead(of bucket: Int) -> (
        time: Int64, sequence: UInt64, payload: Payload
    ) {
        makeUnique()
        let nodes = storage.nodes
        let heads = storage.heads
        let index = heads[bucket]
        let next = nodes[Int(index)].next
        heads[bucket] = next
        if next == Self.none {
            storage.tails[bucket] = Self.none
        }
        if index == finger {
            finger = Self.none
        }
        let time = nodes[Int(index)].time
        let sequence = nodes[Int(index)].sequence
        guard let payload = nodes[Int(index)].payload.take() else {
            preconditionFailure("event queue node without payload")
        }
        nodes[Int(index)].next = freeHead
        freeHead = index
        storedCount -= 1
        operationsSinceResize &+= 1
        lastTime = time
        // Shrink late: a population that swings every block (hundreds of observations
        // queued, then drained) must not rebuild the calendar twice a block.
        if count < bucketCount / 4 && bucketCount > Self.minimumBucketCount
            && operationsSinceResize > 64 * bucketCount
        {
            resize(bucketCount: bucketCount / 2)
        } else {
            operationsSinceCheck += 1
            if operationsSinceCheck >= checkInterval {
                checkWidth()
            }
        }
        return (time, sequence, payload)
    }

    /// Finds the bucket whose head is the earliest event and makes it current.
    @inlinable
    mutating func locateEarliest() -> Int {
        let nodes = storage.nodes
        let heads = storage.heads
        var bucket = currentBucket
        var top = bucketTop
        for _ in 0...mask {
            let head = heads[bucket]
            if head != Self.none && nodes[Int(head)].time < top {
                currentBucket = bucket
                bucketTop = top
                return bucket
            }
            bucket = (bucket + 1) & mask
            top += width
            probes += 1
        }
        return jumpToEarliest()
    }

    /// Re-spaces the calendar when dequeues and enqueues have cost more than a few probes
    /// each since the last check; backs off when re-spacing did not help, so a distribution
    /// that no width suits (say, two far-apart clusters) does not cause a resize storm.
    @inlinable
    mutating func checkWidth() {
        // Sampling runs through here (the interval is 0 meanwhile), so the dequeue path
        // has no branch of its own for it.
        if checkInterval == 0 {
            sampleTimes.append(lastTime)
            if sampleTimes.count >= Self.sampleSize { retune() }
            return
        }
        let costly = probes > 6 * operationsSinceCheck
        probes = 0
        operationsSinceCheck = 0
        guard costly else {
            checkInterval = max(1_024, checkInterval / 2)
            return
        }
        let oldWidth = width
        resize(bucketCount: bucketCount)
        if width == oldWidth {
            checkInterval = min(1 << 20, checkInterval * 2)
        }
        // Watch what is served next, and price widths on it (`retune`).
        intervalAfterSample = checkInterval
        checkInterval = 0
    }

    /// Ends a sample: re-spaces the calendar with a cheaper width for the events served,
    /// if there is one (`cheaperWidth`).
    @inlinable
    mutating func retune() {
        checkInterval = intervalAfterSample
        probes = 0
        operationsSinceCheck = 0
        let served = sampleTimes
        sampleTimes.removeAll(keepingCapacity: true)
        guard
            let cheaper = Self.cheaperWidth(
                than: width, servedTimes: served, bucketCount: bucketCount)
        else { return }
        tunedWidth = cheaper
        resize(bucketCount: bucketCount)
        checkInterval = 1_024
    }

    /// Nothing falls in the coming year: search every head directly and jump there.
    @inlinable
    mutating func jumpToEarliest() -> Int {
        let nodes = storage.nodes
        let heads = storage.heads
        var best = -1
        for bucket in 0..<bucketCount where heads[bucket] != Self.none {
            // Fields one by one: copying a whole node would copy (and retain) its payload.
            let index = Int(heads[bucket])
            if best < 0 {
                best = bucket
                continue
            }
            let other = Int(heads[best])
            if (nodes[index].time, nodes[index].sequence)
                < (nodes[other].time, nodes[other].sequence)
            {
                best = bucket
            }
        }
        precondition(best >= 0, "non-empty queue without a head")
        let time = nodes[Int(heads[best])].time
        currentBucket = best
        bucketTop = (time / width + 1) * width
        return best
    }

    /// Inserts node `index` into its bucket's sorted list.
    @inlinable
    mutating func link(_ index: Int32, time: Int64, sequence: UInt64) {
        let nodes = storage.nodes
        let heads = storage.heads
        let tails = storage.tails
        let bucket = Int(truncatingIfNeeded: time / width) & mask
        let tail = tails[bucket]
        if tail == Self.none {
            heads[bucket] = index
            tails[bucket] = index
            return
        }
        // Sequence numbers only grow, so a new event at or after the tail's time appends.
        if nodes[Int(tail)].time <= time {
            nodes[Int(tail)].next = index
            tails[bucket] = index
            return
        }
        let head = heads[bucket]
        if time < nodes[Int(head)].time
            || (time == nodes[Int(head)].time && sequence < nodes[Int(head)].sequence)
        {
            nodes[Int(index)].next = head
            heads[bucket] = index
            return
        }
        // The list is sorted, so the walk may start at the finger when it is still queued
        // in this bucket and comes before the new event (its sequence is lower, so at an
        // equal time it does).
        var previous = head
        if finger != Self.none && fingerBucket == bucket && nodes[Int(finger)].time <= time {
            previous = finger
        }
        while true {
            let next = nodes[Int(previous)].next
            if next == Self.none { break }
            let nodeTime = nodes[Int(next)].time
            if time < nodeTime || (time == nodeTime && sequence < nodes[Int(next)].sequence) {
                break
            }
            previous = next
            probes += 1
        }
        nodes[Int(index)].next = nodes[Int(previous)].next
        nodes[Int(previous)].next = index
        finger = index
        fingerBucket = bucket
    }

    /// Rebuilds the calendar with `bucketCount` buckets and a width estimated from the
    /// spacing of the earliest events.
    @inlinable
    mutating func resize(bucketCount: Int) {
        makeUnique()
        // The buckets are replaced below; the node buffer stays.
        let nodes = storage.nodes
        var live: [(time: Int64, sequence: UInt64, index: Int32)] = []
        live.reserveCapacity(count)
        for bucket in 0..<self.bucketCount {
            var cursor = storage.heads[bucket]
            while cursor != Self.none {
                let index = Int(cursor)
                live.append((nodes[index].time, nodes[index].sequence, cursor))
                cursor = nodes[index].next
            }
        }
        live.sort { ($0.time, $0.sequence) < ($1.time, $1.sequence) }
        width = tunedWidth ?? Self.estimateWidth(sortedTimes: live.lazy.map(\.time))
        storage.replaceBuckets(count: bucketCount)
        mask = bucketCount - 1
        // Relinking in sorted order makes every insertion an append.
        finger = Self.none
        for entry in live {
            nodes[Int(entry.index)].next = Self.none
            link(entry.index, time: entry.time, sequence: entry.sequence)
        }
        currentBucket = Int(truncatingIfNeeded: lastTime / width) & mask
        bucketTop = (lastTime / width + 1) * width
        probes = 0
        operationsSinceCheck = 0
        operationsSinceResize = 0
        sampleTimes.removeAll(keepingCapacity: true)
    }

    /// A width that would have served `servedTimes` (the latest dequeues, in order) at
    /// under three quarters of the cost of `width`, or nil.
    ///
    /// Why: Brown's estimate suits events spread smoothly in time (the hold model). A
    /// blockchain world is bursty instead — every agent observes a block within a second or
    /// two of it, then nothing until the next block — and the spacing of the pending events
    /// says little about that: on Black Thursday the calendar walked 16 list nodes per
    /// insertion and stepped over 11 empty buckets per removal, and re-estimating gave the
    /// same width. So when a check finds the calendar costly, widths a power of two above
    /// and below the current one are priced on the events it just served: a removal steps
    /// over `min(buckets, Δ bucket)` buckets to the next event, and `m` events sharing a
    /// bucket walked about `m(m − 1)/4` list nodes when they were inserted (in an unknown
    /// order, so half the list on average).
    ///
    /// Only speed depends on the width: the order of events does not.
    @inlinable
    static func cheaperWidth(than width: Int64, servedTimes: [Int64], bucketCount: Int)
        -> Int64?
    {
        guard servedTimes.count >= 64 else { return nil }
        func cost(_ width: Int64) -> Int {
            var total = 0
            var run = 1
            var bucket = servedTimes[0] / width
            for time in servedTimes.dropFirst() {
                let next = time / width
                if next == bucket {
                    total += run / 2
                    run += 1
                } else {
                    total += Int(min(Int64(bucketCount), next - bucket))
                    run = 1
                    bucket = next
                }
            }
            return total
        }
        let current = cost(width)
        var best = width
        var bestCost = current
        for shift in 1...12 {
            var candidates: [Int64] = []
            if width >> shift >= 1 { candidates.append(width >> shift) }
            if width <= Int64.max >> (shift + 16) { candidates.append(width << shift) }
            for candidate in candidates {
                let candidateCost = cost(candidate)
                if candidateCost < bestCost {
                    best = candidate
                    bestCost = candidateCost
                }
            }
        }
        return bestCost < current - current / 4 ? best : nil
    }

    /// Brown's heuristic: three times the mean gap between the earliest events, ignoring
    /// gaps more than twice the first mean (a far-future outlier would inflate it).
    @inlinable
    static func estimateWidth<Times: Collection>(sortedTimes: Times) -> Int64
    where Times.Element == Int64 {
        let sample = Array(sortedTimes.prefix(65))
        guard sample.count > 1 else { return 1 }
        var gaps: [Int64] = []
        gaps.reserveCapacity(sample.count - 1)
        for position in 1..<sample.count {
            gaps.append(sample[position] - sample[position - 1])
        }
        let mean = gaps.reduce(0, +) / Int64(gaps.count)
        let kept = gaps.filter { $0 <= 2 * mean }
        guard !kept.isEmpty else { return max(1, 3 * mean) }
        let keptMean = kept.reduce(0, +) / Int64(kept.count)
        return max(1, 3 * keptMean)
    }

    /// The queue's memory: the node buffer (`nodeCount` initialised nodes, free ones with
    /// no payload) and the calendar's heads and tails, one entry per bucket (the queue
    /// knows how many: `bucketCount`). A class so that copies of a queue share it until one
    /// of them writes (`makeUnique`).
    @usableFromInline
    final class Storage {
        @usableFromInline @exclusivity(unchecked) var nodes: UnsafeMutablePointer<Node>
        @usableFromInline @exclusivity(unchecked) var nodeCount = 0
        @usableFromInline @exclusivity(unchecked) var nodeCapacity: Int
        @usableFromInline @exclusivity(unchecked) var heads: UnsafeMutablePointer<Int32>
        @usableFromInline @exclusivity(unchecked) var tails: UnsafeMutablePointer<Int32>

        @usableFromInline
        init(bucketCount: Int, nodeCapacity: Int = 64) {
            self.nodeCapacity = nodeCapacity
            nodes = .allocate(capacity: nodeCapacity)
            heads = .allocate(capacity: bucketCount)
            heads.initialize(repeating: EventQueue.none, count: bucketCount)
            tails = .allocate(capacity: bucketCount)
            tails.initialize(repeating: EventQueue.none, count: bucketCount)
        }

        deinit {
            nodes.deinitialize(count: nodeCount)
            nodes.deallocate()
            heads.deallocate()
            tails.deallocate()
        }

        /// A copy of every node (payloads copied) and of the `bucketCount` buckets.
        @usableFromInline
        func copy(bucketCount: Int) -> Storage {
            let copy = Storage(bucketCount: bucketCount, nodeCapacity: nodeCapacity)
            copy.nodes.initialize(from: nodes, count: nodeCount)
            copy.nodeCount = nodeCount
            copy.heads.update(from: heads, count: bucketCount)
            copy.tails.update(from: tails, count: bucketCount)
            return copy
        }

        /// Adds `node` at the end of the buffer, doubling it when full, and returns its
        /// index.
        @usableFromInline
        func append(_ node: consuming Node) -> Int32 {
            precondition(nodeCount < Int(Int32.max), "event queue full")
            if nodeCount == nodeCapacity {
                nodes = nodes.reallocated(count: nodeCount, capacity: 2 * nodeCapacity)
                nodeCapacity *= 2
            }
            (nodes + nodeCount).initialize(to: node)
            nodeCount += 1
            return Int32(truncatingIfNeeded: nodeCount - 1)
        }

        /// Replaces the buckets by `count` empty ones (the nodes stay where they are).
        @usableFromInline
        func replaceBuckets(count: Int) {
            heads.deallocate()
            tails.deallocate()
            heads = .allocate(capacity: count)
            heads.initialize(repeating: EventQueue.none, count: count)
            tails = .allocate(capacity: count)
            tails.initialize(repeating: EventQueue.none, count: count)
        }
    }
}
