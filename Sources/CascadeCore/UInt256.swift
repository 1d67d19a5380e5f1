/// An unsigned 256-bit integer: the EVM's `uint256`.
///
/// Contract state that the real protocols keep in `uint256` (RAD amounts of 1e45, UQ112x112
/// cumulative prices, `x * y` before a division) lives in this type, so the simulator
/// reproduces the on-chain integers digit for digit.
///
/// Arithmetic follows Solidity 0.8: `+ - * /` and `%` trap on overflow, underflow and
/// division by zero (a bug in the caller, who must check first, as a contract's `require`
/// would). The wrapping operators `&+ &- &*` wrap modulo 2^256 as Solidity's `unchecked`
/// blocks do (Uniswap v2's price accumulators rely on it), and the `ReportingOverflow`
/// methods let a contract turn an overflow into a revert.
///
/// The value is stored as two `UInt128` halves. Addition, subtraction and comparison are a
/// few machine instructions; multiplication is at most four 128×128-bit products. Division
/// by RAY uses a precomputed reciprocal (multiplications only), by another divisor below
/// 2^128 (WAD, prices, token reserves) two wide 256/128-bit divisions, and by a larger one
/// (RAD) Knuth's algorithm D on 64-bit digits; none allocates.
///
/// ```swift
/// let ray: UInt256 = 1_000_000_000_000_000_000_000_000_000
/// let product = UInt256.mulDiv(ray, ray, ray)   // 1e27, with a 512-bit intermediate
/// ```
@frozen
public struct UInt256: Hashable, Sendable {
    /// The upper 128 bits.
    public var high: UInt128
    /// The lower 128 bits.
    public var low: UInt128

    /// Creates the value `high · 2^128 + low`.
    @inlinable
    public init(high: UInt128, low: UInt128) {
        self.high = high
        self.low = low
    }

    @inlinable
    public init(_ value: UInt128) {
        self.init(high: 0, low: value)
    }

    @inlinable
    public init(_ value: UInt64) {
        self.init(high: 0, low: UInt128(value))
    }

    @inlinable
    public init(_ value: UInt32) {
        self.init(high: 0, low: UInt128(value))
    }

    /// Creates a value from a non-negative `Int`; traps on a negative one.
    @inlinable
    public init(_ value: Int) {
        precondition(value >= 0, "UInt256 from a negative Int")
        self.init(high: 0, low: UInt128(value))
    }

    // Computed, not stored: a stored `static let` is reached through an accessor that
    // checks it was initialised at every use (the contracts bench spent about 220 M
    // instructions in `zero`'s alone); these fold to constants where they are used.
    @inlinable public static var zero: UInt256 { UInt256(high: 0, low: 0) }
    @inlinable public static var one: UInt256 { UInt256(high: 0, low: 1) }
    @inlinable public static var max: UInt256 { UInt256(high: .max, low: .max) }

    /// The number of bits in the representation: 256.
    public static var bitWidth: Int { 256 }

    @inlinable
    public var isZero: Bool { high == 0 && low == 0 }

    /// The value as a `UInt128`, or nil if it does not fit.
    @inlinable
    public var uint128Value: UInt128? { high == 0 ? low : nil }

    /// The value as a `UInt64`, or nil if it does not fit.
    @inlinable
    public var uint64Value: UInt64? {
        high == 0 && low <= UInt128(UInt64.max) ? UInt64(low) : nil
    }

    /// The value as an `Int`, or nil if it does not fit.
    @inlinable
    public var intValue: Int? {
        high == 0 && low <= UInt128(Int.max) ? Int(low) : nil
    }

    /// The value as a `UInt128`; traps if it does not fit.
    @inlinable
    public func toUInt128() -> UInt128 {
        precondition(high == 0, "UInt256 value does not fit in UInt128")
        return low
    }

    /// The value as a `Double`, rounded (for off-chain reasoning and charts, never for state).
    public var doubleValue: Double {
        Double(high) * 0x1p128 + Double(low)
    }

    /// The integer part of a `Double` (rounded toward zero), or nil if `value` is negative,
    /// not finite, or 2^256 or more. For agents that reason in `Double` and must submit an
    /// integer amount; world files use the exact `init?(decimal:scale:)` instead.
    public init?(truncating value: Double) {
        guard value.isFinite, value > -1, value < 0x1p256 else { return nil }
        // Integer conversions from floating point truncate toward zero; no libm needed.
        if value < 0x1p128 {
            self.init(high: 0, low: Self.truncatedUInt128(value))
        } else {
            // Exact: scaling by 2^128 loses no bits, and the difference below fits in the
            // 53-bit significand.
            let upper = Self.truncatedUInt128(value / 0x1p128)
            self.init(
                high: upper,
                low: Self.truncatedUInt128(value - Double(upper) * 0x1p128))
        }
    }

