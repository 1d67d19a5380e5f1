import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// `lending blocks_per_second=<X>`: a two-day Aave v2 world (about 14,400 12 s blocks)
/// with 50,000 borrowers in three pairs (WETH → USDC, USDC → CRV, CRV → USDC, health
/// factors 1.1 to 3 at genesis), five liquidators, the oracle node with five operators per
/// asset, calm background congestion, ETH falling (GBM, −50%/year drift, 80% volatility,
/// −30% over two hours on day one) and CRV volatile (120%). Only `run(until:)` is timed,
/// not the genesis; the figure is the median of `RateSample.repetitions` runs.
func runLendingBench(borrowers: Int = 50_000) {
    let demand = BackgroundDemand(
        schedule: DemandSchedule([
            .init(
                start: .zero,
                level: DemandLevel(gasPerSecond: 1_500_000, medianPriceGwei: 30, spread: 0.5))
        ]))
    let market = MarketConfiguration(
        assets: [
            MarketAsset(
                name: "ETH",
                model: .geometricBrownian(
                    GeometricBrownianMotion(price: 1_500, drift: -0.5, volatility: 0.8)),
                shocks: [ScriptedShock(start: .hours(10), change: -0.3, duration: .hours(2))]),
            MarketAsset(name: "USDC", model: .constant(price: 1)),
            MarketAsset(
                name: "CRV",
                model: .geometricBrownian(
                    GeometricBrownianMotion(price: 0.5, drift: 0, volatility: 1.2))),
        ], resolution: .seconds(1), horizon: .days(2))
    let feed = FeedOperatorSettings(name: "", feed: 0)
    func asset(
        _ symbol: String, _ decimals: Int, ltv: UInt64, threshold: UInt64, bonus: UInt64,
        liquidity: UInt256
    ) -> LendingAssetSettings {
        LendingAssetSettings(
            symbol: symbol, asset: symbol == "WETH" ? "ETH" : symbol, decimals: decimals,
            ltvBps: ltv, liquidationThresholdBps: threshold, liquidationBonusBps: bonus,
            liquidity: liquidity, operators: 5, quorum: 3, operatorTemplate: feed)
    }
    let assets = [
        asset(
            "WETH", 18, ltv: 8_250, threshold: 8_600, bonus: 10_500,
            liquidity: UInt256(10_000 as UInt64) * .wad),
        asset(
            "USDC", 6, ltv: 8_000, threshold: 8_800, bonus: 10_450,
            liquidity: UInt256(10_000_000 as UInt64) * UInt256.powerOfTen(6)),
        asset(
            "CRV", 18, ltv: 5_500, threshold: 6_500, bonus: 11_000,
            liquidity: UInt256(10_000_000 as UInt64) * .wad),
    ]
    let keepers = (0..<5).map { index in
        LendingKeeperSettings(
            name: "liquidator-\(index)", address: ProtocolWorld.lendingKeeper(index),
            gas: GasPolicy(
                strategy: .baseFeeMultiple(
                    percent: 150 + 10 * UInt64(index), priorityFee: .gwei(2)),
                raisePercent: index % 2 == 0 ? 15 : nil, raiseCap: .gwei(500)),
            capital: [
                UInt256(100_000 as UInt64) * .wad,
                UInt256(200_000_000 as UInt64) * UInt256.powerOfTen(6),
                UInt256(200_000_000 as UInt64) * .wad,
            ], ethBalance: 10_000)
    }
    let lending = LendingSettings(
        kind: .aave(.v2), assets: assets,
        population: LendingPopulationSettings(
            count: borrowers,
            pairs: [
                LendingPair(collateral: 0, debt: 1), LendingPair(collateral: 1, debt: 2),
                LendingPair(collateral: 2, debt: 1),
            ], sizeMedian: 10_000, sizeSigma: 1.2, healthMinimum: 1.25, healthMaximum: 3),
        keepers: keepers)
    var configuration = ProtocolWorldConfiguration(
        seed: 1,
        chain: ChainConfiguration(
            market: .eip1559, production: .ethereumProofOfStake(),
            gasLimits: GasLimitSchedule(initial: 30_000_000), nativeToken: TokenID(rawValue: 0)),
        demand: demand, market: market, collaterals: [],
        borrowers: BorrowerPopulationSettings(count: 0), keepers: [], lending: lending)
    configuration.nativeAsset = "ETH"
    guard let (world, rates, _) = repeatedRuns("lending", configuration, phases: [.days(2)])
    else { return }
    let blocks = world.producer.core.blocksProduced
    let keepersRun = world.lending?.keepers ?? []
    let liquidations = keepersRun.reduce(0) { $0 + $1.statistics.liquidations }
    let reverted = keepersRun.reduce(0) { $0 + $1.statistics.reverted }
    let visited = keepersRun.reduce(0) { $0 + $1.indexVisited }
    let queries = keepersRun.reduce(0) { $0 + $1.indexQueries }
    print(
        "lending blocks_per_second=\(rates.median) \(rates.spread("blocks_per_second")) "
            + "blocks=\(blocks) "
            + "borrowers=\(borrowers) events=\(world.kernel.processedEvents) "
            + "liquidations=\(liquidations) reverted=\(reverted) index_queries=\(queries) "
            + "index_visited=\(visited) "
            + "oracle_reports=\(world.lending?.transmitter.includedCount ?? 0) "
            + "digest=\(world.kernel.digest)")
}
