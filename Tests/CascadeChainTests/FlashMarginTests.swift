import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents

/// The keepers' flash-take margin in doubles against the exact one it stands in for
/// (`UniswapV2Library.getAmountOut` to the wei, less the owe): over random slices,
/// reserves and owes from dust to the edge of overflow, the estimate is within its
/// tolerance of the exact margin, and it is nil exactly when the swap reverts for a zero
/// amount or reserve.
@Suite("Keepers: flash margins estimated within their bound")
struct FlashMarginTests {
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func estimateIsWithinItsBound(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "flash-margin")
        // A random value below 2^bits, with its low bits filled (so conversions round).
        func value(bits: Int) -> UInt256 {
            let word = { UInt128(random.next()) << 64 | UInt128(random.next()) }
            return UInt256(high: word(), low: word()) >> (256 - bits)
        }
        var decided = 0
        var unbounded = 0
        for _ in 0..<2_000 {
            let slice =
                random.uniform() < 0.02
                ? .zero : value(bits: 1 + Int(random.uniformInt(below: 100)))
            let reserveIn =
                random.uniform() < 0.02
                ? .zero : value(bits: 1 + Int(random.uniformInt(below: 130)))
            // One in ten at the edge of overflow (the swap's products pass 2^256).
            let reserveOut =
                random.uniform() < 0.1
                ? value(bits: 200 + Int(random.uniformInt(below: 56)))
                : value(bits: 1 + Int(random.uniformInt(below: 130)))
            let owe = value(bits: Int(1 + random.uniformInt(below: 200)))
            let exact =
                (try? UniswapV2Library.getAmountOut(
                    amountIn: slice, reserveIn: reserveIn, reserveOut: reserveOut))
                .map { $0.approximateValue / 1e18 - owe.approximateValue / 1e45 }
            let estimate = FlashMargin.estimate(
                slice: slice, owe: owe, reserves: (reserveIn, reserveOut))
            guard let estimate else {
                #expect(exact == nil, "seed \(seed): nil estimate for a swap that works")
                continue
            }
            guard estimate.tolerance.isFinite else {
                unbounded += 1
                continue
            }
            guard let exact else {
                Issue.record("seed \(seed): a bounded estimate for a swap that reverts")
                continue
            }
            decided += 1
            #expect(
                abs(estimate.value - exact) <= estimate.tolerance,
                "seed \(seed): \(estimate) against \(exact)")
            // The bound is meant to be narrow: a billionth of what is at stake.
            let owed = owe.approximateValue / 1e45
            #expect(estimate.tolerance <= 1.000001e-9 * (abs(exact) + 2 * owed + 1))
        }
        #expect(decided > 1_400, "seed \(seed): only \(decided) bounded estimates")
        #expect(unbounded > 20, "seed \(seed): the overflow edge was not reached")
    }
}
