import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

/// The median-of-venues oracle and the pump-and-borrow attacker (docs/model/perps-world.md,
/// "A pump-and-borrow attacker"), in small Mango-like worlds: MNGO constant at $0.0382,
/// three thin spot venues read by a median oracle, a pool of depositors' USDC.
@Suite("Perps world: median oracle and pump-and-borrow attacker")
struct MangoWorldTests {
    static let mark: Int128 = 38_200

    static func spotVenue(depth: Double = 25_000) -> OrderBookVenue {
        OrderBookVenue(
            depth: DepthCurve(depthAtReference: depth, referenceFraction: 0.02),
            recoveryHalfLife: .minutes(30))
    }

    static func world(
        budgets: [Double], pool: Int128 = 100_000_000 * 1_000_000, backs: Bool = true,
        depth: Double = 25_000
    ) -> ProtocolWorldConfiguration {
        let terms = PerpMarketTerms(
            name: "MNGO-PERP", initialMarginPpm: 200_000, maintenanceMarginPpm: 100_000,
            openInterestCap: Int128(1) << 90, liquidationPenaltyPpm: 25_000,
            funding: PerpFundingTerms(intervalSeconds: 3_600))
        var market = PerpMarketSettings(
            terms: terms, asset: "MNGO", venue: spotVenue(depth: depth))
        market.spotVenues = [
            spotVenue(depth: depth), spotVenue(depth: depth), spotVenue(depth: depth),
        ]
        var perps = PerpWorldSettings(
            markets: [market], traders: PerpTraderSettings(count: 0), marketMakerCapital: 0,
            liquidators: [], oracle: PerpOracleSettings(markSource: .median), backstop: nil)
        perps.depositorsCapital = pool
        perps.unrealisedProfitBacksWithdrawals = backs
        perps.attacker = PumpAttackerSettings(
            depositEach: 5_000_000 * 1_000_000, size: 483_000_000 * 1_000_000_000,
            price: mark, pumpBudgets: budgets)
        return ProtocolWorldConfiguration(
            seed: 7, chain: PerpWorldFixture.chain(), demand: nil,
            market: MarketConfiguration(
                assets: [MarketAsset(name: "MNGO", model: .constant(price: 0.0382))],
                resolution: .seconds(1), horizon: .minutes(20)),
            collaterals: [], borrowers: BorrowerPopulationSettings(count: 0), keepers: [],
            checksInvariants: true, perps: perps)
    }

    static func run(_ configuration: ProtocolWorldConfiguration) throws -> ProtocolWorld {
        let world = try ProtocolWorld(configuration)
        _ = try world.run(until: .minutes(10))
        #expect(world.producer.core.invariantViolation == nil)
        return world
    }

    @Test func medianIsTheMiddleValue() {
        #expect(PerpOracle.median([0.03, 0.91, 0.05]) == 0.05)
        #expect(PerpOracle.median([2, 1]) == 2)
        #expect(PerpOracle.median([4, 1, 3, 2]) == 3)
        #expect(PerpOracle.median([]) == 0)
    }

    @Test func theMedianMovesOnlyWhenTwoVenuesMove() {
        var venues = [Self.spotVenue(), Self.spotVenue(), Self.spotVenue()]
        func median() -> Double {
            PerpOracle.median(venues.map { $0.mid(reference: 0.0382, at: .seconds(1)) })
        }
        _ = venues[0].buy(10_000_000, reference: 0.0382, at: .seconds(1))
        #expect(venues[0].mid(reference: 0.0382, at: .seconds(1)) > 0.0382)
        #expect(median() == 0.0382)
        _ = venues[2].buy(5_000_000, reference: 0.0382, at: .seconds(1))
        let second = venues[2].mid(reference: 0.0382, at: .seconds(1))
        #expect(second > 0.0382 && second < venues[0].mid(reference: 0.0382, at: .seconds(1)))
        #expect(median() == second)
    }

    @Test func theSelfTradeFillsAtTheStatedPriceAndThePumpDrains() throws {
        let world = try Self.run(Self.world(budgets: [1_440_000, 1_000_000, 1_600_000]))
        let attacker = try #require(world.perps?.attacker)
        let genesis = try #require(world.perps?.genesis)
        let books = world.producer.chain.state.perpExchanges[genesis.exchange]
        let long = try #require(genesis.attackerLong)
        let short = try #require(genesis.attackerShort)
        let bought = try #require(books.account(long).positions.first)
        let sold = try #require(books.account(short).positions.first)
        #expect(attacker.statistics.selfTradeBlock != nil)
        #expect(bought.size == 483_000_000 * 1_000_000_000 && sold.size == -bought.size)
        // 483M × $0.0382 = $18,450,600 exactly, paid by one account to the other.
        #expect(bought.entryQuote == 18_450_600 * 1_000_000)
        #expect(sold.entryQuote == -18_450_600 * 1_000_000)
        // The pump moved the median, hence the mark.
        #expect(attacker.statistics.markMaximum > 2 * Self.mark)
        #expect(
            attacker.statistics.pumpSpent > 4_039_999 && attacker.statistics.pumpSpent < 4_040_001)
        // What left is what the exchange no longer holds; bounded by the pool.
        let held = Int128(110_000_000) * 1_000_000
        #expect(attacker.statistics.withdrawn == held - books.netDeposits)
        #expect(attacker.statistics.drained > 0)
        #expect(attacker.statistics.drained <= 100_000_000 * 1_000_000)
    }

    @Test func aPoolSmallerThanTheProfitIsTakenWhole() throws {
        let pool: Int128 = 5_000_000 * 1_000_000
        let world = try Self.run(
            Self.world(budgets: [1_440_000, 1_000_000, 1_600_000], pool: pool))
        let attacker = try #require(world.perps?.attacker)
        let books = world.producer.chain.state.perpExchanges[0]
        #expect(books.netDeposits == 0)
        #expect(attacker.statistics.drained == pool)
    }

    @Test func buyingOnOneVenueOfThreeLeavesTheMarkAlone() throws {
        let world = try Self.run(Self.world(budgets: [4_000_000, 0, 0]))
        let attacker = try #require(world.perps?.attacker)
        #expect(attacker.statistics.markMaximum == Self.mark)
        #expect(attacker.statistics.drained == 0)
    }

    @Test func withoutUnrealisedProfitNothingIsDrained() throws {
        let world = try Self.run(
            Self.world(budgets: [1_440_000, 1_000_000, 1_600_000], backs: false))
        let attacker = try #require(world.perps?.attacker)
        #expect(attacker.statistics.markMaximum > 2 * Self.mark)
        #expect(attacker.statistics.drained == 0)
        #expect(attacker.statistics.withdrawn < 5_000_000 * 1_000_000)
    }
}
