import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents

/// A feed transmitter's reporters kept in price order (`PriceRanking`) against sorting
/// the latest prices, under random arrivals with many equal prices.
@Suite("Feed transmitter price ranking")
struct PriceRankingTests {
    @Test("always the latest prices, sorted", arguments: 0..<8)
    func matchesSort(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "price-ranking")
        var ranking = PriceRanking()
        var latest: [Int: UInt256] = [:]
        let reporters = 1 + Int(random.uniformInt(below: 31))
        for step in 0..<2_000 {
            let reporter = Int(random.uniformInt(below: UInt64(reporters)))
            // Few distinct prices (ties), some far apart in the high limb.
            let price =
                random.bernoulli(numerator: 1, denominator: 5)
                ? UInt256(high: UInt128(random.uniformInt(below: 3)), low: 0)
                : UInt256(random.uniformInt(below: 40))
            ranking.move(reporter, to: price)
            latest[reporter] = price
            let sorted = latest.values.sorted()
            #expect(ranking.ascendingPrices == sorted, "seed \(seed) step \(step)")
            let rank = Int(random.uniformInt(below: UInt64(sorted.count + 1)))
            #expect(ranking.price(atRank: rank) == (rank < sorted.count ? sorted[rank] : nil))
            #expect(ranking.reporters.count == latest.count)
            #expect(Set(ranking.reporters) == Set(latest.keys))
        }
    }
}
