import CascadeCore

/// Uniswap v2 as one contract: the token ledger, the pairs, the factory's `feeTo`, and the
/// router's convenience calls.
///
/// Why the ledger lives here: a pair reads its own token balances to learn what was paid
/// in, so it cannot work without the ledger, and `Contract.apply` passes no other state. A
/// simulation with several protocols sharing one ledger can instead drive `UniswapV2Pair`'s
/// methods directly, which take the ledger `inout` and need nothing else.
///
/// Calls mirror what an EOA does on chain: `.transfer` then `.swap` (two calls in one
/// transaction) is the pair-level flow; `.swapExactTokensForTokens` and
/// `.swapTokensForExactTokens` are the router's one-hop versions (transfer in, then swap);
/// `.addLiquidity` and `.removeLiquidity` transfer and then `mint`/`burn`.
///
/// `apply` runs each call on a scratch copy and keeps it only on success, so a reverted
/// call leaves the exchange (ledger included) exactly as it was, even for the router's
/// two-step calls. The copy shares storage until written; a call copies only the ledger
/// rows it touches.
public struct UniswapV2Exchange: Contract, Hashable {
    public var ledger: TokenLedger
    public private(set) var pairs: [UniswapV2Pair] = []
    /// The factory's protocol-fee recipient; nil switches the fee off (`feeTo == 0`).
    public var feeTo: Address?

    public init(ledger: TokenLedger, feeTo: Address? = nil) {
        self.ledger = ledger
        self.feeTo = feeTo
    }

    /// Creates a pair at `address` for two tokens, registering its LP token in the ledger;
    /// returns the pair's index. The tokens are sorted by id, as the factory sorts by
    /// address, so `token0 < token1`.
    public mutating func createPair(_ tokenA: TokenID, _ tokenB: TokenID, address: Address)
        -> Int
    {
        precondition(tokenA != tokenB, "UniswapV2: IDENTICAL_ADDRESSES")
        precondition(
            !pairs.contains { Set([$0.token0, $0.token1]) == Set([tokenA, tokenB]) },
            "UniswapV2: PAIR_EXISTS")
        let (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA)
        let symbol = "UNI-V2 \(ledger.symbol(of: token0))/\(ledger.symbol(of: token1))"
        let liquidityToken = ledger.addToken(symbol: symbol)
        pairs.append(
            UniswapV2Pair(
                address: address, token0: token0, token1: token1, liquidityToken: liquidityToken))
        return pairs.count - 1
    }

    /// A request to the exchange. Pairs are named by the index `createPair` returned.
    public enum Call: Hashable, Sendable {
        /// An ERC-20 transfer by the caller (to a pair, before `swap` or `mint`).
        case transfer(token: TokenID, to: Address, amount: UInt256)
        case mint(pair: Int, to: Address)
        case burn(pair: Int, to: Address)
        case swap(pair: Int, amount0Out: UInt256, amount1Out: UInt256, to: Address)
        case sync(pair: Int)
        case skim(pair: Int, to: Address)
        /// Router: pay exactly `amountIn` of `tokenIn`, receive at least `amountOutMin`.
        case swapExactTokensForTokens(
            pair: Int, tokenIn: TokenID, amountIn: UInt256, amountOutMin: UInt256, to: Address)
        /// Router: receive exactly `amountOut` of `tokenOut`, pay at most `amountInMax`.
        case swapTokensForExactTokens(
            pair: Int, tokenOut: TokenID, amountOut: UInt256, amountInMax: UInt256, to: Address)
        /// Deposits exactly these amounts and mints LP tokens to `to`. Unlike the router it
        /// does not trim the deposit to the pool's ratio: size it with `quote`, or the
        /// excess is a gift to the existing LPs.
        case addLiquidity(pair: Int, amount0: UInt256, amount1: UInt256, to: Address)
        /// Router: deposits at the pool's current ratio (`UniswapV2Router02.addLiquidity`).
        /// Takes all of one desired amount and the matching `quote` of the other, which must
        /// be at least its minimum; an empty pool takes both desired amounts.
        case addLiquidityAtRatio(
            pair: Int, amount0Desired: UInt256, amount1Desired: UInt256, amount0Min: UInt256,
            amount1Min: UInt256, to: Address)
        /// Sends `liquidity` LP tokens to the pair and burns them, paying `to`.
        case removeLiquidity(pair: Int, liquidity: UInt256, to: Address)
    }

    /// What happened, with the inputs needed to recompute it.
    public enum Event: Hashable, Sendable {
        case transferred(token: TokenID, from: Address, to: Address, amount: UInt256)
        case swapped(UniswapV2Swap)
        case minted(UniswapV2Mint)
        case burned(UniswapV2Burn)
        case synced(pool: Address, reserve0: UInt256, reserve1: UInt256)
    }

