import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents

/// The keepers' contested targets (`KeeperTargetSet`: auctions in a flag table, vaults in
/// a set) against a plain `Set`.
@Suite("Keeper target set")
struct KeeperTargetSetTests {
    @Test("membership as a Set's, for auctions and vaults", arguments: 0..<4)
    func matchesSet(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "keeper-targets")
        var targets = KeeperTargetSet()
        var model = Set<KeeperTarget>()
        func randomTarget() -> KeeperTarget {
            random.bernoulli(numerator: 1, denominator: 2)
                ? .auction(MakerSystem.AuctionID(random.uniformInt(below: 3_000)))
                : .vault(
                    ilk: MakerSystem.IlkID(rawValue: UInt16(random.uniformInt(below: 3))),
                    owner: Address(UInt32(random.uniformInt(below: 500))))
        }
        for step in 0..<3_000 {
            let target = randomTarget()
            if random.bernoulli(numerator: 1, denominator: 3) {
                targets.insert(target)
                model.insert(target)
            }
            let probe = randomTarget()
            #expect(targets.contains(probe) == model.contains(probe), "seed \(seed) step \(step)")
            #expect(targets.contains(target) == model.contains(target), "seed \(seed) step \(step)")
        }
        #expect(targets.contains(.auction(MakerSystem.AuctionID(UInt64.max))) == false)
    }
}
