/// The event queue's reference model: a plain array kept sorted by `(time, sequence)`.
///
/// Obviously correct and O(n) per insert; the kernel's calendar queue must agree with it
/// on every sequence of operations.
public struct NaiveEventQueue<Payload> {
    private var entries: [(time: Int64, sequence: UInt64, payload: Payload)] = []
    private var nextSequence: UInt64 = 0

    public init() {}

    public var count: Int { entries.count }

    public mutating func enqueue(_ payload: Payload, at time: Int64) {
        let entry = (time: time, sequence: nextSequence, payload: payload)
        nextSequence += 1
        // Insert after every entry that is not later: ties keep scheduling order.
        let position = entries.firstIndex { $0.time > time } ?? entries.count
        entries.insert(entry, at: position)
    }

    public func peek() -> (time: Int64, sequence: UInt64)? {
        entries.first.map { ($0.time, $0.sequence) }
    }

    public mutating func dequeue() -> (time: Int64, sequence: UInt64, payload: Payload)? {
        entries.isEmpty ? nil : entries.removeFirst()
    }
}
