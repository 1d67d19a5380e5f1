import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

// Seeded property and model-based tests of the lending pools. Every failure message names
// its seed and step; rerun one seed by narrowing the `arguments` range.

extension OperandGenerator {
    fileprivate mutating func choose<T>(_ options: [T]) -> T {
        options[Int(next(below: UInt64(options.count)))]
    }

    fileprivate mutating func odds(_ percent: UInt64) -> Bool {
        next(below: 100) < percent
    }

    /// `amount · k / 100` for a random k in 1...100, and now and then all of it.
    fileprivate mutating func share(of amount: UInt256) -> UInt256 {
        odds(10) ? amount : amount * UInt256(1 + next(below: 100)) / 100
    }

    /// `value · k / 100` for a random k in `low...high`.
    fileprivate mutating func scaled(_ value: UInt256, percent low: UInt64, _ high: UInt64)
        -> UInt256
    {
        value * UInt256(low + next(below: high - low + 1)) / 100
    }
}

/// `whole` tokens of `decimals` decimals in base units.
private func wholeTokens(_ whole: UInt64, decimals: Int) -> UInt256 {
    UInt256(whole) * UInt256.powerOfTen(decimals)
}

// MARK: - Aave

private let volatileRates = AaveInterestRateStrategy(
    optimalUsageRatio: ray("0.45"), baseVariableBorrowRate: .zero,
    variableRateSlope1: ray("0.07"), variableRateSlope2: ray("1"))
private let stableRates = AaveInterestRateStrategy(
    optimalUsageRatio: ray("0.9"), baseVariableBorrowRate: .zero,
    variableRateSlope1: ray("0.04"), variableRateSlope2: ray("0.6"))

/// WETH, USDC (6 decimals) and CRV with mainnet-like terms, fees and interest.
private let marketListings: [AaveFixture.Listing] = [
    .init(
        symbol: "WETH", price: usd("2000"), ltvBps: 8_000, thresholdBps: 8_250, bonusBps: 10_500,
        protocolFeeBps: 1_000, reserveFactorBps: 1_500, rates: volatileRates),
    .init(
        symbol: "USDC", price: usd("1"), ltvBps: 8_000, thresholdBps: 8_500, bonusBps: 10_400,
        protocolFeeBps: 1_000, reserveFactorBps: 1_000, rates: stableRates, decimals: 6),
    .init(
        symbol: "CRV", price: usd("0.5"), ltvBps: 5_500, thresholdBps: 6_100, bonusBps: 10_830,
        protocolFeeBps: 2_000, reserveFactorBps: 2_000, rates: volatileRates),
]

extension AaveFixture {
    /// What `asset`'s aToken should hold after `events`: deposits and repayments in,
    /// withdrawals, borrows and collateral paid out in underlying out.
    fileprivate static func custody(after events: ArraySlice<AavePool.Event>, from start: [UInt256])
        -> [UInt256]
    {
        var held = start
        for event in events {
            switch event {
            case .supplied(let asset, _, let amount, _), .repaid(let asset, _, let amount, _):
                held[asset] += amount
            case .withdrawn(let asset, _, let amount, _), .borrowed(let asset, _, let amount, _):
                held[asset] -= amount
            case .liquidated(let liquidation):
                let call = liquidation.call
                held[call.debtAsset] += call.debtRepaid
                if !liquidation.receiveAToken {
                    held[call.collateralAsset] -= call.collateralSeized - call.protocolFee
                }
            case .flashLoaned(let asset, _, _, let premium):
                held[asset] += premium  // once repaid, at the end of its transaction
            case .deficitCreated, .priceSet:
                break
            }
        }
        return held
    }

    /// A reserve where `user` has collateral (or debt), mostly; any reserve otherwise, so
    /// refusals are exercised too.
    fileprivate func likelyAsset(
        of user: Address, debt: Bool, random: inout OperandGenerator
    ) -> Int {
        let held = (0..<pool.reserves.count).filter { asset in
            debt
                ? !pool.scaledDebt(of: user, asset: asset).isZero
                : !pool.scaledCollateral(of: user, asset: asset).isZero
        }
        if held.isEmpty || random.odds(15) {
            return Int(random.next(below: UInt64(pool.reserves.count)))
        }
        return random.choose(held)
    }

