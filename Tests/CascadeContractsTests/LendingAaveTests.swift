import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

// Aave's liquidation rules (REFERENCE.md §3). Aave's own test suites compute their
// expectations from live state rather than literals, so the vectors here are its constants
// and hand computations of its formulas, each derivation written beside the test.

/// Collateral C at $1 (LTV 75%, threshold 80%, bonus 5%) and debt D at $1.
private func collateralAndDebt(
    _ version: AavePool.Version, protocolFeeBps: UInt256 = .zero
) -> AaveFixture {
    AaveFixture(
        version: version,
        listings: [
            .init(symbol: "C", price: usd("1"), protocolFeeBps: protocolFeeBps),
            .init(symbol: "D", price: usd("1")),
        ])
}

/// INTERFACE.md's `liquidation_call` fields, in order.
let liquidationCallFields = [
    "protocol", "borrower", "liquidator", "debt_asset", "collateral_asset", "debt_to_cover",
    "health_factor", "close_factor", "debt_repaid", "collateral_seized", "bonus",
    "protocol_fee", "debt_price", "collateral_price",
]

@Suite("LendingAaveTests")
struct LendingAaveTests {
    private typealias Fixture = AaveFixture

    /// aave-v3-core LiquidationLogic.sol / ValidationLogic.sol and aave-v3-origin
    /// LiquidationLogic.sol: DEFAULT_LIQUIDATION_CLOSE_FACTOR = 0.5e4,
    /// MAX_LIQUIDATION_CLOSE_FACTOR = 1e4, CLOSE_FACTOR_HF_THRESHOLD = 0.95e18,
    /// HEALTH_FACTOR_LIQUIDATION_THRESHOLD = 1e18, MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD =
    /// 2000e8, MIN_LEFTOVER_BASE = MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD / 2 = 1000e8.
    @Test func constantsMatchUpstream() {
        #expect(AavePool.defaultLiquidationCloseFactorBps == 5_000)
        #expect(AavePool.maxLiquidationCloseFactorBps == 10_000)
        #expect(AavePool.closeFactorHealthFactorThreshold == wad("0.95"))
        #expect(AavePool.healthFactorLiquidationThreshold == wad("1"))
        #expect(AavePool.minBaseMaxCloseFactorThreshold == usd("2000"))
        #expect(AavePool.minLeftoverBase == usd("1000"))
        #expect(AavePool.minLeftoverBase == AavePool.minBaseMaxCloseFactorThreshold / 2)
    }

    /// v3 close factor: 100% at a health factor of exactly 0.95e18 (inclusive, REFERENCE.md
    /// §3.2). 2,375 C at $0.50 is $1,187.50; percentMul(1187.5e8, 8000) = 950e8; against
    /// 1,000 D of debt, wadDiv(950e8, 1000e8) = 0.95e18. The whole 1,000 D may be repaid,
    /// for 1000e18·1e8/0.5e8 = 2000e18 C, percentMul(·, 10500) = 2100e18 C.
    @Test func closeFactorIsFullAtExactlyPointNinetyFive() throws {
        var fixture = collateralAndDebt(.v3)
        try fixture.openPosition(
            Fixture.alice, collateral: wad("2375"), debt: wad("1000"), liquidity: wad("5000"))
        try fixture.run(.setAssetPrice(asset: 0, price: usd("0.5")), as: Fixture.oracle)
        #expect(fixture.pool.healthFactor(of: Fixture.alice, at: fixture.now) == wad("0.95"))

        fixture.fund(Fixture.liquidator, asset: 1, amount: wad("1000"))
        try fixture.run(
            .liquidationCall(
                collateralAsset: 0, debtAsset: 1, user: Fixture.alice, debtToCover: .max,
                receiveAToken: false), as: Fixture.liquidator)
        let liquidation = try #require(fixture.lastLiquidation)
        #expect(liquidation.call.closeFactor == wad("1"))
        #expect(liquidation.maxLiquidatableDebt == wad("1000"))
        #expect(liquidation.call.debtRepaid == wad("1000"))
        #expect(liquidation.call.collateralSeized == wad("2100"))
        #expect(fixture.wallet(Fixture.liquidator, asset: 0) == wad("2100"))
        #expect(fixture.pool.debtBalance(of: Fixture.alice, asset: 1, at: fixture.now) == 0)
    }

