import CascadeTestSupport
import Testing

@testable import CascadeCore

/// `UInt256` against the naive `ReferenceNatural` model, over seeded random operands.
///
/// Each seed draws 300 operand pairs; a failure names the seed and the operands.
@Suite("UInt256 against the reference model")
struct UInt256ModelTests {
    static let seeds: [UInt64] = [1, 2, 3, 42, 0xC0FFEE, 20_200_312, 0xDEAD_BEEF, 7_777_777]
    static let pairsPerSeed = 300

    private let twoTo256 = ReferenceNatural(digits: [0, 0, 0, 0, 0, 0, 0, 0, 1])

    @Test(arguments: seeds)
    func additionAndSubtraction(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        for _ in 0..<Self.pairsPerSeed {
            let a = random.nextUInt256()
            let b = random.nextUInt256()
            let (ra, rb) = (ReferenceNatural(a), ReferenceNatural(b))
            let sum = ra + rb
            let (wrapped, overflow) = a.addingReportingOverflow(b)
            #expect(overflow == !(sum < twoTo256), "seed \(seed): \(a) + \(b)")
            #expect(wrapped == sum.truncatedTo256, "seed \(seed): \(a) + \(b)")
            #expect(a &+ b == wrapped, "seed \(seed)")
            let (difference, underflow) = a.subtractingReportingOverflow(b)
            #expect(underflow == (a < b), "seed \(seed): \(a) - \(b)")
            if let exact = ra - rb {
                #expect(difference == exact.uint256Value, "seed \(seed): \(a) - \(b)")
                #expect(a - b == difference, "seed \(seed)")
            } else {
                // Wrapped difference: a - b + 2^256.
                #expect(difference == ((ra + twoTo256) - rb)?.uint256Value, "seed \(seed)")
            }
            #expect(a &- b == difference, "seed \(seed)")
            #expect((a < b) == (ra < rb), "seed \(seed): \(a) < \(b)")
            #expect((a == b) == (ra == rb), "seed \(seed)")
        }
    }

    @Test(arguments: seeds)
    func multiplication(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        for _ in 0..<Self.pairsPerSeed {
            let a = random.nextUInt256()
            let b = random.nextUInt256()
            let product = ReferenceNatural(a) * ReferenceNatural(b)
            let (high, low) = a.multipliedFullWidth(by: b)
            let (highRef, lowRef) = product.divided(by: twoTo256)
            #expect(high == highRef.uint256Value, "seed \(seed): \(a) * \(b)")
            #expect(low == lowRef.uint256Value, "seed \(seed): \(a) * \(b)")
            let (wrapped, overflow) = a.multipliedReportingOverflow(by: b)
            #expect(wrapped == low && overflow == !high.isZero, "seed \(seed): \(a) * \(b)")
            #expect(a &* b == low, "seed \(seed): \(a) &* \(b)")
            if !overflow {
                #expect(a * b == low, "seed \(seed)")
            }
        }
    }

    @Test(arguments: seeds)
    func division(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        for _ in 0..<Self.pairsPerSeed {
            let a = random.nextUInt256()
            let b = random.nextUInt256()
            guard !b.isZero else { continue }
            let (quotient, remainder) = a.quotientAndRemainder(dividingBy: b)
            let reference = ReferenceNatural(a).divided(by: ReferenceNatural(b))
            #expect(quotient == reference.quotient.uint256Value, "seed \(seed): \(a) / \(b)")
            #expect(remainder == reference.remainder.uint256Value, "seed \(seed): \(a) % \(b)")
            #expect(a / b == quotient && a % b == remainder, "seed \(seed)")
        }
    }

