import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

/// A fresh exchange with two 18-decimal tokens, one pair and a funded wallet.
struct UniswapV2Fixture {
    static let wallet = Address(1)
    static let other = Address(2)
    static let feeRecipient = Address(3)
    static let pairAddress = Address(100)

    var exchange: UniswapV2Exchange
    let token0: TokenID
    let token1: TokenID
    let pair = 0
    var block = BlockContext(number: 1, timestamp: 1_000)

    init(feeTo: Address? = nil) {
        var ledger = TokenLedger()
        let tokenA = ledger.addToken(symbol: "TKA")
        let tokenB = ledger.addToken(symbol: "TKB")
        let supply = UInt128(1) << 100
        ledger.mint(tokenA, to: Self.wallet, amount: supply)
        ledger.mint(tokenB, to: Self.wallet, amount: supply)
        exchange = UniswapV2Exchange(ledger: ledger, feeTo: feeTo)
        _ = exchange.createPair(tokenA, tokenB, address: Self.pairAddress)
        token0 = tokenA
        token1 = tokenB
    }

    var pairState: UniswapV2Pair { exchange.pairs[pair] }
    var liquidityToken: TokenID { pairState.liquidityToken }

    func balance(_ token: TokenID, _ owner: Address) -> UInt256 {
        UInt256(exchange.ledger.balance(of: token, owner))
    }

    @discardableResult
    mutating func call(
        _ call: UniswapV2Exchange.Call, from caller: Address = wallet
    ) throws(Revert) -> [UniswapV2Exchange.Event] {
        var events: [UniswapV2Exchange.Event] = []
        try exchange.apply(call, caller: caller, block: block, events: &events)
        return events
    }

    mutating func addLiquidity(_ amount0: UInt256, _ amount1: UInt256) throws(Revert) {
        try call(.addLiquidity(pair: pair, amount0: amount0, amount1: amount1, to: Self.wallet))
    }

    mutating func send(_ token: TokenID, _ amount: UInt256) throws(Revert) {
        try call(.transfer(token: token, to: Self.pairAddress, amount: amount))
    }
}

func tokens(_ whole: Int) -> UInt256 { UInt256(whole) * .wad }

@Suite("Uniswap v2 library")
struct UniswapV2LibraryTests {
    /// v2-periphery test/UniswapV2Router02.spec.ts: quote, getAmountOut, getAmountIn.
    @Test func routerVectors() throws {
        #expect(try UniswapV2Library.quote(amountA: 1, reserveA: 100, reserveB: 200) == 2)
        #expect(try UniswapV2Library.quote(amountA: 2, reserveA: 200, reserveB: 100) == 1)
        #expect(
            try UniswapV2Library.getAmountOut(amountIn: 2, reserveIn: 100, reserveOut: 100) == 1)
        #expect(
            try UniswapV2Library.getAmountIn(amountOut: 1, reserveIn: 100, reserveOut: 100) == 2)
    }

    /// v2-periphery test/UniswapV2Router01.spec.ts swapTokensForExactTokens at 5/10 with
    /// output 1e18: expectedSwapAmount 557227237267357629.
    @Test func swapTokensForExactTokensAmount() throws {
        let amountIn = try UniswapV2Library.getAmountIn(
            amountOut: tokens(1), reserveIn: tokens(5), reserveOut: tokens(10))
        #expect(amountIn == 557_227_237_267_357_629)
    }

    /// v2-periphery test/UniswapV2Router02.spec.ts: the library's own reverts.
    @Test func libraryReverts() {
        #expect(throws: Revert("UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT")) {
            try UniswapV2Library.getAmountOut(amountIn: 0, reserveIn: 100, reserveOut: 100)
        }
        #expect(throws: Revert("UniswapV2Library: INSUFFICIENT_LIQUIDITY")) {
            try UniswapV2Library.getAmountOut(amountIn: 2, reserveIn: 0, reserveOut: 100)
        }
        #expect(throws: Revert("UniswapV2Library: INSUFFICIENT_OUTPUT_AMOUNT")) {
            try UniswapV2Library.getAmountIn(amountOut: 0, reserveIn: 100, reserveOut: 100)
        }
        #expect(throws: Revert("UniswapV2Library: INSUFFICIENT_AMOUNT")) {
            try UniswapV2Library.quote(amountA: 0, reserveA: 100, reserveB: 200)
        }
    }
}