    /// `UInt128(value)` for `0 ≤ value < 2^128` (or `-1 < value`), through 64-bit halves:
    /// the standard library's generic conversion was 7% of a Black Thursday run. The same
    /// result: below 2^64 `UInt64(value)` truncates as `UInt128(value)` does; above it the
    /// value is an integer (its ulp is at least 2^12), `value / 2^64` is exact, and so is
    /// the remainder `value − upper · 2^64`, which is below 2^64.
    @usableFromInline
    static func truncatedUInt128(_ value: Double) -> UInt128 {
        if value < 0x1p64 {
            return UInt128(UInt64(value))
        }
        let upper = UInt64(value / 0x1p64)
        let lower = UInt64(value - Double(upper) * 0x1p64)
        return UInt128(upper) << 64 | UInt128(lower)
    }

    /// The number of zero bits above the highest set bit (256 for zero).
    @inlinable
    public var leadingZeroBitCount: Int {
        high != 0 ? high.leadingZeroBitCount : 128 + low.leadingZeroBitCount
    }

    /// The number of significant bits: `256 - leadingZeroBitCount`.
    @inlinable
    public var bitLength: Int { 256 - leadingZeroBitCount }
}

// MARK: - Literals

extension UInt256: ExpressibleByIntegerLiteral {
    /// Accepts literals of any size up to 2^256 − 1 (`1_000_000_000_000_000_000_000_000_000`);
    /// a negative or larger literal traps.
    public init(integerLiteral value: StaticBigInt) {
        precondition(value.signum() >= 0, "negative UInt256 literal")
        precondition(value.bitWidth <= 257, "UInt256 literal overflows 256 bits")
        // Built from the four words directly: a literal in a hot path (`1000` in the
        // AMM's fee arithmetic) must not allocate.
        let low = UInt128(UInt64(value[1])) << 64 | UInt128(UInt64(value[0]))
        let high = UInt128(UInt64(value[3])) << 64 | UInt128(UInt64(value[2]))
        self.init(high: high, low: low)
    }
}

// MARK: - Comparison

extension UInt256: Comparable {
    @inlinable
    public static func < (lhs: UInt256, rhs: UInt256) -> Bool {
        lhs.high < rhs.high || (lhs.high == rhs.high && lhs.low < rhs.low)
    }
}

// MARK: - Addition and subtraction

extension UInt256 {
    /// `self + other` modulo 2^256 and whether it overflowed.
    @inlinable
    public func addingReportingOverflow(_ other: UInt256) -> (
        partialValue: UInt256, overflow: Bool
    ) {
        let (newLow, carry) = low.addingReportingOverflow(other.low)
        let (partialHigh, overflow1) = high.addingReportingOverflow(other.high)
        let (newHigh, overflow2) = partialHigh.addingReportingOverflow(carry ? 1 : 0)
        return (UInt256(high: newHigh, low: newLow), overflow1 || overflow2)
    }

    /// `self - other` modulo 2^256 and whether it underflowed.
    @inlinable
    public func subtractingReportingOverflow(_ other: UInt256) -> (
        partialValue: UInt256, overflow: Bool
    ) {
        let (newLow, borrow) = low.subtractingReportingOverflow(other.low)
        let (partialHigh, overflow1) = high.subtractingReportingOverflow(other.high)
        let (newHigh, overflow2) = partialHigh.subtractingReportingOverflow(borrow ? 1 : 0)
        return (UInt256(high: newHigh, low: newLow), overflow1 || overflow2)
    }

    /// Sum; traps on overflow (Solidity 0.8 checked arithmetic).
    @inlinable
    public static func + (lhs: UInt256, rhs: UInt256) -> UInt256 {
        let (result, overflow) = lhs.addingReportingOverflow(rhs)
        precondition(!overflow, "UInt256 addition overflow")
        return result
    }

    /// Difference; traps on underflow (Solidity 0.8 checked arithmetic).
    @inlinable
    public static func - (lhs: UInt256, rhs: UInt256) -> UInt256 {
        let (result, overflow) = lhs.subtractingReportingOverflow(rhs)
        precondition(!overflow, "UInt256 subtraction underflow")
        return result
    }

    /// Sum modulo 2^256 (Solidity `unchecked`).
    @inlinable
    public static func &+ (lhs: UInt256, rhs: UInt256) -> UInt256 {
        lhs.addingReportingOverflow(rhs).partialValue
    }

    /// Difference modulo 2^256 (Solidity `unchecked`).
    @inlinable
    public static func &- (lhs: UInt256, rhs: UInt256) -> UInt256 {
        lhs.subtractingReportingOverflow(rhs).partialValue
    }

