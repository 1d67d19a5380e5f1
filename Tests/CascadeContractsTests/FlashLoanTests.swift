import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

private let oracle = Address(950)
private let treasury = Address(951)
private let supplier = Address(952)
private let attacker = Address(953)
private let lp = Address(954)

/// Aave flash loans (v2 `LendingPool.flashLoan`: premium 0.09% to the suppliers, repaid when
/// the transaction ends) and reserves priced from a Uniswap v2 pair, read at each call: the
/// one-transaction bundle that pumps the pair, posts the bought tokens as collateral and
/// borrows against them drains a spot-priced pool and reverts whole against a TWAP.
@Suite("Protocol state: flash loans and pair-priced reserves")
struct FlashLoanTests {
    /// An Aave v2 pool lending USDC (6 decimals) against TKN (18), 75% LTV each; 1,000,000
    /// USDC supplied; a TKN/USDC pair at $1 with 100,000 of each; a 30-minute TWAP over it,
    /// updated once; TKN priced from the pair by `source`.
    struct World {
        var state: ProtocolState
        let usdc: TokenID
        let tkn: TokenID
        let pool: Int
        let pair: Int
        var events: [ProtocolState.Event] = []
        var now: UInt64
        static let (tknAsset, usdcAsset) = (0, 1)
        static let usdcUnit = UInt256(1_000_000 as UInt64)

        /// Which price the pool reads for TKN: its fixed listing price, the pair's spot, or
        /// the TWAP.
        enum Pricing { case listing, spot, twap }

        init(source: Pricing) throws {
            let sample = ProtocolSample(vaults: 1, auctions: 0)
            state = sample.state
            now = sample.now
            usdc = state.ledger.addToken(symbol: "USDC")
            tkn = state.ledger.addToken(symbol: "TKN")
            var aave = AavePool(
                configuration: .init(version: .v2, treasury: treasury, oracle: oracle))
            for (token, aToken, decimals) in [(tkn, Address(960), 18), (usdc, Address(961), 6)] {
                _ = aave.addReserve(
                    AavePool.ReserveConfiguration(
                        token: token, aToken: aToken, decimals: decimals, ltvBps: 7_500,
                        liquidationThresholdBps: 8_000, liquidationBonusBps: 10_500,
                        liquidationProtocolFeeBps: .zero, reserveFactorBps: .zero,
                        interestRates: .zero),
                    price: 100_000_000, at: now)
            }
            pool = state.addAavePool(aave)
            pair = state.addPair(tkn, usdc, address: Address(970))
            state.ledger.mint(usdc, to: supplier, amount: 1_000_000_000_000)
            state.ledger.mint(usdc, to: lp, amount: 100_000_000_000)
            state.ledger.mint(tkn, to: lp, amount: 100_000 * 1_000_000_000_000_000_000)
            try mustRun(
                [
                    .aave(
                        pool: pool,
                        .supply(asset: Self.usdcAsset, amount: 1_000_000 * Self.usdcUnit))
                ],
                as: supplier)
            let (amount0, amount1) =
                tkn < usdc
                ? (UInt256.wad * 100_000, 100_000 * Self.usdcUnit)
                : (100_000 * Self.usdcUnit, UInt256.wad * 100_000)
            try mustRun(
                [.addLiquidity(pair: pair, amount0: amount0, amount1: amount1, to: lp)], as: lp)
            let twap = try state.addTWAP(address: Address(971), pair: pair, periodSeconds: 1_800)
            now += 1_800
            try mustRun([.twapUpdate(twap: twap)], as: lp)
            let feedSource: DexPriceFeed.Source? =
                switch source {
                case .listing: nil
                case .spot: .spot
                case .twap: .twap(twap)
                }
            if let feedSource {
                state.addDexPriceFeed(
                    DexPriceFeed(
                        pool: pool, asset: Self.tknAsset, pair: pair, quote: usdc,
                        quoteUnit: Self.usdcUnit, quotePrice: 100_000_000, source: feedSource))
            }
        }

