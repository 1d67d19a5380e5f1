import CascadeCore
import CascadeKernel
import CascadeTestSupport
import Testing

@testable import CascadeChain

@Suite("EIP-1559 and fee markets")
struct FeeMarketTests {
    /// go-ethereum `consensus/misc/eip1559/eip1559_test.go` `TestCalcBaseFee` (first three
    /// rows); the full and empty rows are from the bor-derived copy of the same file
    /// (REFERENCE.md §1.2).
    @Test(arguments: [
        (UInt128(1_000_000_000), UInt64(20_000_000), UInt64(10_000_000), UInt128(1_000_000_000)),
        (1_000_000_000, 20_000_000, 9_000_000, 987_500_000),
        (1_000_000_000, 20_000_000, 11_000_000, 1_012_500_000),
        (1_000_000_000, 20_000_000, 20_000_000, 1_125_000_000),
        (1_000_000_000, 20_000_000, 0, 875_000_000),
    ])
    func calcBaseFee(parent: UInt128, limit: UInt64, used: UInt64, expected: UInt128) {
        let next = EIP1559.nextBaseFee(
            parentBaseFee: parent, parentGasLimit: limit, parentGasUsed: used)
        #expect(next == expected)
        #expect(
            FeeMarket.eip1559.nextBaseFee(
                parentBaseFee: parent, parentGasLimit: limit, parentGasUsed: used) == expected)
    }

    /// EIP-1559 text: an increase is at least 1 wei; a decrease has no minimum.
    @Test func increaseIsAtLeastOneWeiAndDecreaseHasNoFloor() {
        #expect(
            EIP1559.nextBaseFee(
                parentBaseFee: 7, parentGasLimit: 30_000_000, parentGasUsed: 15_000_001) == 8)
        #expect(
            EIP1559.nextBaseFee(
                parentBaseFee: 7, parentGasLimit: 30_000_000, parentGasUsed: 0) == 7)
        #expect(
            EIP1559.nextBaseFee(
                parentBaseFee: 8, parentGasLimit: 30_000_000, parentGasUsed: 0) == 7)
    }

    /// go-ethereum `TestBlockGasLimits` (REFERENCE.md §1.2): the pre-London parent's 10M
    /// limit doubles to 20M at the fork; then London to London from 40M.
    @Test(arguments: [
        (UInt64(20_000_000), UInt64(20_019_530), true),
        (20_000_000, 20_019_531, false),
        (20_000_000, 19_980_470, true),
        (20_000_000, 19_980_469, false),
        (40_000_000, 40_039_061, true),
        (40_000_000, 40_039_062, false),
        (40_000_000, 39_960_939, true),
        (40_000_000, 39_960_938, false),
    ])
    func blockGasLimits(parent: UInt64, limit: UInt64, valid: Bool) {
        #expect(EIP1559.isValidGasLimit(limit, parentGasLimit: parent) == valid)
    }

    @Test func gasLimitBelowMinimumIsInvalid() {
        #expect(!EIP1559.isValidGasLimit(4_999, parentGasLimit: 5_000))
        #expect(EIP1559.isValidGasLimit(5_000, parentGasLimit: 5_000))
    }

    @Test func votedGasLimitStepsAreValidAndReachTheTarget() {
        var limit: Gas = 10_000_000
        var steps = 0
        while limit != 12_500_000 {
            let next = EIP1559.gasLimitStep(from: limit, toward: 12_500_000)
            #expect(EIP1559.isValidGasLimit(next, parentGasLimit: limit))
            #expect(next > limit)
            limit = next
            steps += 1
        }
        #expect(steps > 200 && steps < 300)
    }

    /// EIP-1559: `priority = min(max_priority, max_fee − base)`, price = priority + base.
    @Test func effectiveTipAndPrice() {
        let bid = GasBid.eip1559(maxFee: .gwei(100), priorityFee: .gwei(2))
        #expect(bid.effectiveTip(baseFee: .gwei(50)) == .gwei(2))
        #expect(bid.effectiveTip(baseFee: .gwei(99)) == .gwei(1))
        #expect(bid.effectiveTip(baseFee: .gwei(100)) == 0)
        #expect(bid.effectiveTip(baseFee: .gwei(101)) == nil)
        let legacy = GasBid.legacy(gasPrice: .gwei(30))
        #expect(legacy.effectiveTip(baseFee: 0) == .gwei(30))
        #expect(legacy.effectiveTip(baseFee: .gwei(10)) == .gwei(20))
        let fee = FeeSplit(gasUsed: 21_000, baseFee: .gwei(50), effectiveTip: .gwei(2))
        #expect(fee.burned == 21_000 * Wei.gwei(50))
        #expect(fee.tip == 21_000 * Wei.gwei(2))
        #expect(fee.paid == 21_000 * Wei.gwei(52))
    }

    /// Property: the implementation agrees with the spec's transcription on random parents,
    /// including fees near 2^64 and odd limits.
    @Test func agreesWithReferenceOnRandomParents() {
        for seed in UInt64(0)..<2_000 {
            var random = RandomStream(seed: seed, name: "base-fee")
            let limit = Gas(random.uniformInt(below: 60_000_000)) + 5_000
            let used = random.uniformInt(below: limit + 1)
            let fee = Wei(random.next() >> random.uniformInt(below: 64))
            let expected = ChainReference.baseFee(
                parentBaseFee: fee, parentGasLimit: limit, parentGasUsed: used)
            let actual = EIP1559.nextBaseFee(
                parentBaseFee: fee, parentGasLimit: limit, parentGasUsed: used)
            #expect(actual == expected, "seed \(seed)")
        }
    }
}