    @inlinable
    public static func += (lhs: inout UInt256, rhs: UInt256) {
        lhs = lhs + rhs
    }

    @inlinable
    public static func -= (lhs: inout UInt256, rhs: UInt256) {
        lhs = lhs - rhs
    }

    @inlinable
    public static func &+= (lhs: inout UInt256, rhs: UInt256) {
        lhs = lhs &+ rhs
    }

    @inlinable
    public static func &-= (lhs: inout UInt256, rhs: UInt256) {
        lhs = lhs &- rhs
    }
}

// MARK: - 128-bit words at full width

extension UInt256 {
    /// `a · b` as a 256-bit (high, low) pair, from four 64×64-bit hardware multiplies.
    ///
    /// Why not `UInt128.multipliedFullWidth`: on this toolchain it is the standard
    /// library's generic algorithm, which converted through `init(exactly:)` and was a
    /// tenth of a Clipper take.
    @inlinable @inline(__always)
    public static func wideProduct(_ a: UInt128, _ b: UInt128) -> (high: UInt128, low: UInt128) {
        let a0 = UInt64(truncatingIfNeeded: a)
        let a1 = UInt64(truncatingIfNeeded: a &>> 64)
        let b0 = UInt64(truncatingIfNeeded: b)
        let b1 = UInt64(truncatingIfNeeded: b &>> 64)
        let p00 = a0.multipliedFullWidth(by: b0)
        if a1 == 0 && b1 == 0 {
            return (0, UInt128(p00.high) &<< 64 | UInt128(p00.low))
        }
        let p01 = a0.multipliedFullWidth(by: b1)
        let p10 = a1.multipliedFullWidth(by: b0)
        let p11 = a1.multipliedFullWidth(by: b1)
        // The middle column: at most 3 · (2^64 − 1), so it fits in 128 bits.
        let middle = UInt128(p00.high) &+ UInt128(p01.low) &+ UInt128(p10.low)
        let low = (middle &<< 64) | UInt128(p00.low)
        // The full product is below 2^256, so the high word cannot overflow.
        let high =
            (UInt128(p11.high) &<< 64 | UInt128(p11.low)) &+ UInt128(p01.high)
            &+ UInt128(p10.high) &+ (middle &>> 64)
        return (high, low)
    }

    /// `(high · 2^128 + low) / divisor` and its remainder, for `high < divisor` (so the
    /// quotient fits in 128 bits): two hardware 128/64-bit divisions for a divisor below
    /// 2^64, else two steps of Knuth's algorithm D on 64-bit limbs with the divisor
    /// normalised. Replaces the standard library's generic `dividingFullWidth`.
    @inlinable
    static func wideDivision(_ high: UInt128, _ low: UInt128, by divisor: UInt128) -> (
        quotient: UInt128, remainder: UInt128
    ) {
        precondition(divisor != 0, "UInt256 division by zero")
        precondition(high < divisor, "UInt256 wide quotient overflow")
        if divisor &>> 64 == 0 {
            let d = UInt64(truncatingIfNeeded: divisor)
            // high < divisor < 2^64, so high is a single limb below d.
            let (q1, r1) = d.dividingFullWidth(
                (UInt64(truncatingIfNeeded: high), UInt64(truncatingIfNeeded: low &>> 64)))
            let (q0, r0) = d.dividingFullWidth((r1, UInt64(truncatingIfNeeded: low)))
            return (UInt128(q1) &<< 64 | UInt128(q0), UInt128(r0))
        }
        let shift = divisor.leadingZeroBitCount  // 0...63
        let d = divisor &<< shift
        let h = shift == 0 ? high : (high &<< shift) | (low &>> (128 - shift))
        let l = low &<< shift
        let (q1, r1) = divideStep(h, UInt64(truncatingIfNeeded: l &>> 64), by: d)
        let (q0, r0) = divideStep(r1, UInt64(truncatingIfNeeded: l), by: d)
        return (UInt128(q1) &<< 64 | UInt128(q0), r0 &>> shift)
    }

