import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents

/// A feed transmitter's fresh count and median (`FeedTransmitter.freshMedian`), read from
/// its price ranking while every observation is fresh, against sorting the fresh ones:
/// observations arrive out of order, some reporters fall silent and go stale, prices tie.
@Suite("Feed transmitter median of fresh observations")
struct FeedTransmitterMedianTests {
    static func transmitter(reporters: Int) -> FeedTransmitter {
        FeedTransmitter(
            settings: FeedTransmitterSettings(
                name: "feed", address: Address(90), maxObservationAge: .seconds(30)),
            feed: 0,
            aggregator: MedianAggregator(
                address: Address(91), quorum: 1, minAnswer: .one, maxAnswer: .max),
            aggregatorIndex: 0, reporters: reporters, producer: AgentID(rawValue: 0),
            initialBaseFee: .gwei(10))
    }

    @Test("equals the sorted fresh prices' middle", arguments: 0..<8)
    func matchesSortedFresh(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "feed-median")
        let reporters = 1 + Int(random.uniformInt(below: 16))
        let node = Self.transmitter(reporters: reporters)
        var latest: [Int: (price: UInt256, at: SimTime)] = [:]
        var now = SimTime.zero
        // Half the reporters observe rarely, so that the oldest is often stale.
        let rare = Set(
            (0..<reporters).filter { _ in random.bernoulli(numerator: 1, denominator: 2) })
        var fastDecisions = 0
        for step in 0..<3_000 {
            now += .milliseconds(Int64(random.uniformInt(below: 4_000)))
            let reporter = Int(random.uniformInt(below: UInt64(reporters)))
            if !rare.contains(reporter) || random.bernoulli(numerator: 1, denominator: 20) {
                // Observed up to 10 s ago: a later arrival may carry an older observation.
                let at = now - .milliseconds(Int64(random.uniformInt(below: 10_000)))
                let price = UInt256(1_000 + random.uniformInt(below: 20))
                node.keep(price, at: at, from: reporter)
                latest[reporter] = (price, at)
            }
            let fresh = latest.values.filter { now - $0.at <= .seconds(30) }.map(\.price).sorted()
            let oldest = latest.values.map(\.at).min()
            #expect(node.oldestObservation == oldest, "seed \(seed) step \(step)")
            let (count, median) = node.freshMedian(now: now)
            #expect(count == fresh.count, "seed \(seed) step \(step)")
            #expect(
                median == (fresh.isEmpty ? nil : fresh[fresh.count / 2]),
                "seed \(seed) step \(step)")
            if let oldest, now - oldest <= .seconds(30) { fastDecisions += 1 }
        }
        // Both ways of deciding were exercised.
        #expect(fastDecisions > 0 && fastDecisions < 3_000, "seed \(seed): \(fastDecisions)")
    }
}
