import CascadeKernel
import Testing

@testable import CascadeAgents

/// A keeper's next-check times on their timing wheel (`DueTimes`) against a plain array
/// searched entry by entry, under random appends, writes that raise and lower
/// times (some an hour ahead), passes at a clock that mostly steps, sometimes leaps and
/// now and then goes back (each collecting what is due, then writing some of it and
/// leaving the rest due), and removals of finished entries.
@Suite("Keeper due times")
struct DueTimesTests {
    @Test("collectDue finds what a scan of every time finds", arguments: 0..<16)
    func matchesScan(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "due-times")
        let due = DueTimes()
        var model: [Int64] = []
        var labels: [Int] = []
        var label = 0
        func int(below bound: Int) -> Int { Int(random.uniformInt(below: UInt64(bound))) }
        func scan(now: Int64) -> [Int] { model.indices.filter { model[$0] <= now } }
        func collect(now: Int64) -> [Int] {
            due.collectDue(now: now)
            return (0..<due.dueCount).map { due.due(at: $0) }
        }
        var now: Int64 = 0
        // A time after `now`: mostly within a few seconds, sometimes up to an hour ahead.
        func later(within milliseconds: Int64) -> Int64 {
            random.bernoulli(numerator: 1, denominator: 10)
                ? now + 1 + Int64(random.uniformInt(below: 3_600_000))
                : now + 1 + Int64(random.uniformInt(below: UInt64(milliseconds)))
        }
        for step in 0..<4_000 {
            switch int(below: 100) {
            case 0: now += Int64(random.uniformInt(below: 2_000_000))
            case 1: now = max(0, now - Int64(random.uniformInt(below: 5_000)))
            default: now += 10
            }
            switch int(below: 10) {
            case 0, 1:
                for _ in 0..<(1 + int(below: 100)) {
                    let time =
                        random.bernoulli(numerator: 1, denominator: 2)
                        ? 0 : later(within: 2_000)
                    due.append(time)
                    model.append(time)
                    labels.append(label)
                    label += 1
                }
            case 2 where !model.isEmpty:
                // A pass: every due position in order, each pushed back or finished.
                let found = collect(now: now)
                #expect(found == scan(now: now), "seed \(seed) step \(step)")
                if found.isEmpty {
                    // Nothing due: the least time is after the clock.
                    #expect(due.earliestBound > now, "seed \(seed) step \(step)")
                }
                for position in found {
                    // Mostly pushed back or finished; sometimes left due (a transaction in
                    // flight for it), sometimes another position written too.
                    switch int(below: 10) {
                    case 0:
                        break
                    case 1:
                        let other = int(below: model.count)
                        let time = max(0, later(within: 40_000) - 20_000)
                        due[other] = time
                        model[other] = time
                    default:
                        let time: Int64 =
                            random.bernoulli(numerator: 1, denominator: 5)
                            ? .max : later(within: 5_000)
                        due[position] = time
                        model[position] = time
                    }
                }
            case 3 where !model.isEmpty:
                // A hold-off (raises) or a write that lowers a time.
                let position = int(below: model.count)
                let time = max(0, later(within: 40_000) - 20_000)
                due[position] = time
                model[position] = time
            case 4:
                var companion = labels
                due.removeFinished(alongside: &companion)
                let kept = model.indices.filter { model[$0] != .max }
                labels = kept.map { labels[$0] }
                model = kept.map { model[$0] }
                #expect(companion == labels, "seed \(seed) step \(step)")
            default:
                // A pass that leaves everything due (its budget spent before the first
                // look): the next collection finds the same positions.
                #expect(collect(now: now) == scan(now: now), "seed \(seed) step \(step)")
            }
            #expect(due.times == model, "seed \(seed) step \(step)")
            #expect(due.earliestBound <= (model.min() ?? .max), "seed \(seed) step \(step)")
        }
    }

    /// The lower bound a keeper finds a live auction's position with (`Keeper.position(of:)`
    /// over ids in increasing order, repeats included) against a search from the front.
    @Test("partitionPoint is the first position not below, as a scan finds it", arguments: 0..<8)
    func partitionPointMatchesScan(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "partition-point")
        for _ in 0..<200 {
            let count = Int(random.uniformInt(below: 70))
            var ids: [UInt64] = []
            var id: UInt64 = 0
            for _ in 0..<count {
                id += random.uniformInt(below: 3)
                ids.append(id)
            }
            for wanted in 0...(id + 1) {
                let expected = ids.firstIndex { $0 >= wanted } ?? count
                #expect(Keeper.partitionPoint(count) { ids[$0] < wanted } == expected)
            }
        }
    }
}