    /// One step of algorithm D: `(r · 2^64 + next) / d` for a normalised `d` (top bit set)
    /// and `r < d`, so the quotient fits in 64 bits. The estimate from the top limbs is at
    /// most two too large (Knuth, TAOCP vol. 2, 4.3.1, theorem B).
    @inlinable @inline(__always)
    static func divideStep(_ r: UInt128, _ next: UInt64, by d: UInt128) -> (
        quotient: UInt64, remainder: UInt128
    ) {
        let v1 = UInt64(truncatingIfNeeded: d &>> 64)
        let v0 = UInt64(truncatingIfNeeded: d)
        let rHigh = UInt64(truncatingIfNeeded: r &>> 64)
        let rLow = UInt64(truncatingIfNeeded: r)
        var estimate =
            rHigh >= v1 ? UInt64.max : v1.dividingFullWidth((rHigh, rLow)).quotient
        // estimate · d as 192 bits: (top, rest).
        let lowProduct = estimate.multipliedFullWidth(by: v0)
        let highProduct = estimate.multipliedFullWidth(by: v1)
        let (middle, carry) = highProduct.low.addingReportingOverflow(lowProduct.high)
        var top = highProduct.high &+ (carry ? 1 : 0)
        var rest = UInt128(middle) &<< 64 | UInt128(lowProduct.low)
        let numeratorRest = UInt128(rLow) &<< 64 | UInt128(next)
        while top > rHigh || (top == rHigh && rest > numeratorRest) {
            estimate &-= 1
            let (difference, borrow) = rest.subtractingReportingOverflow(d)
            rest = difference
            if borrow { top &-= 1 }
        }
        return (estimate, numeratorRest &- rest)
    }
}

// MARK: - Multiplication

extension UInt256 {
    /// The full 512-bit product `self · other`, as two 256-bit halves.
    ///
    /// Four 128×128-bit products, summed with carries.
    @inlinable
    public func multipliedFullWidth(by other: UInt256) -> (high: UInt256, low: UInt256) {
        if high == 0 && other.high == 0 {
            let (productHigh, productLow) = UInt256.wideProduct(low, other.low)
            return (.zero, UInt256(high: productHigh, low: productLow))
        }
        let p00 = UInt256.wideProduct(low, other.low)
        let p01 = UInt256.wideProduct(low, other.high)
        let p10 = UInt256.wideProduct(high, other.low)
        let p11 = UInt256.wideProduct(high, other.high)

        // word1 = p00.high + p01.low + p10.low, carrying into word2.
        var carry1: UInt128 = 0
        var (word1, overflow) = p00.high.addingReportingOverflow(p01.low)
        if overflow { carry1 += 1 }
        (word1, overflow) = word1.addingReportingOverflow(p10.low)
        if overflow { carry1 += 1 }

        // word2 = p01.high + p10.high + p11.low + carry1, carrying into word3.
        var carry2: UInt128 = 0
        var (word2, overflow2) = p01.high.addingReportingOverflow(p10.high)
        if overflow2 { carry2 += 1 }
        (word2, overflow2) = word2.addingReportingOverflow(p11.low)
        if overflow2 { carry2 += 1 }
        (word2, overflow2) = word2.addingReportingOverflow(carry1)
        if overflow2 { carry2 += 1 }

        // The full product is below 2^512, so word3 cannot overflow.
        let word3 = p11.high &+ carry2
        return (UInt256(high: word3, low: word2), UInt256(high: word1, low: p00.low))
    }

    /// `self · other` modulo 2^256 and whether the true product overflowed.
    @inlinable
    public func multipliedReportingOverflow(by other: UInt256) -> (
        partialValue: UInt256, overflow: Bool
    ) {
        let (productHigh, productLow) = multipliedFullWidth(by: other)
        return (productLow, !productHigh.isZero)
    }

    /// Product; traps on overflow (Solidity 0.8 checked arithmetic).
    @inlinable
    public static func * (lhs: UInt256, rhs: UInt256) -> UInt256 {
        let (result, overflow) = lhs.multipliedReportingOverflow(by: rhs)
        precondition(!overflow, "UInt256 multiplication overflow")
        return result
    }

    /// Product modulo 2^256 (Solidity `unchecked`).
    @inlinable
    public static func &* (lhs: UInt256, rhs: UInt256) -> UInt256 {
        let (productHigh, productLow) = UInt256.wideProduct(lhs.low, rhs.low)
        let cross = lhs.high &* rhs.low &+ lhs.low &* rhs.high
        return UInt256(high: productHigh &+ cross, low: productLow)
    }

    @inlinable
    public static func *= (lhs: inout UInt256, rhs: UInt256) {
        lhs = lhs * rhs
    }

    @inlinable
    public static func &*= (lhs: inout UInt256, rhs: UInt256) {
        lhs = lhs &* rhs
    }
}

// MARK: - Division

extension UInt256 {
    /// Quotient and remainder of `self / divisor`, both rounded toward zero; traps if the
    /// divisor is zero.
    ///
    /// The path depends on the divisor: RAY (the divisor of most fixed-point products) is
    /// divided with a precomputed reciprocal (`ReciprocalDivisor`); other divisors below
    /// 2^128 (WAD, prices, reserves) take two wide 256/128-bit divisions; divisors of 2^128
    /// or more (RAD) take long division on 64-bit digits (`longDivision`). None allocates.
    @inlinable
    public func quotientAndRemainder(dividingBy divisor: UInt256) -> (
        quotient: UInt256, remainder: UInt256
    ) {
        precondition(!divisor.isZero, "UInt256 division by zero")
        if divisor.high == 0 {
            return UInt256.divide(0, self, byWord: divisor.low)
        }
        if self < divisor {
            return (.zero, self)
        }
        return UInt256.longDivision(.zero, self, by: divisor)
    }

