import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

/// The liquidation race in small protocol worlds: who wins, who reverts and pays, oracle
/// stalls, and the keepers' index use. Each test names its seed; rerun it alone to
/// reproduce.
@Suite("Liquidation race")
struct RaceTests {
    @Test(
        "two keepers race for one vault: the higher bid wins bark and take, the loser reverts and pays"
    )
    func twoKeeperRace() throws {
        let seed: UInt64 = 11
        let recorder = RaceRecorder()
        let configuration = ProtocolWorldFixture.world(
            seed: seed,
            keepers: [
                ProtocolWorldFixture.keeper(0, gwei: 50), ProtocolWorldFixture.keeper(1, gwei: 100),
            ],
            borrowers: ProtocolWorldFixture.borrowers(count: 1))
        let world = try ProtocolWorld(configuration, observer: recorder)
        let outcome = try world.run(until: .hours(2))
        #expect(
            outcome != .stopped,
            "seed \(seed): \(String(describing: world.producer.core.invariantViolation))")
        let winner = ProtocolWorld.keeper(1)
        let loser = ProtocolWorld.keeper(0)

        let barks = recorder.attempts.filter { $0.attempt.kind == .bark }
        try #require(barks.count == 2, "seed \(seed): barks \(barks.map(\.sender))")
        #expect(barks[0].block == barks[1].block, "seed \(seed): both barks in one block")
        #expect(barks[0].sender == winner && barks[0].succeeded)
        #expect(barks[1].sender == loser && !barks[1].succeeded)
        #expect(barks[1].revert == "Dog/not-unsafe", "seed \(seed): \(barks[1].revert ?? "")")
        #expect(barks[1].feePaid > 0, "the loser pays gas")

