import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// Small perpetuals worlds: a 1 s sequencer, one YFI-like market at $14,500 with an optional
/// scripted fall, traders against a market maker, liquidators with fixed latencies.
enum PerpWorldFixture {
    static func chain() -> ChainConfiguration {
        ChainConfiguration(
            market: .sequencer(baseFee: .gwei(1)), production: .sequencer(interval: .seconds(1)),
            gasLimits: GasLimitSchedule(initial: 200_000_000), nativeToken: TokenID(rawValue: 0))
    }

    /// YFI at $14,500, moving by `change` over `over` from `at`.
    static func market(
        change: Double = 0, at: SimTime = .minutes(5), over: SimTime = .zero,
        horizon: SimTime = .hours(2)
    ) -> MarketConfiguration {
        MarketConfiguration(
            assets: [
                MarketAsset(
                    name: "YFI", model: .constant(price: 14_500),
                    shocks: change == 0
                        ? [] : [ScriptedShock(start: at, change: change, duration: over)])
            ], resolution: .seconds(1), horizon: horizon)
    }

    static func terms(
        initialMargin: Int128 = 100_000, maintenance: Int128 = 50_000,
        fundingInterval: UInt64 = 3_600
    ) -> PerpMarketTerms {
        PerpMarketTerms(
            name: "YFI-USD", initialMarginPpm: initialMargin, maintenanceMarginPpm: maintenance,
            openInterestCap: Int128(1) << 90, liquidationPenaltyPpm: 10_000,
            funding: PerpFundingTerms(intervalSeconds: fundingInterval))
    }

    /// A book with `depth` USDC of bids within 1% of the mid, refilling with a 10-minute
    /// half-life.
    static func venue(depth: Double = 5_000_000) -> OrderBookVenue {
        OrderBookVenue(
            depth: DepthCurve(depthAtReference: depth, referenceFraction: 0.01),
            recoveryHalfLife: .minutes(10))
    }

    /// A liquidator with fixed latencies, so two of them see and send at the same instants.
    static func liquidator(_ index: Int, capital: Int128 = 50_000_000 * 1_000_000)
        -> PerpLiquidatorSettings
    {
        PerpLiquidatorSettings(
            name: "liquidator-\(index)", address: ProtocolWorld.perpLiquidator(index),
            capital: capital, observation: .fixed(milliseconds: 200),
            propagation: .fixed(milliseconds: 100))
    }

    static func perps(
        traders: PerpTraderSettings, liquidators: [PerpLiquidatorSettings],
        named: [PerpNamedAccount] = [], terms: PerpMarketTerms = terms(),
        venue: OrderBookVenue = venue(), insuranceFund: Int128 = 1_000_000 * 1_000_000,
        oracle: PerpOracleSettings = PerpOracleSettings(),
        backstop: PerpBackstopSettings? = PerpBackstopSettings(),
        spreadToMaintenanceMarginRatioPpm: Int128 = 100_000
    ) -> PerpWorldSettings {
        PerpWorldSettings(
            markets: [PerpMarketSettings(terms: terms, asset: "YFI", venue: venue)],
            insuranceFund: insuranceFund,
            spreadToMaintenanceMarginRatioPpm: spreadToMaintenanceMarginRatioPpm,
            traders: traders, namedAccounts: named,
            marketMakerCapital: 100_000_000 * 1_000_000, liquidators: liquidators, oracle: oracle,
            backstop: backstop)
    }

    static func world(
        seed: UInt64, perps: PerpWorldSettings, market: MarketConfiguration = market(),
        checks: Bool = true
    ) -> ProtocolWorldConfiguration {
        ProtocolWorldConfiguration(
            seed: seed, chain: chain(), demand: nil, market: market, collaterals: [],
            borrowers: BorrowerPopulationSettings(count: 0), keepers: [],
            checksInvariants: checks, perps: perps)
    }
}
