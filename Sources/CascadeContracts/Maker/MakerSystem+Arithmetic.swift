import CascadeCore

// dss's own arithmetic (`add`, `sub`, `mul`, `wmul`, `rmul`, `rdiv`) reverts on overflow
// under Solidity; `UInt256`'s operators trap instead. These helpers turn an overflow or an
// underflow into a `Revert`, so a huge input from an agent fails its transaction as on
// chain instead of stopping the simulation. All divisions round down, as dss's do.

extension MakerSystem {
    // The core's constants (computed, so each use is a constant, not a checked accessor).

    /// One WAD (1e18): the unit of token amounts (`ink`, `art`, `lot`) and of `chop`, `beg`.
    @inlinable public static var wad: UInt256 { .wad }
    /// One RAY (1e27): the unit of rates and prices (`rate`, `spot`, `par`, `mat`, `top`).
    @inlinable public static var ray: UInt256 { .ray }
    /// One RAD (1e45): the unit of internal DAI (`dai`, `sin`, `tab`, `line`, `dust`).
    @inlinable public static var rad: UInt256 { .rad }
    /// 1e9: converts a WAD price to a RAY (dss's `BLN`).
    static var billion: UInt256 { UInt256(high: 0, low: 1_000_000_000) }
}

/// `a + b`, reverting on overflow (dss `add`).
@inline(__always)
func addChecked(_ a: UInt256, _ b: UInt256) throws(Revert) -> UInt256 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    guard !overflow else { throw Revert("Maker/overflow") }
    return sum
}

/// `a - b`, reverting on underflow (dss `sub`).
@inline(__always)
func subChecked(_ a: UInt256, _ b: UInt256) throws(Revert) -> UInt256 {
    let (difference, overflow) = a.subtractingReportingOverflow(b)
    guard !overflow else { throw Revert("Maker/underflow") }
    return difference
}

/// `a * b`, reverting on overflow (dss `mul`).
@inline(__always)
func mulChecked(_ a: UInt256, _ b: UInt256) throws(Revert) -> UInt256 {
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    guard !overflow else { throw Revert("Maker/overflow") }
    return product
}

/// `x * y / WAD`, rounded down, reverting if `x * y` overflows (dss `wmul`).
@inline(__always)
func wmulChecked(_ x: UInt256, _ y: UInt256) throws(Revert) -> UInt256 {
    try mulChecked(x, y) / MakerSystem.wad
}

/// `x * y / RAY`, rounded down, reverting if `x * y` overflows (dss `rmul`).
@inline(__always)
func rmulChecked(_ x: UInt256, _ y: UInt256) throws(Revert) -> UInt256 {
    try mulChecked(x, y) / MakerSystem.ray
}

/// `x * RAY / y`, rounded down, reverting on overflow or a zero divisor (dss `rdiv`).
@inline(__always)
func rdivChecked(_ x: UInt256, _ y: UInt256) throws(Revert) -> UInt256 {
    guard y != .zero else { throw Revert("Maker/division-by-zero") }
    return try mulChecked(x, MakerSystem.ray) / y
}