    /// Quotient rounded toward zero; traps on division by zero.
    @inlinable
    public static func / (lhs: UInt256, rhs: UInt256) -> UInt256 {
        lhs.quotientAndRemainder(dividingBy: rhs).quotient
    }

    /// Remainder; traps on division by zero.
    @inlinable
    public static func % (lhs: UInt256, rhs: UInt256) -> UInt256 {
        lhs.quotientAndRemainder(dividingBy: rhs).remainder
    }

    @inlinable
    public static func /= (lhs: inout UInt256, rhs: UInt256) {
        lhs = lhs / rhs
    }

    @inlinable
    public static func %= (lhs: inout UInt256, rhs: UInt256) {
        lhs = lhs % rhs
    }

    /// Divides the 512-bit value `dividend` by `self`; traps if `self` is zero or the
    /// quotient does not fit in 256 bits (that is, unless `dividend.high < self`).
    ///
    /// The same paths as `quotientAndRemainder(dividingBy:)`, none of which allocates.
    public func dividingFullWidth(_ dividend: (high: UInt256, low: UInt256)) -> (
        quotient: UInt256, remainder: UInt256
    ) {
        precondition(!isZero, "UInt256 division by zero")
        precondition(dividend.high < self, "UInt256 full-width quotient overflow")
        if dividend.high.isZero {
            return dividend.low.quotientAndRemainder(dividingBy: self)
        }
        if high == 0 {
            // dividend.high < self < 2^128: the dividend is three 128-bit words, the top one
            // already below the divisor.
            return UInt256.divide(dividend.high.low, dividend.low, byWord: low)
        }
        return UInt256.longDivision(dividend.high, dividend.low, by: self)
    }

    /// `(top · 2^256 + value) / divisor` and its remainder, for `top < divisor < 2^128` (so
    /// the quotient fits in 256 bits).
    ///
    /// RAY is recognised by comparing with a constant and divided by multiplications
    /// (`divideByRay`); other divisors take two wide 256/128-bit divisions, the first
    /// skipped when there is no top word and the high word is already below the divisor.
    @inlinable
    static func divide(_ top: UInt128, _ value: UInt256, byWord divisor: UInt128) -> (
        quotient: UInt256, remainder: UInt256
    ) {
        if divisor == ReciprocalDivisor.ray.divisor {
            return divideByRay(top, value)
        }
        let (quotientHigh, partial) =
            top == 0 && value.high < divisor
            ? (0, value.high) : wideDivision(top, value.high, by: divisor)
        let (quotientLow, remainder) = wideDivision(partial, value.low, by: divisor)
        return (UInt256(high: quotientHigh, low: quotientLow), UInt256(remainder))
    }

    /// `(top · 2^256 + value) / RAY` and its remainder, for `top < RAY`.
    ///
    /// Out of line, so that callers inline only the comparison with RAY: one copy of the
    /// reciprocal division serves them all.
    @usableFromInline @inline(never)
    static func divideByRay(_ top: UInt128, _ value: UInt256) -> (
        quotient: UInt256, remainder: UInt256
    ) {
        ReciprocalDivisor.ray.divide(top, value)
    }

    /// `(high · 2^256 + low) / divisor` and its remainder, for `divisor ≥ 2^128` and
    /// `high < divisor`: Knuth's algorithm D (TAOCP vol. 2, 4.3.1) on 64-bit digits, with
    /// the partial remainder kept in a `UInt256`, so nothing is allocated.
    ///
    /// The divisor is normalised (shifted left until its top bit is set) so that each
    /// digit's estimate is at most two too large; the dividend is shifted with it, and the
    /// remainder shifted back. Complexity: four digit steps (two for a dividend below 2^256).
    @usableFromInline
    static func longDivision(_ high: UInt256, _ low: UInt256, by divisor: UInt256) -> (
        quotient: UInt256, remainder: UInt256
    ) {
        precondition(divisor.high != 0 && high < divisor, "UInt256 long division out of range")
        let shift = divisor.leadingZeroBitCount  // 0...127
        let d = divisor << shift
        let rest = low << shift
        // The normalised dividend's top 256 bits: below d because high < divisor.
        var r = shift == 0 ? high : high << shift | low >> (256 - shift)
        var q3: UInt64 = 0
        var q2: UInt64 = 0
        if high.isZero {
            // A dividend below 2^256 over a divisor of 2^128 or more: the top two digits are
            // zero, and what is left of the dividend after them is the next remainder
            // (below 2^(128 + shift) ≤ 2^255 ≤ d). r < 2^shift here, so r.high is zero.
            r = UInt256(high: r.low, low: rest.high)
        } else {
            q3 = longDivisionDigit(&r, UInt64(truncatingIfNeeded: rest.high &>> 64), by: d)
            q2 = longDivisionDigit(&r, UInt64(truncatingIfNeeded: rest.high), by: d)
        }
        let q1 = longDivisionDigit(&r, UInt64(truncatingIfNeeded: rest.low &>> 64), by: d)
        let q0 = longDivisionDigit(&r, UInt64(truncatingIfNeeded: rest.low), by: d)
        return (
            UInt256(
                high: UInt128(q3) &<< 64 | UInt128(q2), low: UInt128(q1) &<< 64 | UInt128(q0)),
            r >> shift
        )
    }