        var block: BlockContext { BlockContext(number: now / 12, timestamp: now) }

        mutating func run(_ calls: [ProtocolState.Call], as caller: Address) -> Revert? {
            runTransaction(calls, on: &state, caller: caller, block: block, events: &events)
        }

        mutating func mustRun(_ calls: [ProtocolState.Call], as caller: Address) throws {
            if let revert = run(calls, as: caller) { Issue.record("reverted: \(revert)") }
            try state.checkInvariants()
        }

        /// TKN the pair pays now for `usdcIn`.
        func tknOut(for usdcIn: UInt256) throws -> UInt256 {
            let pair = state.pair(pair)
            let (reserveIn, reserveOut) =
                pair.token0 == usdc
                ? (pair.reserve0, pair.reserve1) : (pair.reserve1, pair.reserve0)
            return try UniswapV2Library.getAmountOut(
                amountIn: usdcIn, reserveIn: reserveIn, reserveOut: reserveOut)
        }

        /// Flash-borrow `loan` USDC, buy TKN with it on the pair, post the TKN, borrow
        /// `borrow` USDC against it; the loan and premium are pulled when it ends.
        func attack(loan: UInt256, borrow: UInt256) throws -> [ProtocolState.Call] {
            [
                .aave(pool: pool, .flashLoan(asset: Self.usdcAsset, amount: loan)),
                .swap(pair: pair, tokenIn: usdc, amountIn: loan, amountOutMin: .zero, to: attacker),
                .aave(pool: pool, .supply(asset: Self.tknAsset, amount: try tknOut(for: loan))),
                .aave(pool: pool, .borrow(asset: Self.usdcAsset, amount: borrow)),
            ]
        }

        func balance(_ token: TokenID, _ owner: Address) -> UInt128 {
            state.ledger.balance(of: token, owner)
        }
    }

