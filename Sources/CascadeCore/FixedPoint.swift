// Fixed-point arithmetic as the real contracts do it: WAD (1e18), RAY (1e27) and RAD (1e45)
// scaled integers with explicit rounding. Two families, because the protocols differ:
//
// - Maker dss (`wmul`, `rmul`, `wdiv`, `rdiv`, `rpow`): every function rounds DOWN except
//   `rpow`, which rounds half up at each step exactly as dss's assembly does.
// - Aave (`wadMul`, `wadDiv`, `rayMul`, `rayDiv`, `percentMul`, `percentDiv`): every
//   function rounds HALF UP (adds half the divisor before dividing).
//
// All products are taken at full 512-bit width, so a result is exact whenever it fits in
// 256 bits. The Solidity originals instead revert when the intermediate product `x * y`
// overflows 256 bits; for every input on which they succeed, the results here are equal.
// A result that does not fit in 256 bits, or a division by zero, traps (Solidity reverts):
// contracts validate their inputs first.

extension UInt256 {
    // Computed from their words, not stored (see `UInt256.zero`): each use is a constant.

    /// 1e18: one whole unit of an 18-decimal token, and dss's WAD.
    @inlinable public static var wad: UInt256 {
        UInt256(high: 0, low: 1_000_000_000_000_000_000)
    }
    /// 1e27: dss's RAY, the scale of rates and of `spot`.
    @inlinable public static var ray: UInt256 {
        UInt256(high: 0, low: 1_000_000_000_000_000_000_000_000_000)
    }
    /// 1e45 = WAD·RAY: dss's RAD, the scale of DAI amounts inside the Vat
    /// (`0x2cd76f · 2¹²⁸ + 0xe086…0000`).
    @inlinable public static var rad: UInt256 {
        UInt256(high: 0x2c_d76f, low: 0xe086_b93c_e2f7_68a0_0b22_a000_0000_0000)
    }
    /// 10_000: a percentage of 100% in basis points, as Aave's `PercentageMath`.
    @inlinable public static var percentageFactor: UInt256 { UInt256(high: 0, low: 10_000) }

    /// `⌊(a · b + ⌊denominator/2⌋) / denominator⌋`: the quotient rounded half up, with a
    /// 512-bit intermediate. Traps on a zero denominator or a result above 2^256 − 1.
    @inlinable
    public static func mulDivHalfUp(
        _ a: UInt256, _ b: UInt256, _ denominator: UInt256
    ) -> UInt256 {
        precondition(!denominator.isZero, "UInt256 division by zero")
        var (productHigh, productLow) = a.multipliedFullWidth(by: b)
        let (sum, carry) = productLow.addingReportingOverflow(denominator >> 1)
        productLow = sum
        if carry { productHigh = productHigh + .one }
        if productHigh.isZero { return productLow / denominator }
        return denominator.dividingFullWidth((productHigh, productLow)).quotient
    }
}

// MARK: - dss (Maker): round down

/// `x · y / WAD`, rounded down (dss `wmul`). For WAD-scaled values: 1.5 WAD × 2 WAD = 3 WAD.
@inlinable
public func wmul(_ x: UInt256, _ y: UInt256) -> UInt256 {
    UInt256.mulDiv(x, y, .wad)
}

/// `x · y / RAY`, rounded down (dss `rmul`); scales a value by a RAY rate or price.
@inlinable
public func rmul(_ x: UInt256, _ y: UInt256) -> UInt256 {
    UInt256.mulDiv(x, y, .ray)
}

/// `x · WAD / y`, rounded down (dss `wdiv`); traps if `y` is zero.
@inlinable
public func wdiv(_ x: UInt256, _ y: UInt256) -> UInt256 {
    UInt256.mulDiv(x, .wad, y)
}

/// `x · RAY / y`, rounded down (dss `rdiv`), e.g. `spot = rdiv(price, mat)`; traps if `y`
/// is zero.
@inlinable
public func rdiv(_ x: UInt256, _ y: UInt256) -> UInt256 {
    UInt256.mulDiv(x, .ray, y)
}

/// `x · y / WAD`, rounded up: for amounts owed to a protocol, which rounds in its favour.
@inlinable
public func wmulUp(_ x: UInt256, _ y: UInt256) -> UInt256 {
    UInt256.mulDivUp(x, y, .wad)
}

