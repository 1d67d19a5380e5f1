import CascadeCore

/// One Uniswap v2 constant-product pool (v2-core `UniswapV2Pair`), with exact integer math.
///
/// The pair owns token balances in the shared `TokenLedger` under its own `address`, and
/// issues its liquidity (LP) token in the same ledger, so conservation checks cover both.
/// As on chain, tokens are sent to the pair first and a call then reads the pair's
/// balances: `swap` infers the input as `balance − (reserve − amountOut)`, `mint` takes
/// `balance − reserve` of each token as the deposit, and `burn` burns the LP tokens that
/// were sent to the pair.
///
/// Reserves are stored as `uint112` (at most 2^112 − 1, else `UniswapV2: OVERFLOW`), and
/// the price accumulators `price0CumulativeLast`/`price1CumulativeLast` are UQ112x112
/// fixed-point sums of price × seconds that wrap modulo 2^256 (only their differences mean
/// anything, see `UniswapV2TWAPOracle`). `blockTimestampLast` is the block timestamp modulo
/// 2^32, as the pair stores it.
///
/// Every mutating method validates everything before its first write, so a revert leaves
/// both the pair and the ledger exactly as they were.
public struct UniswapV2Pair: Hashable, Sendable {
    /// LP tokens locked forever at the zero address on the first mint, so the share price
    /// can never be driven to a value that makes liquidity unaffordable.
    public static let minimumLiquidity: UInt256 = 1000
    /// 2^112 − 1: the largest reserve a pair can hold.
    public static let reserveLimit: UInt256 = (UInt256.one << 112) - .one

    public let address: Address
    public let token0: TokenID
    public let token1: TokenID
    /// The pair's own ERC-20 share token.
    public let liquidityToken: TokenID
    public private(set) var reserve0: UInt256 = .zero
    public private(set) var reserve1: UInt256 = .zero
    /// `block.timestamp mod 2^32` of the last reserve update.
    public private(set) var blockTimestampLast: UInt32 = 0
    /// Σ (reserve1/reserve0 as UQ112x112) · seconds, wrapping modulo 2^256.
    public private(set) var price0CumulativeLast: UInt256 = .zero
    /// Σ (reserve0/reserve1 as UQ112x112) · seconds, wrapping modulo 2^256.
    public private(set) var price1CumulativeLast: UInt256 = .zero
    /// `reserve0 · reserve1` after the last liquidity event, while the protocol fee is on.
    public private(set) var kLast: UInt256 = .zero

    public init(address: Address, token0: TokenID, token1: TokenID, liquidityToken: TokenID) {
        precondition(token0 != token1, "UniswapV2: IDENTICAL_ADDRESSES")
        self.address = address
        self.token0 = token0
        self.token1 = token1
        self.liquidityToken = liquidityToken
    }

    /// The pair's balances of its two tokens in `ledger`.
    public func balances(in ledger: TokenLedger) -> (UInt256, UInt256) {
        (
            UInt256(ledger.balance(of: token0, address)),
            UInt256(ledger.balance(of: token1, address))
        )
    }

    // MARK: - Reserves and accumulators

    /// The pair after `_update`: new reserves from balances, accumulators advanced with the
    /// *old* reserves over the seconds since the last update (once per block at most).
    func updated(balance0: UInt256, balance1: UInt256, timestamp: UInt64) throws(Revert)
        -> UniswapV2Pair
    {
        guard balance0 <= Self.reserveLimit, balance1 <= Self.reserveLimit else {
            throw Revert("UniswapV2: OVERFLOW")
        }
        var next = self
        let blockTimestamp = UInt32(truncatingIfNeeded: timestamp)
        let elapsed = blockTimestamp &- blockTimestampLast  // wraps, as the pair intends
        if elapsed > 0 && !reserve0.isZero && !reserve1.isZero {
            let seconds = UInt256(elapsed)
            next.price0CumulativeLast &+= Self.encodedPrice(reserve1, over: reserve0) &* seconds
            next.price1CumulativeLast &+= Self.encodedPrice(reserve0, over: reserve1) &* seconds
        }
        next.reserve0 = balance0
        next.reserve1 = balance1
        next.blockTimestampLast = blockTimestamp
        return next
    }

    /// `numerator / denominator` as UQ112x112 (`UQ112x112.encode(numerator).uqdiv(...)`).
    public static func encodedPrice(_ numerator: UInt256, over denominator: UInt256)
        -> UInt256
    {
        (numerator << 112) / denominator
    }