    /// Divisors with a path of their own or at the boundary between two: RAY (divided by
    /// its reciprocal) and RAY ± 1, WAD, RAD (long division), 10_000, 2^64 ± 1 and
    /// 2^128 ± 1 (wide against long division), powers of two, one and the maximum.
    static let boundaryDivisors: [UInt256] = {
        var divisors: [UInt256] = [
            .ray, .ray - .one, .ray + .one, .wad, .rad, .percentageFactor, .one, .max,
            UInt256(UInt64.max), UInt256(UInt64.max) + .one + .one, UInt256(high: 0, low: .max),
            UInt256(high: 1, low: 0), UInt256(high: 1, low: 1), UInt256(3),
            UInt256.ray * UInt256(1_000_000_000),
        ]
        divisors += [1, 26, 27, 63, 64, 65, 127, 128, 129, 192, 255].map { UInt256.one << $0 }
        return divisors
    }()

    /// Quotient and remainder by each boundary divisor, for random dividends and for the
    /// dividends around the divisor (below it the quotient is zero and the remainder the
    /// dividend); and 512-bit dividends whose high half is below the divisor.
    @Test(arguments: seeds)
    func divisionByBoundaryDivisors(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        for divisor in Self.boundaryDivisors {
            let d = ReferenceNatural(divisor)
            var dividends: [UInt256] = [.zero, .one, divisor - .one, divisor, .max, .max - .one]
            if divisor < .max { dividends.append(divisor + .one) }
            for _ in 0..<12 { dividends.append(random.nextUInt256()) }
            for a in dividends {
                let (quotient, remainder) = a.quotientAndRemainder(dividingBy: divisor)
                let reference = ReferenceNatural(a).divided(by: d)
                #expect(
                    quotient == reference.quotient.uint256Value
                        && remainder == reference.remainder.uint256Value,
                    "seed \(seed): \(a) / \(divisor)")
            }
            for _ in 0..<6 {
                let high = ReferenceNatural(random.nextUInt256()).divided(by: d).remainder
                let low = random.nextUInt256()
                let dividend = high * twoTo256 + ReferenceNatural(low)
                let reference = dividend.divided(by: d)
                let (quotient, remainder) = divisor.dividingFullWidth(
                    (high.uint256Value ?? .zero, low))
                #expect(
                    quotient == reference.quotient.uint256Value
                        && remainder == reference.remainder.uint256Value,
                    "seed \(seed): (\(high) · 2^256 + \(low)) / \(divisor)")
            }
        }
    }

    @Test(arguments: seeds)
    func mulDivAtFullWidth(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        var checked = 0
        for _ in 0..<Self.pairsPerSeed {
            let a = random.nextUInt256()
            let b = random.nextUInt256()
            let d = random.nextUInt256()
            guard !d.isZero else { continue }
            let product = ReferenceNatural(a) * ReferenceNatural(b)
            let (q, r) = product.divided(by: ReferenceNatural(d))
            // Only quotients that fit are defined; the others trap.
            guard let expected = q.uint256Value else { continue }
            checked += 1
            #expect(UInt256.mulDiv(a, b, d) == expected, "seed \(seed): \(a)·\(b)/\(d)")
            let expectedUp =
                r.isZero
                ? expected
                : (q + ReferenceNatural(1 as UInt64))
                    .uint256Value
            if let expectedUp {
                #expect(
                    UInt256.mulDivUp(a, b, d) == expectedUp, "seed \(seed): ⌈\(a)·\(b)/\(d)⌉")
            }
        }
        #expect(checked > Self.pairsPerSeed / 4, "seed \(seed): too few defined cases")
    }

    @Test(arguments: seeds)
    func shiftsAndBits(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        for _ in 0..<Self.pairsPerSeed {
            let a = random.nextUInt256()
            let amount = Int(random.next(below: 300))
            let power = ReferenceNatural(UInt256.one << min(amount, 255))
            if amount < 256 {
                let shiftedLeft = (ReferenceNatural(a) * power).truncatedTo256
                #expect(a << amount == shiftedLeft, "seed \(seed): \(a) << \(amount)")
                let shiftedRight = ReferenceNatural(a).divided(by: power)
                #expect(a >> amount == shiftedRight.quotient.uint256Value, "seed \(seed)")
            } else {
                #expect(a << amount == .zero && a >> amount == .zero, "seed \(seed)")
            }
            #expect(a.leadingZeroBitCount == 256 - ReferenceNatural(a).bitLength, "seed \(seed)")
            let b = random.nextUInt256()
            #expect((a & b) | (a ^ b) == a | b, "seed \(seed)")
            #expect(~(~a) == a && a ^ a == .zero && (a & ~a) == .zero, "seed \(seed)")
        }
    }

    @Test(arguments: seeds)
    func squareRootAndDecimal(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        for _ in 0..<60 {
            let a = random.nextUInt256()
            #expect(
                a.squareRoot() == ReferenceNatural(a).squareRoot().uint256Value,
                "seed \(seed): √\(a)")
            #expect(a.description == ReferenceNatural(a).description, "seed \(seed)")
            #expect(UInt256(a.description) == a, "seed \(seed)")
            let scale = Int(random.next(below: 78))
            let text = a.decimalString(scale: scale)
            #expect(UInt256(decimal: text, scale: scale) == a, "seed \(seed): \(text) @\(scale)")
        }
    }
}

