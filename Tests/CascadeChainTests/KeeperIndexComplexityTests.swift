import CascadeCore
import CascadeKernel
import CascadeTestSupport
import Testing

@testable import CascadeAgents

/// Complexity by counting, never by timing: nodes touched by a query and ordering tests
/// made by an update, against the tree's height and the number of results.
@Suite("Keeper liquidation index complexity")
struct KeeperIndexComplexityTests {
    static func log2Ceiling(_ n: Int) -> Int { Int.bitWidth - (n - 1).leadingZeroBitCount }

    @Test(
        "a query with k results touches at most height + k + 1 nodes",
        arguments: [
            1_000, 20_000,
        ])
    func queryCost(size: Int) {
        var random = RandomStream(seed: UInt64(size), name: "keeper-index-complexity")
        var index = LiquidationIndex()
        var maxComparisons = 0
        for id in 0..<size {
            let before = index.comparisonCount
            index.update(
                id, market: 0, collateral: .wad * 10,
                debt: UInt256(1 + random.uniformInt(below: 1_000_000)) * .wad / 1000)
            maxComparisons = max(maxComparisons, index.comparisonCount - before)
        }
        let height = index.height(in: 0)
        // A treap's expected height is about 3·log2 N; allow slack, but far below N.
        #expect(height <= 4 * Self.log2Ceiling(size), "height \(height) for \(size)")
        // An update is one descent plus one split: at most two root-to-leaf paths.
        #expect(maxComparisons <= 2 * (height + 1), "update made \(maxComparisons) tests")
        let terms = MakerIlkTerms(rate: .ray, mat: .ray)
        for price in stride(from: 0, through: 1_000_000, by: 50_000) {
            let threshold =
                terms.threshold(atPrice: UInt256(price) * .wad / 1000)
                ?? SafetyThreshold(collateralValue: .one, debtValue: .zero)
            var iterator = index.unsafePositions(in: 0, at: threshold).makeIterator()
            var k = 0
            while iterator.next() != nil { k += 1 }
            #expect(iterator.visitedNodeCount <= height + k + 1, "price \(price), k \(k)")
        }
        // Removing every other position: one descent each. (Removal never deepens a
        // treap: a node's ancestors can only be removed, never added.)
        var maxRemoval = 0
        for id in stride(from: 0, to: size, by: 2) {
            let before = index.comparisonCount
            index.remove(id)
            maxRemoval = max(maxRemoval, index.comparisonCount - before)
        }
        #expect(maxRemoval <= height, "removal made \(maxRemoval) tests")
        #expect(index.height(in: 0) <= height)
        index.checkInvariants()
    }
}
