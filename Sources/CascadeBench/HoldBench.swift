import CascadeKernel

/// The classic hold model (Vaucher and Duval, 1975): keep N events pending; handle the
/// earliest, schedule one at now + an exponential increment. It measures the kernel's
/// event loop: queue, dispatch to an agent, its context, a random draw, the digest.
enum HoldMessage: DigestFoldable {
    case hold

    func fold(into digest: inout RunDigest) {}
}

final class Holder: Agent {
    let name = "holder"
    let pending: Int
    let meanIncrementMs: Double

    init(pending: Int, meanIncrementMs: Double) {
        self.pending = pending
        self.meanIncrementMs = meanIncrementMs
    }

    func start(_ context: Context<HoldMessage>) {
        for _ in 0..<pending {
            context.wake(after: increment(context), .hold)
        }
    }

    func handle(_ message: HoldMessage, _ context: Context<HoldMessage>) {
        context.wake(after: increment(context), .hold)
    }

    @inline(__always)
    private func increment(_ context: Context<HoldMessage>) -> SimTime {
        .milliseconds(Int64(context.random.exponential(mean: meanIncrementMs)))
    }
}

/// Runs the hold model through the kernel and returns events per second of wall time.
func holdThroughKernel(pending: Int, events: UInt64) -> Double {
    let kernel = Kernel<HoldMessage>(seed: 1)
    kernel.add(Holder(pending: pending, meanIncrementMs: 1_000))
    kernel.start()
    // Warm up: let the calendar settle on the steady-state spacing.
    let warmUp = UInt64(pending) * 2
    _ = try? kernel.run(until: .milliseconds(0))
    var handled: UInt64 = 0
    while handled < warmUp {
        _ = try? kernel.step()
        handled += 1
    }
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        for _ in 0..<events {
            _ = try? kernel.step()
        }
    }
    return Double(events) / elapsed.seconds
}

/// The same hold model on a bare queue of the given kind, for the comparison table.
func holdOnQueue<Queue>(
    _ queue: inout Queue, pending: Int, events: Int,
    enqueue: (inout Queue, Int64) -> Void, dequeue: (inout Queue) -> Int64
) -> Double {
    var random = RandomStream(seed: 1, name: "holder")
    for _ in 0..<pending {
        enqueue(&queue, Int64(random.exponential(mean: 1_000)))
    }
    for _ in 0..<(2 * pending) {
        let now = dequeue(&queue)
        enqueue(&queue, now + Int64(random.exponential(mean: 1_000)))
    }
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        for _ in 0..<events {
            let now = dequeue(&queue)
            enqueue(&queue, now + Int64(random.exponential(mean: 1_000)))
        }
    }
    return Double(events) / elapsed.seconds
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}

/// Times `body`, which returns how many operations it did; returns that count and seconds.
func measure(_ body: () -> Int) -> (count: Int, seconds: Double) {
    let clock = ContinuousClock()
    var count = 0
    let elapsed = clock.measure { count = body() }
    return (count, elapsed.seconds)
}