    /// The accumulators as they would read now, extended counterfactually with the current
    /// reserves (v2-periphery `UniswapV2OracleLibrary.currentCumulativePrices`): a TWAP can
    /// be read in a block where the pair has not traded.
    public func currentCumulativePrices(timestamp: UInt64) -> (
        price0Cumulative: UInt256, price1Cumulative: UInt256, blockTimestamp: UInt32
    ) {
        let blockTimestamp = UInt32(truncatingIfNeeded: timestamp)
        var price0 = price0CumulativeLast
        var price1 = price1CumulativeLast
        if blockTimestampLast != blockTimestamp && !reserve0.isZero && !reserve1.isZero {
            let seconds = UInt256(blockTimestamp &- blockTimestampLast)
            price0 &+= Self.encodedPrice(reserve1, over: reserve0) &* seconds
            price1 &+= Self.encodedPrice(reserve0, over: reserve1) &* seconds
        }
        return (price0, price1, blockTimestamp)
    }

    // MARK: - Protocol fee

    /// LP tokens owed to `feeTo` (`_mintFee`): one sixth of the growth of √k since `kLast`,
    /// `totalSupply·(√k − √kLast) / (5·√k + √kLast)`. Zero when the fee is off.
    func protocolFeeLiquidity(totalSupply: UInt256, feeOn: Bool) -> UInt256 {
        guard feeOn, !kLast.isZero else { return .zero }
        let rootK = (reserve0 * reserve1).squareRoot()
        let rootKLast = kLast.squareRoot()
        guard rootK > rootKLast else { return .zero }
        let numerator = totalSupply * (rootK - rootKLast)
        let denominator = rootK * UInt256(5) + rootKLast
        return numerator / denominator
    }

    // MARK: - Liquidity

    /// Mints LP tokens to `to` for the tokens sent to the pair since the last update.
    ///
    /// The first mint gives `√(amount0·amount1) − 1000` and locks 1000 at the zero address;
    /// later mints give the smaller of the two deposits' shares of the pool. When `feeTo`
    /// is set the protocol fee is minted first and `kLast` is recorded.
    /// Reverts: `UniswapV2: INSUFFICIENT_LIQUIDITY_MINTED`, `UniswapV2: OVERFLOW`.
    public mutating func mint(
        to recipient: Address, feeTo: Address?, ledger: inout TokenLedger, block: BlockContext
    ) throws(Revert) -> UniswapV2Mint {
        let (balance0, balance1) = balances(in: ledger)
        guard balance0 >= reserve0, balance1 >= reserve1 else {
            throw Revert("ds-math-sub-underflow")
        }
        let amount0 = balance0 - reserve0
        let amount1 = balance1 - reserve1
        let supplyBefore = UInt256(ledger.totalSupply(of: liquidityToken))
        let fee = protocolFeeLiquidity(totalSupply: supplyBefore, feeOn: feeTo != nil)
        let totalSupply = supplyBefore + fee
        let liquidity: UInt256
        if totalSupply.isZero {
            let root = try UniswapV2Library.checkedMultiply(amount0, amount1).squareRoot()
            guard root >= Self.minimumLiquidity else { throw Revert("ds-math-sub-underflow") }
            liquidity = root - Self.minimumLiquidity
        } else {
            guard !reserve0.isZero, !reserve1.isZero else { throw Revert("division by zero") }
            let share0 = try UniswapV2Library.checkedMultiply(amount0, totalSupply) / reserve0
            let share1 = try UniswapV2Library.checkedMultiply(amount1, totalSupply) / reserve1
            liquidity = Swift.min(share0, share1)
        }
        guard !liquidity.isZero else { throw Revert("UniswapV2: INSUFFICIENT_LIQUIDITY_MINTED") }
        var next = try updated(balance0: balance0, balance1: balance1, timestamp: block.timestamp)
        // `_mintFee` clears kLast while the fee is off; with it on, kLast tracks k.
        next.kLast = feeTo != nil ? next.reserve0 * next.reserve1 : .zero

        // Validated: from here on nothing can revert.
        if let feeTo, !fee.isZero {
            ledger.mint(liquidityToken, to: feeTo, amount: fee.toUInt128())
        }
        if totalSupply.isZero {
            ledger.mint(liquidityToken, to: .zero, amount: Self.minimumLiquidity.toUInt128())
        }
        ledger.mint(liquidityToken, to: recipient, amount: liquidity.toUInt128())
        self = next
        return UniswapV2Mint(
            pool: address, amount0: amount0, amount1: amount1, liquidity: liquidity,
            to: recipient, protocolFee: fee)
    }