@Suite("Uniswap v2 pair")
struct UniswapV2PairTests {
    /// v2-core test/UniswapV2Pair.spec.ts `mint`: 1e18 and 4e18 give 2e18 LP, 1000 locked.
    @Test func mint() throws {
        var fixture = UniswapV2Fixture()
        try fixture.addLiquidity(tokens(1), tokens(4))
        let lp = fixture.liquidityToken
        #expect(UInt256(fixture.exchange.ledger.totalSupply(of: lp)) == tokens(2))
        #expect(fixture.balance(lp, UniswapV2Fixture.wallet) == tokens(2) - 1000)
        #expect(fixture.balance(lp, .zero) == 1000)
        #expect(fixture.pairState.reserve0 == tokens(1) && fixture.pairState.reserve1 == tokens(4))
        try fixture.exchange.checkInvariants()
    }

    /// v2-core test/UniswapV2Pair.spec.ts `burn`: at 3/3 the wallet gets 3e18 − 1000 back.
    @Test func burn() throws {
        var fixture = UniswapV2Fixture()
        try fixture.addLiquidity(tokens(3), tokens(3))
        let before0 = fixture.balance(fixture.token0, UniswapV2Fixture.wallet)
        try fixture.call(
            .removeLiquidity(
                pair: 0, liquidity: tokens(3) - 1000, to: UniswapV2Fixture.wallet))
        #expect(
            fixture.balance(fixture.token0, UniswapV2Fixture.wallet) - before0 == tokens(3) - 1000)
        #expect(fixture.balance(fixture.token0, UniswapV2Fixture.pairAddress) == 1000)
        #expect(fixture.balance(fixture.token1, UniswapV2Fixture.pairAddress) == 1000)
        #expect(fixture.exchange.ledger.totalSupply(of: fixture.liquidityToken) == 1000)
        try fixture.exchange.checkInvariants()
    }

    /// v2-core test/UniswapV2Pair.spec.ts `swapTestCases`: [in, reserveIn, reserveOut] in
    /// whole tokens → output in wei; output + 1 must fail the K check.
    @Test(arguments: [
        (1, 5, 10, "1662497915624478906"),
        (1, 10, 5, "453305446940074565"),
        (2, 5, 10, "2851015155847869602"),
        (2, 10, 5, "831248957812239453"),
        (1, 10, 10, "906610893880149131"),
        (1, 100, 100, "987158034397061298"),
        (1, 1000, 1000, "996006981039903216"),
    ])
    func swapTable(amountIn: Int, reserveIn: Int, reserveOut: Int, output: String) throws {
        let expected = try #require(UInt256(output))
        var fixture = UniswapV2Fixture()
        try fixture.addLiquidity(tokens(reserveIn), tokens(reserveOut))
        #expect(
            try UniswapV2Library.getAmountOut(
                amountIn: tokens(amountIn), reserveIn: tokens(reserveIn),
                reserveOut: tokens(reserveOut)) == expected)
        try fixture.send(fixture.token0, tokens(amountIn))
        let beforeRevert = fixture.exchange
        #expect(throws: Revert("UniswapV2: K")) {
            try fixture.call(
                .swap(
                    pair: 0, amount0Out: 0, amount1Out: expected + 1, to: UniswapV2Fixture.wallet))
        }
        #expect(fixture.exchange == beforeRevert, "a revert must leave the state unchanged")
        let events = try fixture.call(
            .swap(
                pair: 0, amount0Out: 0, amount1Out: expected, to: UniswapV2Fixture.wallet))
        guard case .swapped(let swap) = events.first else {
            Issue.record("no swap event")
            return
        }
        #expect(swap.tokenIn == fixture.token0 && swap.tokenOut == fixture.token1)
        #expect(swap.amountIn == tokens(amountIn) && swap.amountOut == expected)
        #expect(swap.reserveIn == tokens(reserveIn) && swap.reserveOut == tokens(reserveOut))
        #expect(swap.feeBps == 30)
        #expect(fixture.pairState.reserve1 == tokens(reserveOut) - expected)
        try fixture.exchange.checkInvariants()
    }

    /// v2-core test/UniswapV2Pair.spec.ts `optimisticTestCases`: paying back the same token
    /// (a flash swap): output 0.997e18 for 1e18 in, and 1e18 out needs 1003009027081243732.
    @Test(arguments: [
        ("997000000000000000", 5, 10, "1000000000000000000"),
        ("997000000000000000", 10, 5, "1000000000000000000"),
        ("997000000000000000", 5, 5, "1000000000000000000"),
        ("1000000000000000000", 5, 5, "1003009027081243732"),
    ])
    func optimisticSwaps(output: String, reserve0: Int, reserve1: Int, input: String) throws {
        let amountOut = try #require(UInt256(output))
        let amountIn = try #require(UInt256(input))
        var fixture = UniswapV2Fixture()
        try fixture.addLiquidity(tokens(reserve0), tokens(reserve1))
        try fixture.send(fixture.token0, amountIn)
        #expect(throws: Revert("UniswapV2: K")) {
            try fixture.call(
                .swap(
                    pair: 0, amount0Out: amountOut + 1, amount1Out: 0, to: UniswapV2Fixture.wallet))
        }
        try fixture.call(
            .swap(
                pair: 0, amount0Out: amountOut, amount1Out: 0,
                to: UniswapV2Fixture.wallet))
        try fixture.exchange.checkInvariants()
    }

    /// v2-core test/UniswapV2Pair.spec.ts `feeTo:on`: at 1000/1000, a 1e18 swap then a full
    /// withdrawal mints 249750499251388 LP to feeTo; the pair keeps 1000 + 249501683697445
    /// and 1000 + 250000187312969.
    @Test func protocolFee() throws {
        var fixture = UniswapV2Fixture(feeTo: UniswapV2Fixture.feeRecipient)
        try fixture.addLiquidity(tokens(1000), tokens(1000))
        try fixture.send(fixture.token1, tokens(1))
        try fixture.call(
            .swap(
                pair: 0, amount0Out: 996_006_981_039_903_216, amount1Out: 0,
                to: UniswapV2Fixture.wallet))
        try fixture.call(
            .removeLiquidity(
                pair: 0, liquidity: tokens(1000) - 1000, to: UniswapV2Fixture.wallet))
        let lp = fixture.liquidityToken
        #expect(fixture.balance(lp, UniswapV2Fixture.feeRecipient) == 249_750_499_251_388)
        // Sums are typed explicitly: inside #expect, `1000 + 249…` alone infers as Int and
        // compares as AnyHashable, which is never equal to a UInt256.
        let locked = UniswapV2Pair.minimumLiquidity
        #expect(
            UInt256(fixture.exchange.ledger.totalSupply(of: lp))
                == locked + UInt256(249_750_499_251_388))
        let pairAddress = UniswapV2Fixture.pairAddress
        #expect(
            fixture.balance(fixture.token0, pairAddress) == locked + UInt256(249_501_683_697_445))
        #expect(
            fixture.balance(fixture.token1, pairAddress) == locked + UInt256(250_000_187_312_969))
        try fixture.exchange.checkInvariants()
    }

    /// v2-core test/UniswapV2Pair.spec.ts `feeTo:off`: the same sequence leaves only the
    /// locked 1000 LP.
    @Test func protocolFeeOff() throws {
        var fixture = UniswapV2Fixture()
        try fixture.addLiquidity(tokens(1000), tokens(1000))
        try fixture.send(fixture.token1, tokens(1))
        try fixture.call(
            .swap(
                pair: 0, amount0Out: 996_006_981_039_903_216, amount1Out: 0,
                to: UniswapV2Fixture.wallet))
        try fixture.call(
            .removeLiquidity(
                pair: 0, liquidity: tokens(1000) - 1000, to: UniswapV2Fixture.wallet))
        #expect(fixture.exchange.ledger.totalSupply(of: fixture.liquidityToken) == 1000)
        #expect(fixture.pairState.kLast == .zero)
    }

    /// v2-core test/UniswapV2Pair.spec.ts `price{0,1}CumulativeLast` (REFERENCE.md §5.3).
    @Test func cumulativePrices() throws {
        var fixture = UniswapV2Fixture()
        let start = fixture.block.timestamp
        try fixture.addLiquidity(tokens(3), tokens(3))
        let initial = UniswapV2Pair.encodedPrice(tokens(3), over: tokens(3))
        #expect(initial == UInt256.one << 112)

        fixture.block = BlockContext(number: 2, timestamp: start + 1)
        try fixture.call(.sync(pair: 0))
        #expect(fixture.pairState.price0CumulativeLast == initial)
        #expect(fixture.pairState.price1CumulativeLast == initial)
        #expect(fixture.pairState.blockTimestampLast == UInt32(start + 1))

        try fixture.send(fixture.token0, tokens(3))
        fixture.block = BlockContext(number: 3, timestamp: start + 10)
        try fixture.call(
            .swap(
                pair: 0, amount0Out: 0, amount1Out: tokens(1),
                to: UniswapV2Fixture.wallet))
        #expect(fixture.pairState.price0CumulativeLast == initial * 10)
        #expect(fixture.pairState.price1CumulativeLast == initial * 10)

        fixture.block = BlockContext(number: 4, timestamp: start + 20)
        try fixture.call(.sync(pair: 0))
        let newPrice0 = UniswapV2Pair.encodedPrice(tokens(2), over: tokens(6))
        let newPrice1 = UniswapV2Pair.encodedPrice(tokens(6), over: tokens(2))
        #expect(fixture.pairState.price0CumulativeLast == initial * 10 + newPrice0 * 10)
        #expect(fixture.pairState.price1CumulativeLast == initial * 10 + newPrice1 * 10)
        #expect(fixture.pairState.blockTimestampLast == UInt32(start + 20))
    }

    /// The pair keeps `block.timestamp mod 2^32`; elapsed time wraps across 2^32 as on chain.
    @Test func timestampWraps() throws {
        var fixture = UniswapV2Fixture()
        fixture.block = BlockContext(number: 1, timestamp: (1 << 32) - 2)
        try fixture.addLiquidity(tokens(3), tokens(3))
        fixture.block = BlockContext(number: 2, timestamp: (1 << 32) + 3)
        try fixture.call(.sync(pair: 0))
        #expect(fixture.pairState.blockTimestampLast == 3)
        #expect(fixture.pairState.price0CumulativeLast == (UInt256.one << 112) * 5)
    }

    /// Router-style calls, and the state after reverts (must be byte-identical).
    @Test func routerCallsAndReverts() throws {
        var fixture = UniswapV2Fixture()
        try fixture.addLiquidity(tokens(5), tokens(10))
        let snapshot = fixture.exchange
        // Asking for more than the pool gives reverts and changes nothing.
        #expect(throws: Revert("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT")) {
            try fixture.call(
                .swapExactTokensForTokens(
                    pair: 0, tokenIn: fixture.token0, amountIn: tokens(1),
                    amountOutMin: 1_662_497_915_624_478_907, to: UniswapV2Fixture.wallet))
        }
        #expect(fixture.exchange == snapshot)
        // A trader without funds: the transfer in reverts, nothing changes.
        #expect(throws: Revert("TKA/insufficient-balance")) {
            try fixture.call(
                .swapExactTokensForTokens(
                    pair: 0, tokenIn: fixture.token0, amountIn: tokens(1), amountOutMin: 0,
                    to: UniswapV2Fixture.other), from: UniswapV2Fixture.other)
        }
        #expect(fixture.exchange == snapshot)
        // A mint that would overflow uint112 after its transfers succeeded.
        fixture.exchange.ledger.mint(fixture.token0, to: UniswapV2Fixture.wallet, amount: 1 << 112)
        let funded = fixture.exchange
        #expect(throws: Revert("UniswapV2: OVERFLOW")) {
            try fixture.addLiquidity(UInt256.one << 112, tokens(1))
        }
        #expect(fixture.exchange == funded)
        fixture.exchange = snapshot

        let before = fixture.balance(fixture.token1, UniswapV2Fixture.wallet)
        try fixture.call(
            .swapExactTokensForTokens(
                pair: 0, tokenIn: fixture.token0, amountIn: tokens(1),
                amountOutMin: 1_662_497_915_624_478_906, to: UniswapV2Fixture.wallet))
        #expect(
            fixture.balance(fixture.token1, UniswapV2Fixture.wallet) - before
                == 1_662_497_915_624_478_906)

        var exact = UniswapV2Fixture()
        try exact.addLiquidity(tokens(5), tokens(10))
        let spent = exact.balance(exact.token0, UniswapV2Fixture.wallet)
        try exact.call(
            .swapTokensForExactTokens(
                pair: 0, tokenOut: exact.token1, amountOut: tokens(1),
                amountInMax: 557_227_237_267_357_629, to: UniswapV2Fixture.wallet))
        #expect(
            spent - exact.balance(exact.token0, UniswapV2Fixture.wallet)
                == 557_227_237_267_357_629)
        try exact.exchange.checkInvariants()
    }

    /// v2-periphery UniswapV2Router02 `addLiquidity`: the first deposit takes both amounts
    /// (1e18 and 4e18 → 2e18 − 1000 LP to the wallet); later ones keep the pool's ratio.
    @Test func addLiquidityAtRatio() throws {
        var fixture = UniswapV2Fixture()
        try fixture.call(
            .addLiquidityAtRatio(
                pair: 0, amount0Desired: tokens(1), amount1Desired: tokens(4), amount0Min: 0,
                amount1Min: 0, to: UniswapV2Fixture.wallet))
        let lp = fixture.liquidityToken
        #expect(fixture.balance(lp, UniswapV2Fixture.wallet) == tokens(2) - 1000)
        // Desired 1 and 10 at a 1:4 pool: takes 1 and quote(1) = 4.
        let before1 = fixture.balance(fixture.token1, UniswapV2Fixture.wallet)
        try fixture.call(
            .addLiquidityAtRatio(
                pair: 0, amount0Desired: tokens(1), amount1Desired: tokens(10), amount0Min: 0,
                amount1Min: tokens(4), to: UniswapV2Fixture.wallet))
        #expect(before1 - fixture.balance(fixture.token1, UniswapV2Fixture.wallet) == tokens(4))
        #expect(fixture.balance(lp, UniswapV2Fixture.wallet) == tokens(4) - 1000)
        // Desired 10 and 4: token1 binds, takes quote(4) = 1 of token0.
        #expect(
            try UniswapV2Exchange.amountsAtRatio(
                reserve0: tokens(2), reserve1: tokens(8), desired0: tokens(10),
                desired1: tokens(4), minimum0: 0, minimum1: 0) == (tokens(1), tokens(4)))
        let snapshot = fixture.exchange
        #expect(throws: Revert("UniswapV2Router: INSUFFICIENT_B_AMOUNT")) {
            try fixture.call(
                .addLiquidityAtRatio(
                    pair: 0, amount0Desired: tokens(1), amount1Desired: tokens(10),
                    amount0Min: 0, amount1Min: tokens(4) + 1, to: UniswapV2Fixture.wallet))
        }
        #expect(throws: Revert("UniswapV2Router: INSUFFICIENT_A_AMOUNT")) {
            try fixture.call(
                .addLiquidityAtRatio(
                    pair: 0, amount0Desired: tokens(10), amount1Desired: tokens(4),
                    amount0Min: tokens(2), amount1Min: 0, to: UniswapV2Fixture.wallet))
        }
        #expect(fixture.exchange == snapshot)
    }

    @Test func donationsAreSkimmedOrSynced() throws {
        var fixture = UniswapV2Fixture()
        try fixture.addLiquidity(tokens(5), tokens(10))
        try fixture.send(fixture.token0, 7)
        try fixture.exchange.checkInvariants()  // balance above reserve is allowed
        let before = fixture.balance(fixture.token0, UniswapV2Fixture.other)
        try fixture.call(.skim(pair: 0, to: UniswapV2Fixture.other))
        #expect(fixture.balance(fixture.token0, UniswapV2Fixture.other) - before == 7)
        try fixture.send(fixture.token1, 9)
        try fixture.call(.sync(pair: 0))
        #expect(fixture.pairState.reserve1 == tokens(10) + 9)
    }
}

