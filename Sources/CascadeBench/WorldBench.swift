import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// `world blocks_per_second=<X>`: a two-day protocol world (about 14,400 12 s blocks) with
/// 10,000 vaults, 10 keepers, one feed of 13 operators, the OSM poker, an arbitrageur,
/// background congestion (20% above the gas target, doubling for the crash's six hours)
/// and a falling price (ETH from $200 with −50%/year drift and 80% volatility, and a 35%
/// fall over two hours on day one). Only `run(until:)` is timed, not the genesis; the
/// figure is the median of `RateSample.repetitions` runs, each from its own genesis.
func runWorldBench() {
    let calm = DemandLevel(gasPerSecond: 1_500_000, medianPriceGwei: 30, spread: 0.5)
    let crash = DemandLevel(gasPerSecond: 3_000_000, medianPriceGwei: 150, spread: 0.5)
    let demand = BackgroundDemand(
        schedule: DemandSchedule([
            .init(start: .zero, level: calm), .init(start: .hours(10), level: crash),
            .init(start: .hours(16), level: calm),
        ]))
    let market = MarketConfiguration(
        assets: [
            MarketAsset(
                name: "ETH",
                model: .geometricBrownian(
                    GeometricBrownianMotion(price: 200, drift: -0.5, volatility: 0.8)),
                shocks: [ScriptedShock(start: .hours(10), change: -0.35, duration: .hours(2))])
        ], resolution: .seconds(1), horizon: .days(2))
    let keepers = (0..<10).map { index in
        KeeperSettings(
            name: "keeper-\(index)", address: ProtocolWorld.keeper(index),
            gas: GasPolicy(
                strategy: .baseFeeMultiple(
                    percent: 150 + 10 * UInt64(index), priorityFee: .gwei(2)),
                ceiling: .gwei(300), raisePercent: index % 2 == 0 ? 15 : nil,
                raiseCap: .gwei(500)),
            daiCapital: UInt64(20_000 * (index + 1)), ethBalance: 10_000,
            usesFlashTakes: index % 3 != 0, maxNewTransactionsPerBlock: 4)
    }
    let configuration = ProtocolWorldConfiguration(
        seed: 1,
        chain: ChainConfiguration(
            market: .eip1559, production: .ethereumProofOfStake(),
            gasLimits: GasLimitSchedule(initial: 30_000_000), nativeToken: TokenID(rawValue: 0)),
        demand: demand, market: market,
        collaterals: [CollateralSettings(liquidation: CollateralSettings.clipperTerms)],
        borrowers: BorrowerPopulationSettings(count: 10_000),
        keepers: keepers,
        arbitrageurs: [ArbitrageurSettings(address: ProtocolWorld.arbitrageur(0))])
    // Timed in two phases, because they cost very differently: the first 16 hours have no
    // auction yet (the index answers "nothing unsafe" each block); after them up to 1,400
    // auctions are live at once and every keeper keeps pricing them.
    guard
        let (world, total, phases) = repeatedRuns(
            "world", configuration, phases: [.hours(16), .days(2)])
    else { return }
    let blocks = world.producer.core.blocksProduced
    let state = world.producer.chain.state
    let liquidations = world.keepers.reduce(0) { $0 + $1.statistics.liquidations }
    let takes = world.keepers.reduce(0) { $0 + $1.statistics.takes }
    let reads = world.keepers.first?.auctionReads ?? (shared: 0, made: 0)
    let redos = world.keepers.reduce(0) { $0 + $1.statistics.redos }
    let readCounts = "auction_reads_shared=\(reads.shared) auction_reads_made=\(reads.made)"
    print(
        "world blocks_per_second=\(total.median) \(total.spread("blocks_per_second")) "
            + "blocks=\(blocks) quiet_blocks_per_second=\(phases[0].median) "
            + "busy_blocks_per_second=\(phases[1].median) "
            + "events=\(world.kernel.processedEvents) liquidations=\(liquidations) "
            + "takes=\(takes) live_auctions=\(state.maker.liveAuctionIDs.count) "
            + "oracle_stalls=\(world.transmitters[0].stalledCount) "
            + "redos=\(redos) \(readCounts) "
            + "digest=\(world.kernel.digest)")
}
