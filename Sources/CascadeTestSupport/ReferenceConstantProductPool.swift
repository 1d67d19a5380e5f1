import CascadeCore

/// A naive Uniswap v2 pool for model-based tests: the whitepaper formulas on
/// arbitrary-precision naturals, with no ledger, no accumulators and no protocol fee.
///
/// Each operation returns nil exactly when the real pair must revert, so a test can drive
/// both with the same random operations and compare outputs, reserves and LP supply.
public struct ReferenceConstantProductPool: Sendable {
    public private(set) var reserve0 = ReferenceNatural.zero
    public private(set) var reserve1 = ReferenceNatural.zero
    public private(set) var totalSupply = ReferenceNatural.zero

    private static let minimumLiquidity = ReferenceNatural(1000 as UInt64)
    private static let reserveLimit = ReferenceNatural(UInt256.one << 112)

    public init() {}

    /// Sells `amountIn` of token0 (or token1 if `zeroForOne` is false); returns the output,
    /// `⌊in·997·rOut / (rIn·1000 + in·997)⌋`, or nil if the trade must revert.
    public mutating func swapExactIn(amountIn: ReferenceNatural, zeroForOne: Bool)
        -> ReferenceNatural?
    {
        let (reserveIn, reserveOut) = zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0)
        guard !amountIn.isZero, !reserveIn.isZero, !reserveOut.isZero else { return nil }
        let withFee = amountIn * ReferenceNatural(997 as UInt64)
        let (out, _) = (withFee * reserveOut).divided(
            by: reserveIn * ReferenceNatural(1000 as UInt64) + withFee)
        let newIn = reserveIn + amountIn
        guard !out.isZero, newIn < Self.reserveLimit, let newOut = reserveOut - out else {
            return nil
        }
        if zeroForOne {
            (reserve0, reserve1) = (newIn, newOut)
        } else {
            (reserve1, reserve0) = (newIn, newOut)
        }
        return out
    }

    /// Deposits both amounts; returns the LP tokens minted, or nil if the mint must revert.
    public mutating func addLiquidity(amount0: ReferenceNatural, amount1: ReferenceNatural)
        -> ReferenceNatural?
    {
        let new0 = reserve0 + amount0
        let new1 = reserve1 + amount1
        guard new0 < Self.reserveLimit, new1 < Self.reserveLimit else { return nil }
        let liquidity: ReferenceNatural
        let firstMint = totalSupply.isZero
        if firstMint {
            guard let root = (amount0 * amount1).squareRoot() - Self.minimumLiquidity else {
                return nil
            }
            liquidity = root
        } else {
            let share0 = (amount0 * totalSupply).divided(by: reserve0).quotient
            let share1 = (amount1 * totalSupply).divided(by: reserve1).quotient
            liquidity = min(share0, share1)
        }
        guard !liquidity.isZero else { return nil }
        // The first mint locks MINIMUM_LIQUIDITY at the zero address.
        if firstMint { totalSupply = Self.minimumLiquidity }
        totalSupply = totalSupply + liquidity
        reserve0 = new0
        reserve1 = new1
        return liquidity
    }

    /// Burns `liquidity` LP tokens; returns the two amounts paid out, or nil on revert.
    public mutating func removeLiquidity(_ liquidity: ReferenceNatural) -> (
        ReferenceNatural, ReferenceNatural
    )? {
        guard !totalSupply.isZero else { return nil }
        let amount0 = (liquidity * reserve0).divided(by: totalSupply).quotient
        let amount1 = (liquidity * reserve1).divided(by: totalSupply).quotient
        guard !amount0.isZero, !amount1.isZero,
            let new0 = reserve0 - amount0, let new1 = reserve1 - amount1,
            let newSupply = totalSupply - liquidity
        else { return nil }
        reserve0 = new0
        reserve1 = new1
        totalSupply = newSupply
        return (amount0, amount1)
    }
}