    /// How much `user` may still borrow of `asset` at its LTV, in base units.
    fileprivate func borrowCapacity(of user: Address, asset: Int) -> UInt256 {
        let account = pool.accountData(of: user, at: now)
        let limit = percentMul(account.totalCollateralBase, account.ltvBps)
        guard limit > account.totalDebtBase else { return .zero }
        let reserve = pool.reserve(asset)
        return (limit - account.totalDebtBase)
            * wholeTokens(1, decimals: reserve.configuration.decimals)
            / reserve.price
    }
}

@Suite("LendingPropertyTests (seeded)")
struct LendingPropertyTests {
    private typealias Fixture = AaveFixture
    private static let carol = Address(13)
    private static let deepSupplier = Address(14)

    /// Random supply, withdraw, borrow, repay, price moves, time and liquidations on a
    /// three-reserve pool with interest, under each version. After every call: the books
    /// balance (`checkInvariants`: scaled sums, ledger conservation), each aToken holds
    /// exactly what went in minus what came out, a revert changed nothing, a borrow left a
    /// health factor of at least 1, a liquidation happened only below a health factor of 1
    /// and never raised a debt, and every debt burn matches the repayment at the index
    /// (`rayDiv(repaid, index)` scaled units).
    @Test(arguments: 0..<200 as Range<UInt64>)
    func aaveRandomSequencesKeepTheBooks(seed: UInt64) throws {
        var random = OperandGenerator(seed: seed)
        let version = random.choose(AavePool.Version.allCases)
        var fixture = AaveFixture(version: version, listings: marketListings)
        let users = [Fixture.alice, Fixture.bob, Self.carol]
        // Wallets of $1M in each token, and a deep supplier so borrows find cash.
        func dollars(_ amount: UInt64, of asset: Int) -> UInt256 {
            UInt256(amount) * usd("1") * wholeTokens(1, decimals: marketListings[asset].decimals)
                / marketListings[asset].price
        }
        for asset in marketListings.indices {
            for user in users + [Fixture.liquidator] {
                fixture.fund(user, asset: asset, amount: dollars(1_000_000, of: asset))
            }
            fixture.fund(Self.deepSupplier, asset: asset, amount: dollars(20_000_000, of: asset))
            try fixture.run(
                .supply(asset: asset, amount: dollars(20_000_000, of: asset)), as: Self.deepSupplier
            )
        }
        var custody = (0..<marketListings.count).map { asset in
            let terms = fixture.pool.reserve(asset).configuration
            return UInt256(fixture.ledger.balance(of: terms.token, terms.aToken))
        }
        for step in 0..<80 {
            let context = "seed \(seed) step \(step) (\(version.rawValue))"
            let pool = fixture.pool
            let now = fixture.now
            var user = random.choose(users)
            let asset = Int(random.next(below: 3))
            var caller = user
            let call: AavePool.Call
            switch random.next(below: 12) {
            case 0, 1:
                call = .supply(
                    asset: asset, amount: random.share(of: fixture.wallet(user, asset: asset)))
            case 2:
                let balance = pool.collateralBalance(of: user, asset: asset, at: now)
                call = .withdraw(
                    asset: asset, amount: random.odds(30) ? .max : random.share(of: balance + 1))
            case 3, 4:
                let capacity = fixture.borrowCapacity(of: user, asset: asset)
                call = .borrow(asset: asset, amount: random.scaled(capacity + 1, percent: 80, 105))
            case 5:
                let owed = pool.debtBalance(of: user, asset: asset, at: now)
                call = .repay(
                    asset: asset, amount: random.odds(30) ? .max : random.share(of: owed + 1))
            case 6, 7:
                caller = Fixture.oracle
                let price = random.scaled(pool.reserve(asset).price, percent: 40, 150)
                call = .setAssetPrice(asset: asset, price: price + 1)
            case 8:
                fixture.now += random.next(below: 10 * 86_400)
                continue
            default:
                caller = Fixture.liquidator
                // Mostly the weakest account, the one a keeper would pick.
                if random.odds(80) {
                    user =
                        users.min {
                            pool.healthFactor(of: $0, at: now) < pool.healthFactor(of: $1, at: now)
                        } ?? user
                }
                let collateralAsset = fixture.likelyAsset(of: user, debt: false, random: &random)
                let debtAsset = fixture.likelyAsset(of: user, debt: true, random: &random)
                let owed = pool.debtBalance(of: user, asset: debtAsset, at: now)
                call = .liquidationCall(
                    collateralAsset: collateralAsset, debtAsset: debtAsset, user: user,
                    debtToCover: random.odds(40) ? .max : random.share(of: owed + 1),
                    receiveAToken: random.odds(30))
            }

            let before = fixture.market
            let eventCount = fixture.events.count
            let health = pool.healthFactor(of: user, at: now)
            let debts = (0..<3).map { pool.debtBalance(of: user, asset: $0, at: now) }
            let scaledDebts = (0..<3).map { pool.scaledDebt(of: user, asset: $0) }
            let reverted = try fixture.attempt(call, as: caller)
            if reverted != nil {
                #expect(fixture.market == before, "\(context): \(call) reverted but changed state")
                #expect(fixture.events.count == eventCount, "\(context): events on a revert")
            }
            let after = fixture.pool
            switch call {
            case .liquidationCall(_, let debtAsset, _, _, _):
                if health >= wad("1") {
                    #expect(reverted == Revert("HEALTH_FACTOR_NOT_BELOW_THRESHOLD"), "\(context)")
                }
                guard reverted == nil, let liquidation = fixture.lastLiquidation else { break }
                #expect(health < wad("1"), "\(context): liquidated at health \(health)")
                Self.checkDebtFell(
                    liquidation, user: user, debtAsset: debtAsset, before: (debts, scaledDebts),
                    after: after, now: now, context: context)
            case .borrow:
                // LTV below the threshold: a borrow never leaves a health factor under 1.
                if reverted == nil {
                    #expect(after.healthFactor(of: user, at: now) >= wad("1"), "\(context)")
                }
            case .repay(let asset, _):
                guard reverted == nil,
                    case .repaid(_, _, let amount, let index)? = fixture.events.last
                else { break }
                let burned = scaledDebts[asset] - after.scaledDebt(of: user, asset: asset)
                #expect(burned == rayDiv(amount, index), "\(context): repay burn")
            default:
                break
            }
            custody = Fixture.custody(after: fixture.events[eventCount...], from: custody)
            for index in 0..<3 {
                let terms = after.reserve(index).configuration
                #expect(
                    UInt256(fixture.ledger.balance(of: terms.token, terms.aToken))
                        == custody[index],
                    "\(context): custody of reserve \(index)")
            }
        }
    }

    /// A liquidation lowered no debt of `user` and burned `rayDiv(repaid, index)` scaled
    /// debt (all of it when v3.3 booked a deficit); the balance fell by the repayment to
    /// within the two roundings at the index (`index / RAY + 2` wei).
    private static func checkDebtFell(
        _ liquidation: AavePool.Liquidation, user: Address, debtAsset: Int,
        before: (debts: [UInt256], scaled: [UInt256]), after: AavePool, now: UInt64,
        context: String
    ) {
        for index in before.debts.indices {
            #expect(
                after.debtBalance(of: user, asset: index, at: now) <= before.debts[index],
                "\(context): a liquidation raised debt \(index)")
        }
        let scaledAfter = after.scaledDebt(of: user, asset: debtAsset)
        guard liquidation.deficit.isZero else {
            #expect(scaledAfter.isZero, "\(context): a deficit left debt behind")
            return
        }
        let index = after.reserve(debtAsset).variableBorrowIndex
        let repaid = liquidation.call.debtRepaid
        #expect(before.scaled[debtAsset] - scaledAfter == rayDiv(repaid, index), "\(context)")
        let fall = before.debts[debtAsset] - after.debtBalance(of: user, asset: debtAsset, at: now)
        let slack = index / .ray + 2
        #expect(fall + slack >= repaid && fall <= repaid + slack, "\(context): fell \(fall)")
    }

    /// Random positions over three reserves with random terms (decimals 6, 8 or 18), a
    /// price shock and up to three liquidations, each against `ReferenceAaveLiquidation`:
    /// the same refusals, and to the wei the same health factor, repayment, collateral,
    /// protocol fee and deficits, and the balances moved by exactly those amounts. No
    /// interest, so balances are at index 1 RAY as the reference assumes.
    @Test(arguments: 0..<200 as Range<UInt64>)
    func aaveLiquidationsMatchTheReference(seed: UInt64) throws {
        var random = OperandGenerator(seed: seed)
        let version = random.choose(AavePool.Version.allCases)
        var listings: [Fixture.Listing] = []
        for index in 0..<3 {
            let threshold = UInt256(5_000 + random.next(below: 4_000))
            let bonusCeiling = Swift.min(11_500, (100_000_000 / threshold).intValue ?? 0)
            let bonus = UInt256(10_050 + random.next(below: UInt64(bonusCeiling - 10_050)))
            listings.append(
                .init(
                    symbol: "T\(index)",
                    price: random.scaled(
                        random.choose([usd("0.3"), usd("1"), usd("7.5"), usd("2000")]), percent: 50,
                        150),
                    ltvBps: threshold - 300, thresholdBps: threshold, bonusBps: bonus,
                    protocolFeeBps: random.choose([0, 500, 1_000, 2_000]),
                    decimals: random.choose([6, 8, 18])))
        }
        var fixture = AaveFixture(version: version, listings: listings)
        func amount(dollars: UInt64, asset: Int) -> UInt256 {
            UInt256(dollars) * usd("1") * wholeTokens(1, decimals: listings[asset].decimals)
                / fixture.pool.reserve(asset).price
        }
        for asset in 0..<3 {
            let deep = amount(dollars: 10_000_000, asset: asset)
            fixture.fund(Fixture.bob, asset: asset, amount: deep)
            try fixture.run(.supply(asset: asset, amount: deep), as: Fixture.bob)
            fixture.fund(Fixture.liquidator, asset: asset, amount: deep)
        }
        let user = Fixture.alice
        for asset in 0..<3 where asset == 0 || random.odds(40) {
            let supplied = amount(dollars: 500 + random.next(below: 20_000), asset: asset)
            fixture.fund(user, asset: asset, amount: supplied)
            try fixture.run(.supply(asset: asset, amount: supplied), as: user)
        }
        for asset in 0..<3 where asset == 2 || random.odds(30) {
            let wanted = random.scaled(
                fixture.borrowCapacity(of: user, asset: asset), percent: 85, 100)
            _ = try fixture.attempt(.borrow(asset: asset, amount: wanted), as: user)
        }
        // Collateral mostly falls and debt mostly rises, so most positions end liquidatable.
        for asset in 0..<3 {
            let owes = !fixture.pool.scaledDebt(of: user, asset: asset).isZero
            let (low, high): (UInt64, UInt64) = owes ? (95, 150) : (50, 105)
            let price = random.scaled(fixture.pool.reserve(asset).price, percent: low, high)
            try fixture.run(.setAssetPrice(asset: asset, price: price + 1), as: Fixture.oracle)
        }

        for attempt in 0..<3 {
            let context = "seed \(seed) attempt \(attempt) (\(version.rawValue))"
            let pool = fixture.pool
            let now = fixture.now
            let c = fixture.likelyAsset(of: user, debt: false, random: &random)
            let d = fixture.likelyAsset(of: user, debt: true, random: &random)
            let owed = pool.debtBalance(of: user, asset: d, at: now)
            let debtToCover = random.choose([UInt256.max, owed, random.share(of: owed + 1), 1])
            let receiveAToken = random.odds(30)
            let reserves = (0..<3).map { index in
                let reserve = pool.reserve(index)
                let terms = reserve.configuration
                return ReferenceAaveLiquidation.Reserve(
                    price: reserve.price, decimals: terms.decimals,
                    thresholdBps: terms.liquidationThresholdBps,
                    bonusBps: terms.liquidationBonusBps,
                    protocolFeeBps: terms.liquidationProtocolFeeBps,
                    cash: UInt256(fixture.ledger.balance(of: terms.token, terms.aToken)))
            }
            let collateral = (0..<3).map { pool.collateralBalance(of: user, asset: $0, at: now) }
            let debt = (0..<3).map { pool.debtBalance(of: user, asset: $0, at: now) }
            let expected = ReferenceAaveLiquidation.liquidate(
                version: version, reserves: reserves, collateral: collateral, debt: debt,
                collateralAsset: c, debtAsset: d, debtToCover: debtToCover,
                receiveAToken: receiveAToken)
            let liquidatorBefore =
                receiveAToken
                ? pool.collateralBalance(of: Fixture.liquidator, asset: c, at: now)
                : fixture.wallet(Fixture.liquidator, asset: c)
            let reverted = try fixture.attempt(
                .liquidationCall(
                    collateralAsset: c, debtAsset: d, user: user, debtToCover: debtToCover,
                    receiveAToken: receiveAToken), as: Fixture.liquidator)
            #expect(
                (reverted == nil) == (expected != nil),
                "\(context): \(String(describing: reverted))")
            guard reverted == nil, let expected, let liquidation = fixture.lastLiquidation else {
                continue
            }
            let after = fixture.pool
            let record = liquidation.call
            #expect(record.healthFactor == expected.healthFactor, "\(context)")
            #expect(record.debtRepaid == expected.debtRepaid, "\(context)")
            #expect(
                record.collateralSeized - record.protocolFee == expected.collateralToLiquidator,
                "\(context)")
            #expect(record.protocolFee == expected.protocolFee, "\(context)")
            for index in 0..<3 {
                #expect(
                    after.reserve(index).deficit - pool.reserve(index).deficit
                        == expected.deficits[index], "\(context): deficit \(index)")
            }
            #expect(
                after.collateralBalance(of: user, asset: c, at: now)
                    == collateral[c] - expected.collateralToLiquidator - expected.protocolFee,
                "\(context): collateral left")
            let debtLeft = after.debtBalance(of: user, asset: d, at: now)
            #expect(debtLeft == debt[d] - expected.debtRepaid - expected.deficits[d], "\(context)")
            let liquidatorAfter =
                receiveAToken
                ? after.collateralBalance(of: Fixture.liquidator, asset: c, at: now)
                : fixture.wallet(Fixture.liquidator, asset: c)
            // In kind (c == d) the liquidator also paid the debt in the same token.
            let paid = !receiveAToken && c == d ? expected.debtRepaid : .zero
            #expect(
                liquidatorAfter + paid == liquidatorBefore + expected.collateralToLiquidator,
                "\(context): liquidator's gain")
        }
    }
}

