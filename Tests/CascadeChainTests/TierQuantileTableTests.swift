import Testing

@testable import CascadeChain

/// The background demand's tier quantiles are written out as literals (computing them by
/// bisection on Simpson's rule cost 56 M instructions at every process start); they must
/// be, bit for bit, what that computation gives.
@Suite("Background demand tier quantiles")
struct TierQuantileTableTests {
    @Test("the table is the bisection's result, bit for bit")
    func tableMatchesComputation() {
        let count = BackgroundDemand.tierCount
        let computed = (0..<count).map { index in
            ChainMath.normalQuantile((Double(count - index) - 0.5) / Double(count))
        }
        #expect(BackgroundDemand.tierQuantiles.count == count)
        for index in 0..<count {
            #expect(
                BackgroundDemand.tierQuantiles[index].bitPattern == computed[index].bitPattern,
                "tier \(index)")
        }
    }
}
