import CascadeKernel
import CascadeTestSupport
import Testing

@Suite("Event queue")
struct EventQueueTests {
    /// Random interleavings of enqueue and dequeue, with time increments drawn from several
    /// shapes (dense ties, exponential, bursts far ahead), must match the sorted-array model
    /// exactly: same time, same sequence, same payload, every step.
    @Test("agrees with the sorted-array model", arguments: 0..<64)
    func agreesWithModel(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "queue-model")
        var queue = EventQueue<Int>()
        var model = NaiveEventQueue<Int>()
        var now: Int64 = 0
        let shape = seed % 4
        for step in 0..<3_000 {
            let enqueue = model.count == 0 || random.uniformInt(below: 100) < 55
            if enqueue {
                let delay: Int64
                switch shape {
                case 0: delay = Int64(random.uniformInt(below: 3))  // many ties
                case 1: delay = Int64(random.exponential(mean: 1_000))
                case 2:
                    delay =
                        random.bernoulli(numerator: 1, denominator: 20)
                        ? Int64(random.uniformInt(below: 10_000_000))
                        : Int64(random.uniformInt(below: 50))
                default: delay = Int64(random.exponential(mean: 12_000)) * Int64(1 + step % 7)
                }
                queue.enqueue(step, at: now + delay)
                model.enqueue(step, at: now + delay)
            } else {
                let expected = model.dequeue()
                let actual = queue.dequeue()
                #expect(
                    actual?.time == expected?.time && actual?.sequence == expected?.sequence
                        && actual?.payload == expected?.payload,
                    "seed \(seed) step \(step): got \(String(describing: actual)), expected \(String(describing: expected))"
                )
                guard let actual else { return }
                now = actual.time
            }
            #expect(queue.count == model.count, "seed \(seed) step \(step)")
        }
        while let expected = model.dequeue() {
            let actual = queue.dequeue()
            #expect(actual?.sequence == expected.sequence, "seed \(seed) drain")
        }
        #expect(queue.isEmpty)
    }

    @Test("same-time events leave in scheduling order")
    func fifoAmongEqualTimes() {
        var queue = EventQueue<Int>()
        for index in 0..<1_000 {
            queue.enqueue(index, at: 5)
        }
        var seen: [Int] = []
        while let event = queue.dequeue() {
            seen.append(event.payload)
        }
        #expect(seen == Array(0..<1_000))
    }

    @Test("dequeued times never go backwards", arguments: 0..<16)
    func monotonicTime(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "monotonic")
        var queue = EventQueue<Int>()
        var last: Int64 = 0
        for _ in 0..<200 {
            queue.enqueue(0, at: Int64(random.exponential(mean: 500)))
        }
        for _ in 0..<20_000 {
            guard let event = queue.dequeue() else { break }
            #expect(event.time >= last, "seed \(seed)")
            last = event.time
            queue.enqueue(0, at: last + Int64(random.exponential(mean: 500)))
        }
    }

    @Test("grows and shrinks across many bucket counts without losing order")
    func growAndShrink() {
        var queue = EventQueue<Int>()
        var random = RandomStream(seed: 9, name: "grow")
        for index in 0..<50_000 {
            queue.enqueue(index, at: Int64(random.uniformInt(below: 1_000_000)))
        }
        var last: Int64 = 0
        var drained = 0
        while let event = queue.dequeue() {
            #expect(event.time >= last)
            last = event.time
            drained += 1
        }
        #expect(drained == 50_000)
    }

    @Test("peek shows the next event without removing it")
    func peek() {
        var queue = EventQueue<String>()
        queue.enqueue("late", at: 30)
        queue.enqueue("early", at: 10)
        #expect(queue.peek()?.time == 10)
        #expect(queue.count == 2)
        #expect(queue.dequeue()?.payload == "early")
    }

    /// The queue is a value: its buffers are shared by copies until one writes.
    @Test("a copy and its original change independently", arguments: 0..<8)
    func copiesAreIndependent(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "queue-copy")
        var original = EventQueue<Int>()
        var originalModel = NaiveEventQueue<Int>()
        for step in 0..<500 {
            let time = Int64(random.uniformInt(below: 10_000))
            original.enqueue(step, at: time)
            originalModel.enqueue(step, at: time)
        }
        var copy = original
        var copyModel = originalModel
        // Interleaved writes to both, enough to grow the node buffer and resize the calendar.
        for step in 500..<3_000 {
            if step.isMultiple(of: 3) {
                #expect(copy.dequeue()?.sequence == copyModel.dequeue()?.sequence)
            } else {
                let time = max(copy.floor, Int64(step) * 7)
                copy.enqueue(step, at: time)
                copyModel.enqueue(step, at: time)
            }
            if step.isMultiple(of: 5) {
                #expect(original.dequeue()?.payload == originalModel.dequeue()?.payload)
            }
        }
        for (queue, model) in [(original, originalModel), (copy, copyModel)] {
            var queue = queue
            var model = model
            #expect(queue.count == model.count)
            while let expected = model.dequeue() {
                let actual = queue.dequeue()
                #expect(actual?.time == expected.time && actual?.payload == expected.payload)
            }
            #expect(queue.isEmpty)
        }
    }

    /// Payloads live in raw buffers: each is released once, when it is dequeued or when the
    /// last queue holding it goes.
    @Test("payloads are released when dequeued or when the queue goes")
    func releasesPayloads() {
        let released = ReleaseCounter()
        do {
            var queue = EventQueue<Tracked>()
            for index in 0..<1_000 {
                queue.enqueue(Tracked(released), at: Int64(index % 37))
            }
            for _ in 0..<400 { _ = queue.dequeue() }
            #expect(released.count == 400)
            let copy = queue
            _ = queue.dequeue()
            // The write gave `queue` its own nodes; the copy still holds all 600, the
            // dequeued one among them.
            #expect(released.count == 400)
            #expect(queue.count == 599)
            #expect(copy.count == 600)
        }
        #expect(released.count == 1_000)
    }
}

final class ReleaseCounter {
    var count = 0
}

final class Tracked {
    let counter: ReleaseCounter
    init(_ counter: ReleaseCounter) { self.counter = counter }
    deinit { counter.count += 1 }
}
