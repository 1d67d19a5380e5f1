import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

/// The flash-loan attacker in a running lending world: an Aave v2 pool lending USDC
/// against TKN, TKN priced from its own Uniswap v2 pair — by the pair's spot price, which
/// the attacker's bundle pumps and borrows against, or by a 30-minute TWAP, which it
/// cannot move.
@Suite("flash-loan attack: a pool priced from its pair")
struct FlashLoanAttackTests {
    static let usdc = 0
    static let tkn = 1

    /// USDC and TKN at a constant $1; 1,000,000 USDC supplied; a 100,000/100,000 pair with
    /// an arbitrageur and, for a TWAP, its poker; one attacker trying eight loan sizes.
    static func world(_ source: LendingPairSettings.PriceSource) -> ProtocolWorldConfiguration {
        let market = MarketConfiguration(
            assets: [
                MarketAsset(name: "ETH", model: .constant(price: 400)),
                MarketAsset(name: "USDC", model: .constant(price: 1)),
                MarketAsset(name: "TKN", model: .constant(price: 1)),
            ], resolution: .seconds(1), horizon: .hours(2))
        let deep = ProtocolWorldFixture.deepVenue
        let feed = ProtocolWorldFixture.lendingFeed
        let assets = [
            LendingAssetSettings(
                symbol: "USDC", asset: "USDC", decimals: 6, ltvBps: 8_000,
                liquidationThresholdBps: 8_500,
                liquidity: UInt256(1_000_000_000_000 as UInt64), venue: deep, operators: 3,
                quorum: 2, operatorTemplate: feed),
            LendingAssetSettings(
                symbol: "TKN", asset: "TKN", decimals: 18, ltvBps: 7_500,
                liquidationThresholdBps: 8_000, venue: deep, operators: 3, quorum: 2,
                operatorTemplate: feed),
        ]
        var lending = LendingSettings(kind: .aave(.v2), assets: assets)
        let fast = LatencyModel.fixed(milliseconds: 100)
        let gas = GasPolicy(strategy: .fixed(.eip1559(maxFee: .gwei(50), priorityFee: .gwei(2))))
        var pair = LendingPairSettings(
            asset: tkn, quote: usdc, assetReserve: UInt256(100_000 as UInt64) * .wad,
            quoteReserve: UInt256(100_000_000_000 as UInt64), priceSource: source,
            arbitrageur: ArbitrageurSettings(
                name: "pair-arbitrageur", address: ProtocolWorld.lendingArbitrageur,
                collateral: tkn, threshold: 0.01, collateralCapital: 1_000_000,
                daiCapital: 1_000_000, observation: fast, propagation: fast, gas: gas))
        if case .twap = source {
            pair.poker = OSMPokerSettings(
                name: "twap-poker", address: ProtocolWorld.lendingTWAPPoker, gas: gas,
                observation: fast, propagation: fast)
        }
        lending.pair = pair
        lending.flashAttackers = [
            FlashLoanAttackerSettings(
                name: "flash-attacker-0", address: ProtocolWorld.flashAttacker(0), sizes: 8,
                observation: fast, propagation: fast, gas: gas)
        ]
        return ProtocolWorldFixture.lendingWorld(seed: 9, market: market, lending: lending)
    }

    /// The attacker's position at the end at $1 a TKN: USDC owed, and TKN supplied.
    static func position(_ world: ProtocolWorld) throws -> (debt: UInt256, collateral: UInt256) {
        let lending = try #require(world.lending)
        let state = world.producer.chain.state
        let attacker = ProtocolWorld.flashAttacker(0)
        let now = UInt64(world.producer.chain.head.time.wholeSeconds)
        return (
            lending.reader.debt(of: attacker, asset: usdc, state, at: now),
            lending.reader.collateral(of: attacker, asset: tkn, state, at: now)
        )
    }

