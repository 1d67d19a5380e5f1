import CascadeCore
import Testing

@Suite("Fixed point (dss and Aave)")
struct FixedPointTests {
    let wad = UInt256.wad
    let ray = UInt256.ray

    @Test func scales() {
        #expect(UInt256.wad.description == "1" + String(repeating: "0", count: 18))
        #expect(UInt256.ray.description == "1" + String(repeating: "0", count: 27))
        #expect(UInt256.rad == UInt256.wad * UInt256.ray)
    }

    @Test func dssFunctionsRoundDown() {
        #expect(wmul(wad * UInt256(3) / UInt256(2), wad * UInt256(2)) == wad * UInt256(3))
        // 1 wei × 0.5 WAD = 0.5 wei → 0 (down); the Up variant gives 1.
        #expect(wmul(.one, wad / UInt256(2)) == .zero)
        #expect(wmulUp(.one, wad / UInt256(2)) == .one)
        #expect(rmul(UInt256(2), ray / UInt256(3)) == .zero)
        #expect(rmulUp(UInt256(2), ray / UInt256(3)) == .one)
        // 1/3 in RAY: 333…333 (27 threes), rounded down.
        #expect(rdiv(ray, ray * UInt256(3)).description == String(repeating: "3", count: 27))
        #expect(wdiv(UInt256(2), UInt256(3)).description == String(repeating: "6", count: 18))
        // dss spot: rdiv(rdiv(val·1e9, par), mat) with $4 and mat 2 → 2 RAY
        // (dss src/test/clip.t.sol setup, REFERENCE.md §2.5).
        let val = UInt256(4) * wad
        let spot = rdiv(rdiv(val * UInt256(1_000_000_000), ray), UInt256(2) * ray)
        #expect(spot == UInt256(2) * ray)
        // RAD-sized intermediates beyond 2^256 still give the exact quotient.
        // 1e60 · 1e40 = 1e100 > 2^256 ≈ 1.16e77, but the quotient 1e73 fits.
        #expect(rmul(UInt256.powerOfTen(60), UInt256.powerOfTen(40)) == UInt256.powerOfTen(73))
    }

    @Test func aaveFunctionsRoundHalfUp() {
        // percentMul(v, p) = (v·p + 5000) / 10000 (Aave PercentageMath, REFERENCE.md §3.1).
        #expect(percentMul(UInt256(1), UInt256(5000)) == .one)  // 0.5 → 1
        #expect(percentMul(UInt256(1), UInt256(4999)) == .zero)  // 0.4999 → 0
        #expect(percentMul(UInt256(10_000), UInt256(8250)) == UInt256(8250))
        // percentDiv(v, p) = (v·10000 + p/2) / p.
        #expect(percentDiv(UInt256(1), UInt256(20_000)) == .one)  // 0.5 → 1
        #expect(percentDiv(UInt256(100), UInt256(10_500)) == UInt256(95))  // 95.238 → 95
        // wadDiv(a, b) = (a·1e18 + b/2) / b.
        #expect(
            wadDiv(UInt256(2), UInt256(3)).description == String(repeating: "6", count: 17) + "7")
        #expect(wadMul(.one, wad / UInt256(2)) == .one)
        #expect(rayMul(.one, ray / UInt256(2) - .one) == .zero)
        #expect(rayDiv(UInt256(1), UInt256(3) * ray) == .zero)
        #expect(rayDiv(UInt256(2), UInt256(3) * ray) == .one)
    }

    @Test func rpowEdgeCases() {
        #expect(rpow(.zero, 0 as UInt64, ray) == ray)  // 0^0 = base
        #expect(rpow(.zero, 5 as UInt64, ray) == .zero)  // 0^n = 0
        #expect(rpow(UInt256(2) * ray, 10 as UInt64, ray) == UInt256(1024) * ray)
        #expect(rpow(ray, UInt64.max, ray) == ray)
        #expect(rpow(ray, UInt256.max, ray) == ray)
        #expect(rpow(UInt256(3), 4 as UInt64, UInt256(1)) == UInt256(81))
        // Half-up rounding at each step: 1.5^2 at base 10 = 2.25 → 2 (22.5 → 23? no:
        // x=15, x·x + 5 = 230, /10 = 23, i.e. 2.3). Checks the rounding constant is base/2.
        #expect(rpow(UInt256(15), 2 as UInt64, UInt256(10)) == UInt256(23))
        #expect(rpow(UInt256(14), 2 as UInt64, UInt256(10)) == UInt256(20))  // 19.6+0.5 → 20
    }

    /// dss src/test/clip.t.sol `test_take_bid_avoids_recalculate_due_no_more_lot` and
    /// `test_redo_incentive`: top 5 RAY, cut RAY − 0.01 RAY, step 1 (REFERENCE.md §2.5).
    @Test(arguments: [
        (60 as UInt64, "2735783211953807380973706855"),
        (100 as UInt64, "1830161706366147524653080130"),
    ])
    func clipperPriceVectors(seconds: UInt64, expected: String) {
        let cut = ray - ray / UInt256(100)
        let price = rmul(UInt256(5) * ray, rpow(cut, seconds, ray))
        #expect(price.description == expected)
    }
}
