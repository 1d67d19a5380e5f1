import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

private let oracle = Address(900)
private let matcher = Address(901)
private let backstop = Address(902)
private let custody = Address(903)
private let treasury = Address(904)
private let reporter = Address(905)
private let alice = Address(910)
private let bob = Address(911)
private let liquidator = Address(912)

/// Lending pools and a perpetuals exchange wired into `ProtocolState` beside the Maker
/// system: their calls run through the state's transaction hooks against its one ledger,
/// a bundle that reverts undoes them exactly, and the state's invariants cover them.
@Suite("Protocol state: lending and perpetuals")
struct ProtocolLendingTests {
    /// The Maker sample with USDC (6 decimals, a perp quantum each) and CRV added, an Aave
    /// v2 pool lending USDC against CRV, a Compound comptroller with one USDC market and a
    /// perpetuals exchange on USDC. Alice holds 10,000 USDC and 100,000 CRV; Bob 50,000 USDC.
    struct World {
        var state: ProtocolState
        let usdc: TokenID
        let crv: TokenID
        let aave: Int
        let compound: Int
        let perps: Int
        var events: [ProtocolState.Event] = []
        var now: UInt64

        init() {
            let sample = ProtocolSample(vaults: 2, auctions: 0)
            state = sample.state
            now = sample.now
            usdc = state.ledger.addToken(symbol: "USDC")
            crv = state.ledger.addToken(symbol: "CRV")
            var pool = AavePool(
                configuration: .init(version: .v2, treasury: treasury, oracle: oracle))
            for (token, aToken, price, decimals) in [
                (crv, Address(920), UInt256(50_000_000 as UInt64), 18),  // $0.50
                (usdc, Address(921), UInt256(100_000_000 as UInt64), 6),  // $1.00
            ] {
                _ = pool.addReserve(
                    AavePool.ReserveConfiguration(
                        token: token, aToken: aToken, decimals: decimals, ltvBps: 5_500,
                        liquidationThresholdBps: 6_000, liquidationBonusBps: 10_800,
                        liquidationProtocolFeeBps: .zero, reserveFactorBps: .zero,
                        interestRates: .zero),
                    price: price, at: now)
            }
            aave = state.addAavePool(pool)
            var comptroller = CompoundComptroller(
                configuration: .init(
                    closeFactor: .wad / 2, liquidationIncentive: .wad * 108 / 100),
                oracle: AnchoredPriceView(
                    address: Address(930), reporter: reporter, assetCount: 1,
                    toleranceWad: .wad / 5))
            _ = comptroller.addMarket(
                CompoundComptroller.MarketConfiguration(
                    underlying: usdc, cToken: Address(931), underlyingDecimals: 6,
                    collateralFactor: .wad * 3 / 4, reserveFactor: .zero,
                    initialExchangeRate: UInt256(200_000_000_000_000 as UInt64),
                    interestRateModel: .fixed(.zero), oracleAsset: 0),
                atBlock: 1)
            compound = state.addCompoundComptroller(comptroller)
            var exchange = PerpExchange(
                configuration: .init(oracle: oracle, matcher: matcher, backstopVault: backstop))
            _ = exchange.addMarket(
                PerpMarketTerms(
                    name: "CRV-USD", initialMarginPpm: 100_000, maintenanceMarginPpm: 50_000,
                    openInterestCap: 1_000_000_000_000_000, liquidationPenaltyPpm: 10_000,
                    funding: PerpFundingTerms(intervalSeconds: 3_600)),
                at: now)
            perps = state.addPerpExchange(
                exchange, wiring: PerpWiring(quote: usdc, custody: custody))
            state.ledger.mint(usdc, to: alice, amount: 10_000_000_000)
            state.ledger.mint(crv, to: alice, amount: 100_000 * 1_000_000_000_000_000_000)
            state.ledger.mint(usdc, to: bob, amount: 50_000_000_000)
        }

        var block: BlockContext { BlockContext(number: now / 12, timestamp: now) }

        /// Runs `calls` as one transaction by `caller`; the revert, or nil.
        mutating func run(_ calls: [ProtocolState.Call], as caller: Address) -> Revert? {
            runTransaction(calls, on: &state, caller: caller, block: block, events: &events)
        }

        /// Runs `calls`, expecting success and sound books after.
        mutating func mustRun(_ calls: [ProtocolState.Call], as caller: Address) throws {
            if let revert = run(calls, as: caller) {
                Issue.record("reverted: \(revert)")
            }
            try state.checkInvariants()
        }