    /// Burns the LP tokens held by the pair and sends `to` their share of both reserves
    /// (rounded down). Reverts: `UniswapV2: INSUFFICIENT_LIQUIDITY_BURNED`.
    public mutating func burn(
        to recipient: Address, feeTo: Address?, ledger: inout TokenLedger, block: BlockContext
    ) throws(Revert) -> UniswapV2Burn {
        let (balance0, balance1) = balances(in: ledger)
        let liquidity = UInt256(ledger.balance(of: liquidityToken, address))
        let supplyBefore = UInt256(ledger.totalSupply(of: liquidityToken))
        let fee = protocolFeeLiquidity(totalSupply: supplyBefore, feeOn: feeTo != nil)
        let totalSupply = supplyBefore + fee
        guard !totalSupply.isZero else { throw Revert("UniswapV2: INSUFFICIENT_LIQUIDITY_BURNED") }
        let amount0 = try UniswapV2Library.checkedMultiply(liquidity, balance0) / totalSupply
        let amount1 = try UniswapV2Library.checkedMultiply(liquidity, balance1) / totalSupply
        guard !amount0.isZero, !amount1.isZero else {
            throw Revert("UniswapV2: INSUFFICIENT_LIQUIDITY_BURNED")
        }
        let paysItself = recipient == address
        var next = try updated(
            balance0: paysItself ? balance0 : balance0 - amount0,
            balance1: paysItself ? balance1 : balance1 - amount1,
            timestamp: block.timestamp)
        next.kLast = feeTo != nil ? next.reserve0 * next.reserve1 : .zero

        // Validated: the pair holds `liquidity` LP tokens and at least amount0/amount1.
        if let feeTo, !fee.isZero {
            ledger.mint(liquidityToken, to: feeTo, amount: fee.toUInt128())
        }
        try ledger.burn(liquidityToken, from: address, amount: liquidity.toUInt128())
        try ledger.transfer(token0, from: address, to: recipient, amount: amount0.toUInt128())
        try ledger.transfer(token1, from: address, to: recipient, amount: amount1.toUInt128())
        self = next
        return UniswapV2Burn(
            pool: address, amount0: amount0, amount1: amount1, liquidity: liquidity,
            to: recipient, protocolFee: fee)
    }

    // MARK: - Swap

    /// Sends `amount0Out`/`amount1Out` to `to`, provided the tokens already sent to the pair
    /// pay for them: with 0.3% of each input withheld, the product of the balances must
    /// not fall below `reserve0 · reserve1` (`UniswapV2: K`).
    ///
    /// Reverts: `UniswapV2: INSUFFICIENT_OUTPUT_AMOUNT`, `UniswapV2: INSUFFICIENT_LIQUIDITY`,
    /// `UniswapV2: INSUFFICIENT_INPUT_AMOUNT`, `UniswapV2: K`, `UniswapV2: OVERFLOW`.
    /// Flash-swap callbacks are not modelled: the input must be in the pair before the call.
    public mutating func swap(
        amount0Out: UInt256, amount1Out: UInt256, to recipient: Address,
        ledger: inout TokenLedger, block: BlockContext
    ) throws(Revert) -> UniswapV2Swap {
        guard !amount0Out.isZero || !amount1Out.isZero else {
            throw Revert("UniswapV2: INSUFFICIENT_OUTPUT_AMOUNT")
        }
        guard amount0Out < reserve0, amount1Out < reserve1 else {
            throw Revert("UniswapV2: INSUFFICIENT_LIQUIDITY")
        }
        var (balance0, balance1) = balances(in: ledger)
        guard balance0 >= amount0Out, balance1 >= amount1Out else {
            throw Revert("UniswapV2: INSUFFICIENT_LIQUIDITY")
        }
        if recipient != address {
            balance0 -= amount0Out
            balance1 -= amount1Out
        }
        let amount0In = Self.inputAmount(balance: balance0, reserve: reserve0, out: amount0Out)
        let amount1In = Self.inputAmount(balance: balance1, reserve: reserve1, out: amount1Out)
        guard !amount0In.isZero || !amount1In.isZero else {
            throw Revert("UniswapV2: INSUFFICIENT_INPUT_AMOUNT")
        }
        let adjusted0 = try Self.feeAdjusted(balance: balance0, input: amount0In)
        let adjusted1 = try Self.feeAdjusted(balance: balance1, input: amount1In)
        let after = try UniswapV2Library.checkedMultiply(adjusted0, adjusted1)
        let before = try UniswapV2Library.checkedMultiply(
            reserve0 * reserve1, UInt256(1_000_000))
        guard after >= before else { throw Revert("UniswapV2: K") }
        let next = try updated(balance0: balance0, balance1: balance1, timestamp: block.timestamp)

        // Validated: the pair holds at least amount0Out and amount1Out.
        if recipient != address {
            if !amount0Out.isZero {
                try ledger.transfer(
                    token0, from: address, to: recipient, amount: amount0Out.toUInt128())
            }
            if !amount1Out.isZero {
                try ledger.transfer(
                    token1, from: address, to: recipient, amount: amount1Out.toUInt128())
            }
        }
        let record = UniswapV2Swap(
            pair: self, amount0In: amount0In, amount1In: amount1In,
            amount0Out: amount0Out, amount1Out: amount1Out, to: recipient)
        self = next
        return record
    }