// MARK: - Compound

/// ETH, USDC (6 decimals) and WBTC (8 decimals) with mainnet-like exchange rates (0.02
/// cTokens of 8 decimals per unit), a jump-rate model, and WAD prices per whole token.
private let compoundAssets:
    [(symbol: String, decimals: Int, factor: String, rate: String, price: String)] = [
        ("ETH", 18, "0.75", "200000000", "2000"),
        ("USDC", 6, "0.8", "0.0002", "1"),
        ("WBTC", 8, "0.6", "0.02", "30000"),
    ]

private func compoundFixture() -> CompoundFixture {
    let jumpRate = CompoundComptroller.InterestRateModel(
        baseRatePerBlock: 1_000_000_000, multiplierPerBlock: 50_000_000_000,
        jumpMultiplierPerBlock: 500_000_000_000, kink: wad("0.8"))
    let markets = compoundAssets.enumerated().map { index, asset in
        (
            asset.symbol,
            { (token: TokenID, cToken: Address) in
                CompoundComptroller.MarketConfiguration(
                    underlying: token, cToken: cToken, underlyingDecimals: asset.decimals,
                    collateralFactor: wad(asset.factor), reserveFactor: wad("0.1"),
                    initialExchangeRate: wad(asset.rate), interestRateModel: jumpRate,
                    oracleAsset: index)
            }
        )
    }
    return CompoundFixture(
        closeFactor: wad("0.5"), liquidationIncentive: wad("1.08"), markets: markets)
}

