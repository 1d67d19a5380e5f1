import CascadeCore
import CascadeTestSupport
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

    /// Every dss and Aave function, and `mulDiv` in its three roundings, against the naive
    /// reference model over seeded operands of every size, wherever the result fits in 256
    /// bits (elsewhere they trap, as Solidity reverts). RAY takes the reciprocal division,
    /// WAD and 10_000 the wide one, random divisors every path, and products above 2^256
    /// the full-width ones.
    @Test(arguments: [1, 2, 3, 42, 0xC0FFEE] as [UInt64])
    func againstTheReferenceModel(seed: UInt64) {
        enum Rounding { case down, up, halfUp }
        /// ⌊x·y/d⌋, ⌈x·y/d⌉ or ⌊(x·y + ⌊d/2⌋)/d⌋; nil if it does not fit in 256 bits.
        func reference(_ x: UInt256, _ y: UInt256, _ d: UInt256, _ rounding: Rounding)
            -> UInt256?
        {
            var product = ReferenceNatural(x) * ReferenceNatural(y)
            if rounding == .halfUp { product = product + ReferenceNatural(d >> 1) }
            let (quotient, remainder) = product.divided(by: ReferenceNatural(d))
            let up = rounding == .up && !remainder.isZero
            return (up ? quotient + ReferenceNatural(1 as UInt64) : quotient).uint256Value
        }
        var random = OperandGenerator(seed: seed)
        var failures: [String] = []
        var checked = 0
        func check(
            _ name: String, _ expected: UInt256?, _ actual: @autoclosure () -> UInt256
        ) {
            // A result that does not fit traps; only defined results are compared.
            guard let expected else { return }
            checked += 1
            let value = actual()
            if value != expected { failures.append("seed \(seed): \(name) = \(value)") }
        }
        for _ in 0..<150 {
            let x = random.nextUInt256()
            let y = random.nextUInt256()
            var d = random.nextUInt256()
            if d.isZero { d = ray }
            check("wmul(\(x), \(y))", reference(x, y, wad, .down), wmul(x, y))
            check("rmul(\(x), \(y))", reference(x, y, ray, .down), rmul(x, y))
            check("wmulUp(\(x), \(y))", reference(x, y, wad, .up), wmulUp(x, y))
            check("rmulUp(\(x), \(y))", reference(x, y, ray, .up), rmulUp(x, y))
            check("wadMul(\(x), \(y))", reference(x, y, wad, .halfUp), wadMul(x, y))
            check("rayMul(\(x), \(y))", reference(x, y, ray, .halfUp), rayMul(x, y))
            check(
                "percentMul(\(x), \(y))", reference(x, y, .percentageFactor, .halfUp),
                percentMul(x, y))
            check("mulDiv(\(x), \(y), \(d))", reference(x, y, d, .down), .mulDiv(x, y, d))
            check("mulDivUp(\(x), \(y), \(d))", reference(x, y, d, .up), .mulDivUp(x, y, d))
            check(
                "mulDivHalfUp(\(x), \(y), \(d))", reference(x, y, d, .halfUp),
                .mulDivHalfUp(x, y, d))
            guard !y.isZero else { continue }
            check("wdiv(\(x), \(y))", reference(x, wad, y, .down), wdiv(x, y))
            check("rdiv(\(x), \(y))", reference(x, ray, y, .down), rdiv(x, y))
            check("wadDiv(\(x), \(y))", reference(x, wad, y, .halfUp), wadDiv(x, y))
            check("rayDiv(\(x), \(y))", reference(x, ray, y, .halfUp), rayDiv(x, y))
            check(
                "percentDiv(\(x), \(y))", reference(x, .percentageFactor, y, .halfUp),
                percentDiv(x, y))
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(checked > 600, "seed \(seed): too few defined cases (\(checked))")
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
