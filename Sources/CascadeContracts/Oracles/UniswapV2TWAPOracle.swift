import CascadeCore

/// A fixed-window time-weighted average price over a Uniswap v2 pair, as v2-periphery's
/// `ExampleOracleSimple`.
///
/// The pair's accumulators grow by price × seconds; the difference between two readings
/// divided by the seconds between them is the average price over that window, which a
/// single-block trade can hardly move (a manipulator must hold the price for the whole
/// window). `update` takes a new reading at most once per `periodSeconds` (24 h in the
/// example) and reverts `"ExampleOracleSimple: PERIOD_NOT_ELAPSED"` before; `consult`
/// converts an amount at the last computed average.
///
/// Averages are UQ112x112 (`price0Average` = token1 per token0 · 2^112). The oracle reads
/// the pair's state as a view call would: the chain passes the pair's current state to
/// `update`, since contracts here hold no references to one another.
public struct UniswapV2TWAPOracle: Hashable, Sendable {
    public let address: Address
    public let pool: Address
    public let token0: TokenID
    public let token1: TokenID
    public let periodSeconds: UInt32
    public private(set) var price0CumulativeLast: UInt256
    public private(set) var price1CumulativeLast: UInt256
    public private(set) var blockTimestampLast: UInt32
    /// token1 per token0, UQ112x112 (zero until the first update).
    public private(set) var price0Average: UInt256 = .zero
    /// token0 per token1, UQ112x112 (zero until the first update).
    public private(set) var price1Average: UInt256 = .zero
    public private(set) var updates: UInt64 = 0

    /// Starts the window at the pair's current state (the constructor of the example).
    /// Reverts `"ExampleOracleSimple: NO_RESERVES"` for an empty pair.
    public init(address: Address, pair: UniswapV2Pair, periodSeconds: UInt32 = 86_400)
        throws(Revert)
    {
        guard !pair.reserve0.isZero, !pair.reserve1.isZero else {
            throw Revert("ExampleOracleSimple: NO_RESERVES")
        }
        self.address = address
        pool = pair.address
        token0 = pair.token0
        token1 = pair.token1
        self.periodSeconds = periodSeconds
        price0CumulativeLast = pair.price0CumulativeLast
        price1CumulativeLast = pair.price1CumulativeLast
        blockTimestampLast = pair.blockTimestampLast
    }

    /// Closes the window at `block`: averages = accumulator growth / elapsed seconds.
    /// The returned update carries WAD prices of token0 in token1 (average and spot).
    ///
    /// `elapsed` and the accumulator differences wrap (uint32 and uint256), as on chain, so
    /// only windows shorter than 2^32 seconds are meaningful. The averages are truncated to
    /// 224 bits as the example's `uint224(...)` cast does.
    public mutating func update(pair: UniswapV2Pair, block: BlockContext) throws(Revert)
        -> OracleUpdate
    {
        precondition(pair.address == pool, "TWAP oracle read a different pair")
        let (price0Cumulative, price1Cumulative, blockTimestamp) =
            pair.currentCumulativePrices(timestamp: block.timestamp)
        let elapsed = blockTimestamp &- blockTimestampLast
        guard elapsed >= periodSeconds else {
            throw Revert("ExampleOracleSimple: PERIOD_NOT_ELAPSED")
        }
        let mask224 = UInt256.max >> 32
        let seconds = UInt256(elapsed)
        price0Average = ((price0Cumulative &- price0CumulativeLast) / seconds) & mask224
        price1Average = ((price1Cumulative &- price1CumulativeLast) / seconds) & mask224
        price0CumulativeLast = price0Cumulative
        price1CumulativeLast = price1Cumulative
        blockTimestampLast = blockTimestamp
        updates += 1
        // The trace reports WAD prices of token0 in token1, so it reads like the other
        // oracles: the new average, and the pair's spot price at the update.
        let averageWad = UInt256.mulDiv(price0Average, .wad, .one << 112)
        let spotWad =
            pair.reserve0.isZero ? .zero : UInt256.mulDiv(pair.reserve1, .wad, pair.reserve0)
        return OracleUpdate(
            oracle: address, kind: .twap, value: averageWad, sourceValue: spotWad,
            round: updates, accepted: true)
    }

    /// The amount of the other token worth `amountIn` of `token` at the last average:
    /// `average · amountIn >> 112`, rounded down (`FixedPoint.mul(...).decode144()`).
    /// Reverts `"ExampleOracleSimple: INVALID_TOKEN"` for a token not in the pair.
    public func consult(token: TokenID, amountIn: UInt256) throws(Revert) -> UInt256 {
        let average: UInt256
        if token == token0 {
            average = price0Average
        } else if token == token1 {
            average = price1Average
        } else {
            throw Revert("ExampleOracleSimple: INVALID_TOKEN")
        }
        let (product, overflow) = average.multipliedReportingOverflow(by: amountIn)
        guard !overflow else { throw Revert("FixedPoint: MULTIPLICATION_OVERFLOW") }
        return product >> 112
    }

    /// The average price of `token` in the other token as a WAD (for anchors and charts):
    /// `consult(token, 1e18)`.
    public func averagePriceWad(of token: TokenID) throws(Revert) -> UInt256 {
        try consult(token: token, amountIn: .wad)
    }
}