    /// `balance − (reserve − out)` when positive, else zero.
    private static func inputAmount(balance: UInt256, reserve: UInt256, out: UInt256)
        -> UInt256
    {
        let kept = reserve - out
        return balance > kept ? balance - kept : .zero
    }

    /// `balance·1000 − input·3`: the balance with the 0.3% fee on the input set aside.
    private static func feeAdjusted(balance: UInt256, input: UInt256) throws(Revert)
        -> UInt256
    {
        let scaled = try UniswapV2Library.checkedMultiply(balance, 1000)
        let fee = try UniswapV2Library.checkedMultiply(input, 3)
        guard scaled >= fee else { throw Revert("ds-math-sub-underflow") }
        return scaled - fee
    }

    // MARK: - Sync and skim

    /// Sets the reserves to the balances (`sync`), e.g. after tokens were donated.
    public mutating func sync(ledger: TokenLedger, block: BlockContext) throws(Revert) {
        let (balance0, balance1) = balances(in: ledger)
        self = try updated(balance0: balance0, balance1: balance1, timestamp: block.timestamp)
    }

    /// Sends the balances above the reserves to `to` (`skim`); returns the amounts sent.
    public func skim(to recipient: Address, ledger: inout TokenLedger) throws(Revert)
        -> (UInt256, UInt256)
    {
        let (balance0, balance1) = balances(in: ledger)
        guard balance0 >= reserve0, balance1 >= reserve1 else {
            throw Revert("ds-math-sub-underflow")
        }
        let excess0 = balance0 - reserve0
        let excess1 = balance1 - reserve1
        try ledger.transfer(token0, from: address, to: recipient, amount: excess0.toUInt128())
        try ledger.transfer(token1, from: address, to: recipient, amount: excess1.toUInt128())
        return (excess0, excess1)
    }
}

/// A completed swap, with the inputs that let anyone recompute it from a trace.
///
/// The trace fields of INTERFACE.md (`pool, token_in, token_out, amount_in, reserve_in,
/// reserve_out, amount_out, fee_bps`) describe the usual one-way trade; reserves are those
/// before the swap. The raw `amount0In … amount1Out` also cover the rare two-sided swap,
/// where the "in" side is the one whose input is larger.
public struct UniswapV2Swap: Hashable, Sendable {
    public var pool: Address
    public var tokenIn: TokenID
    public var tokenOut: TokenID
    public var amountIn: UInt256
    public var reserveIn: UInt256
    public var reserveOut: UInt256
    public var amountOut: UInt256
    public var feeBps: UInt256
    public var amount0In: UInt256
    public var amount1In: UInt256
    public var amount0Out: UInt256
    public var amount1Out: UInt256
    public var to: Address

    init(
        pair: UniswapV2Pair, amount0In: UInt256, amount1In: UInt256,
        amount0Out: UInt256, amount1Out: UInt256, to: Address
    ) {
        let zeroForOne =
            amount0In > amount1In || (amount0In == amount1In && amount1Out > amount0Out)
        pool = pair.address
        tokenIn = zeroForOne ? pair.token0 : pair.token1
        tokenOut = zeroForOne ? pair.token1 : pair.token0
        amountIn = zeroForOne ? amount0In : amount1In
        reserveIn = zeroForOne ? pair.reserve0 : pair.reserve1
        reserveOut = zeroForOne ? pair.reserve1 : pair.reserve0
        amountOut = zeroForOne ? amount1Out : amount0Out
        feeBps = UniswapV2Library.feeBps
        self.amount0In = amount0In
        self.amount1In = amount1In
        self.amount0Out = amount0Out
        self.amount1Out = amount1Out
        self.to = to
    }
}

/// LP tokens minted for a deposit (`Mint` event), plus any protocol fee minted before it.
public struct UniswapV2Mint: Hashable, Sendable {
    public var pool: Address
    public var amount0: UInt256
    public var amount1: UInt256
    public var liquidity: UInt256
    public var to: Address
    public var protocolFee: UInt256
}

/// LP tokens burned for a withdrawal (`Burn` event), plus any protocol fee minted before it.
public struct UniswapV2Burn: Hashable, Sendable {
    public var pool: Address
    public var amount0: UInt256
    public var amount1: UInt256
    public var liquidity: UInt256
    public var to: Address
    public var protocolFee: UInt256
}