        let takes = recorder.attempts.filter { $0.attempt.kind == .take }
        try #require(takes.count >= 2, "seed \(seed): takes \(takes.count)")
        let first = takes.filter { $0.block == takes[0].block }
        #expect(first.count == 2, "seed \(seed): both keepers take in one block")
        #expect(first[0].sender == winner && first[0].succeeded)
        #expect(first[1].sender == loser && !first[1].succeeded && first[1].feePaid > 0)
        #expect(world.keepers[0].statistics.gasBurntByRevertsWei > 0)
        #expect(world.keepers[1].statistics.liquidations == 1)
        // The auction is over and the Vow was paid: every take landed before the tab ran out.
        let state = try #require(recorder.lastState)
        #expect(state.maker.liveAuctionIDs.isEmpty, "seed \(seed)")
        #expect(!state.maker.dai(ProtocolWorld.vow).isZero)
    }

    @Test("a feed with a gas ceiling stops reporting in congestion, and the OSM lags the market")
    func oracleCeilingStalls() throws {
        let seed: UInt64 = 5
        let congestedFrom = SimTime.minutes(20)
        let demand = BackgroundDemand(
            schedule: DemandSchedule([
                .init(
                    start: .zero,
                    level: DemandLevel(gasPerSecond: 600_000, medianPriceGwei: 20, spread: 0.3)),
                .init(
                    start: congestedFrom,
                    level: DemandLevel(
                        gasPerSecond: 5_000_000, medianPriceGwei: 400, spread: 0.3)),
            ]))
        func run(ceiling: Wei?) throws -> (RaceRecorder, ProtocolWorld) {
            let recorder = RaceRecorder()
            let gas = GasPolicy(
                strategy: .baseFeeMultiple(percent: 150, priorityFee: .gwei(2)),
                ceiling: ceiling)
            let configuration = ProtocolWorldFixture.world(
                seed: seed, keepers: [], borrowers: ProtocolWorldFixture.borrowers(count: 10),
                market: ProtocolWorldFixture.market(crash: -0.3, crashAt: .minutes(40)),
                collateral: ProtocolWorldFixture.collateral(hop: 600, transmitterGas: gas),
                demand: demand)
            let world = try ProtocolWorld(configuration, observer: recorder)
            _ = try world.run(until: .minutes(90))
            return (recorder, world)
        }
        let (capped, cappedWorld) = try run(ceiling: .gwei(100))
        let (free, _) = try run(ceiling: nil)
        let congested = try #require(
            capped.prices.first { $0.time >= congestedFrom + .minutes(5) })
        let last = try #require(capped.prices.last)
        #expect(cappedWorld.transmitters[0].stalledCount > 0, "seed \(seed)")
        // With the ceiling the median never moves after congestion sets in.
        #expect(last.median == congested.median, "seed \(seed): the median moved in congestion")
        // The market fell 30%; the capped OSM still shows the old price, the free one does not.
        let marketWad = UInt256(truncating: last.market * 1e18) ?? .zero
        let freeLast = try #require(free.prices.last)
        #expect(last.oracle > marketWad * UInt256(12 as UInt64) / UInt256(10 as UInt64))
        #expect(freeLast.oracle < marketWad * UInt256(105 as UInt64) / UInt256(100 as UInt64))
        // The lag: how long the capped OSM has been off the market by more than 5%.
        let offSince = capped.prices.last { price in
            let market = UInt256(truncating: price.market * 1e18) ?? .zero
            return price.oracle <= market * UInt256(105 as UInt64) / UInt256(100 as UInt64)
        }
        let lag = last.time - (offSince?.time ?? .zero)
        print("oracle lag with a 100 gwei ceiling: \(lag.milliseconds / 1_000) s (seed \(seed))")
        #expect(lag >= .minutes(45), "seed \(seed): lag \(lag)")
    }

    @Test("keepers never scan: index queries per block, updates per vault event")
    func keepersNeverScan() throws {
        let seed: UInt64 = 21
        let vaults = 2_000
        let recorder = RaceRecorder()
        recorder.countsUnsafeVaults = true
        let configuration = ProtocolWorldFixture.world(
            seed: seed,
            keepers: (0..<3).map { ProtocolWorldFixture.keeper($0, gwei: 20 + 10 * UInt64($0)) },
            borrowers: ProtocolWorldFixture.borrowers(count: vaults, ratio: 1.55, reactive: 0.3),
            market: ProtocolWorldFixture.market(crash: -0.2, crashAt: .minutes(5)))
        let world = try ProtocolWorld(configuration, observer: recorder)
        let outcome = try world.run(until: .minutes(40))
        #expect(outcome != .stopped, "seed \(seed)")
        let blocks = Int(world.producer.chain.head.number)
        let liquidated = recorder.attempts.filter { $0.attempt.kind == .bark && $0.succeeded }
        #expect(!liquidated.isEmpty, "seed \(seed): the crash liquidates something")
        for keeper in world.keepers {
            // One query per ilk per new block it saw; never one per vault.
            #expect(keeper.indexQueries <= blocks, "seed \(seed)")
            // Genesis (one update per vault) plus one per vault event it applied.
            #expect(keeper.indexUpdates <= vaults + recorder.vaultEvents, "seed \(seed)")
            // The vaults it visits are unsafe ones (at most every unsafe vault of every
            // block), far fewer than a scan's vaults × blocks.
            #expect(keeper.indexReturned <= recorder.unsafeVaultBlocks, "seed \(seed)")
            #expect(keeper.indexReturned * 20 < vaults * keeper.indexQueries, "seed \(seed)")
        }
        #expect(world.borrowers.indexQueries <= blocks)
    }

    @Test("same seed, same run; an added agent leaves the market and block times unchanged")
    func determinism() throws {
        let seed: UInt64 = 3
        func configuration() -> ProtocolWorldConfiguration {
            ProtocolWorldFixture.world(
                seed: seed,
                keepers: [
                    ProtocolWorldFixture.keeper(0, gwei: 30),
                    ProtocolWorldFixture.keeper(1, gwei: 40, raisePercent: 15),
                ],
                borrowers: ProtocolWorldFixture.borrowers(count: 200, reactive: 0.5),
                market: ProtocolWorldFixture.market(crash: -0.25, crashAt: .minutes(3)),
                arbitrage: true)
        }
        func run(extra: Bool) throws -> (RunDigest, RaceRecorder) {
            let recorder = RaceRecorder()
            let world = try ProtocolWorld(configuration(), observer: recorder)
            if extra {
                _ = world.kernel.add(IdleAgent())
            }
            _ = try world.run(until: .minutes(30))
            return (world.kernel.digest, recorder)
        }
        let (first, firstRecord) = try run(extra: false)
        let (second, secondRecord) = try run(extra: false)
        #expect(first == second, "seed \(seed)")
        #expect(firstRecord.attempts.count == secondRecord.attempts.count)
        let (_, withExtra) = try run(extra: true)
        #expect(withExtra.prices.map(\.time) == firstRecord.prices.map(\.time), "seed \(seed)")
        #expect(withExtra.prices.map(\.market) == firstRecord.prices.map(\.market))
    }

    @Test(
        "conservation: ledger and Maker invariants hold after every block",
        arguments: [1, 2, 3] as [UInt64])
    func conservation(seed: UInt64) throws {
        let configuration = ProtocolWorldFixture.world(
            seed: seed,
            keepers: [
                ProtocolWorldFixture.keeper(0, gwei: 30, flash: true),
                ProtocolWorldFixture.keeper(1, gwei: 40, raisePercent: 20, dai: 1_000, flash: true),
                ProtocolWorldFixture.keeper(2, gwei: 35),
            ],
            borrowers: ProtocolWorldFixture.borrowers(count: 300, ratio: 1.52, reactive: 0.5),
            market: ProtocolWorldFixture.market(crash: -0.35, crashAt: .minutes(2)),
            arbitrage: true, checks: true)
        let world = try ProtocolWorld(configuration)
        let outcome = try world.run(until: .minutes(45))
        #expect(
            world.producer.core.invariantViolation == nil,
            "seed \(seed): \(String(describing: world.producer.core.invariantViolation))")
        #expect(outcome != .stopped, "seed \(seed)")
    }
}

/// An agent that does nothing but wake now and then (for the determinism test).
final class IdleAgent: Agent {
    let name = "idle"
    func start(_ context: Context<ProtocolMessage>) {
        context.wake(
            after: .seconds(Int64(1 + context.random.uniformInt(below: 10))), .timer(tag: 0))
    }
    func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        context.wake(after: .seconds(7), .timer(tag: 0))
    }
}