extension CompoundFixture {
    /// What each cToken should hold after `events`.
    fileprivate static func custody(
        after events: ArraySlice<CompoundComptroller.Event>, from start: [UInt256]
    ) -> [UInt256] {
        var held = start
        for event in events {
            switch event {
            case .minted(let market, _, let amount, _), .repaid(let market, _, _, let amount, _, _):
                held[market] += amount
            case .redeemed(let market, _, let amount, _),
                .borrowed(let market, _, let amount, _, _):
                held[market] -= amount
            case .interestAccrued, .marketEntered, .liquidated, .oracle:
                break
            }
        }
        return held
    }

    /// `underlyingPrice` as the comptroller computes it from the view's WAD price.
    fileprivate func underlyingPrice(_ market: Int) -> UInt256 {
        let price = comptroller.oracle.prices[market]
        return price * wholeTokens(1, decimals: 18 - compoundAssets[market].decimals)
    }

    /// A market where `account` borrows (or holds cTokens), mostly; any market otherwise.
    fileprivate func likelyMarket(
        of account: Address, borrowing: Bool, random: inout OperandGenerator
    ) -> Int {
        let held = comptroller.markets.indices.filter { index in
            borrowing
                ? !comptroller.borrowSnapshot(of: account, market: index).principal.isZero
                : !comptroller.tokens(of: account, market: index).isZero
        }
        if held.isEmpty || random.odds(15) {
            return Int(random.next(below: UInt64(comptroller.markets.count)))
        }
        return random.choose(held)
    }