@Suite("UInt256 edge cases")
struct UInt256EdgeTests {
    let twoTo128 = UInt256(high: 1, low: 0)

    @Test func constantsAndConversions() {
        #expect(
            UInt256.max.description
                == "115792089237316195423570985008687907853269984665640564039457584007913129639935")
        #expect(UInt256.zero.description == "0")
        #expect(twoTo128.description == "340282366920938463463374607431768211456")
        #expect(UInt256.max.uint128Value == nil)
        #expect(UInt256(UInt128.max).uint128Value == UInt128.max)
        #expect(UInt256(7).toUInt128() == 7)
        #expect(UInt256(high: 0, low: 5).uint64Value == 5)
        #expect(twoTo128.uint64Value == nil)
        let ray: UInt256 = 1_000_000_000_000_000_000_000_000_000
        #expect(ray.description == "1000000000000000000000000000")
        let maxLiteral: UInt256 =
            115792089237316195423570985008687907853269984665640564039457584007913129639935
        #expect(maxLiteral == .max)
        #expect(UInt256.max.leadingZeroBitCount == 0 && UInt256.zero.leadingZeroBitCount == 256)
        #expect(UInt256.one.leadingZeroBitCount == 255 && twoTo128.leadingZeroBitCount == 127)
    }

    @Test func doubleConversions() {
        #expect(UInt256(truncating: 1.9) == .one)
        #expect(UInt256(truncating: -0.5) == .zero)
        #expect(UInt256(truncating: -1) == nil)
        #expect(UInt256(truncating: .nan) == nil && UInt256(truncating: .infinity) == nil)
        #expect(UInt256(truncating: 0x1p256) == nil)
        #expect(UInt256(truncating: 0x1p255) == UInt256.one << 255)
        #expect(UInt256(truncating: 0x1.8p200) == UInt256(3) << 199)
        #expect(UInt256(truncating: 1.5e18) == UInt256(1_500_000_000_000_000_000))
        #expect((UInt256.one << 200).doubleValue == 0x1p200)
        #expect(UInt256(truncating: (UInt256(12345) << 150).doubleValue) == UInt256(12345) << 150)
    }

    /// The fast conversion through 64-bit halves agrees with the standard library's
    /// `UInt128(Double)` everywhere: across every binade from 2^-1 to 2^256, at powers of
    /// two and their neighbours, and on seeded random doubles.
    @Test func truncatingAgreesWithTheStandardLibrary() {
        func reference(_ value: Double) -> UInt256? {
            guard value.isFinite, value > -1, value < 0x1p256 else { return nil }
            if value < 0x1p128 { return UInt256(high: 0, low: UInt128(value)) }
            let upper = UInt128(value / 0x1p128)
            return UInt256(high: upper, low: UInt128(value - Double(upper) * 0x1p128))
        }
        var values: [Double] = [0, -0.0, -0.999, 0.5, 1, 0x1p53 - 1, 0x1p53, 0x1p53 + 2]
        for exponent in -1...256 {
            let power = Double(sign: .plus, exponent: exponent, significand: 1)
            values += [power, power.nextDown, power.nextUp, power * 1.5, (power * 2).nextDown]
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let exponent = Int(state >> 56) % 258 - 1
            let significand = 1 + Double(state >> 11 & (1 << 52 - 1)) / 0x1p52
            values.append(Double(sign: .plus, exponent: exponent, significand: significand))
        }
        for value in values {
            #expect(UInt256(truncating: value) == reference(value), "at \(value)")
        }
    }

    @Test func carriesAcrossLimbs() {
        let lowMax = UInt256(high: 0, low: .max)
        #expect(lowMax + .one == twoTo128)
        #expect(twoTo128 - .one == lowMax)
        #expect(UInt256.max &+ .one == .zero)
        #expect(UInt256.zero &- .one == .max)
        #expect(UInt256.max.addingReportingOverflow(.one).overflow)
        #expect(UInt256.zero.subtractingReportingOverflow(.one).overflow)
        #expect(!UInt256.max.subtractingReportingOverflow(.max).overflow)
        // (2^128 - 1)^2 = 2^256 - 2^129 + 1 fits; one more 2^128 does not.
        let square = lowMax * lowMax
        #expect(square == UInt256.max - (twoTo128 << 1) + .one + .one)
        #expect(twoTo128.multipliedReportingOverflow(by: twoTo128).overflow)
        #expect(twoTo128.multipliedReportingOverflow(by: twoTo128).partialValue == .zero)
        let full = UInt256.max.multipliedFullWidth(by: .max)
        #expect(full.high == UInt256.max - .one && full.low == .one)
    }

    @Test func divisionByValuesAbove2To128() {
        let divisor = twoTo128 + UInt256(12345)
        let (q, r) = UInt256.max.quotientAndRemainder(dividingBy: divisor)
        #expect(q * divisor + r == .max && r < divisor)
        #expect(UInt256.max / UInt256.max == .one && UInt256.max % UInt256.max == .zero)
        #expect((UInt256.max - .one) / UInt256.max == .zero)
        #expect(UInt256.max / twoTo128 == UInt256(high: 0, low: .max))
        // A case where Knuth's quotient estimate needs the add-back step (D6):
        // dividend and divisor crafted with top limbs 0x8000…0000 and 0x7fff…ffff.
        let dividend = UInt256(high: UInt128(1) << 127, low: 0)
        let divisor2 = UInt256(high: UInt128(1) << 64 | UInt128(UInt64.max), low: .max)
        let (q2, r2) = dividend.quotientAndRemainder(dividingBy: divisor2)
        #expect(q2 * divisor2 + r2 == dividend && r2 < divisor2)
    }

    /// Long division's rare corrections (Knuth's D3 estimate fix and D6 add-back) happen
    /// for limb patterns that random operands almost never produce, so every combination of
    /// extreme limbs is checked against the identity `q·d + r = a`, `r < d`.
    @Test func extremeLimbPatterns() {
        let patterns: [UInt64] = [0, 1, 1 << 63 - 1, 1 << 63, .max]
        var values: [UInt256] = []
        for l3 in patterns {
            for l2 in patterns {
                for l1 in patterns {
                    for l0 in patterns {
                        values.append(
                            UInt256(
                                high: UInt128(l3) << 64 | UInt128(l2),
                                low: UInt128(l1) << 64 | UInt128(l0)))
                    }
                }
            }
        }
        var failures = 0
        for divisor in values where !divisor.isZero {
            for dividend in values {
                let (q, r) = dividend.quotientAndRemainder(dividingBy: divisor)
                let (product, overflow) = q.multipliedReportingOverflow(by: divisor)
                let (sum, carry) = product.addingReportingOverflow(r)
                if overflow || carry || sum != dividend || r >= divisor {
                    failures += 1
                }
            }
            // 512-bit dividends: (divisor − 1)·2^256 + x divided by divisor.
            for low in values.prefix(25) {
                let high = divisor - .one
                let (q, r) = divisor.dividingFullWidth((high, low))
                let (productHigh, productLow) = q.multipliedFullWidth(by: divisor)
                let (sumLow, carry) = productLow.addingReportingOverflow(r)
                let sumHigh = productHigh + (carry ? .one : .zero)
                if sumHigh != high || sumLow != low || r >= divisor {
                    failures += 1
                }
            }
        }
        #expect(failures == 0)
    }

    /// RAY's reciprocal constants are what their definitions give: the divisor is
    /// `normalized · 2^shift`, `normalized` has its top bit set, and the reciprocal is
    /// `⌊(2^128 − 1) / normalized⌋ − 2^64`.
    @Test func rayReciprocalConstants() {
        let ray = ReciprocalDivisor.ray
        #expect(UInt256(ray.divisor) == .ray)
        #expect(ray.shift > 0 && ray.shift < 64)
        #expect(UInt128(ray.normalized) << ray.shift == ray.divisor)
        #expect(ray.normalized.leadingZeroBitCount == 0)
        #expect(
            UInt128.max / UInt128(ray.normalized) - (UInt128(1) << 64) == UInt128(ray.reciprocal))
    }

    /// A reciprocal digit equals the hardware division, on seeded random numerators for
    /// RAY's normalised divisor and for divisors just above 2^63, where the estimate can be
    /// one too small (the second correction, which RAY's divisor never needs); the vector
    /// below takes that correction.
    @Test func reciprocalDigitsMatchHardwareDivision() {
        func reciprocalDivisor(_ normalized: UInt64) -> ReciprocalDivisor {
            ReciprocalDivisor(
                divisor: UInt128(normalized) << 1, normalized: normalized,
                reciprocal: UInt64(truncatingIfNeeded: UInt128.max / UInt128(normalized)),
                shift: 1)
        }
        let divisors = [
            ReciprocalDivisor.ray, reciprocalDivisor(1 << 63 | 1), reciprocalDivisor(1 << 63 | 2),
            reciprocalDivisor(1 << 63 | 3), reciprocalDivisor(.max), reciprocalDivisor(1 << 63),
        ]
        var random = OperandGenerator(seed: 0x5EED)
        var failures = 0
        for divisor in divisors {
            let d = divisor.normalized
            var numerators: [(UInt64, UInt64)] = [(0, 0), (0, .max), (d - 1, .max), (d - 1, 0)]
            for _ in 0..<2_000 {
                numerators.append((random.next(below: d), random.next()))
            }
            for (high, low) in numerators {
                var r = high
                let quotient = divisor.digit(low, &r)
                let expected = d.dividingFullWidth((high, low))
                if quotient != expected.quotient || r != expected.remainder { failures += 1 }
            }
        }
        // Found by search: (2^63 · 2^64 + 2^64 − 2) / (2^63 + 2) needs the second correction.
        let rare = reciprocalDivisor(1 << 63 | 2)
        var r: UInt64 = 1 << 63
        let quotient = rare.digit(.max - 1, &r)
        let expected = rare.normalized.dividingFullWidth((1 << 63, .max - 1))
        #expect(quotient == expected.quotient && r == expected.remainder)
        #expect(failures == 0)
    }

    @Test func mulDivBeyond256Bits() {
        let ray: UInt256 = 1_000_000_000_000_000_000_000_000_000
        let rad: UInt256 = 1_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000
        // rad · rad = 1e90 > 2^256 ≈ 1.16e77.
        #expect(UInt256.mulDiv(rad, rad, rad) == rad)
        #expect(UInt256.mulDiv(rad, rad, ray) == rad * UInt256(1_000_000_000_000_000_000))
        #expect(UInt256.mulDiv(.max, .max, .max) == .max)
        // 2^256 − 1 is divisible by 3, so (2^256 − 1)·2/3 is exact.
        #expect(
            UInt256.mulDiv(.max, UInt256(2), UInt256(3)) == UInt256.max / UInt256(3) * UInt256(2))
        // 2^256 − 1 ≡ 1 (mod 7), so ⌊(2^256 − 1)·2/7⌋ = ⌊(2^256 − 1)/7⌋·2 + ⌊2/7⌋.
        #expect(
            UInt256.mulDiv(.max, UInt256(2), UInt256(7)) == UInt256.max / UInt256(7) * UInt256(2))
        #expect(UInt256.mulDivUp(.max, .one, UInt256(2)) == (UInt256.max >> 1) + .one)
        #expect(UInt256.mulDivUp(UInt256(10), UInt256(10), UInt256(5)) == UInt256(20))
        #expect(UInt256.mulDivUp(UInt256(10), UInt256(10), UInt256(3)) == UInt256(34))
        #expect(UInt256.mulDiv(UInt256(10), UInt256(10), UInt256(3)) == UInt256(33))
    }

    @Test func squareRoots() {
        #expect(UInt256(0).squareRoot() == .zero)
        #expect(UInt256(1).squareRoot() == .one)
        #expect(UInt256(3).squareRoot() == .one)
        #expect(UInt256(4).squareRoot() == UInt256(2))
        #expect(UInt256.max.squareRoot() == UInt256(high: 0, low: .max))
        // Uniswap's first mint: √(1e18 · 4e18) = 2e18.
        let wad = UInt256(1_000_000_000_000_000_000)
        #expect((wad * UInt256(4) * wad).squareRoot() == UInt256(2) * wad)
    }

    @Test(arguments: [
        ("", false), ("-1", false), ("+1", false), ("1e18", false), (" 1", false),
        ("1_000", false), ("0x10", false), ("00012", true),
        ("115792089237316195423570985008687907853269984665640564039457584007913129639935", true),
        ("115792089237316195423570985008687907853269984665640564039457584007913129639936", false),
    ])
    func parsingDigits(text: String, valid: Bool) {
        #expect((UInt256(text) != nil) == valid, "\(text)")
    }

    @Test(arguments: [
        ("5670000.25", 18, "5670000250000000000000000"),
        ("1.5", 18, "1500000000000000000"),
        ("1", 27, "1000000000000000000000000000"),
        ("0.000000000000000001", 18, "1"),
        ("42", 0, "42"),
        ("0.10", 2, "10"),
    ])
    func parsingScaledDecimals(text: String, scale: Int, baseUnits: String) {
        let value = UInt256(decimal: text, scale: scale)
        #expect(value?.description == baseUnits)
        #expect(UInt128(decimal: text, scale: scale)?.description == baseUnits)
    }

    @Test(arguments: [
        ("", 18), (".", 18), ("1.", 18), (".5", 18), ("-1", 18), ("1e3", 18), ("1.2.3", 18),
        ("0.0000000000000000001", 18), ("1.5", 0), ("1,5", 18), ("1 ", 18),
        ("200000000000000000000000000000000000000000000000000000000000", 18),
    ])
    func rejectingMalformedDecimals(text: String, scale: Int) {
        #expect(UInt256(decimal: text, scale: scale) == nil, "\(text)")
    }

    @Test func uint128DecimalBounds() {
        #expect(
            UInt128(decimal: "340282366920938463463.374607431768211455", scale: 18)
                == UInt128.max)
        #expect(UInt128(decimal: "340282366920938463463.374607431768211456", scale: 18) == nil)
    }

    @Test(arguments: [
        ("5670000250000000000000000", 18, "5670000.25"),
        ("1000000000000000000", 18, "1"),
        ("1", 18, "0.000000000000000001"),
        ("0", 18, "0"),
        ("1830161706366147524653080130", 27, "1.83016170636614752465308013"),
        ("123", 0, "123"),
    ])
    func formattingScaledDecimals(baseUnits: String, scale: Int, text: String) {
        let value = UInt256(baseUnits)
        #expect(value?.decimalString(scale: scale) == text)
        if let small = value?.uint128Value {
            #expect(small.decimalString(scale: scale) == text)
        }
    }
}