/// `x · y / RAY`, rounded up: for amounts owed to a protocol, which rounds in its favour.
@inlinable
public func rmulUp(_ x: UInt256, _ y: UInt256) -> UInt256 {
    UInt256.mulDivUp(x, y, .ray)
}

/// `x^n` in fixed point of scale `base` (dss `rpow`, the assembly version of dss PR #78
/// used by `abaci.sol` and `jug.sol`): `rpow(cut, 60, RAY)` is `cut` compounded 60 times.
///
/// Square-and-multiply over the bits of `n`, rounding **half up** after every squaring
/// and every multiplication (`(a·b + base/2) / base`). The accumulator starts at `x` if
/// `n` is odd and at `base` otherwise. Conventions as dss: `x^0 = base` (so `0^0 = base`)
/// and `0^n = 0` for `n > 0`. Floating-point exponentiation would differ in the low digits,
/// which is why the upstream test vectors need this exact sequence of roundings.
///
/// Traps where dss reverts: when `x ≥ 2^128` at a squaring step, or when an intermediate
/// product (plus half) overflows 256 bits. Complexity: O(log n) multiplications.
public func rpow(_ x: UInt256, _ n: UInt64, _ base: UInt256) -> UInt256 {
    if n == 0 { return base }
    if x.isZero { return .zero }
    let half = base >> 1
    var z = n % 2 == 0 ? base : x
    var x = x
    var n = n / 2
    while n > 0 {
        precondition(x.high == 0, "rpow: base of the square at or above 2^128")
        let (square, overflow) = x.multipliedReportingOverflow(by: x)
        let (squareRounded, overflowRound) = square.addingReportingOverflow(half)
        precondition(!overflow && !overflowRound, "rpow: square overflows")
        x = squareRounded / base
        if n % 2 == 1 {
            let (product, overflowProduct) = z.multipliedReportingOverflow(by: x)
            let (productRounded, overflowSum) = product.addingReportingOverflow(half)
            precondition(!overflowProduct && !overflowSum, "rpow: product overflows")
            z = productRounded / base
        }
        n /= 2
    }
    return z
}

/// `rpow` with a 256-bit exponent, as dss declares it; exponents above `UInt64.max` only
/// make sense for `x` of 0 or `base`, and trap otherwise.
public func rpow(_ x: UInt256, _ n: UInt256, _ base: UInt256) -> UInt256 {
    if let small = n.uint64Value { return rpow(x, small, base) }
    if x.isZero || x == base { return x }
    preconditionFailure("rpow: exponent above 2^64 overflows for this base")
}

// MARK: - Aave: round half up

/// `a · b / WAD`, rounded half up (Aave `WadRayMath.wadMul`).
@inlinable
public func wadMul(_ a: UInt256, _ b: UInt256) -> UInt256 {
    UInt256.mulDivHalfUp(a, b, .wad)
}

/// `a · WAD / b`, rounded half up (Aave `WadRayMath.wadDiv`), e.g. the health factor;
/// traps if `b` is zero.
@inlinable
public func wadDiv(_ a: UInt256, _ b: UInt256) -> UInt256 {
    UInt256.mulDivHalfUp(a, .wad, b)
}

/// `a · b / RAY`, rounded half up (Aave `WadRayMath.rayMul`), e.g. a balance times an index.
@inlinable
public func rayMul(_ a: UInt256, _ b: UInt256) -> UInt256 {
    UInt256.mulDivHalfUp(a, b, .ray)
}

/// `a · RAY / b`, rounded half up (Aave `WadRayMath.rayDiv`); traps if `b` is zero.
@inlinable
public func rayDiv(_ a: UInt256, _ b: UInt256) -> UInt256 {
    UInt256.mulDivHalfUp(a, .ray, b)
}

/// `value · percentage / 10_000`, rounded half up (Aave `PercentageMath.percentMul`);
/// `percentage` is in basis points (8250 = 82.5%).
@inlinable
public func percentMul(_ value: UInt256, _ percentage: UInt256) -> UInt256 {
    UInt256.mulDivHalfUp(value, percentage, .percentageFactor)
}

/// `value · 10_000 / percentage`, rounded half up (Aave `PercentageMath.percentDiv`);
/// `percentage` is in basis points and must be non-zero.
@inlinable
public func percentDiv(_ value: UInt256, _ percentage: UInt256) -> UInt256 {
    UInt256.mulDivHalfUp(value, .percentageFactor, percentage)
}
