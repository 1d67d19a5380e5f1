import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents

/// A keeper barks a Clipper vault when dss's incentive pays for the gas
/// (`Keeper.barkIncentive`): estimated in doubles, exact near the cost. Either way the
/// answer must be the exact incentive's.
@Suite("Keepers: the bark incentive")
struct BarkIncentiveTests {
    /// The decision from the exact incentive, as keepers made it before the estimate.
    static func expected(art: UInt256, rate: UInt256, _ clip: MakerSystem.ClipTerms, cost: Double)
        -> Bool
    {
        let tab = art * rate * clip.chop / .wad
        return (clip.tip + tab * clip.chip / .wad).approximateValue / 1e45 >= cost
    }

    static func terms(chop: UInt256, chip: UInt256, tip: UInt256) -> MakerSystem.ClipTerms {
        guard case .clip(var terms) = CollateralSettings.clipperTerms else {
            preconditionFailure("the Clipper terms are a Clipper's")
        }
        terms.chop = chop
        terms.chip = chip
        terms.tip = tip
        return terms
    }

    @Test func decidesAsTheExactIncentive() {
        var random = RandomStream(seed: 7, name: "bark-incentive")
        var checked = 0
        var nearCost = 0
        for _ in 0..<3_000 {
            // Debts from dust to a billion DAI, rates from 1 to 3 RAY, a chop of 0–50%, a
            // chip of up to 10% and a tip of up to 1,000 DAI (zero for some).
            let art =
                UInt256(random.next() >> UInt64(random.uniformInt(below: 64)))
                * UInt256(UInt64(1) << UInt64(random.uniformInt(below: 27)))
            let rate =
                MakerSystem.ray
                + UInt256(random.next()) * UInt256(random.uniformInt(below: 100_000_000))
            let clip = Self.terms(
                chop: .wad + UInt256(random.uniformInt(below: 500_000_000_000_000_000)),
                chip: UInt256(random.uniformInt(below: 100_000_000_000_000_000)),
                tip: random.bernoulli(numerator: 1, denominator: 4)
                    ? .zero : UInt256(random.uniformInt(below: 1_000)) * .rad)
            let tab = art * rate * clip.chop / .wad
            let coin = (clip.tip + tab * clip.chip / .wad).approximateValue / 1e45
            // Costs far from the incentive, within a few ulps of it, and on it.
            var costs = [0, coin * 0.5, coin * 2, random.uniform() * 100, coin]
            var near = coin
            for _ in 0..<4 {
                near = near.nextUp
                costs.append(near)
            }
            near = coin
            for _ in 0..<4 {
                near = near.nextDown
                costs.append(near)
            }
            costs += [coin * (1 + 1e-12), coin * (1 - 1e-12), coin * (1 + 1e-8)]
            for cost in costs {
                let decided = Keeper.barkIncentive(art: art, rate: rate, clip, covers: cost)
                #expect(
                    decided == Self.expected(art: art, rate: rate, clip, cost: cost),
                    "art \(art) rate \(rate) cost \(cost)")
                checked += 1
                if abs(coin - cost) <= 1e-9 * coin { nearCost += 1 }
            }
        }
        #expect(checked == 3_000 * 16)
        // A third of the questions are within a billionth of the incentive: the exact path.
        #expect(nearCost > checked / 3)
    }

    /// Near 2^256 the exact products trap, so the estimate does not answer there: a debt
    /// whose products lie between 10^76 and 2^256 goes the exact way, and is decided as the
    /// exact incentive decides.
    @Test func debtsNearTheWordSizeAreDecidedExactly() {
        let clip = Self.terms(
            chop: .wad * UInt256(3 as UInt64) / UInt256(2 as UInt64),
            chip: .wad / UInt256(20 as UInt64), tip: .zero)
        let art = UInt256.one << 100
        let rate = UInt256.one << 93
        let coin = (art * rate * clip.chop / .wad * clip.chip / .wad).approximateValue / 1e45
        #expect(coin > 1e11)
        for cost in [1, coin, coin.nextUp, coin.nextDown, coin * 2] {
            #expect(
                Keeper.barkIncentive(art: art, rate: rate, clip, covers: cost)
                    == Self.expected(art: art, rate: rate, clip, cost: cost))
        }
    }
}
