import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

/// Lending keepers racing on an Aave v2 position inside a running protocol world, with
/// the race ledger fed exactly as a run's output sink feeds it.
@Suite("lending race: two keepers on one Aave position")
struct LendingRaceTests {
    static let usdc = 0
    static let crv = 1

    /// USDC (collateral, 88% threshold, 4.5% bonus) and CRV (debt) on Aave v2; one account
    /// with 100,000 USDC owing 160,000 CRV (health factor 1.1 at $0.50), and CRV jumping by
    /// `jump` at one minute. Deep venues, three feed operators, fixed latencies.
    static func world(
        keepers: [LendingKeeperSettings], jump: Double, kind: LendingPoolKind = .aave(.v2),
        extraAccounts: [LendingAccountSettings] = []
    ) -> ProtocolWorldConfiguration {
        let market = MarketConfiguration(
            assets: [
                MarketAsset(name: "ETH", model: .constant(price: 1_000)),
                MarketAsset(name: "USDC", model: .constant(price: 1)),
                MarketAsset(
                    name: "CRV", model: .constant(price: 0.5),
                    shocks: [ScriptedShock(start: .seconds(60), change: jump)]),
            ], resolution: .seconds(1), horizon: .minutes(30))
        let deep = ProtocolWorldFixture.deepVenue
        let feed = ProtocolWorldFixture.lendingFeed
        let assets = [
            LendingAssetSettings(
                symbol: "USDC", asset: "USDC", decimals: 6, ltvBps: 8_000,
                liquidationThresholdBps: 8_800, liquidationBonusBps: 10_450,
                liquidity: UInt256(1_000_000 as UInt64) * UInt256.powerOfTen(6), venue: deep,
                operators: 3, quorum: 2, operatorTemplate: feed),
            LendingAssetSettings(
                symbol: "CRV", asset: "CRV", decimals: 18, ltvBps: 5_500,
                liquidationThresholdBps: 6_500, liquidationBonusBps: 11_000,
                liquidity: UInt256(1_000_000 as UInt64) * .wad, venue: deep, operators: 3,
                quorum: 2, operatorTemplate: feed),
        ]
        let lending = LendingSettings(
            kind: kind, assets: assets,
            accounts: [
                LendingAccountSettings(
                    name: "short", collateral: usdc,
                    collateralAmount: UInt256(100_000 as UInt64) * UInt256.powerOfTen(6), debt: crv,
                    debtAmount: UInt256(160_000 as UInt64) * .wad)
            ] + extraAccounts,
            keepers: keepers)
        return ProtocolWorldFixture.lendingWorld(
            seed: 11, market: market, lending: lending)
    }

    /// A lending keeper with fixed latencies and a fixed bid of `gwei` (tip and cap).
    static func keeper(_ index: Int, gwei: UInt64) -> LendingKeeperSettings {
        LendingKeeperSettings(
            name: "liquidator-\(index)", address: ProtocolWorld.lendingKeeper(index),
            observation: .fixed(milliseconds: 200), propagation: .fixed(milliseconds: 100),
            gas: GasPolicy(
                strategy: .fixed(.eip1559(maxFee: .gwei(gwei), priorityFee: .gwei(gwei)))),
            capital: [.zero, UInt256(1_000_000 as UInt64) * .wad])
    }

    @Test("both send in one block; the higher bid liquidates, the lower reverts and pays gas")
    func twoKeepers() throws {
        // CRV +12.3%: the health factor falls to about 0.98, so one 50% liquidation makes
        // the account safe again and the second call must revert.
        let configuration = Self.world(
            keepers: [Self.keeper(0, gwei: 50), Self.keeper(1, gwei: 100)], jump: 0.123)
        let recorder = LedgerRecorder()
        let world = try ProtocolWorld(configuration, observer: recorder)
        let outcome = try world.run(until: .minutes(10))
        #expect(
            outcome != .stopped, "\(String(describing: world.producer.core.invariantViolation))")
        let lending = try #require(world.lending)
        let account = Address(lending.firstAccount)
        let low = lending.keepers[0]
        let high = lending.keepers[1]

        #expect(high.statistics.liquidations == 1)
        #expect(high.statistics.reverted == 0)
        #expect(low.statistics.liquidations == 0)
        #expect(low.statistics.reverted == 1)
        #expect(low.statistics.gasBurntByRevertsWei > 0)
        #expect(low.statistics.lastRevert == "HEALTH_FACTOR_NOT_BELOW_THRESHOLD")

