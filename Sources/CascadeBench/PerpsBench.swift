import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// `perps blocks_per_second=<X>`: one day of 1 s sequencer blocks (86,400) on a perpetuals
/// exchange with 10 markets and 1,000 traders (100 a market, 70% long, 2–8× leverage, half
/// cross, each acting about 4 times a day), 3 liquidators, the oracle posting every market
/// each second (0.01% deviation, 1-minute heartbeat) and paying hourly funding, and the
/// backstop agent. Prices: GBM at 60–150% volatility; markets 0 and 1 fall 30% over an hour
/// at 06:00 and 12:00, so liquidations, backstops and fund draws happen. Only
/// `run(until:)` is timed, not the genesis; the figure is the median of
/// `RateSample.repetitions` runs.
func runPerpsBench(days: Int64 = 1) {
    let names = ["BTC", "ETH", "SOL", "YFI", "LINK", "AVAX", "DOGE", "ARB", "OP", "UNI"]
    let prices: [Double] = [60_000, 3_000, 150, 14_500, 15, 35, 0.1, 1.2, 2.5, 7]
    var assets: [MarketAsset] = []
    var markets: [PerpMarketSettings] = []
    for (index, name) in names.enumerated() {
        let shocks =
            index < 2
            ? [
                ScriptedShock(
                    start: .hours(6 + 6 * Int64(index)), change: -0.3, duration: .hours(1))
            ]
            : []
        assets.append(
            MarketAsset(
                name: name,
                model: .geometricBrownian(
                    GeometricBrownianMotion(
                        price: prices[index], drift: 0, volatility: 0.6 + 0.1 * Double(index))),
                shocks: shocks))
        markets.append(
            PerpMarketSettings(
                terms: PerpMarketTerms(
                    name: "\(name)-USD", initialMarginPpm: 100_000, maintenanceMarginPpm: 50_000,
                    openInterestCap: Int128(1) << 100, liquidationPenaltyPpm: 10_000,
                    funding: PerpFundingTerms(intervalSeconds: 3_600)),
                asset: name,
                venue: OrderBookVenue(
                    depth: DepthCurve(depthAtReference: 2_000_000, referenceFraction: 0.01),
                    recoveryHalfLife: .minutes(10))))
    }
    let perps = PerpWorldSettings(
        markets: markets, insuranceFund: 5_000_000 * 1_000_000,
        traders: PerpTraderSettings(
            count: 1_000, longShare: 0.7, notionalMedian: 20_000, leverageMinimum: 2,
            leverageMaximum: 8, actionsPerDay: 4),
        marketMakerCapital: 500_000_000 * 1_000_000,
        liquidators: (0..<3).map { index in
            PerpLiquidatorSettings(
                name: "liquidator-\(index)", address: ProtocolWorld.perpLiquidator(index),
                capital: 20_000_000 * 1_000_000)
        },
        oracle: PerpOracleSettings(deviation: 0.0001))
    let configuration = ProtocolWorldConfiguration(
        seed: 1,
        chain: ChainConfiguration(
            market: .sequencer(baseFee: .gwei(1)), production: .sequencer(interval: .seconds(1)),
            gasLimits: GasLimitSchedule(initial: 200_000_000), nativeToken: TokenID(rawValue: 0)),
        demand: nil,
        market: MarketConfiguration(
            assets: assets, resolution: .seconds(1), horizon: .days(days)),
        collaterals: [], borrowers: BorrowerPopulationSettings(count: 0), keepers: [],
        perps: perps)
    guard let (world, rates, _) = repeatedRuns("perps", configuration, phases: [.days(days)])
    else { return }
    let blocks = world.producer.core.blocksProduced
    guard let agents = world.perps else { return }
    let books = world.producer.chain.state.perpExchanges[agents.genesis.exchange]
    let liquidations = agents.liquidators.reduce(0) { $0 + $1.statistics.liquidations }
    print(
        "perps blocks_per_second=\(rates.median) \(rates.spread("blocks_per_second")) "
            + "blocks=\(blocks) "
            + "events=\(world.kernel.processedEvents) traders=\(agents.genesis.traders.count) "
            + "liquidations=\(liquidations) "
            + "backstops=\(agents.backstop?.statistics.backstops ?? 0) "
            + "price_updates=\(agents.oracle.statistics.priceUpdates) "
            + "insurance_fund=\(books.insuranceFund) digest=\(world.kernel.digest)")
}