/// Random sequences of swaps, deposits and withdrawals against the naive reference pool.
@Suite("Uniswap v2 against the reference model")
struct UniswapV2ModelTests {
    @Test(arguments: [1, 2, 3, 5, 8, 13, 21, 34, 55, 89] as [UInt64])
    func randomSequences(seed: UInt64) throws {
        var random = OperandGenerator(seed: seed)
        var fixture = UniswapV2Fixture()
        var model = ReferenceConstantProductPool()
        let wallet = UniswapV2Fixture.wallet
        var succeeded = 0
        var reverted = 0
        for step in 0..<150 {
            let context = "seed \(seed), step \(step)"
            let before = fixture.exchange
            let kBefore = fixture.pairState.reserve0 * fixture.pairState.reserve1
            let choice = step < 1 ? 0 : random.next(below: 10)
            var isSwap = false
            var expectedRevert = false
            do {
                switch choice {
                case 0, 1:
                    let amount0 = randomAmount(&random)
                    let amount1 = randomAmount(&random)
                    let minted = model.addLiquidity(
                        amount0: ReferenceNatural(amount0), amount1: ReferenceNatural(amount1))
                    expectedRevert = minted == nil
                    let events = try fixture.call(
                        .addLiquidity(
                            pair: 0, amount0: amount0, amount1: amount1, to: wallet))
                    let record = events.compactMap { event -> UniswapV2Mint? in
                        if case .minted(let mint) = event { mint } else { nil }
                    }.first
                    #expect(record?.liquidity == minted?.uint256Value, "\(context)")
                case 2:
                    let held = fixture.balance(fixture.liquidityToken, wallet)
                    guard !held.isZero else { continue }
                    let amount = held / UInt256(random.next(below: 4) + 1)
                    let paid = model.removeLiquidity(ReferenceNatural(amount))
                    expectedRevert = paid == nil
                    let events = try fixture.call(
                        .removeLiquidity(
                            pair: 0, liquidity: amount, to: wallet))
                    let record = events.compactMap { event -> UniswapV2Burn? in
                        if case .burned(let burn) = event { burn } else { nil }
                    }.first
                    #expect(record?.amount0 == paid?.0.uint256Value, "\(context)")
                    #expect(record?.amount1 == paid?.1.uint256Value, "\(context)")
                default:
                    isSwap = true
                    let zeroForOne = random.next(below: 2) == 0
                    let amountIn = randomAmount(&random)
                    let out = model.swapExactIn(
                        amountIn: ReferenceNatural(amountIn), zeroForOne: zeroForOne)
                    expectedRevert = out == nil
                    let events = try fixture.call(
                        .swapExactTokensForTokens(
                            pair: 0, tokenIn: zeroForOne ? fixture.token0 : fixture.token1,
                            amountIn: amountIn, amountOutMin: 0, to: wallet))
                    let record = events.compactMap { event -> UniswapV2Swap? in
                        if case .swapped(let swap) = event { swap } else { nil }
                    }.first
                    #expect(record?.amountOut == out?.uint256Value, "\(context)")
                }
                #expect(!expectedRevert, "\(context): the model expected a revert")
                succeeded += 1
            } catch {
                reverted += 1
                #expect(expectedRevert, "\(context): unexpected revert \(error)")
                #expect(fixture.exchange == before, "\(context): a revert changed state")
            }
            #expect(fixture.pairState.reserve0 == model.reserve0.uint256Value, "\(context)")
            #expect(fixture.pairState.reserve1 == model.reserve1.uint256Value, "\(context)")
            #expect(
                UInt256(fixture.exchange.ledger.totalSupply(of: fixture.liquidityToken))
                    == model.totalSupply.uint256Value, "\(context)")
            if isSwap {
                let kAfter = fixture.pairState.reserve0 * fixture.pairState.reserve1
                #expect(kAfter >= kBefore, "\(context): k decreased")
            }
            try fixture.exchange.checkInvariants()
        }
        // The sequence must exercise both paths, or it proves little.
        #expect(succeeded > 75, "seed \(seed): only \(succeeded) calls succeeded")
        #expect(reverted > 0, "seed \(seed): no call reverted")
    }

    /// Amounts from a few wei up to about 2^90, log-uniform, so dust trades, normal trades
    /// and pool-draining trades (and overflows of uint112 via repeated deposits) all occur.
    private func randomAmount(_ random: inout OperandGenerator) -> UInt256 {
        let bits = Int(random.next(below: 90)) + 1
        let wide = UInt256(random.next()) << 32 | UInt256(random.next())  // 96 random bits
        return (wide >> (96 - bits)) | .one
    }
}