        let races = recorder.ledger.races()
        #expect(races.count == 1)
        let race = try #require(races.first)
        #expect(race.position == "aave-v2:\(account)")
        #expect(race.protocolName == "aave-v2")
        #expect(race.attempts == 2)
        #expect(race.keepers == [low.settings.address, high.settings.address])
        #expect(race.failedAttempts == 1)
        #expect(race.failedFees == low.statistics.gasBurntByRevertsWei)
        #expect(race.winner == high.settings.address)
        #expect(race.winningGasPrice.map { $0 > .gwei(50) } == true)
        #expect(race.outcome == .liquidated)
        #expect(race.liquidatableBlock != nil)
        #expect(race.unsafeBlock != nil)
        #expect(race.firstAttemptBlock == race.liquidatedBlock)
        #expect(race.liquidatableBlock.map { $0 <= race.liquidatedBlock ?? 0 } == true)
        // Half the debt repaid, in CRV: 80,000 CRV of 160,000 (the unit is CRV, 45 decimals).
        #expect(recorder.ledger.totals.badDebtUnit == "CRV")
        #expect(race.debt >= UInt256(160_000 as UInt64) * UInt256.powerOfTen(45))
        #expect(race.proceeds * UInt256(2 as UInt64) >= race.debt - UInt256.powerOfTen(45))
        #expect(race.shortfall == .zero)
        #expect(recorder.ledger.totals.liquidations == 1)
        #expect(recorder.ledger.totals.failedTransactions == 1)
        #expect(recorder.ledger.totals.badDebt.isZero)

        // The ledger saw each attempt: the winner's first, the loser's reverted after it.
        let attempts = recorder.attempts
        #expect(attempts.map(\.succeeded) == [true, false])
        #expect(attempts.map(\.sender) == [high.settings.address, low.settings.address])
    }

    @Test("collateral gone with debt left: the race ends bad_debt with that debt as shortfall")
    func badDebt() throws {
        // CRV +60%: the account's 100,000 USDC no longer cover its debt with the bonus.
        let configuration = Self.world(keepers: [Self.keeper(0, gwei: 50)], jump: 0.6)
        let recorder = LedgerRecorder()
        let world = try ProtocolWorld(configuration, observer: recorder)
        _ = try world.run(until: .minutes(20))
        let lending = try #require(world.lending)
        let account = Address(lending.firstAccount)
        let state = world.producer.chain.state
        let pool = state.aavePools[lending.reader.pool]
        #expect(pool.accountsWithBadDebt == [account])
        let left = pool.debtBalance(of: account, asset: Self.crv, at: 600)
        let race = try #require(recorder.ledger.races().first)
        #expect(race.outcome == .badDebt)
        #expect(race.shortfall == left * UInt256.powerOfTen(27))
        #expect(recorder.ledger.totals.badDebt == left * UInt256.powerOfTen(27))
    }

    @Test("Compound: a shortfall is liquidated with liquidateBorrow and raced for as on Aave")
    func compound() throws {
        let configuration = Self.world(
            keepers: [Self.keeper(0, gwei: 50), Self.keeper(1, gwei: 100)], jump: 0.123,
            kind: .compound)
        let recorder = LedgerRecorder()
        let world = try ProtocolWorld(configuration, observer: recorder)
        let outcome = try world.run(until: .minutes(10))
        #expect(outcome != .stopped)
        let lending = try #require(world.lending)
        let high = lending.keepers[1]
        #expect(high.statistics.liquidations >= 1)
        let race = try #require(recorder.ledger.races().first)
        #expect(race.position == "compound-v2:\(Address(lending.firstAccount))")
        #expect(race.protocolName == "compound-v2")
        #expect(race.winner == high.settings.address)
        #expect(race.liquidatedBlock != nil)
        #expect(recorder.ledger.totals.liquidations >= 1)
    }

    @Test("positions borrowing different assets count their amounts in USD")
    func usdUnit() throws {
        let second = LendingAccountSettings(
            name: "long", collateral: Self.crv, collateralAmount: UInt256(100_000 as UInt64) * .wad,
            debt: Self.usdc, debtAmount: UInt256(10_000 as UInt64) * UInt256.powerOfTen(6))
        let configuration = Self.world(
            keepers: [Self.keeper(0, gwei: 50)], jump: 0.123, extraAccounts: [second])
        let recorder = LedgerRecorder()
        let world = try ProtocolWorld(configuration, observer: recorder)
        _ = try world.run(until: .minutes(5))
        #expect(recorder.ledger.totals.badDebtUnit == "USD")
        let race = try #require(recorder.ledger.races().first)
        // 160,000 CRV at about $0.56 when the race opened: tens of thousands of USD.
        let usd = race.debt / UInt256.powerOfTen(45)
        #expect(usd > UInt256(80_000 as UInt64) && usd < UInt256(100_000 as UInt64))
    }
}

/// Feeds a `RaceLedger` every block, with each price slot's market price as WAD (what
/// `ProtocolOutputSink` does), and records the lending attempts.
final class LedgerRecorder: ProtocolBlockObserver {
    struct Attempt {
        var sender: Address
        var succeeded: Bool
    }

    var ledger = RaceLedger()
    var attempts: [Attempt] = []

    func didProduce(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState,
        prices: [CollateralBlockPrices]
    ) {
        var market: [UInt256?] = []
        for price in prices {
            let slot = Int(price.ilk.rawValue)
            while market.count <= slot { market.append(nil) }
            market[slot] = UInt256(truncating: price.marketPrice * 1e18)
        }
        for (transaction, receipt) in zip(block.transactions, block.receipts) {
            for call in transaction.calls {
                if case .aave(_, .liquidationCall) = call {
                    attempts.append(
                        Attempt(sender: transaction.sender, succeeded: receipt.status.isSuccess))
                }
            }
        }
        ledger.record(block, state: state, marketPrices: market)
    }
}
