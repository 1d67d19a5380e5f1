// `make bench`: one line per figure, `name key=value ...`, for docs/performance.md.
// Wall-clock timing lives here and only here.
import CascadeKernel

#if canImport(Glibc)
    import Glibc
#endif

let quick = CommandLine.arguments.contains("--quick")

if CommandLine.arguments.contains("--profile-hold") {
    // A steady-state run alone, for `perf record`.
    print(Int(holdThroughKernel(pending: 10_000, events: 50_000_000)))
    exit(0)
}

// `--only chain|contracts|keepers|world|lending|perps`: that figure alone (for profiling and quick loops).
if let flag = CommandLine.arguments.firstIndex(of: "--only"),
    flag + 1 < CommandLine.arguments.count
{
    switch CommandLine.arguments[flag + 1] {
    case "chain": runChainBench()
    case "contracts": runContractsBench()
    case "keepers": runKeeperIndexBench()
    case "world": runWorldBench()
    case "lending": runLendingBench()
    case "perps": runPerpsBench()
    case "hold":
        for pending in [100, 10_000, 1_000_000] {
            let events: UInt64 =
                quick ? 1_000_000 : (pending >= 1_000_000 ? 10_000_000 : 20_000_000)
            let rate = holdThroughKernel(pending: pending, events: events)
            print("hold pending=\(pending) events_per_second=\(Int(rate))")
        }
    default: print("--only takes hold, chain, contracts, keepers, world, lending or perps")
    }
    exit(0)
}

for pending in [100, 10_000, 1_000_000] {
    let events: UInt64 = quick ? 1_000_000 : (pending >= 1_000_000 ? 10_000_000 : 20_000_000)
    let rate = holdThroughKernel(pending: pending, events: events)
    print("hold pending=\(pending) events_per_second=\(Int(rate))")
}

// The comparison that chose the calendar queue: the same hold model on bare queues.
for pending in [100, 10_000, 1_000_000] {
    let events = quick ? 500_000 : 5_000_000
    var calendar = EventQueue<Int32>()
    let calendarRate = holdOnQueue(
        &calendar, pending: pending, events: events,
        enqueue: { $0.enqueue(0, at: $1) }, dequeue: { $0.dequeue()?.time ?? 0 })
    var binary = DaryHeap<Int32>(arity: 2)
    let binaryRate = holdOnQueue(
        &binary, pending: pending, events: events,
        enqueue: { $0.enqueue(0, at: $1) }, dequeue: { $0.dequeue()?.time ?? 0 })
    var quaternary = DaryHeap<Int32>(arity: 4)
    let quaternaryRate = holdOnQueue(
        &quaternary, pending: pending, events: events,
        enqueue: { $0.enqueue(0, at: $1) }, dequeue: { $0.dequeue()?.time ?? 0 })
    print(
        "queue pending=\(pending) calendar_per_second=\(Int(calendarRate)) "
            + "binary_heap_per_second=\(Int(binaryRate)) "
            + "four_ary_heap_per_second=\(Int(quaternaryRate))")
}
runChainBench()
runContractsBench()
runKeeperIndexBench()
runWorldBench()
runLendingBench()
runPerpsBench()
