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

    @Test("a costly width is re-tuned on the events served")
    func retunesWidth() {
        var random = RandomStream(seed: 3, name: "retune")
        var queue = EventQueue<Int>()
        queue.enqueue(0, at: 13_000)
        var blocks = 0
        while let event = queue.dequeue(), blocks < 2_000 {
            guard event.payload == 0 else { continue }
            blocks += 1
            queue.enqueue(0, at: event.time + 13_000)
            for _ in 0..<40 {
                queue.enqueue(1, at: event.time + 1 + Int64(random.uniformInt(below: 2_000)))
            }
            queue.enqueue(2, at: event.time + 600_000)
        }
        #expect(queue.tunedWidth != nil)
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
