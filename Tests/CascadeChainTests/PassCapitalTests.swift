import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents

/// A keeper's pass capital (`PassCapital`) is made from its two DAI balances and kept while
/// they do not move: made afresh or kept, it must be what the balances say.
@Suite("Keepers: the auction pass's capital")
struct PassCapitalTests {
    /// The capital from the balances, as the pass read it before it was kept: Vat DAI in
    /// whole wei rounded down, both in RAD, nil past 2^256.
    static func expected(erc20: UInt128, vat: UInt256) -> (
        wad: (UInt256, UInt256), rad: (UInt256?, UInt256?)
    ) {
        let vatWad = vat / MakerSystem.ray
        let total = UInt256(erc20).addingReportingOverflow(vatWad)
        func rad(_ wad: UInt256) -> UInt256? {
            let (product, overflow) = wad.multipliedReportingOverflow(by: MakerSystem.ray)
            return overflow ? nil : product
        }
        return (
            (UInt256(erc20), vatWad), (rad(vatWad), total.overflow ? nil : rad(total.partialValue))
        )
    }

    @Test func madeFromTheBalances() {
        var random = RandomStream(seed: 5, name: "pass-capital")
        // Random balances of every size, and the largest: their sum in RAD is past 2^256.
        var pairs: [(UInt128, UInt256)] = [(0, .zero), (.max, .max), (1, .max)]
        for _ in 0..<2_000 {
            let erc20 = UInt128(random.next()) << UInt128(random.uniformInt(below: 64))
            let vat = UInt256(
                high: UInt128(random.next()) >> UInt128(random.uniformInt(below: 129)),
                low: UInt128(random.next()) << 64 | UInt128(random.next()))
            pairs.append((erc20, vat))
        }
        #expect(PassCapital(erc20Balance: .max, vatBalance: .max).rad.total == nil)
        for (erc20, vat) in pairs {
            let capital = PassCapital(erc20Balance: erc20, vatBalance: vat)
            let expected = Self.expected(erc20: erc20, vat: vat)
            #expect(capital.wad.erc20 == expected.wad.0 && capital.wad.vat == expected.wad.1)
            #expect(capital.rad.vat == expected.rad.0 && capital.rad.total == expected.rad.1)
            #expect(capital.holds(erc20Balance: erc20, vatBalance: vat))
            #expect(!capital.holds(erc20Balance: erc20 &+ 1, vatBalance: vat))
            #expect(!capital.holds(erc20Balance: erc20, vatBalance: vat &+ .one))
        }
    }
}