    @Test("on the spot-priced genesis the best bundle borrows more than it repays, exactly")
    func spotBundle() throws {
        let world = try ProtocolWorld(Self.world(.spot))
        let lending = try #require(world.lending)
        let attacker = try #require(lending.flashAttackers.first)
        let state = world.producer.chain.state
        let block = BlockContext(number: 1, timestamp: 12)
        let bundle = try #require(attacker.bestBundle(state, block: block))
        #expect(bundle.calls.count == 4)
        guard case .aave(_, .flashLoan(asset: Self.usdc, let amount)) = bundle.calls[0] else {
            Issue.record("the bundle starts with the flash loan: \(bundle.calls)")
            return
        }
        #expect(amount == bundle.loan)
        // The doc's condition: the loan is more than a third of the pair's 100,000 USDC.
        #expect(bundle.loan * 3 > UInt256(100_000_000_000 as UInt64))
        // What it keeps is what the contracts leave it: the same calls, run again.
        let after = try state.dryRun(
            bundle.calls, caller: ProtocolWorld.flashAttacker(0), block: block)
        let usdcToken = lending.tokens[Self.usdc]
        #expect(
            UInt256(after.ledger.balance(of: usdcToken, ProtocolWorld.flashAttacker(0)))
                == bundle.profit)
        #expect(bundle.profit > UInt256(100_000_000_000 as UInt64))
    }

    @Test("against the TWAP no size pays: before the first average and after it")
    func twapBundle() throws {
        let world = try ProtocolWorld(Self.world(.twap(windowSeconds: 1_800)))
        let lending = try #require(world.lending)
        let attacker = try #require(lending.flashAttackers.first)
        // No average yet: the pool cannot price TKN, every size reverts.
        #expect(
            attacker.bestBundle(
                world.producer.chain.state, block: BlockContext(number: 1, timestamp: 12))
                == nil)
        _ = try world.run(until: .minutes(40))
        let state = world.producer.chain.state
        let poker = try #require(lending.twapPoker)
        #expect(poker.pokesIncluded >= 1)
        let twap = try #require(lending.twap)
        #expect(state.twaps[twap].updates >= 1)
        let now = UInt64(world.producer.chain.head.time.wholeSeconds)
        #expect(
            attacker.bestBundle(
                state,
                block: BlockContext(
                    number: world.producer.chain.head.number + 1,
                    timestamp: now)) == nil)
        #expect(attacker.statistics.sent == 0)
        #expect(attacker.statistics.unprofitable > 0)
    }

    @Test("a run: the spot pool is drained and left short, the TWAP pool loses nothing")
    func endToEnd() throws {
        let spot = try ProtocolWorld(Self.world(.spot))
        #expect(try spot.run(until: .minutes(30)) != .stopped)
        let spotAttacker = try #require(spot.lending?.flashAttackers.first)
        #expect(spotAttacker.statistics.included >= 1)
        // A bundle sent on a pair the arbitrageur then moves may revert (its swap's minimum
        // output); every bundle sent is accounted for once the run is over.
        let outcomes = spotAttacker.statistics
        #expect(outcomes.included + outcomes.reverted + outcomes.dropped <= outcomes.sent)
        let (debt, collateral) = try Self.position(spot)
        // At $1 a TKN (the arbitrageur has pulled the pair back) the collateral covers a
        // fraction of the debt: the rest is the suppliers' loss, and the attacker's haul.
        let collateralUSDC = collateral / UInt256.powerOfTen(12)
        #expect(collateralUSDC * 2 < debt)
        // It keeps what it borrowed less the loans and their 0.09% premiums (no interest
        // accrues in this pool, so the debt is what it borrowed).
        let statistics = spotAttacker.statistics
        let repaid = debt - statistics.profit
        #expect(!statistics.profit.isZero && !statistics.flashVolume.isZero)
        #expect(repaid >= statistics.flashVolume)
        #expect(repaid <= statistics.flashVolume + statistics.flashVolume * 9 / 10_000)

        let twap = try ProtocolWorld(Self.world(.twap(windowSeconds: 1_800)))
        #expect(try twap.run(until: .minutes(50)) != .stopped)
        let twapAttacker = try #require(twap.lending?.flashAttackers.first)
        #expect(twapAttacker.statistics.sent == 0)
        let (twapDebt, twapCollateral) = try Self.position(twap)
        #expect(twapDebt.isZero && twapCollateral.isZero)
        #expect(twapAttacker.statistics.profit.isZero)
    }

    @Test("the same spot world runs to the same digest and state twice")
    func determinism() throws {
        var digests: [UInt64] = []
        var states: [ProtocolState] = []
        for _ in 0..<2 {
            let world = try ProtocolWorld(Self.world(.spot))
            _ = try world.run(until: .minutes(10))
            digests.append(world.kernel.digest.value)
            states.append(world.producer.chain.state)
        }
        #expect(digests[0] == digests[1])
        #expect(states[0] == states[1])
    }
}