    /// One step of algorithm D: the digit `(r · 2^64 + next) / d` for a normalised `d` (top
    /// bit set) and `r < d`, so the digit fits in 64 bits; `r` becomes the remainder.
    static func longDivisionDigit(_ r: inout UInt256, _ next: UInt64, by d: UInt256) -> UInt64 {
        let dTop = UInt64(truncatingIfNeeded: d.high &>> 64)
        let dNext = UInt64(truncatingIfNeeded: d.high)
        let rTop = UInt64(truncatingIfNeeded: r.high &>> 64)
        let rNext = UInt64(truncatingIfNeeded: r.high)
        let rThird = UInt64(truncatingIfNeeded: r.low &>> 64)
        // D3: estimate the digit from the numerator's top two limbs and the divisor's top
        // limb. r < d gives rTop ≤ dTop; when equal the estimate is 2^64 − 1 (the largest
        // digit), with the partial remainder rTop · 2^64 + rNext − (2^64 − 1) · dTop.
        var estimate: UInt64
        var estimateRemainder: UInt64
        var remainderOverflow: Bool
        if rTop >= dTop {
            estimate = .max
            (estimateRemainder, remainderOverflow) = rNext.addingReportingOverflow(dTop)
        } else {
            (estimate, estimateRemainder) = dTop.dividingFullWidth((rTop, rNext))
            remainderOverflow = false
        }
        // Then correct it with the next limb: this removes every estimate two too large
        // and most one too large (TAOCP 4.3.1, step D3); at most two corrections.
        while !remainderOverflow {
            let product = estimate.multipliedFullWidth(by: dNext)
            guard
                product.high > estimateRemainder
                    || (product.high == estimateRemainder && product.low > rThird)
            else { break }
            estimate &-= 1
            (estimateRemainder, remainderOverflow) = estimateRemainder.addingReportingOverflow(
                dTop)
        }
        // D4: subtract estimate · d (320 bits) from the numerator r · 2^64 + next.
        let (productTop, product) = multipliedByDigit(d, estimate)
        let numerator = UInt256(
            high: r.high &<< 64 | r.low &>> 64, low: r.low &<< 64 | UInt128(next))
        let (difference, borrow) = numerator.subtractingReportingOverflow(product)
        if UInt128(rTop) < UInt128(productTop) &+ (borrow ? 1 : 0) {
            // D6: the estimate was one too large. The true difference is in [−d, 0), so
            // adding d back wraps to the remainder in the low 256 bits.
            estimate &-= 1
            r = difference &+ d
        } else {
            r = difference
        }
        return estimate
    }

    /// `value · digit` as 320 bits: the top limb and the low 256 bits.
    static func multipliedByDigit(_ value: UInt256, _ digit: UInt64) -> (
        top: UInt64, low: UInt256
    ) {
        let p0 = digit.multipliedFullWidth(by: UInt64(truncatingIfNeeded: value.low))
        let p1 = digit.multipliedFullWidth(by: UInt64(truncatingIfNeeded: value.low &>> 64))
        let p2 = digit.multipliedFullWidth(by: UInt64(truncatingIfNeeded: value.high))
        let p3 = digit.multipliedFullWidth(by: UInt64(truncatingIfNeeded: value.high &>> 64))
        // Each column is below 2^65: a low half, the high half of the column below, a carry.
        let column1 = UInt128(p1.low) &+ UInt128(p0.high)
        let column2 = UInt128(p2.low) &+ UInt128(p1.high) &+ (column1 &>> 64)
        let column3 = UInt128(p3.low) &+ UInt128(p2.high) &+ (column2 &>> 64)
        let top = p3.high &+ UInt64(truncatingIfNeeded: column3 &>> 64)
        return (
            top,
            UInt256(
                high: column3 &<< 64 | (column2 & UInt128(UInt64.max)),
                low: column1 &<< 64 | UInt128(p0.low))
        )
    }
}

