/// Plain d-ary min-heaps keyed by `(time, sequence)`, kept only to measure the kernel's
/// calendar queue against the usual alternatives (docs/performance.md).
struct DaryHeap<Payload> {
    private struct Entry {
        var time: Int64
        var sequence: UInt64
        var payload: Payload
    }

    private var entries: [Entry] = []
    private var nextSequence: UInt64 = 0
    private let arity: Int

    init(arity: Int) {
        precondition(arity >= 2)
        self.arity = arity
    }

    var count: Int { entries.count }

    mutating func enqueue(_ payload: Payload, at time: Int64) {
        entries.append(Entry(time: time, sequence: nextSequence, payload: payload))
        nextSequence &+= 1
        var child = entries.count - 1
        let moving = entries[child]
        while child > 0 {
            let parent = (child - 1) / arity
            if !Self.less(moving, entries[parent]) { break }
            entries[child] = entries[parent]
            child = parent
        }
        entries[child] = moving
    }

    mutating func dequeue() -> (time: Int64, payload: Payload)? {
        guard let last = entries.popLast() else { return nil }
        guard !entries.isEmpty else { return (last.time, last.payload) }
        let top = entries[0]
        var hole = 0
        let count = entries.count
        while true {
            let first = hole * arity + 1
            if first >= count { break }
            var best = first
            let end = min(first + arity, count)
            var child = first + 1
            while child < end {
                if Self.less(entries[child], entries[best]) { best = child }
                child += 1
            }
            if !Self.less(entries[best], last) { break }
            entries[hole] = entries[best]
            hole = best
        }
        entries[hole] = last
        return (top.time, top.payload)
    }

    private static func less(_ lhs: Entry, _ rhs: Entry) -> Bool {
        lhs.time < rhs.time || (lhs.time == rhs.time && lhs.sequence < rhs.sequence)
    }
}