    /// The borrower's markets as the reference reads them.
    fileprivate func referenceMarkets(of account: Address) throws
        -> [ReferenceCompoundLiquidation.Market]
    {
        try comptroller.markets.indices.map { index in
            ReferenceCompoundLiquidation.Market(
                price: underlyingPrice(index),
                exchangeRate: try comptroller.exchangeRateStored(market: index, ledger: ledger),
                collateralFactor: comptroller.market(index).configuration.collateralFactor,
                entered: comptroller.isMember(account, market: index),
                tokens: comptroller.tokens(of: account, market: index),
                borrow: comptroller.borrowBalanceStored(of: account, market: index))
        }
    }
}

extension LendingPropertyTests {
    /// Random mint, redeem, borrow, repay, entering markets, price posts, blocks and
    /// liquidations. Before each call every market is accrued, so stored balances are
    /// current. After every call: the books balance, each cToken holds what went in minus
    /// what came out, a revert changed nothing, a repayment lowers the borrow by exactly
    /// the amount, and a liquidation succeeds exactly when `ReferenceCompoundLiquidation`
    /// says it must (so only in shortfall), with the same seize, protocol share and
    /// reserves to the wei.
    @Test(arguments: 0..<120 as Range<UInt64>)
    func compoundRandomSequencesMatchTheReference(seed: UInt64) throws {
        var random = OperandGenerator(seed: seed)
        var fixture = compoundFixture()
        let users = [CompoundFixture.geoff, CompoundFixture.supplier, Self.carol]
        let liquidator = CompoundFixture.torrey
        for (index, asset) in compoundAssets.enumerated() {
            try fixture.setPrice(index, wad(asset.price))
            let million = UInt256(1_000_000) * wad("1") * wad("1") / wad(asset.price)
            let unit = wholeTokens(1, decimals: 18 - asset.decimals)
            for user in users {
                fixture.fund(user, market: index, amount: million / unit)
            }
            // The reference assumes the liquidator can pay: a deep wallet.
            fixture.fund(liquidator, market: index, amount: 1_000 * million / unit)
        }
        var custody = [UInt256](repeating: .zero, count: compoundAssets.count)
        for step in 0..<80 {
            let context = "seed \(seed) step \(step)"
            for index in compoundAssets.indices {
                try fixture.run(.accrueInterest(market: index), as: liquidator)
            }
            let comptroller = fixture.comptroller
            let ledger = fixture.ledger
            var user = random.choose(users)
            let market = Int(random.next(below: UInt64(compoundAssets.count)))
            var caller = user
            let call: CompoundComptroller.Call
            switch random.next(below: 12) {
            case 0:
                call = .mint(
                    market: market, amount: random.share(of: fixture.wallet(user, market: market)))
            case 2:
                let held = comptroller.tokens(of: user, market: market)
                call =
                    random.odds(50)
                    ? .redeem(market: market, tokens: random.share(of: held))
                    : .redeemUnderlying(
                        market: market,
                        amount: random.share(
                            of: try comptroller.exchangeRateStored(market: market, ledger: ledger)
                                * held / wad("1")))
            case 1, 3, 4:
                let room =
                    try comptroller.accountLiquidity(of: user, ledger: ledger)?.liquidity ?? .zero
                let amount = room * wad("1") / fixture.underlyingPrice(market)
                call = .borrow(market: market, amount: random.scaled(amount + 1, percent: 80, 105))
            case 5:
                let owed = comptroller.borrowBalanceStored(of: user, market: market)
                call = .repayBorrow(
                    market: market, amount: random.odds(30) ? .max : random.share(of: owed + 1))
            case 6:
                call = .enterMarkets(compoundAssets.indices.filter { _ in random.odds(60) })
            case 7, 8:
                caller = CompoundFixture.reporter
                let price = random.scaled(comptroller.oracle.prices[market], percent: 40, 150) + 1
                call = .oracle(.postPrice(asset: market, reportedPrice: price, anchorPrice: price))
            case 9:
                fixture.blockNumber += random.next(below: 50_000)
                continue
            default:
                caller = liquidator
                if random.odds(80) {
                    user =
                        try users.max { a, b in
                            (try comptroller.accountLiquidity(of: a, ledger: ledger)?.shortfall ?? 0)
                                < (try comptroller.accountLiquidity(of: b, ledger: ledger)?
                                    .shortfall ?? 0)
                        } ?? user
                }
                let borrowed = fixture.likelyMarket(of: user, borrowing: true, random: &random)
                let owed = comptroller.borrowBalanceStored(of: user, market: borrowed)
                call = .liquidateBorrow(
                    borrowMarket: borrowed, borrower: user,
                    repayAmount: random.odds(50) ? owed / 2 : random.share(of: owed / 2 + 1),
                    collateralMarket: fixture.likelyMarket(
                        of: user, borrowing: false, random: &random))
            }

            let before = fixture.market
            let eventCount = fixture.events.count
            let snapshot = try fixture.referenceMarkets(of: user)
            let shortfall = try comptroller.accountLiquidity(of: user, ledger: ledger)?.shortfall
            let reverted = try fixture.attempt(call, as: caller)
            if reverted != nil {
                #expect(fixture.market == before, "\(context): \(call) reverted but changed state")
                #expect(fixture.events.count == eventCount, "\(context): events on a revert")
            }
            let after = fixture.comptroller
            switch call {
            case .repayBorrow(let index, _):
                guard reverted == nil,
                    case .repaid(_, _, _, let amount, _, _)? = fixture.events.last
                else { break }
                #expect(
                    after.borrowBalanceStored(of: user, market: index) == snapshot[index].borrow
                        - amount,
                    "\(context): repay")
            case .liquidateBorrow(let b, _, let repay, let c):
                let expected = ReferenceCompoundLiquidation.liquidate(
                    markets: snapshot, borrowMarket: b, collateralMarket: c, repay: repay,
                    closeFactor: comptroller.configuration.closeFactor,
                    liquidationIncentive: comptroller.configuration.liquidationIncentive)
                #expect(
                    (reverted == nil) == (expected != nil),
                    "\(context): \(String(describing: reverted))")
                if shortfall == 0 {
                    #expect(
                        reverted == Revert("LiquidateComptrollerRejection(INSUFFICIENT_SHORTFALL)"),
                        "\(context)")
                }
                guard reverted == nil, let expected, let liquidation = fixture.lastLiquidation
                else { break }
                #expect((shortfall ?? 0) > 0, "\(context): liquidated without shortfall")
                #expect(liquidation.shortfall == expected.shortfall, "\(context)")
                #expect(liquidation.call.collateralSeized == expected.seizeTokens, "\(context)")
                #expect(liquidation.call.protocolFee == expected.protocolTokens, "\(context)")
                #expect(liquidation.protocolSeizeAmount == expected.protocolAmount, "\(context)")
                #expect(
                    after.borrowBalanceStored(of: user, market: b) == snapshot[b].borrow - repay,
                    "\(context): borrow after")
                #expect(
                    after.tokens(of: user, market: c) == snapshot[c].tokens - expected.seizeTokens,
                    "\(context): borrower's cTokens")
            default:
                break
            }
            custody = CompoundFixture.custody(after: fixture.events[eventCount...], from: custody)
            for index in compoundAssets.indices {
                let terms = after.market(index).configuration
                #expect(
                    UInt256(fixture.ledger.balance(of: terms.underlying, terms.cToken))
                        == custody[index],
                    "\(context): custody of market \(index)")
            }
        }
    }
}