// MARK: - Multiply then divide at full width

extension UInt256 {
    /// `⌊a · b / denominator⌋` computed with a 512-bit intermediate, so `a · b` may exceed
    /// 2^256 as long as the quotient fits (Uniswap's FullMath, Solmate's `mulDivDown`).
    ///
    /// Traps if `denominator` is zero or the quotient overflows 256 bits.
    @inlinable
    public static func mulDiv(_ a: UInt256, _ b: UInt256, _ denominator: UInt256) -> UInt256 {
        let (productHigh, productLow) = a.multipliedFullWidth(by: b)
        if productHigh.isZero {
            return productLow / denominator
        }
        return denominator.dividingFullWidth((productHigh, productLow)).quotient
    }

    /// `⌈a · b / denominator⌉` with a 512-bit intermediate; traps if `denominator` is zero
    /// or the result overflows 256 bits.
    @inlinable
    public static func mulDivUp(_ a: UInt256, _ b: UInt256, _ denominator: UInt256) -> UInt256 {
        let (productHigh, productLow) = a.multipliedFullWidth(by: b)
        let (quotient, remainder) =
            productHigh.isZero
            ? productLow.quotientAndRemainder(dividingBy: denominator)
            : denominator.dividingFullWidth((productHigh, productLow))
        return remainder.isZero ? quotient : quotient + .one
    }
}

// MARK: - Bits

extension UInt256 {
    /// Shifts left by `amount` bits (0 or more); bits shifted past 2^256 are lost.
    @inlinable
    public static func << (lhs: UInt256, amount: Int) -> UInt256 {
        precondition(amount >= 0, "negative shift")
        if amount == 0 { return lhs }
        if amount >= 256 { return .zero }
        if amount >= 128 { return UInt256(high: lhs.low << (amount - 128), low: 0) }
        return UInt256(
            high: lhs.high << amount | lhs.low >> (128 - amount), low: lhs.low << amount)
    }

    /// Shifts right by `amount` bits (0 or more), rounding toward zero.
    @inlinable
    public static func >> (lhs: UInt256, amount: Int) -> UInt256 {
        precondition(amount >= 0, "negative shift")
        if amount == 0 { return lhs }
        if amount >= 256 { return .zero }
        if amount >= 128 { return UInt256(high: 0, low: lhs.high >> (amount - 128)) }
        return UInt256(
            high: lhs.high >> amount, low: lhs.low >> amount | lhs.high << (128 - amount))
    }

    @inlinable
    public static func <<= (lhs: inout UInt256, amount: Int) {
        lhs = lhs << amount
    }

    @inlinable
    public static func >>= (lhs: inout UInt256, amount: Int) {
        lhs = lhs >> amount
    }

    @inlinable
    public static func & (lhs: UInt256, rhs: UInt256) -> UInt256 {
        UInt256(high: lhs.high & rhs.high, low: lhs.low & rhs.low)
    }

    @inlinable
    public static func | (lhs: UInt256, rhs: UInt256) -> UInt256 {
        UInt256(high: lhs.high | rhs.high, low: lhs.low | rhs.low)
    }

    @inlinable
    public static func ^ (lhs: UInt256, rhs: UInt256) -> UInt256 {
        UInt256(high: lhs.high ^ rhs.high, low: lhs.low ^ rhs.low)
    }

    @inlinable
    public static prefix func ~ (value: UInt256) -> UInt256 {
        UInt256(high: ~value.high, low: ~value.low)
    }
}

// MARK: - Square root

extension UInt256 {
    /// `⌊√self⌋`, by Newton's method (Uniswap v2 uses it for the first mint's liquidity).
    ///
    /// The iteration starts above the root, at 2^⌈bits/2⌉, and decreases monotonically to
    /// the floor of the root. Complexity: O(log bits) divisions.
    public func squareRoot() -> UInt256 {
        if self < UInt256(2 as UInt64) { return self }
        var estimate = UInt256.one << ((bitLength + 1) / 2)
        var next = (estimate + self / estimate) >> 1
        while next < estimate {
            estimate = next
            next = (estimate + self / estimate) >> 1
        }
        return estimate
    }
}

// MARK: - Division by a constant

