/// A signed 256-bit integer in two's complement, for exact running sums of signed 128-bit
/// products (the perpetuals exchange's margin coverage: `Σ size × funding snapshot` over a
/// million accounts passes `Int128`).
///
/// **Why its own type.** Contract state is unsigned (`UInt256`) or fits `Int128`; only
/// off-chain sums of signed products need more. Addition and subtraction wrap modulo 2^256
/// (`&+`, `&-` on the bits), which is exact whenever the true value lies in
/// `−2^255 ..< 2^255`: the caller states that bound, as `PerpAccountIndex` does. Products
/// are checked instead (`multiplied(by:below:)`), because one product of two sums can pass
/// any bound.
///
/// ```swift
/// var sum = WideSignedInteger.zero
/// sum += .product(-3, Int128.max)   // exact: −3·(2^127 − 1)
/// sum.isNegative                    // true
/// ```
///
/// - Complexity: addition O(1) (two 128-bit adds); a checked product at most four 128×128-bit
///   products.
public struct WideSignedInteger: Hashable, Sendable {
    /// The two's-complement bits.
    public private(set) var bits: UInt256

    public static let zero = WideSignedInteger(bits: .zero)

    init(bits: UInt256) {
        self.bits = bits
    }

    /// The value of `value`, sign-extended.
    public init(_ value: Int128) {
        bits = UInt256(high: value < 0 ? .max : 0, low: UInt128(bitPattern: value))
    }

    /// `magnitude` negated when `negative`; `magnitude` must be below 2^255.
    public init(negative: Bool, magnitude: UInt256) {
        precondition(magnitude.high >> 127 == 0, "WideSignedInteger magnitude out of range")
        bits = negative ? (~magnitude) &+ .one : magnitude
    }

    /// `a × b`, exactly (a product of two `Int128` always fits).
    public static func product(_ a: Int128, _ b: Int128) -> WideSignedInteger {
        let (high, low) = a.multipliedFullWidth(by: b)
        return WideSignedInteger(bits: UInt256(high: UInt128(bitPattern: high), low: low))
    }

    /// Whether the value is below zero.
    public var isNegative: Bool { bits.high >> 127 == 1 }

    /// `|self|` (exact: `−2^255` has magnitude 2^255, which `UInt256` holds).
    public var magnitude: UInt256 { isNegative ? (~bits) &+ .one : bits }

    /// `self × other` when its magnitude is below `limit` (and 2^255), else nil: never wraps.
    public func multiplied(by other: WideSignedInteger, below limit: UInt256)
        -> WideSignedInteger?
    {
        let (product, overflow) = magnitude.multipliedReportingOverflow(by: other.magnitude)
        guard !overflow, product < limit, product.high >> 127 == 0 else { return nil }
        return WideSignedInteger(negative: isNegative != other.isNegative, magnitude: product)
    }

    /// The sum modulo 2^256: exact while the true sum lies in `−2^255 ..< 2^255`.
    public static func + (lhs: WideSignedInteger, rhs: WideSignedInteger) -> WideSignedInteger {
        WideSignedInteger(bits: lhs.bits &+ rhs.bits)
    }

    /// The difference modulo 2^256: exact while the true difference lies in range.
    public static func - (lhs: WideSignedInteger, rhs: WideSignedInteger) -> WideSignedInteger {
        WideSignedInteger(bits: lhs.bits &- rhs.bits)
    }

    public static func += (lhs: inout WideSignedInteger, rhs: WideSignedInteger) {
        lhs = lhs + rhs
    }

    public static func -= (lhs: inout WideSignedInteger, rhs: WideSignedInteger) {
        lhs = lhs - rhs
    }
}
