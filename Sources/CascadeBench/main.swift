import CascadeKernel

func measure(_ body: () -> Int) -> (count: Int, seconds: Double) {
    let clock = ContinuousClock()
    var count = 0
    let elapsed = clock.measure { count = body() }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return (count, seconds)
}

let meanIncrementMs = 1_000.0
for pending in [100, 10_000, 1_000_000] {
    let operations = 5_000_000
    var random = RandomStream(seed: 1, name: "hold")
    var queue = EventQueue<UInt32>()
    for index in 0..<pending {
        queue.enqueue(UInt32(index), at: Int64(random.exponential(mean: meanIncrementMs)))
    }
    let result = measure {
        for _ in 0..<operations {
            guard let event = queue.dequeue() else { break }
            queue.enqueue(event.payload, at: event.time + Int64(random.exponential(mean: meanIncrementMs)))
        }
        return operations
    }
    print("hold pending=\(pending) events_per_second=\(Int(Double(result.count) / result.seconds))")
    for arity in [2, 4] {
        var heap = DaryHeap<UInt32>(arity: arity)
        var r2 = RandomStream(seed: 1, name: "hold")
        for index in 0..<pending {
            heap.enqueue(UInt32(index), at: Int64(r2.exponential(mean: meanIncrementMs)))
        }
        let h = measure {
            for _ in 0..<operations {
                guard let event = heap.dequeue() else { break }
                heap.enqueue(event.payload, at: event.time + Int64(r2.exponential(mean: meanIncrementMs)))
            }
            return operations
        }
        print("  heap arity=\(arity) pending=\(pending) events_per_second=\(Int(Double(h.count) / h.seconds))")
    }
}
runContractsBench()