/// A constant divisor `normalized · 2^shift` below 2^128, with a 64-bit `normalized` whose
/// top bit is set, and its reciprocal `⌊(2^128 − 1) / normalized⌋ − 2^64`: what dividing
/// by it with multiplications needs (Möller and Granlund, "Improved division by invariant
/// integers", IEEE Transactions on Computers 60(2), 2011, algorithm 4).
///
/// Why: RAY is the divisor of almost every dss product, and 10^27 = (2 · 5^27) · 2^26 has
/// this shape. Each 64-bit quotient digit then costs two multiplications and a few
/// additions, where a wide division calls the library's 128/64-bit division (a `div`
/// instruction of tens of cycles) once per digit, after normalising a 128-bit divisor.
///
/// Dividing `x` by `normalized · 2^shift` is dividing `⌊x / 2^shift⌋` by `normalized`
/// (`⌊⌊x / 2^k⌋ / m⌋ = ⌊x / (2^k · m)⌋` for naturals); the bits shifted out return in the
/// remainder. The constants are literals, so that the compiler folds them and the shifts
/// by them; `UInt256Tests` recomputes them.
@usableFromInline
@frozen
struct ReciprocalDivisor {
    /// The divisor, `normalized · 2^shift`.
    @usableFromInline let divisor: UInt128
    /// The divisor's odd part times a power of two that sets its top bit.
    @usableFromInline let normalized: UInt64
    /// `⌊(2^128 − 1) / normalized⌋ − 2^64`.
    @usableFromInline let reciprocal: UInt64
    /// In `1..<64`.
    @usableFromInline let shift: UInt64

    @inlinable
    init(divisor: UInt128, normalized: UInt64, reciprocal: UInt64, shift: UInt64) {
        self.divisor = divisor
        self.normalized = normalized
        self.reciprocal = reciprocal
        self.shift = shift
    }

    /// RAY = 10^27 = (2 · 5^27) · 2^26.
    @inlinable
    static var ray: ReciprocalDivisor {
        ReciprocalDivisor(
            divisor: 0x33B_2E3C_9FD0_803C_E800_0000, normalized: 0xCECB_8F27_F420_0F3A,
            reciprocal: 0x3CE9_A36F_23C0_FC90, shift: 26)
    }

    /// `(top · 2^256 + value) / divisor` and its remainder, for `top < divisor`.
    ///
    /// Short division of `⌊(top · 2^256 + value) / 2^shift⌋` by `normalized`, one digit
    /// per limb from the top; its first partial remainder `⌊top / 2^shift⌋` is below
    /// `normalized` because `top < divisor`, so the quotient fits in four digits.
    @inlinable @inline(__always)
    func divide(_ top: UInt128, _ value: UInt256) -> (quotient: UInt256, remainder: UInt256) {
        let u0 = UInt64(truncatingIfNeeded: value.low)
        let u1 = UInt64(truncatingIfNeeded: value.low &>> 64)
        let u2 = UInt64(truncatingIfNeeded: value.high)
        let u3 = UInt64(truncatingIfNeeded: value.high &>> 64)
        // `&<< (64 &- shift)` is a true shift because shift is in 1..<64.
        var r = UInt64(truncatingIfNeeded: top &>> shift)
        let n3 = u3 &>> shift | UInt64(truncatingIfNeeded: top) &<< (64 &- shift)
        let n2 = u2 &>> shift | u3 &<< (64 &- shift)
        let n1 = u1 &>> shift | u2 &<< (64 &- shift)
        let n0 = u0 &>> shift | u1 &<< (64 &- shift)
        // The top limbs of most dividends (products below 2^192) are zero digits.
        var q3: UInt64 = 0
        if r != 0 || n3 >= normalized {
            q3 = digit(n3, &r)
        } else {
            r = n3
        }
        var q2: UInt64 = 0
        if r != 0 || n2 >= normalized {
            q2 = digit(n2, &r)
        } else {
            r = n2
        }
        let q1 = digit(n1, &r)
        let q0 = digit(n0, &r)
        // r < normalized, so r · 2^shift < divisor < 2^128.
        let remainder = UInt128(r) &<< shift | UInt128(u0 & ~(UInt64.max &<< shift))
        return (
            UInt256(
                high: UInt128(q3) &<< 64 | UInt128(q2), low: UInt128(q1) &<< 64 | UInt128(q0)),
            UInt256(remainder)
        )
    }

    /// One digit: `(r · 2^64 + limb) / normalized` for `r < normalized`, leaving the
    /// remainder in `r` (Möller and Granlund's algorithm 4). The estimate from the
    /// reciprocal is exact, one too large (the first correction, a select) or, rarely,
    /// one too small (the second).
    @inlinable @inline(__always)
    func digit(_ limb: UInt64, _ r: inout UInt64) -> UInt64 {
        let product = reciprocal.multipliedFullWidth(by: r)
        let (low, carry) = product.low.addingReportingOverflow(limb)
        var quotient = product.high &+ r &+ 1 &+ (carry ? 1 : 0)
        var remainder = limb &- quotient &* normalized
        if remainder > low {
            quotient &-= 1
            remainder &+= normalized
        }
        if remainder >= normalized {
            quotient &+= 1
            remainder &-= normalized
        }
        r = remainder
        return quotient
    }
}
