import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// Small protocol worlds for the race tests, and an observer that records what the race
/// ledger would: every liquidation attempt and the prices per block.
enum ProtocolWorldFixture {
    static func chain() -> ChainConfiguration {
        ChainConfiguration(
            market: .eip1559, production: .ethereumProofOfStake(missedPerMillion: 0),
            gasLimits: GasLimitSchedule(initial: 30_000_000), nativeToken: TokenID(rawValue: 0))
    }

    /// A venue too deep for any test trade to move: the lending tests' books.
    static let deepVenue = OrderBookVenue(
        depth: DepthCurve(depthAtReference: 1e12, referenceFraction: 0.01),
        recoveryHalfLife: .minutes(1))

    /// A lending feed operator observing every 10 s, 1 s behind, without noise.
    static let lendingFeed = FeedOperatorSettings(
        name: "", feed: 0, interval: .seconds(10), observationDelay: .seconds(1), noise: 0)

    /// A lending world on `chain()` with no Maker parts and invariants checked; gas is
    /// valued in `nativeAsset`.
    static func lendingWorld(
        seed: UInt64, market: MarketConfiguration, lending: LendingSettings,
        nativeAsset: String = "ETH"
    ) -> ProtocolWorldConfiguration {
        var configuration = ProtocolWorldConfiguration(
            seed: seed, chain: chain(), demand: nil, market: market, collaterals: [],
            borrowers: BorrowerPopulationSettings(count: 0), keepers: [],
            checksInvariants: true, lending: lending)
        configuration.nativeAsset = nativeAsset
        return configuration
    }

    /// ETH at $200, falling by `crash` at `crashAt` (an instant shock).
    static func market(
        crash: Double = -0.3, crashAt: SimTime = .seconds(60), horizon: SimTime = .hours(3)
    ) -> MarketConfiguration {
        MarketConfiguration(
            assets: [
                MarketAsset(
                    name: "ETH", model: .constant(price: 200),
                    shocks: [ScriptedShock(start: crashAt, change: crash)])
            ], resolution: .seconds(1), horizon: horizon)
    }

    static func collateral(
        liquidation: MakerSystem.Liquidation = CollateralSettings.clipperTerms,
        hop: UInt16 = 60,
        transmitterGas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 150, priorityFee: .gwei(2)))
    ) -> CollateralSettings {
        CollateralSettings(
            liquidation: liquidation, hopSeconds: hop, poolCollateral: 5_000,
            operators: 3, quorum: 2,
            operatorTemplate: FeedOperatorSettings(
                name: "", feed: 0, interval: .seconds(10), observationDelay: .seconds(1),
                noise: 0),
            transmitter: FeedTransmitterSettings(
                name: "", address: .zero, gas: transmitterGas))
    }

    /// A keeper with fixed latencies (so two keepers see and send at the same instants)
    /// and a fixed bid of `gwei` (tip and cap).
    static func keeper(
        _ index: Int, gwei: UInt64, raisePercent: UInt64? = nil, dai: UInt64 = 100_000,
        flash: Bool = false
    ) -> KeeperSettings {
        KeeperSettings(
            name: "keeper-\(index)", address: ProtocolWorld.keeper(index),
            observation: .fixed(milliseconds: 200), propagation: .fixed(milliseconds: 100),
            gas: GasPolicy(
                strategy: .fixed(.eip1559(maxFee: .gwei(gwei), priorityFee: .gwei(gwei))),
                raisePercent: raisePercent),
            daiCapital: dai, usesFlashTakes: flash)
    }

    static func borrowers(
        count: Int, ratio: Double = 1.6, size: Double = 10, reactive: Double = 0
    ) -> BorrowerPopulationSettings {
        BorrowerPopulationSettings(
            count: count, sizeMedian: size, sizeSigma: count == 1 ? 0 : 0.5,
            ratioMinimum: ratio, ratioMaximum: count == 1 ? ratio : ratio + 1.0,
            reactiveShare: reactive)
    }

    static func world(
        seed: UInt64, keepers: [KeeperSettings], borrowers: BorrowerPopulationSettings,
        market: MarketConfiguration = market(), collateral: CollateralSettings = collateral(),
        demand: BackgroundDemand? = nil, arbitrage: Bool = false, checks: Bool = true
    ) -> ProtocolWorldConfiguration {
        ProtocolWorldConfiguration(
            seed: seed, chain: chain(), demand: demand, market: market,
            collaterals: [collateral], borrowers: borrowers, keepers: keepers,
            arbitrageurs: arbitrage
                ? [ArbitrageurSettings(address: ProtocolWorld.arbitrageur(0))] : [],
            checksInvariants: checks)
    }
}

/// What the race ledger would see: each attempt, and the prices of every block.
final class RaceRecorder: ProtocolBlockObserver {
    struct Attempt {
        var block: UInt64
        var time: SimTime
        var sender: Address
        var attempt: LiquidationAttempt
        var tip: Wei
        var succeeded: Bool
        var revert: String?
        var feePaid: Wei
    }

    struct Prices {
        var block: UInt64
        var time: SimTime
        var market: Double
        var oracle: UInt256
        var median: UInt256
        var spot: UInt256
    }

    var attempts: [Attempt] = []
    var prices: [Prices] = []
    var events: [ProtocolState.Event] = []
    var vaultEvents = 0
    var lastState: ProtocolState?
    /// Brute force, for the tests only: the sum over blocks of the unsafe vaults after
    /// each block (a scan per block, which is what keepers must not do).
    var countsUnsafeVaults = false
    var unsafeVaultBlocks = 0

    func didProduce(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState,
        prices: [CollateralBlockPrices]
    ) {
        for index in block.transactions.indices {
            let transaction = block.transactions[index]
            let receipt = block.receipts[index]
            guard let attempt = LiquidationAttempt(calls: transaction.calls) else { continue }
            var revert: String?
            if case .reverted(let reason) = receipt.status { revert = reason.reason }
            attempts.append(
                Attempt(
                    block: block.input.number, time: block.input.time, sender: transaction.sender,
                    attempt: attempt, tip: transaction.bid.tipCap,
                    succeeded: receipt.status.isSuccess, revert: revert,
                    feePaid: receipt.fee.paid))
        }
        for event in block.events {
            events.append(event)
            if case .maker(let maker) = event {
                switch maker {
                case .frobbed, .barked, .bitten: vaultEvents += 1
                default: break
                }
            }
        }
        if let first = prices.first {
            self.prices.append(
                Prices(
                    block: block.input.number, time: block.input.time, market: first.marketPrice,
                    oracle: first.oraclePrice, median: first.medianPrice, spot: first.spot))
        }
        lastState = state
        if countsUnsafeVaults {
            for ilk in state.maker.ilkIDs {
                unsafeVaultBlocks += state.maker.unsafeVaults(ilk: ilk).count
            }
        }
    }
}
