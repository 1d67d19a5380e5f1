import CascadeTestSupport
import Testing

@testable import CascadeKernel

/// The calendar's width re-tuning (`EventQueue.retune`) on a blockchain-shaped stream:
/// every 13 s a block, observed by 40 agents within two seconds, plus timers minutes and
/// hours ahead. Only speed may change with the width, never the order.
@Suite("Event queue: bursty streams")
struct EventQueueBurstTests {
    @Test("bursts of observations are served exactly in (time, sequence) order", arguments: 0..<6)
    func burstsInOrder(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "bursts")
        var queue = EventQueue<Int>()
        var model = NaiveEventQueue<Int>()
        var label = 0
        func schedule(_ time: Int64) {
            queue.enqueue(label, at: time)
            model.enqueue(label, at: time)
            label += 1
        }
        // The producer's next block, then its observers when each block arrives.
        schedule(13_000)
        var served = 0
        while let expected = model.dequeue() {
            let actual = queue.dequeue()
            #expect(
                actual?.time == expected.time && actual?.sequence == expected.sequence
                    && actual?.payload == expected.payload, "seed \(seed) event \(served)")
            served += 1
            let now = expected.time
            if now % 13_000 == 0 && now < 13_000 * 400 {
                schedule(now + 13_000)
                for _ in 0..<40 { schedule(now + 1 + Int64(random.uniformInt(below: 2_000))) }
                if random.bernoulli(numerator: 1, denominator: 4) {
                    schedule(now + Int64(random.uniformInt(below: 3_600_000)))
                }
            }
        }
        #expect(queue.isEmpty)
        #expect(served > 16_000)
    }

    /// An agent's messages to its subscribers: dozens of events for one moment, behind
    /// events due later in the same bucket, while earlier ones are served in between (the
    /// queue's finger, the node linked last inside a list, must be dropped when it is
    /// served, and when the calendar is rebuilt).
    @Test("fan-outs behind later events are served in (time, sequence) order", arguments: 0..<6)
    func fanOutsInOrder(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "fan-outs")
        var queue = EventQueue<Int>()
        var model = NaiveEventQueue<Int>()
        var label = 0
        func schedule(_ time: Int64) {
            queue.enqueue(label, at: time)
            model.enqueue(label, at: time)
            label += 1
        }
        schedule(1_000)
        var served = 0
        while let expected = model.dequeue() {
            let actual = queue.dequeue()
            #expect(
                actual?.time == expected.time && actual?.sequence == expected.sequence
                    && actual?.payload == expected.payload, "seed \(seed) event \(served)")
            served += 1
            guard label < 30_000 else { continue }
            let now = expected.time
            // Later events first, then a fan-out at one moment before them, sometimes two
            // fan-outs interleaved, sometimes a fan-out at the very moment being served.
            schedule(now + 500 + Int64(random.uniformInt(below: 5_000)))
            let moment = now + Int64(random.uniformInt(below: 400))
            let other = now + Int64(random.uniformInt(below: 400))
            for _ in 0..<(1 + random.uniformInt(below: 24)) {
                schedule(moment)
                if random.bernoulli(numerator: 1, denominator: 3) { schedule(other) }
            }
        }
        #expect(queue.isEmpty)
        #expect(served == label)
    }

    @Test("a costly width is re-spaced, and re-tuned on the events served")
    func retunesWidth() {
        var random = RandomStream(seed: 3, name: "retune")
        var queue = EventQueue<Int>()
        queue.enqueue(0, at: 13_000)
        var blocks = 0
        while let event = queue.dequeue(), blocks < 2_000 {
            guard event.payload == 0 else { continue }
            blocks += 1
            if blocks == 100 {
                // In steady state, the calendar rebuilt with 1,000 s buckets: a block's
                // observations then share a bucket, and every insertion walks past them.
                queue.tunedWidth = 1_000_000
                queue.resize(bucketCount: queue.bucketCount)
                queue.tunedWidth = nil
                #expect(queue.width == 1_000_000)
            }
            queue.enqueue(0, at: event.time + 13_000)
            for _ in 0..<100 {
                queue.enqueue(1, at: event.time + 1 + Int64(random.uniformInt(below: 2_000)))
            }
            queue.enqueue(2, at: event.time + 600_000)
        }
        // The cost was noticed and the calendar re-spaced (by the spacing estimate, or by
        // a width priced on the served events when that is cheaper: `cheaperWidth`).
        #expect(queue.width < 1_000_000)
        // Events 25 ms apart: a calendar of 1,000 s buckets is far too coarse for them, and
        // too few served events say nothing.
        let served = (0..<512).map { Int64($0) * 25 }
        let cheaper = EventQueue<Int>.cheaperWidth(
            than: 1_000_000, servedTimes: served, bucketCount: 64)
        #expect(cheaper.map { $0 < 1_000_000 } == true)
        #expect(
            EventQueue<Int>.cheaperWidth(
                than: 1_000_000, servedTimes: Array(served.prefix(10)), bucketCount: 64) == nil)
    }
}