    @Test("a flash loan repaid with its premium raises the suppliers' index by exactly it")
    func repaidFlashLoan() throws {
        var world = try World(source: .listing)
        let loan = 500_000 * World.usdcUnit
        let premium = loan * 9 / 10_000  // FLASHLOAN_PREMIUM_TOTAL = 9 (Aave v2)
        world.state.ledger.mint(world.usdc, to: attacker, amount: premium.toUInt128())
        let before = world.state.aavePools[world.pool].reserves[World.usdcAsset]
        try world.mustRun(
            [.aave(pool: world.pool, .flashLoan(asset: World.usdcAsset, amount: loan))],
            as: attacker)
        let after = world.state.aavePools[world.pool].reserves[World.usdcAsset]
        // `cumulateToLiquidityIndex`: (premium / total liquidity + 1) · index, in rays.
        let total = rayMul(before.scaledSupply, before.liquidityIndex)
        let ratio = rayDiv(premium * 1_000_000_000, total * 1_000_000_000)
        #expect(after.liquidityIndex == rayMul(ratio + .ray, before.liquidityIndex))
        #expect(after.liquidityIndex > before.liquidityIndex)
        #expect(world.balance(world.usdc, attacker) == 0)
        #expect(world.balance(world.usdc, Address(961)) == 1_000_000_000_000 + premium.toUInt128())
        #expect(world.state.aavePools[world.pool].pendingFlashLoans.isEmpty)
        #expect(
            world.events.contains(
                .aave(
                    pool: world.pool,
                    .flashLoaned(
                        asset: World.usdcAsset, receiver: attacker, amount: loan,
                        premium: premium))))
    }

    @Test("a flash loan not repaid reverts the whole transaction")
    func unpaidFlashLoan() throws {
        var world = try World(source: .listing)
        let before = world.state
        // Alone (journaled by itself) and after a swap that spent the loan.
        let loan = 10_000 * World.usdcUnit
        #expect(
            world.run(
                [.aave(pool: world.pool, .flashLoan(asset: World.usdcAsset, amount: loan))],
                as: attacker)?.reason == "ERC20: transfer amount exceeds balance")
        #expect(world.state == before)
        #expect(
            world.run(
                [
                    .aave(pool: world.pool, .flashLoan(asset: World.usdcAsset, amount: loan)),
                    .swap(
                        pair: world.pair, tokenIn: world.usdc, amountIn: loan, amountOutMin: .zero,
                        to: attacker),
                ], as: attacker)?.reason == "ERC20: transfer amount exceeds balance")
        #expect(world.state == before)
        // More than the reserve's cash: refused at once.
        #expect(
            world.run(
                [
                    .aave(
                        pool: world.pool,
                        .flashLoan(asset: World.usdcAsset, amount: 2_000_000 * World.usdcUnit))
                ], as: attacker) != nil)
        #expect(world.state == before)
    }

    @Test("against a spot-priced reserve the pump-and-borrow bundle keeps what it borrowed")
    func spotOracleIsDrained() throws {
        var world = try World(source: .spot)
        let loan = 200_000 * World.usdcUnit
        let borrow = 400_000 * World.usdcUnit
        let premium = loan * 9 / 10_000
        let bought = try world.tknOut(for: loan)
        try world.mustRun(try world.attack(loan: loan, borrow: borrow), as: attacker)
        // It keeps the borrowed USDC less the loan and premium, with no capital of its own.
        #expect(UInt256(world.balance(world.usdc, attacker)) == borrow - loan - premium)
        // The pool priced the TKN at the pumped spot: 300,000 USDC over ~33,400 TKN, ~$9.
        let price = world.state.aavePools[world.pool].reserves[World.tknAsset].price
        #expect(price > 800_000_000 && price < 950_000_000)
        // At the pair's price before the pump ($1) the collateral is worth about a sixth of
        // the debt: the rest is the suppliers' loss once arbitrage brings the price back.
        let fairValue = bought / 1_000_000_000_000  // TKN at $1, in USDC units
        #expect(fairValue * 6 < borrow)
    }

    @Test("against a TWAP-priced reserve the same bundle reverts whole and changes nothing")
    func twapOracleHolds() throws {
        var world = try World(source: .twap)
        let before = world.state
        let loan = 200_000 * World.usdcUnit
        let revert = world.run(
            try world.attack(loan: loan, borrow: 400_000 * World.usdcUnit), as: attacker)
        #expect(revert?.reason == "COLLATERAL_CANNOT_COVER_NEW_BORROW")
        #expect(world.state == before)
        // The most the TWAP lets it borrow (75% of ~66,500 TKN at $1) cannot repay the loan.
        let bought = try world.tknOut(for: loan)
        let limit = bought / 1_000_000_000_000 * 3 / 4
        #expect(limit < loan)
        #expect(
            world.run(try world.attack(loan: loan, borrow: limit - World.usdcUnit), as: attacker)?
                .reason == "ERC20: transfer amount exceeds balance")
        #expect(world.state == before)
    }

    @Test("a lone call that reverts after reading the pair leaves the old price")
    func loneRevertKeepsPrice() throws {
        var world = try World(source: .spot)
        // Move the pair (a plain swap, committed), then a borrow with no collateral reverts.
        world.state.ledger.mint(world.usdc, to: attacker, amount: 50_001_000_000)
        try world.mustRun(
            [
                .swap(
                    pair: world.pair, tokenIn: world.usdc, amountIn: 50_000 * World.usdcUnit,
                    amountOutMin: .zero, to: attacker)
            ], as: attacker)
        let before = world.state
        #expect(
            world.run(
                [.aave(pool: world.pool, .borrow(asset: World.usdcAsset, amount: World.usdcUnit))],
                as: Address(999)) != nil)
        #expect(world.state == before)
        // A call that succeeds stores what it read: 150,000 USDC over ~66,700 TKN.
        try world.mustRun(
            [.aave(pool: world.pool, .supply(asset: World.usdcAsset, amount: World.usdcUnit))],
            as: attacker)
        let price = world.state.aavePools[world.pool].reserves[World.tknAsset].price
        #expect(price > 224_000_000 && price < 226_000_000)
    }
}