        func balance(_ token: TokenID, _ owner: Address) -> UInt128 {
            state.ledger.balance(of: token, owner)
        }
    }

    @Test("a perpetuals deposit and withdrawal move the USDC through custody")
    func perpDepositAndWithdraw() throws {
        var world = World()
        try world.mustRun([.perp(exchange: world.perps, .openAccount(mode: .cross))], as: alice)
        let account = try #require(
            world.events.lazy.compactMap { event -> PerpAccountID? in
                guard case .perp(_, .accountOpened(let id, _, _)) = event else { return nil }
                return id
            }.last)
        try world.mustRun(
            [.perp(exchange: world.perps, .deposit(account: account, amount: 1_000_000_000))],
            as: alice)
        #expect(world.balance(world.usdc, custody) == 1_000_000_000)
        #expect(world.balance(world.usdc, alice) == 9_000_000_000)
        try world.mustRun(
            [.perp(exchange: world.perps, .withdraw(account: account, amount: 400_000_000))],
            as: alice)
        #expect(world.balance(world.usdc, custody) == 600_000_000)
        #expect(world.balance(world.usdc, alice) == 9_400_000_000)

        // More than Alice holds: refused before the exchange books anything.
        let before = world.state
        let revert = world.run(
            [.perp(exchange: world.perps, .deposit(account: account, amount: 20_000_000_000))],
            as: alice)
        #expect(revert?.reason == "USDC/insufficient-balance")
        #expect(world.state == before)
    }

    @Test("an Aave liquidation runs against the state's ledger and pays the liquidator")
    func aaveLiquidation() throws {
        var world = World()
        let (pool, crv, usdc) = (world.aave, 0, 1)
        try world.mustRun(
            [.aave(pool: pool, .supply(asset: usdc, amount: 40_000_000_000))], as: bob)
        // 20,000 CRV at $0.50 = $10,000 of collateral; borrow $5,000 (LTV 55% allows 5,500).
        try world.mustRun(
            [
                .aave(
                    pool: pool, .supply(asset: crv, amount: 20_000 * 1_000_000_000_000_000_000)),
                .aave(pool: pool, .borrow(asset: usdc, amount: 5_000_000_000)),
            ], as: alice)
        // CRV to $0.40: HF = 8,000 × 0.6 / 5,000 = 0.96.
        try world.mustRun(
            [.aave(pool: pool, .setAssetPrice(asset: crv, price: 40_000_000))], as: oracle)
        world.state.ledger.mint(world.usdc, to: liquidator, amount: 10_000_000_000)
        let liquidatorCRV = world.balance(world.crv, liquidator)
        try world.mustRun(
            [
                .aave(
                    pool: pool,
                    .liquidationCall(
                        collateralAsset: crv, debtAsset: usdc, user: alice,
                        debtToCover: 2_500_000_000, receiveAToken: false))
            ], as: liquidator)
        let liquidation = try #require(
            world.events.lazy.compactMap { event -> AavePool.Liquidation? in
                guard case .aave(_, .liquidated(let liquidation)) = event else { return nil }
                return liquidation
            }.last)
        // v2's close factor: half of the 5,000 USDC debt; 2,500 USDC buys 6,250 CRV at $0.40,
        // 6,750 with the 8% bonus.
        #expect(liquidation.call.debtRepaid == 2_500_000_000)
        let seized = UInt256(6_750 as UInt64) * .wad
        #expect(liquidation.call.collateralSeized == seized)
        #expect(UInt256(world.balance(world.crv, liquidator) - liquidatorCRV) == seized)
    }

    @Test("a bundle that reverts undoes its perpetuals, Aave and Compound calls exactly")
    func bundleRollsBackEveryProtocol() throws {
        var world = World()
        try world.mustRun([.perp(exchange: world.perps, .openAccount(mode: .cross))], as: alice)
        try world.mustRun(
            [.compound(comptroller: world.compound, .enterMarkets([0]))], as: alice)
        let before = world.state
        let revert = world.run(
            [
                .perp(exchange: world.perps, .deposit(account: PerpAccountID(1), amount: 5_000)),
                .aave(pool: world.aave, .supply(asset: 1, amount: 1_000_000_000)),
                .compound(comptroller: world.compound, .mint(market: 0, amount: 2_000_000_000)),
                .transfer(world.usdc, to: bob, amount: 1_000_000_000_000),  // more than left
            ], as: alice)
        #expect(revert != nil)
        #expect(world.state == before)
        try world.state.checkInvariants()
    }
}