    public mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        var scratch = self
        var produced: [Event] = []
        try scratch.execute(call, caller: caller, block: block, events: &produced)
        self = scratch
        events.append(contentsOf: produced)
    }

    private mutating func execute(
        _ call: Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        switch call {
        case .transfer(let token, let to, let amount):
            try transfer(token, from: caller, to: to, amount: amount, events: &events)
        case .mint(let index, let to):
            try mint(pair: index, to: to, block: block, events: &events)
        case .burn(let index, let to):
            try burn(pair: index, to: to, block: block, events: &events)
        case .swap(let index, let amount0Out, let amount1Out, let to):
            let pairIndex = try checkedPair(index)
            let record = try pairs[pairIndex].swap(
                amount0Out: amount0Out, amount1Out: amount1Out, to: to, ledger: &ledger,
                block: block)
            events.append(.swapped(record))
            appendSync(pairIndex, events: &events)
        case .sync(let index):
            let pairIndex = try checkedPair(index)
            try pairs[pairIndex].sync(ledger: ledger, block: block)
            appendSync(pairIndex, events: &events)
        case .skim(let index, let to):
            let pair = pairs[try checkedPair(index)]
            let (excess0, excess1) = try pair.skim(to: to, ledger: &ledger)
            events.append(
                .transferred(token: pair.token0, from: pair.address, to: to, amount: excess0))
            events.append(
                .transferred(token: pair.token1, from: pair.address, to: to, amount: excess1))
        case .swapExactTokensForTokens(let index, let tokenIn, let amountIn, let minimum, let to):
            let pair = pairs[try checkedPair(index)]
            let (reserveIn, reserveOut) = try reserves(of: pair, tokenIn: tokenIn)
            let amountOut = try UniswapV2Library.getAmountOut(
                amountIn: amountIn, reserveIn: reserveIn, reserveOut: reserveOut)
            guard amountOut >= minimum else {
                throw Revert("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT")
            }
            try routerSwap(
                pair: index, tokenIn: tokenIn, amountIn: amountIn, amountOut: amountOut, to: to,
                caller: caller, block: block, events: &events)
        case .swapTokensForExactTokens(let index, let tokenOut, let amountOut, let maximum, let to):
            let pair = pairs[try checkedPair(index)]
            guard tokenOut == pair.token0 || tokenOut == pair.token1 else {
                throw Revert("UniswapV2Library: INVALID_PATH")
            }
            let tokenIn = tokenOut == pair.token0 ? pair.token1 : pair.token0
            let (reserveIn, reserveOut) = try reserves(of: pair, tokenIn: tokenIn)
            let amountIn = try UniswapV2Library.getAmountIn(
                amountOut: amountOut, reserveIn: reserveIn, reserveOut: reserveOut)
            guard amountIn <= maximum else {
                throw Revert("UniswapV2Router: EXCESSIVE_INPUT_AMOUNT")
            }
            try routerSwap(
                pair: index, tokenIn: tokenIn, amountIn: amountIn, amountOut: amountOut, to: to,
                caller: caller, block: block, events: &events)
        case .addLiquidity(let index, let amount0, let amount1, let to):
            let pair = pairs[try checkedPair(index)]
            try transfer(
                pair.token0, from: caller, to: pair.address, amount: amount0, events: &events)
            try transfer(
                pair.token1, from: caller, to: pair.address, amount: amount1, events: &events)
            try mint(pair: index, to: to, block: block, events: &events)
        case .addLiquidityAtRatio(
            let index, let desired0, let desired1, let minimum0, let minimum1, let to):
            let pair = pairs[try checkedPair(index)]
            let (amount0, amount1) = try Self.amountsAtRatio(
                reserve0: pair.reserve0, reserve1: pair.reserve1, desired0: desired0,
                desired1: desired1, minimum0: minimum0, minimum1: minimum1)
            try transfer(
                pair.token0, from: caller, to: pair.address, amount: amount0, events: &events)
            try transfer(
                pair.token1, from: caller, to: pair.address, amount: amount1, events: &events)
            try mint(pair: index, to: to, block: block, events: &events)
        case .removeLiquidity(let index, let liquidity, let to):
            let pair = pairs[try checkedPair(index)]
            try transfer(
                pair.liquidityToken, from: caller, to: pair.address, amount: liquidity,
                events: &events)
            try burn(pair: index, to: to, block: block, events: &events)
        }
    }

    // MARK: - Steps

    /// The router's `_addLiquidity`: the deposit that keeps the pool's ratio, taking all
    /// of one desired amount. Reverts `UniswapV2Router: INSUFFICIENT_A_AMOUNT` or
    /// `INSUFFICIENT_B_AMOUNT` (A is token0 here) when the matching amount is below its
    /// minimum.
    public static func amountsAtRatio(
        reserve0: UInt256, reserve1: UInt256, desired0: UInt256, desired1: UInt256,
        minimum0: UInt256, minimum1: UInt256
    ) throws(Revert) -> (UInt256, UInt256) {
        if reserve0.isZero && reserve1.isZero { return (desired0, desired1) }
        let optimal1 = try UniswapV2Library.quote(
            amountA: desired0, reserveA: reserve0, reserveB: reserve1)
        if optimal1 <= desired1 {
            guard optimal1 >= minimum1 else {
                throw Revert("UniswapV2Router: INSUFFICIENT_B_AMOUNT")
            }
            return (desired0, optimal1)
        }
        let optimal0 = try UniswapV2Library.quote(
            amountA: desired1, reserveA: reserve1, reserveB: reserve0)
        // optimal0 ≤ desired0 follows from optimal1 > desired1 (the router asserts it).
        guard optimal0 >= minimum0 else { throw Revert("UniswapV2Router: INSUFFICIENT_A_AMOUNT") }
        return (optimal0, desired1)
    }

    private func checkedPair(_ index: Int) throws(Revert) -> Int {
        guard pairs.indices.contains(index) else { throw Revert("UniswapV2: PAIR_NOT_FOUND") }
        return index
    }

    private func reserves(of pair: UniswapV2Pair, tokenIn: TokenID) throws(Revert)
        -> (UInt256, UInt256)
    {
        if tokenIn == pair.token0 { return (pair.reserve0, pair.reserve1) }
        if tokenIn == pair.token1 { return (pair.reserve1, pair.reserve0) }
        throw Revert("UniswapV2Library: INVALID_PATH")
    }

    private mutating func transfer(
        _ token: TokenID, from source: Address, to destination: Address, amount: UInt256,
        events: inout [Event]
    ) throws(Revert) {
        guard let units = amount.uint128Value else {
            throw Revert("\(ledger.symbol(of: token))/insufficient-balance")
        }
        try ledger.transfer(token, from: source, to: destination, amount: units)
        events.append(.transferred(token: token, from: source, to: destination, amount: amount))
    }

    private mutating func routerSwap(
        pair index: Int, tokenIn: TokenID, amountIn: UInt256, amountOut: UInt256, to: Address,
        caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        let pair = pairs[index]
        try transfer(tokenIn, from: caller, to: pair.address, amount: amountIn, events: &events)
        let zeroForOne = tokenIn == pair.token0
        let record = try pairs[index].swap(
            amount0Out: zeroForOne ? .zero : amountOut, amount1Out: zeroForOne ? amountOut : .zero,
            to: to, ledger: &ledger, block: block)
        events.append(.swapped(record))
        appendSync(index, events: &events)
    }

    private mutating func mint(
        pair index: Int, to: Address, block: BlockContext,
        events: inout [Event]
    ) throws(Revert) {
        let pairIndex = try checkedPair(index)
        let record = try pairs[pairIndex].mint(
            to: to, feeTo: feeTo, ledger: &ledger, block: block)
        events.append(.minted(record))
        appendSync(pairIndex, events: &events)
    }

    private mutating func burn(
        pair index: Int, to: Address, block: BlockContext,
        events: inout [Event]
    ) throws(Revert) {
        let pairIndex = try checkedPair(index)
        let record = try pairs[pairIndex].burn(
            to: to, feeTo: feeTo, ledger: &ledger, block: block)
        events.append(.burned(record))
        appendSync(pairIndex, events: &events)
    }

    private func appendSync(_ index: Int, events: inout [Event]) {
        let pair = pairs[index]
        events.append(.synced(pool: pair.address, reserve0: pair.reserve0, reserve1: pair.reserve1))
    }

    // MARK: - Invariants

    /// Verifies the ledger's conservation and, for every pair, that its reserves fit in
    /// `uint112` and never exceed its balances (they are equal after every pair call; a
    /// plain transfer to the pair makes the balance larger until `sync` or `skim`).
    public func checkInvariants() throws(InvariantViolation) {
        try ledger.checkInvariants()
        for pair in pairs {
            let (balance0, balance1) = pair.balances(in: ledger)
            guard pair.reserve0 <= balance0, pair.reserve1 <= balance1 else {
                throw InvariantViolation(
                    "pair \(pair.address): reserves \(pair.reserve0)/\(pair.reserve1) above "
                        + "balances \(balance0)/\(balance1)")
            }
            guard pair.reserve0 <= UniswapV2Pair.reserveLimit,
                pair.reserve1 <= UniswapV2Pair.reserveLimit
            else {
                throw InvariantViolation("pair \(pair.address): reserve above 2^112 - 1")
            }
            let supply = ledger.totalSupply(of: pair.liquidityToken)
            guard supply == 0 || (!pair.reserve0.isZero && !pair.reserve1.isZero) else {
                throw InvariantViolation("pair \(pair.address): LP supply with an empty reserve")
            }
        }
    }
}
