import CascadeCore

/// Uniswap v2's pricing formulas (v2-periphery `UniswapV2Library`), as exact integer math.
///
/// The fee is 0.3%, taken on the input: 997/1000 of `amountIn` trades against the reserves.
/// Each function rounds in the pool's favour, as the Solidity does: `getAmountOut` rounds
/// down and `getAmountIn` rounds down and adds one, so a trader never gets more than the
/// invariant allows. Reverts carry the library's own reason strings.
public enum UniswapV2Library {
    /// The fee kept by the pool, in basis points (0.3%).
    public static let feeBps: UInt256 = 30

    /// The most `reserveOut` a trader gets for `amountIn` of the other token:
    /// `⌊amountIn·997·reserveOut / (reserveIn·1000 + amountIn·997)⌋`.
    public static func getAmountOut(
        amountIn: UInt256, reserveIn: UInt256, reserveOut: UInt256
    ) throws(Revert) -> UInt256 {
        guard !amountIn.isZero else {
            throw Revert("UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT")
        }
        guard !reserveIn.isZero, !reserveOut.isZero else {
            throw Revert("UniswapV2Library: INSUFFICIENT_LIQUIDITY")
        }
        let amountInWithFee = try checkedMultiply(amountIn, 997)
        let numerator = try checkedMultiply(amountInWithFee, reserveOut)
        let denominator = try checkedAdd(try checkedMultiply(reserveIn, 1000), amountInWithFee)
        return numerator / denominator
    }

    /// The least input that buys `amountOut` of the other token:
    /// `⌊reserveIn·amountOut·1000 / ((reserveOut − amountOut)·997)⌋ + 1`.
    public static func getAmountIn(
        amountOut: UInt256, reserveIn: UInt256, reserveOut: UInt256
    ) throws(Revert) -> UInt256 {
        guard !amountOut.isZero else {
            throw Revert("UniswapV2Library: INSUFFICIENT_OUTPUT_AMOUNT")
        }
        guard !reserveIn.isZero, !reserveOut.isZero else {
            throw Revert("UniswapV2Library: INSUFFICIENT_LIQUIDITY")
        }
        // Solidity's SafeMath reverts when amountOut ≥ reserveOut (subtraction underflow
        // or division by zero); the pool cannot pay out its whole reserve.
        guard amountOut < reserveOut else { throw Revert("ds-math-sub-underflow") }
        let numerator = try checkedMultiply(try checkedMultiply(reserveIn, amountOut), 1000)
        let denominator = try checkedMultiply(reserveOut - amountOut, 997)
        return numerator / denominator + .one
    }

    /// The amount of B worth `amountA` at the pool's current ratio, without fee or price
    /// impact: `⌊amountA·reserveB / reserveA⌋` (used to add liquidity at the pool's ratio).
    public static func quote(
        amountA: UInt256, reserveA: UInt256, reserveB: UInt256
    ) throws(Revert) -> UInt256 {
        guard !amountA.isZero else { throw Revert("UniswapV2Library: INSUFFICIENT_AMOUNT") }
        guard !reserveA.isZero, !reserveB.isZero else {
            throw Revert("UniswapV2Library: INSUFFICIENT_LIQUIDITY")
        }
        return try checkedMultiply(amountA, reserveB) / reserveA
    }

    static func checkedMultiply(_ a: UInt256, _ b: UInt256) throws(Revert) -> UInt256 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw Revert("ds-math-mul-overflow") }
        return product
    }

    static func checkedAdd(_ a: UInt256, _ b: UInt256) throws(Revert) -> UInt256 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw Revert("ds-math-add-overflow") }
        return sum
    }
}