    /// Just above 0.95 the v3 close factor is 50%: at $0.50000001 the collateral is
    /// 118750002375 base units, percentMul(·, 8000) = 95000001900, so the health factor is
    /// 950000019000000000. At most percentMul(1000e18, 5000) = 500e18 D is repaid, for
    /// ⌊500e18·1e8·1e18 / (50000001·1e18)⌋ = 999999980000000399999 C,
    /// percentMul(·, 10500) = 1049999979000000419999 C.
    @Test func closeFactorIsHalfJustAbovePointNinetyFive() throws {
        var fixture = collateralAndDebt(.v3)
        try fixture.openPosition(
            Fixture.alice, collateral: wad("2375"), debt: wad("1000"), liquidity: wad("5000"))
        try fixture.run(.setAssetPrice(asset: 0, price: 50_000_001), as: Fixture.oracle)
        #expect(
            fixture.pool.healthFactor(of: Fixture.alice, at: fixture.now) == 950_000_019_000_000_000
        )

        fixture.fund(Fixture.liquidator, asset: 1, amount: wad("1000"))
        try fixture.run(
            .liquidationCall(
                collateralAsset: 0, debtAsset: 1, user: Fixture.alice, debtToCover: .max,
                receiveAToken: false), as: Fixture.liquidator)
        let liquidation = try #require(fixture.lastLiquidation)
        #expect(liquidation.call.closeFactor == wad("0.5"))
        #expect(liquidation.call.debtRepaid == wad("500"))
        #expect(liquidation.call.collateralSeized == 1_049_999_979_000_000_419_999)
        #expect(
            fixture.pool.debtBalance(of: Fixture.alice, asset: 1, at: fixture.now) == wad("500"))
    }

    /// v2 applies the bonus before dividing by the collateral price, v3 after
    /// (REFERENCE.md §3.3). Collateral at $2.50, debt at $1, bonus 10500, 18 decimals,
    /// debtToCover = 5e18 + 24:
    /// - v3: ⌊(5e18 + 24)·1e8/2.5e8⌋ = 2e18 + 9, percentMul(·, 10500) =
    ///   ⌊((2e18 + 9)·10500 + 5000) / 10000⌋ = 2100000000000000009;
    /// - v2: percentMul((5e18 + 24)·1e8·1e18, 10500) = (5e18 + 24)·1.05e26 exactly, then
    ///   ⌊· / 2.5e26⌋ = ⌊2.1e18 + 10.08⌋ = 2100000000000000010.
    /// The position (10 C bought at $3, 20 D borrowed, threshold 78%) has a health factor of
    /// percentMul(25e8, 7800)/20e8 = 0.975 at $2.50, so both versions close 50%.
    @Test(arguments: [
        (AavePool.Version.v2, 2_100_000_000_000_000_010 as UInt256),
        (.v3, 2_100_000_000_000_000_009),
    ])
    func bonusRoundingDiffersBetweenVersions(version: AavePool.Version, seized: UInt256) throws {
        var fixture = AaveFixture(
            version: version,
            listings: [
                .init(symbol: "C", price: usd("3"), ltvBps: 7_000, thresholdBps: 7_800),
                .init(symbol: "D", price: usd("1")),
            ])
        try fixture.openPosition(
            Fixture.alice, collateral: wad("10"), debt: wad("20"), liquidity: wad("100"))
        try fixture.run(.setAssetPrice(asset: 0, price: usd("2.5")), as: Fixture.oracle)
        #expect(fixture.pool.healthFactor(of: Fixture.alice, at: fixture.now) == wad("0.975"))

        let debtToCover = wad("5") + 24
        fixture.fund(Fixture.liquidator, asset: 1, amount: debtToCover)
        try fixture.run(
            .liquidationCall(
                collateralAsset: 0, debtAsset: 1, user: Fixture.alice, debtToCover: debtToCover,
                receiveAToken: false), as: Fixture.liquidator)
        let liquidation = try #require(fixture.lastLiquidation)
        #expect(liquidation.call.closeFactor == wad("0.5"))
        #expect(liquidation.call.debtRepaid == debtToCover)
        #expect(liquidation.call.collateralSeized == seized)
        #expect(fixture.wallet(Fixture.liquidator, asset: 0) == seized)
    }

    /// liquidation-with-fee.spec.ts: "Sets the WETH protocol liquidation fee to 1000
    /// (10.00%)". The fee is 10% of the bonus part of the collateral. At $0.49 the position
    /// has a health factor of 0.931 (full close factor); repaying 777 D buys
    /// ⌊777e26/0.49e8⌋ = 1585714285714285714285 C, percentMul(·, 10500) = X =
    /// 1664999999999999999999; the bonus part X − percentDiv(X, 10500) =
    /// 79285714285714285714, and the fee percentMul(·, 1000) = 7928571428571428571.
    @Test func protocolFeeIsTenPercentOfTheBonus() throws {
        var fixture = collateralAndDebt(.v3, protocolFeeBps: 1_000)
        try fixture.openPosition(
            Fixture.alice, collateral: wad("2375"), debt: wad("1000"), liquidity: wad("5000"))
        try fixture.run(.setAssetPrice(asset: 0, price: usd("0.49")), as: Fixture.oracle)
        #expect(fixture.pool.healthFactor(of: Fixture.alice, at: fixture.now) == wad("0.931"))

        fixture.fund(Fixture.liquidator, asset: 1, amount: wad("777"))
        try fixture.run(
            .liquidationCall(
                collateralAsset: 0, debtAsset: 1, user: Fixture.alice, debtToCover: wad("777"),
                receiveAToken: false), as: Fixture.liquidator)
        let liquidation = try #require(fixture.lastLiquidation)
        let fee: UInt256 = 7_928_571_428_571_428_571
        #expect(liquidation.call.collateralSeized == 1_664_999_999_999_999_999_999)
        #expect(liquidation.call.protocolFee == fee)
        #expect(liquidation.call.bonus == wad("1.05"))
        #expect(fixture.wallet(Fixture.liquidator, asset: 0) == 1_657_071_428_571_428_571_428)
        #expect(fixture.pool.treasuryBalance(asset: 0, at: fixture.now) == fee)
        // The trace carries INTERFACE.md's fields first, then Aave's own.
        let event = try #require(fixture.events.last)
        let fields = event.traceFields { ["C", "D"][$0] }
        #expect(event.traceType == "liquidation_call")
        #expect(Array(fields.map(\.name).prefix(14)) == liquidationCallFields)
        #expect(
            fields[0].value == "aave-v3" && fields[3].value == "D" && fields[11].value == "\(fee)")
        #expect(
            fixture.pool.collateralBalance(of: Fixture.alice, asset: 0, at: fixture.now)
                == wad("2375") - 1_664_999_999_999_999_999_999)
    }

    /// The collateral-capped branch of REFERENCE.md §3.3: at $0.40 the 2,375 C are worth
    /// $950 while 1,000 D plus 5% would need 2,625 C. All 2,375 C are taken and the debt
    /// repaid is percentDiv(0.4e8·2375e18·1e18 / (1e8·1e18), 10500) = percentDiv(950e18,
    /// 10500) = 904761904761904761905; 95238095238095238095 D stay owed with no collateral.
    /// v3.0 leaves that as bad debt on the account; v3.3 burns it into the deficit.
    @Test(arguments: [AavePool.Version.v3, .v3dot3])
    func collateralCappedLiquidation(version: AavePool.Version) throws {
        var fixture = collateralAndDebt(version)
        try fixture.openPosition(
            Fixture.alice, collateral: wad("2375"), debt: wad("1000"), liquidity: wad("5000"))
        try fixture.run(.setAssetPrice(asset: 0, price: usd("0.4")), as: Fixture.oracle)
        #expect(fixture.pool.healthFactor(of: Fixture.alice, at: fixture.now) == wad("0.76"))

        fixture.fund(Fixture.liquidator, asset: 1, amount: wad("1000"))
        try fixture.run(
            .liquidationCall(
                collateralAsset: 0, debtAsset: 1, user: Fixture.alice, debtToCover: .max,
                receiveAToken: false), as: Fixture.liquidator)
        let repaid: UInt256 = 904_761_904_761_904_761_905
        let left: UInt256 = 95_238_095_238_095_238_095
        let liquidation = try #require(fixture.lastLiquidation)
        #expect(liquidation.call.debtRepaid == repaid)
        #expect(liquidation.call.collateralSeized == wad("2375"))
        #expect(fixture.wallet(Fixture.liquidator, asset: 1) == wad("1000") - repaid)
        #expect(fixture.pool.collateralBalance(of: Fixture.alice, asset: 0, at: fixture.now) == 0)
        switch version {
        case .v3dot3:
            #expect(liquidation.deficit == left)
            #expect(fixture.pool.reserve(1).deficit == left)
            #expect(fixture.pool.debtBalance(of: Fixture.alice, asset: 1, at: fixture.now) == 0)
            #expect(fixture.pool.accountsWithBadDebt.isEmpty)
            #expect(
                fixture.events.contains(
                    .deficitCreated(asset: 1, user: Fixture.alice, amount: left)))
        default:
            #expect(liquidation.deficit == 0)
            #expect(fixture.pool.reserve(1).deficit == 0)
            #expect(fixture.pool.debtBalance(of: Fixture.alice, asset: 1, at: fixture.now) == left)
            #expect(fixture.pool.accountsWithBadDebt == [Fixture.alice])
            #expect(fixture.pool.badDebt(asset: 1, at: fixture.now) == left)
        }
    }

    /// v3.3's MUST_NOT_LEAVE_DUST (REFERENCE.md §3.2): 4,000 C at $0.70 ($2,800) against
    /// 2,500 D is a health factor of 0.896, so the full debt may be repaid. Repaying 2,000 D
    /// would leave $500 of debt (and 4000e18 − 3000e18 C = $700): refused. Repaying 1,000 D
    /// leaves $1,500 of debt and 2500e18 + 1 C ($1,750): allowed. Repaying everything is
    /// always allowed.
    @Test func v3dot3RefusesToLeaveDust() throws {
        var fixture = collateralAndDebt(.v3dot3)
        try fixture.openPosition(
            Fixture.alice, collateral: wad("4000"), debt: wad("2500"), liquidity: wad("5000"))
        try fixture.run(.setAssetPrice(asset: 0, price: usd("0.7")), as: Fixture.oracle)
        #expect(fixture.pool.healthFactor(of: Fixture.alice, at: fixture.now) == wad("0.896"))
        fixture.fund(Fixture.liquidator, asset: 1, amount: wad("2500"))

        let before = fixture.market
        #expect(throws: Revert("MUST_NOT_LEAVE_DUST")) {
            try fixture.run(
                .liquidationCall(
                    collateralAsset: 0, debtAsset: 1, user: Fixture.alice,
                    debtToCover: wad("2000"), receiveAToken: false), as: Fixture.liquidator)
        }
        #expect(fixture.market == before)

        try fixture.run(
            .liquidationCall(
                collateralAsset: 0, debtAsset: 1, user: Fixture.alice, debtToCover: wad("1000"),
                receiveAToken: false), as: Fixture.liquidator)
        #expect(fixture.lastLiquidation?.call.collateralSeized == 1_499_999_999_999_999_999_999)
        #expect(
            fixture.pool.debtBalance(of: Fixture.alice, asset: 1, at: fixture.now) == wad("1500"))

        try fixture.run(
            .liquidationCall(
                collateralAsset: 0, debtAsset: 1, user: Fixture.alice, debtToCover: .max,
                receiveAToken: false), as: Fixture.liquidator)
        #expect(fixture.pool.debtBalance(of: Fixture.alice, asset: 1, at: fixture.now) == 0)
    }

    /// v3.3's close factor: with both sides at least $2,000 and a health factor above 0.95,
    /// at most half the account's total debt: 4,000 C at $0.75 against 2,500 D is a health
    /// factor of 0.96, so 1,250 D. A position under $2,000 at the same health factor may be
    /// closed whole.
    @Test func v3dot3HalvesOnlyLargePositionsAboveThreshold() throws {
        var large = collateralAndDebt(.v3dot3)
        try large.openPosition(
            Fixture.alice, collateral: wad("4000"), debt: wad("2500"), liquidity: wad("5000"))
        try large.run(.setAssetPrice(asset: 0, price: usd("0.75")), as: Fixture.oracle)
        #expect(large.pool.healthFactor(of: Fixture.alice, at: large.now) == wad("0.96"))
        large.fund(Fixture.liquidator, asset: 1, amount: wad("2500"))
        try large.run(
            .liquidationCall(
                collateralAsset: 0, debtAsset: 1, user: Fixture.alice, debtToCover: .max,
                receiveAToken: false), as: Fixture.liquidator)
        #expect(large.lastLiquidation?.maxLiquidatableDebt == wad("1250"))
        #expect(large.lastLiquidation?.call.closeFactor == wad("0.5"))
        #expect(large.lastLiquidation?.call.debtRepaid == wad("1250"))

        var small = collateralAndDebt(.v3dot3)
        try small.openPosition(
            Fixture.alice, collateral: wad("400"), debt: wad("250"), liquidity: wad("5000"))
        try small.run(.setAssetPrice(asset: 0, price: usd("0.75")), as: Fixture.oracle)
        #expect(small.pool.healthFactor(of: Fixture.alice, at: small.now) == wad("0.96"))
        small.fund(Fixture.liquidator, asset: 1, amount: wad("250"))
        try small.run(
            .liquidationCall(
                collateralAsset: 0, debtAsset: 1, user: Fixture.alice, debtToCover: .max,
                receiveAToken: false), as: Fixture.liquidator)
        #expect(small.lastLiquidation?.call.closeFactor == wad("1"))
        #expect(small.lastLiquidation?.call.debtRepaid == wad("250"))
    }

    /// A healthy position cannot be liquidated, and the refusal changes nothing.
    @Test func healthyPositionIsNotLiquidatable() throws {
        var fixture = collateralAndDebt(.v3)
        try fixture.openPosition(
            Fixture.alice, collateral: wad("2375"), debt: wad("1000"), liquidity: wad("5000"))
        fixture.fund(Fixture.liquidator, asset: 1, amount: wad("1000"))
        let before = fixture.market
        #expect(throws: Revert("HEALTH_FACTOR_NOT_BELOW_THRESHOLD")) {
            try fixture.run(
                .liquidationCall(
                    collateralAsset: 0, debtAsset: 1, user: Fixture.alice, debtToCover: .max,
                    receiveAToken: false), as: Fixture.liquidator)
        }
        #expect(fixture.market == before)
    }

    /// Borrowing checks LTV; withdrawing checks the health factor after; the oracle alone
    /// sets prices.
    @Test func borrowAndWithdrawChecks() throws {
        var fixture = collateralAndDebt(.v3)
        try fixture.openPosition(
            Fixture.alice, collateral: wad("1000"), debt: wad("700"), liquidity: wad("5000"))
        // (700 + 51)·1e8 percentDiv 7500 = 1001.33e8 > 1000e8.
        #expect(throws: Revert("COLLATERAL_CANNOT_COVER_NEW_BORROW")) {
            try fixture.run(.borrow(asset: 1, amount: wad("51")), as: Fixture.alice)
        }
        try fixture.run(.borrow(asset: 1, amount: wad("50")), as: Fixture.alice)
        // 750 D against a threshold of 80%: at most 62.5 C may leave.
        #expect(throws: Revert("HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD")) {
            try fixture.run(.withdraw(asset: 0, amount: wad("62.6")), as: Fixture.alice)
        }
        try fixture.run(.withdraw(asset: 0, amount: wad("62.5")), as: Fixture.alice)
        #expect(fixture.pool.healthFactor(of: Fixture.alice, at: fixture.now) == wad("1"))
        #expect(throws: Revert("CALLER_NOT_ORACLE")) {
            try fixture.run(.setAssetPrice(asset: 0, price: usd("2")), as: Fixture.alice)
        }
        try fixture.run(.repay(asset: 1, amount: .max), as: Fixture.alice)
        try fixture.run(.withdraw(asset: 0, amount: .max), as: Fixture.alice)
        #expect(fixture.wallet(Fixture.alice, asset: 0) == wad("1000"))
        #expect(fixture.pool.reserve(0).scaledSupply == 0)
    }

    /// Interest by index (REFERENCE.md §3.1; MathUtils.sol). A fixed 10% borrow rate over
    /// 365 days: v3's binomial expansion gives an index of 1105162042821782412575504000
    /// (1 + 0.1 + 0.00499… + 0.000166…, each term truncated), v2's
    /// 1105167270015202188556648000, so 1,000 D grow to 1105162042821782412576 and
    /// 1105167270015202188557 (rayMul rounds half up). Suppliers earn the linear rate
    /// 10% × 20% usage = 2%: 5,000 D become 5,100 D.
    @Test(arguments: [
        (AavePool.Version.v3, 1_105_162_042_821_782_412_576 as UInt256),
        (.v2, 1_105_167_270_015_202_188_557),
    ])
    func debtCompoundsAndSupplyEarnsLinearly(version: AavePool.Version, owed: UInt256) throws {
        let tenPercent = AaveInterestRateStrategy(
            optimalUsageRatio: ray("0.8"), baseVariableBorrowRate: ray("0.1"),
            variableRateSlope1: .zero, variableRateSlope2: .zero)
        var fixture = AaveFixture(
            version: version,
            listings: [
                .init(symbol: "C", price: usd("1")),
                .init(symbol: "D", price: usd("1"), rates: tenPercent),
            ])
        try fixture.openPosition(
            Fixture.alice, collateral: wad("10000"), debt: wad("1000"), liquidity: wad("5000"))
        #expect(fixture.pool.reserve(1).currentLiquidityRate == ray("0.02"))
        fixture.now += 31_536_000
        #expect(fixture.pool.debtBalance(of: Fixture.alice, asset: 1, at: fixture.now) == owed)
        #expect(
            fixture.pool.collateralBalance(of: Fixture.bob, asset: 1, at: fixture.now)
                == wad("5100"))
        fixture.fund(Fixture.alice, asset: 1, amount: wad("200"))
        try fixture.run(.repay(asset: 1, amount: .max), as: Fixture.alice)
        #expect(fixture.wallet(Fixture.alice, asset: 1) == wad("1200") - owed)
        #expect(fixture.pool.reserve(1).scaledVariableDebt == 0)
    }
}
