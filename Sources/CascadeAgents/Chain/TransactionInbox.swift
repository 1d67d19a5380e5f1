import CascadeChain
import CascadeCore
import CascadeKernel

/// The producer's network inbox: signed transactions on their way to the producer, each
/// stamped with the time it arrives and a place in the kernel's order.
///
/// **Why.** Sent as a `.submit` message, every transaction cost a kernel event (queue,
/// digest, dispatch) and a boxed request, about a fifth of the chain benchmark. A sender
/// with an inbox instead posts the request here with its arrival time `t + d` (its own
/// propagation delay drawn as before) and a sequence number taken from the kernel
/// (`Context.reserveSequence`), so it sorts exactly where its `.submit` event would have.
/// The producer takes in everything due, in `(arrival, sequence)` order, before it builds
/// a block and before it handles any other message; the mempool sees the same
/// submissions, in the same order, stamped with the same arrival times, so a block at
/// `T` contains a transaction arriving at `T` only if it was posted before the producer's
/// wake-up was scheduled — the rule of the `.submit` message. What changes: a refusal is
/// answered when the producer takes the transaction in (at the latest at the next block),
/// not at its arrival time.
///
/// The inbox is the one object a world's senders share with its producer; senders only
/// append, and only the producer takes out (its storage is `@exclusivity(unchecked)`, as
/// the agents' own state is: nothing in a run is concurrent). Each post is folded into the
/// run digest (arrival, sequence and the request), as its event would have been. Like the
/// kernel's queue it is bounded (`maxInFlight`, the kernel's default `maxPending`), so a
/// runaway sender fails loudly instead of growing without end.
///
/// Complexity: `takeDue` O(1) per transaction; `post` O(k) for k transactions in flight
/// that arrive after it (few: posts come almost in arrival order). The keys are plain
/// `(arrival, sequence, slot)` values over a slab of requests that allocates nothing once
/// warm.
public final class TransactionInbox<Call: Sendable> {
    /// A posted transaction's place in the kernel's order and its slot in `requests`.
    struct Key {
        var arrival: Int64
        var sequence: UInt64
        var slot: Int32
    }

    /// The keys in flight, ascending by `(arrival, sequence)`, from `head` on (taken keys
    /// before `head` are dropped when the list empties or is half taken). Posts arrive
    /// almost in order (send times spread over a block's observations, delays of a few
    /// hundred milliseconds), so inserting from the back moves a key past few others: less
    /// work than a binary heap's sifts, which cost as much as the kernel events they
    /// replaced.
    @exclusivity(unchecked) var keys: [Key] = []
    @exclusivity(unchecked) var head = 0
    /// The requests, by slot; a taken slot is nil and listed in `freeSlots`.
    @exclusivity(unchecked) var requests: [TransactionRequest<Call>?] = []
    @exclusivity(unchecked) var freeSlots: [Int32] = []

    /// The most transactions in flight at once.
    public static var maxInFlight: Int { 10_000_000 }

    public init() {}

    /// Transactions posted and not yet taken in.
    public var count: Int { keys.count - head }

    /// Posts `request` to arrive `delay` from now; called by the sending agent.
    @inline(__always)
    public func post<Message>(
        _ request: consuming TransactionRequest<Call>, after delay: SimTime,
        _ context: Context<Message>
    ) {
        let arrival = (context.now + delay).milliseconds
        let sequence = context.reserveSequence()
        // As the kernel folds an event: a tag, the time, the place, the message.
        context.digest.combine(9)
        context.digest.combine(UInt64(bitPattern: arrival))
        context.digest.combine(sequence)
        request.fold(into: &context.digest)
        let slot: Int32
        if let free = freeSlots.last {
            // `removeLast()`: `popLast()` went through its generic implementation.
            freeSlots.removeLast()
            slot = free
        } else {
            precondition(
                requests.count < Self.maxInFlight,
                "more than \(Self.maxInFlight) transactions in flight to the producer")
            slot = Int32(requests.count)
            requests.append(nil)
        }
        // Moved in, not copied (a copy retained the calls and dropping the parameter
        // released them again), and initialised rather than assigned: the slot holds nil
        // (a fresh or a taken slot), which has nothing to release, and assigning destroyed
        // it through the optional's generic value witness (1.2% of the chain benchmark).
        var moving: TransactionRequest<Call>? = consume request
        requests.withUnsafeMutableBufferPointer { requests in
            requests.initializeElement(at: Int(slot), to: moving.take())
        }
        insert(Key(arrival: arrival, sequence: sequence, slot: slot))
    }

    /// Takes out, in `(arrival, sequence)` order, every transaction that arrives before
    /// `(time, sequence)` in the kernel's order, handing each to `receive` with its arrival
    /// time.
    @inline(__always)
    func takeDue(
        before time: SimTime, sequence: UInt64,
        _ receive: (consuming TransactionRequest<Call>, SimTime) -> Void
    ) {
        let due = Key(arrival: time.milliseconds, sequence: sequence, slot: 0)
        while head < keys.count, Self.precedes(keys[head], due) {
            let first = keys[head]
            head += 1
            guard let request = requests[Int(first.slot)].take() else {
                preconditionFailure("inbox slot \(first.slot) taken twice")
            }
            freeSlots.append(first.slot)
            receive(consume request, SimTime(milliseconds: first.arrival))
        }
        if head == keys.count {
            keys.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64 && head * 2 > keys.count {
            keys.removeFirst(head)
            head = 0
        }
    }

    @inline(__always)
    static func precedes(_ a: Key, _ b: Key) -> Bool {
        a.arrival < b.arrival || (a.arrival == b.arrival && a.sequence < b.sequence)
    }

    /// Inserts `key` in order, searching from the back.
    func insert(_ key: Key) {
        keys.append(key)
        let head = self.head
        keys.withUnsafeMutableBufferPointer { keys in
            var position = keys.count - 1
            while position > head && Self.precedes(key, keys[position - 1]) {
                keys[position] = keys[position - 1]
                position -= 1
            }
            keys[position] = key
        }
    }
}
